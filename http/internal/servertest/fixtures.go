package servertest

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"reflect"
	"testing"
	"time"

	"finhealth"
	fhttp "finhealth/http"
	"finhealth/scoring"
	"finhealth/store"
)

// Team is an organization with one member of each role and an outsider.
type Team struct {
	Owner, Advisor, Viewer, Outsider Account
	Org                              string
}

// NewTeam is an organization with an owner, an advisor and a viewer, and an outsider.
func NewTeam(a *API) Team {
	tm := Team{Owner: a.RegisterDirect("Olga"), Advisor: a.CreateUser("Adam", finhealth.RoleUser),
		Viewer: a.CreateUser("Vera", finhealth.RoleUser), Outsider: a.RegisterDirect("Otto")}
	tm.Org = tm.Owner.OrgID
	a.AddMember(tm.Org, tm.Owner.ID, &tm.Advisor, finhealth.OrgRoleAdvisor)
	a.AddMember(tm.Org, tm.Owner.ID, &tm.Viewer, finhealth.OrgRoleViewer)
	return tm
}

// PortfolioFixture is a user ("me") who owns "Me's business" (82 now, 70 forty days
// ago; overdue share and cash buffer exactly at their flag thresholds), advises
// "Bravo's business" (40, synced once, then Wave refused the grant), views
// "Charlie's business" (99) and co-owns the unscored "Echo's business" (metrics
// just on the safe side of the thresholds); "Delta's business" is not theirs.
type PortfolioFixture struct {
	Me, Advised, Viewed, Unscored Account
}

// NewPortfolioFixture is an advisor with organizations of every kind in their
// portfolio.
func NewPortfolioFixture(t *testing.T, a *API) PortfolioFixture {
	t.Helper()
	db := a.DB
	ctx := context.Background()
	me := a.RegisterDirect("Me")
	advised := a.RegisterDirect("Bravo")
	viewed := a.RegisterDirect("Charlie")
	a.RegisterDirect("Delta")
	unscored := a.RegisterDirect("Echo")
	a.AddMember(advised.OrgID, advised.ID, &me, finhealth.OrgRoleAdvisor)
	a.AddMember(viewed.OrgID, viewed.ID, &me, finhealth.OrgRoleViewer)
	a.AddMember(unscored.OrgID, unscored.ID, &me, finhealth.OrgRoleOwner)

	now := time.Now().UTC().Truncate(time.Second)
	score := func(orgID string, v float64, at time.Time) {
		if err := db.InsertHealthScore(ctx, orgID, finhealth.HealthScore{Status: finhealth.MetricOK, Score: &v,
			Tier: scoring.Tier(v), MethodVersion: scoring.HealthMethodVersion, AsOf: at}); err != nil {
			t.Fatal(err)
		}
	}
	metrics := func(orgID string, overdue, buffer float64) {
		if err := db.InsertMetrics(ctx, orgID, now, []finhealth.MetricValue{
			{Name: scoring.MetricOverdueShare, Unit: finhealth.UnitPercent, Status: finhealth.MetricOK, Value: &overdue},
			{Name: scoring.MetricCashBufferDays, Unit: finhealth.UnitDays, Status: finhealth.MetricOK, Value: &buffer},
		}); err != nil {
			t.Fatal(err)
		}
	}
	score(me.OrgID, 70, now.Add(-40*24*time.Hour))
	score(me.OrgID, 82, now)
	metrics(me.OrgID, 15, 14.9)
	score(advised.OrgID, 40, now)
	actx := finhealth.WithActor(ctx, finhealth.Actor{UserID: advised.ID})
	if _, err := db.SaveWaveConnection(actx, finhealth.WaveConnection{OrganizationID: advised.OrgID, WaveUserID: "wave-user",
		Business: &finhealth.WaveBusiness{ID: "biz", Name: "Bravo Books", Currency: "USD", CurrencyExponent: 2}},
		finhealth.OAuthToken{AccessToken: "a", RefreshToken: "r", Scope: "business:read"}); err != nil {
		t.Fatal(err)
	}
	run, err := db.CreateSyncRun(actx, advised.OrgID, finhealth.SyncFull, finhealth.SyncOnConnect)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.FinishSyncRun(ctx, run.ID, finhealth.SyncSucceeded, finhealth.SyncProgress{}, ""); err != nil {
		t.Fatal(err)
	}
	tok, err := db.WaveToken(ctx, advised.OrgID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.SetWaveConnectionStatus(actx, advised.OrgID, tok.GrantID, finhealth.WaveNeedsReconnect, string(finhealth.WaveGrantRevoked)); err != nil {
		t.Fatal(err)
	}
	metrics(unscored.OrgID, 14.9, 15)
	score(viewed.OrgID, 99, now)
	return PortfolioFixture{Me: me, Advised: advised, Viewed: viewed, Unscored: unscored}
}

// Health reads the live health score.
func (a *API) Health(acc Account, orgID string) fhttp.HealthView {
	a.T.Helper()
	var h fhttp.HealthView
	a.Call("GET", OrgPath(orgID, "/health"), acc.Token, nil).Expect(a.T, http.StatusOK).Decode(a.T, &h)
	return h
}

// ExpectedHealth is what scoring's own functions make of the stored data, computed
// the way the worker's rescore does.
func (a *API) ExpectedHealth(orgID string, latest *finhealth.Assessment) (finhealth.HealthScore, []finhealth.MetricValue) {
	a.T.Helper()
	ctx := context.Background()
	now := time.Now()
	history, err := a.DB.BalanceHistory(ctx, orgID, now.Add(-401*24*time.Hour), now.Add(time.Hour))
	if err != nil || len(history) == 0 {
		a.T.Fatalf("balance history: %d, %v", len(history), err)
	}
	asOf := history[len(history)-1].AsOf
	snap, err := a.DB.LedgerSnapshot(ctx, orgID, asOf)
	if err != nil {
		a.T.Fatal(err)
	}
	overrides, err := a.DB.AccountOverrides(ctx, orgID)
	if err != nil {
		a.T.Fatal(err)
	}
	mapping, err := scoring.ApplyOverrides(scoring.DefaultAccountMapping(snap.Accounts, nil), overrides)
	if err != nil {
		a.T.Fatal(err)
	}
	metrics := scoring.ComputeMetrics(*snap, history, mapping, asOf)
	return scoring.HealthOf(metrics, latest, snap, mapping, now), metrics
}

// CompareHealth compares everything but the moment the score describes.
func CompareHealth(t *testing.T, got fhttp.HealthView, want finhealth.HealthScore, wantMetrics []finhealth.MetricValue) {
	t.Helper()
	g := got.Health
	g.AsOf, want.AsOf = time.Time{}, time.Time{}
	// The change is explained against the stored history, which scoring's functions
	// alone do not see: check that it adds up, then compare the rest.
	if c := g.Change; c != nil {
		sum := 0.0
		for _, p := range c.Parts {
			sum += p.Delta
		}
		if g.Score == nil || math.Abs(sum-c.Delta) > 1e-9 || math.Abs(*g.Score-c.PreviousScore-c.Delta) > 1e-9 {
			t.Errorf("the change does not add up: %+v", c)
		}
	}
	want.Change = g.Change
	fhttp.NormalizeHealth(&want)
	if !SameJSON(t, g, want) {
		gb, _ := json.Marshal(g)
		wb, _ := json.Marshal(want)
		t.Errorf("health differs from scoring.CombinedHealth on the stored data:\n got %s\nwant %s", gb, wb)
	}
	if !SameJSON(t, got.Metrics, fhttp.NormalizeMetrics(wantMetrics)) {
		t.Error("metrics differ from scoring.ComputeMetrics on the stored data")
	}
}

// SameJSON compares two values as their API encodings.
func SameJSON(t *testing.T, a, b any) bool {
	t.Helper()
	ja, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	jb, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	var va, vb any
	_ = json.Unmarshal(ja, &va)
	_ = json.Unmarshal(jb, &vb)
	return reflect.DeepEqual(va, vb)
}

// StoreAssessment scores answers(pick) and stores them for the organization
// through the store, as a benchmark's fixture.
func StoreAssessment(tb testing.TB, db *store.DB, orgID, userID string, pick int) {
	tb.Helper()
	var in []finhealth.Answer
	for _, m := range Answers(pick) {
		in = append(in, finhealth.Answer{QuestionID: m["question_id"], Value: m["value"]})
	}
	a, err := scoring.Score(scoring.Current(), in)
	if err != nil {
		tb.Fatal(err)
	}
	a.OrganizationID, a.UserID = orgID, userID
	if _, err := db.CreateAssessment(context.Background(), a); err != nil {
		tb.Fatal(err)
	}
}
