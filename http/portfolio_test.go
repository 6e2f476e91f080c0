package http

import (
	"context"
	"net/http"
	"testing"
	"time"

	"finhealth"
	"finhealth/scoring"
	"finhealth/store"
)

// TestPortfolio checks that the portfolio lists exactly the organizations the
// caller owns or advises, with their scores, change, last sync, connection and
// flags, in every order it offers.
func TestPortfolio(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		fx := newPortfolioFixture(t, a)
		me, viewed := fx.me, fx.viewed

		get := func(query string) []portfolioItem {
			t.Helper()
			var l list[portfolioItem]
			a.Get("/api/v1/portfolio"+query, me.Token).Expect(t, http.StatusOK).Decode(t, &l)
			return l.Items
		}
		names := func(items []portfolioItem) []string {
			out := make([]string, len(items))
			for i, it := range items {
				out[i] = it.Name
			}
			return out
		}
		byName := map[string]portfolioItem{}
		for _, it := range get("") {
			byName[it.Name] = it
		}
		if len(byName) != 3 {
			t.Fatalf("portfolio: %v", byName)
		}
		mine, adv, un := byName["Me's business"], byName["Bravo's business"], byName["Echo's business"]
		if mine.Role != finhealth.OrgRoleOwner || *mine.Score != 82 || *mine.Tier != finhealth.TierHealthy ||
			mine.Change30d == nil || *mine.Change30d != 12 || *mine.PreviousScore != 70 {
			t.Errorf("mine: %+v", mine)
		}
		if !equalStrings(mine.Flags, []string{flagOverdueShareHigh, flagCashBufferLow}) || mine.Connection.Status != notConnected {
			t.Errorf("mine: flags %v, connection %+v", mine.Flags, mine.Connection)
		}
		if adv.Role != finhealth.OrgRoleAdvisor || *adv.Score != 40 || adv.Change30d != nil ||
			!equalStrings(adv.Flags, []string{flagNeedsReconnect}) || adv.Connection.Reason != string(finhealth.WaveGrantRevoked) ||
			adv.Connection.ReasonMessage == "" || adv.Connection.BusinessName != "Bravo Books" ||
			adv.LastSync.At == nil || deref(adv.LastSync.Status) != string(finhealth.SyncSucceeded) {
			t.Errorf("advised: %+v", adv)
		}
		if un.Score != nil || un.Tier != nil || len(un.Flags) != 0 {
			t.Errorf("unscored: %+v", un)
		}

		for query, want := range map[string][]string{
			"":                           {"Bravo's business", "Echo's business", "Me's business"},
			"?sort=name&order=desc":      {"Me's business", "Echo's business", "Bravo's business"},
			"?sort=score":                {"Bravo's business", "Me's business", "Echo's business"},
			"?sort=score&order=desc":     {"Me's business", "Bravo's business", "Echo's business"},
			"?sort=change&order=desc":    {"Me's business", "Bravo's business", "Echo's business"},
			"?sort=last_sync&order=desc": {"Bravo's business", "Echo's business", "Me's business"},
		} {
			if got := names(get(query)); !equalStrings(got, want) {
				t.Errorf("portfolio%s: %v, want %v", query, got, want)
			}
		}
		for query, field := range map[string]string{"?sort=risk": "sort", "?order=up": "order"} {
			res := a.Get("/api/v1/portfolio"+query, me.Token).Expect(t, http.StatusUnprocessableEntity)
			if _, ok := res.ErrorFields(t)[field]; !ok {
				t.Errorf("%s: %s not named: %s", query, field, res.Body)
			}
		}
		// A user with only a viewer's membership has an empty portfolio.
		onlyViewer := a.createUser("Viewer", finhealth.RoleUser)
		a.addMember(viewed.OrgID, viewed.ID, &onlyViewer, finhealth.OrgRoleViewer)
		var l list[portfolioItem]
		a.Get("/api/v1/portfolio", onlyViewer.Token).Expect(t, http.StatusOK).Decode(t, &l)
		if len(l.Items) != 0 {
			t.Errorf("viewer's portfolio: %v", names(l.Items))
		}
		a.Get("/api/v1/portfolio", "").Expect(t, http.StatusUnauthorized)
	})
}

// portfolioFixture is a user ("me") who owns "Me's business" (82 now, 70 forty days
// ago; overdue share and cash buffer exactly at their flag thresholds), advises
// "Bravo's business" (40, synced once, then Wave refused the grant), views
// "Charlie's business" (99) and co-owns the unscored "Echo's business" (metrics
// just on the safe side of the thresholds); "Delta's business" is not theirs.
type portfolioFixture struct {
	me, advised, viewed, unscored account
}

func newPortfolioFixture(t *testing.T, a *testAPI) portfolioFixture {
	t.Helper()
	db := a.db
	ctx := context.Background()
	me := a.registerDirect("Me")
	advised := a.registerDirect("Bravo")
	viewed := a.registerDirect("Charlie")
	a.registerDirect("Delta")
	unscored := a.registerDirect("Echo")
	a.addMember(advised.OrgID, advised.ID, &me, finhealth.OrgRoleAdvisor)
	a.addMember(viewed.OrgID, viewed.ID, &me, finhealth.OrgRoleViewer)
	a.addMember(unscored.OrgID, unscored.ID, &me, finhealth.OrgRoleOwner)

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
	return portfolioFixture{me: me, advised: advised, viewed: viewed, unscored: unscored}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
