package api

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"finhealth"
	fhttp "finhealth/http"
	"finhealth/http/internal/servertest"
)

// matrixAccountID is the Wave id of the account the mapping routes act on.
const matrixAccountID = "QWNjb3VudDptYXRyaXg="

// warehouseMatrixRequest prepares the request an actor sends to one of the
// warehouse routes so that it succeeds when the actor is allowed: organization X is
// connected to the fake's Acme business through the API (its first sync stays
// queued, since the matrix runs no worker), and the state each route needs is made
// right before each actor's request, because an allowed actor's request changes it.
func warehouseMatrixRequest(fx *servertest.MatrixFixture, t *testing.T, rt fhttp.Route, actor string, r *servertest.Request) bool {
	t.Helper()
	a := fx.API
	ctx := context.Background()
	owner := *fx.Accounts["owner"]
	connect := func() {
		if _, err := a.DB.WaveConnection(ctx, fx.OrgX); err == nil {
			return
		}
		a.ConnectWave(owner, fx.OrgX)
		a.ChooseBusiness(owner, fx.OrgX, a.Wave.Fake.Seed().AcmeBusinessID)
	}
	// finishRuns fails whatever sync is queued, so that another may be queued.
	finishRuns := func() {
		runs, _, err := a.DB.ListSyncRuns(ctx, fx.OrgX, "", 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) == 1 && runs[0].Status.Active() {
			if _, err := a.DB.FinishSyncRun(ctx, runs[0].ID, finhealth.SyncFailed, finhealth.SyncProgress{}, "matrix"); err != nil {
				t.Fatal(err)
			}
		}
	}
	account := func() {
		connect()
		if _, err := a.DB.UpsertAccounts(ctx, fx.OrgX, []finhealth.LedgerAccount{{
			WaveID: matrixAccountID, BusinessWaveID: a.Wave.Fake.Seed().AcmeBusinessID, Name: "Equipment Loan",
			Type: finhealth.AccountLiability, Subtype: finhealth.SubtypeLoans, NormalBalance: finhealth.NormalCredit, Currency: "USD",
			Balance:        finhealth.Money{Minor: 100000, Currency: "USD", Exponent: 2},
			AccountBalance: finhealth.Money{Minor: 100000, Currency: "USD", Exponent: 2},
		}}); err != nil {
			t.Fatal(err)
		}
	}
	accountPath := strings.Replace(rt.Path, "{id}", fx.OrgX, 1)
	accountPath = strings.Replace(accountPath, "{account_id}", url.PathEscape(matrixAccountID), 1)

	switch rt.Pattern() {
	case "GET /api/v1/organizations/{id}/wave", "GET /api/v1/organizations/{id}/wave/sync-runs",
		"GET /api/v1/organizations/{id}/health", "GET /api/v1/organizations/{id}/health/history",
		"GET /api/v1/organizations/{id}/metrics", "GET /api/v1/organizations/{id}/metrics/latest",
		"GET /api/v1/organizations/{id}/account-mapping", "GET /api/v1/portfolio",
		"POST /api/v1/organizations/{id}/wave/connect":
	case "GET /api/v1/organizations/{id}/wave/businesses", "DELETE /api/v1/organizations/{id}/wave":
		connect()
	case "POST /api/v1/organizations/{id}/wave/business":
		connect()
		r.Body = map[string]string{"business_id": a.Wave.Fake.Seed().AcmeBusinessID}
	case "POST /api/v1/organizations/{id}/wave/sync":
		connect()
		finishRuns()
	case "GET /api/v1/organizations/{id}/wave/sync-runs/{run_id}":
		connect()
		runs, _, err := a.DB.ListSyncRuns(ctx, fx.OrgX, "", 1)
		if err != nil || len(runs) == 0 {
			t.Fatalf("no sync run to read: %v", err)
		}
		r.Path = strings.Replace(strings.Replace(rt.Path, "{id}", fx.OrgX, 1), "{run_id}", runs[0].ID, 1)
	case "PUT /api/v1/organizations/{id}/account-mapping/{account_id}":
		account()
		r.Path = accountPath
		r.Body = map[string]string{"class": "current_debt", "note": "set by " + actor}
	case "DELETE /api/v1/organizations/{id}/account-mapping/{account_id}":
		account()
		if _, err := a.DB.SetAccountOverride(finhealth.WithActor(ctx, finhealth.Actor{UserID: owner.ID}), fx.OrgX,
			finhealth.AccountOverride{AccountID: matrixAccountID, Class: finhealth.ClassCurrentDebt}); err != nil {
			t.Fatal(err)
		}
		r.Path = accountPath
	case "GET /api/v1/wave/callback":
		acc := fx.Accounts[actor]
		if acc == nil {
			r.Path = "/api/v1/wave/callback?state=x&code=y"
			return true
		}
		// Any signed-in user may call back, for an organization they may connect.
		orgID := fx.OrgX
		if fx.RoleIn(actor, orgID) != finhealth.OrgRoleOwner {
			if orgID = acc.OrgID; fx.RoleIn(actor, orgID) != finhealth.OrgRoleOwner {
				helper := a.RegisterDirect("Helper")
				a.AddMember(helper.OrgID, helper.ID, acc, finhealth.OrgRoleOwner)
				orgID = helper.OrgID
			}
		}
		var cs fhttp.ConnectStarted
		a.Do(servertest.Request{Method: "POST", Path: servertest.OrgPath(orgID, "/wave/connect"), Token: acc.Token}).Expect(t, http.StatusOK).Decode(t, &cs)
		r.Path = "/api/v1/wave/callback?" + a.Authorize(cs.AuthorizeURL).Encode()
	default:
		return false
	}
	return true
}
