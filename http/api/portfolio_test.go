package api

import (
	"net/http"
	"testing"

	"finhealth"
	fhttp "finhealth/http"
	"finhealth/http/internal/servertest"
	"finhealth/store"
)

// TestPortfolio checks that the portfolio lists exactly the organizations the
// caller owns or advises, with their scores, change, last sync, connection and
// flags, in every order it offers.
func TestPortfolio(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		fx := servertest.NewPortfolioFixture(t, a)
		me, viewed := fx.Me, fx.Viewed

		get := func(query string) []fhttp.PortfolioItem {
			t.Helper()
			var l list[fhttp.PortfolioItem]
			a.Get("/api/v1/portfolio"+query, me.Token).Expect(t, http.StatusOK).Decode(t, &l)
			return l.Items
		}
		names := func(items []fhttp.PortfolioItem) []string {
			out := make([]string, len(items))
			for i, it := range items {
				out[i] = it.Name
			}
			return out
		}
		byName := map[string]fhttp.PortfolioItem{}
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
		if !equalStrings(mine.Flags, []string{fhttp.FlagOverdueShareHigh, fhttp.FlagCashBufferLow}) || mine.Connection.Status != fhttp.NotConnected {
			t.Errorf("mine: flags %v, connection %+v", mine.Flags, mine.Connection)
		}
		if adv.Role != finhealth.OrgRoleAdvisor || *adv.Score != 40 || adv.Change30d != nil ||
			!equalStrings(adv.Flags, []string{fhttp.FlagNeedsReconnect}) || adv.Connection.Reason != string(finhealth.WaveGrantRevoked) ||
			adv.Connection.ReasonMessage == "" || adv.Connection.BusinessName != "Bravo Books" ||
			adv.LastSync.At == nil || servertest.Deref(adv.LastSync.Status) != string(finhealth.SyncSucceeded) {
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
		onlyViewer := a.CreateUser("Viewer", finhealth.RoleUser)
		a.AddMember(viewed.OrgID, viewed.ID, &onlyViewer, finhealth.OrgRoleViewer)
		var l list[fhttp.PortfolioItem]
		a.Get("/api/v1/portfolio", onlyViewer.Token).Expect(t, http.StatusOK).Decode(t, &l)
		if len(l.Items) != 0 {
			t.Errorf("viewer's portfolio: %v", names(l.Items))
		}
		a.Get("/api/v1/portfolio", "").Expect(t, http.StatusUnauthorized)
	})
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
