package http

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"finhealth"
)

// matrixAccountID is the Wave id of the account the mapping routes act on.
const matrixAccountID = "QWNjb3VudDptYXRyaXg="

// warehouseMatrixRequest prepares the request an actor sends to one of the
// warehouse routes so that it succeeds when the actor is allowed: organization X is
// connected to the fake's Acme business through the API (its first sync stays
// queued, since the matrix runs no worker), and the state each route needs is made
// right before each actor's request, because an allowed actor's request changes it.
func (fx *matrixFixture) warehouseMatrixRequest(t *testing.T, rt route, actor string, r *req) bool {
	t.Helper()
	a := fx.api
	ctx := context.Background()
	owner := *fx.accounts["owner"]
	connect := func() {
		if _, err := a.db.WaveConnection(ctx, fx.orgX); err == nil {
			return
		}
		a.connectWave(owner, fx.orgX)
		a.chooseBusiness(owner, fx.orgX, a.wave.fake.Seed().AcmeBusinessID)
	}
	// finishRuns fails whatever sync is queued, so that another may be queued.
	finishRuns := func() {
		runs, _, err := a.db.ListSyncRuns(ctx, fx.orgX, "", 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) == 1 && runs[0].Status.Active() {
			if _, err := a.db.FinishSyncRun(ctx, runs[0].ID, finhealth.SyncFailed, finhealth.SyncProgress{}, "matrix"); err != nil {
				t.Fatal(err)
			}
		}
	}
	account := func() {
		connect()
		if _, err := a.db.UpsertAccounts(ctx, fx.orgX, []finhealth.LedgerAccount{{
			WaveID: matrixAccountID, BusinessWaveID: a.wave.fake.Seed().AcmeBusinessID, Name: "Equipment Loan",
			Type: finhealth.AccountLiability, Subtype: finhealth.SubtypeLoans, NormalBalance: finhealth.NormalCredit, Currency: "USD",
			Balance:        finhealth.Money{Minor: 100000, Currency: "USD", Exponent: 2},
			AccountBalance: finhealth.Money{Minor: 100000, Currency: "USD", Exponent: 2},
		}}); err != nil {
			t.Fatal(err)
		}
	}
	accountPath := strings.Replace(rt.path, "{id}", fx.orgX, 1)
	accountPath = strings.Replace(accountPath, "{account_id}", url.PathEscape(matrixAccountID), 1)

	switch rt.pattern() {
	case "GET /api/v1/organizations/{id}/wave", "GET /api/v1/organizations/{id}/wave/sync-runs",
		"GET /api/v1/organizations/{id}/health", "GET /api/v1/organizations/{id}/health/history",
		"GET /api/v1/organizations/{id}/metrics", "GET /api/v1/organizations/{id}/metrics/latest",
		"GET /api/v1/organizations/{id}/account-mapping", "GET /api/v1/portfolio",
		"POST /api/v1/organizations/{id}/wave/connect":
	case "GET /api/v1/organizations/{id}/wave/businesses", "DELETE /api/v1/organizations/{id}/wave":
		connect()
	case "POST /api/v1/organizations/{id}/wave/business":
		connect()
		r.Body = map[string]string{"business_id": a.wave.fake.Seed().AcmeBusinessID}
	case "POST /api/v1/organizations/{id}/wave/sync":
		connect()
		finishRuns()
	case "GET /api/v1/organizations/{id}/wave/sync-runs/{run_id}":
		connect()
		runs, _, err := a.db.ListSyncRuns(ctx, fx.orgX, "", 1)
		if err != nil || len(runs) == 0 {
			t.Fatalf("no sync run to read: %v", err)
		}
		r.Path = strings.Replace(strings.Replace(rt.path, "{id}", fx.orgX, 1), "{run_id}", runs[0].ID, 1)
	case "PUT /api/v1/organizations/{id}/account-mapping/{account_id}":
		account()
		r.Path = accountPath
		r.Body = map[string]string{"class": "current_debt", "note": "set by " + actor}
	case "DELETE /api/v1/organizations/{id}/account-mapping/{account_id}":
		account()
		if _, err := a.db.SetAccountOverride(finhealth.WithActor(ctx, finhealth.Actor{UserID: owner.ID}), fx.orgX,
			finhealth.AccountOverride{AccountID: matrixAccountID, Class: finhealth.ClassCurrentDebt}); err != nil {
			t.Fatal(err)
		}
		r.Path = accountPath
	case "GET /api/v1/wave/callback":
		acc := fx.accounts[actor]
		if acc == nil {
			r.Path = "/api/v1/wave/callback?state=x&code=y"
			return true
		}
		// Any signed-in user may call back, for an organization they may connect.
		orgID := fx.orgX
		if fx.roleIn(actor, orgID) != finhealth.OrgRoleOwner {
			if orgID = acc.OrgID; fx.roleIn(actor, orgID) != finhealth.OrgRoleOwner {
				helper := a.registerDirect("Helper")
				a.addMember(helper.OrgID, helper.ID, acc, finhealth.OrgRoleOwner)
				orgID = helper.OrgID
			}
		}
		var cs connectStarted
		a.Do(req{Method: "POST", Path: orgPath(orgID, "/wave/connect"), Token: acc.Token}).Expect(t, http.StatusOK).Decode(t, &cs)
		r.Path = "/api/v1/wave/callback?" + a.authorize(cs.AuthorizeURL).Encode()
	default:
		return false
	}
	return true
}
