package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"finhealth"
	fhttp "finhealth/http"
	"finhealth/http/internal/servertest"
	"finhealth/store"
)

// TestPageAPIAndStoredScoreAgree: for the same books the dashboard, GET .../health
// and the score the worker recorded after the sync are one answer: every figure of
// the score and of each metric, since all three come from the store's HealthService.
// A mapping change then moves all three together.
func TestPageAPIAndStoredScoreAgree(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newWaveAPI(t, db, servertest.WaveOptions{StartWorker: true})
		owner := a.Register("agree")
		a.CreateAssessment(owner.OrgID, owner.ID)
		a.ConnectAndSync(owner, owner.OrgID, a.Wave.Fake.Seed().AcmeBusinessID)
		ui := a.UILogin(owner.Email)
		ctx := context.Background()
		asJSON := func(v any) string {
			b, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}

		agree := func(when string) {
			t.Helper()
			stored, err := db.LatestHealthScore(ctx, owner.OrgID)
			if err != nil {
				t.Fatal(err)
			}
			storedMetrics, err := db.LatestMetrics(ctx, owner.OrgID)
			if err != nil {
				t.Fatal(err)
			}
			var api fhttp.HealthView
			a.Call("GET", servertest.OrgPath(owner.OrgID, "/health"), owner.Token, nil).Expect(t, http.StatusOK).Decode(t, &api)
			if api.Health.Score == nil || stored.Score == nil || *api.Health.Score != *stored.Score || api.Health.Tier != stored.Tier {
				t.Fatalf("%s: the API scores %v (%s), the stored score is %v (%s)", when, api.Health.Score, api.Health.Tier, stored.Score, stored.Tier)
			}
			// Every component and metric, not just the total.
			live := api.Health
			live.AsOf = stored.AsOf
			fhttp.NormalizeHealth(stored)
			if asJSON(live) != asJSON(*stored) {
				t.Errorf("%s: the API's score differs from the stored one\n API    %s\n stored %s", when, asJSON(live), asJSON(*stored))
			}
			byName := map[string]finhealth.MetricValue{}
			for _, m := range fhttp.NormalizeMetrics(storedMetrics) {
				byName[m.Name] = m
			}
			for _, m := range api.Metrics {
				s, ok := byName[m.Name]
				if !ok {
					t.Errorf("%s: metric %s is not stored", when, m.Name)
					continue
				}
				if asJSON(m) != asJSON(s) {
					t.Errorf("%s: metric %s\n API    %s\n stored %s", when, m.Name, asJSON(m), asJSON(s))
				}
			}
			ui.Get("/orgs/"+owner.OrgID).Expect(t, http.StatusOK).
				Has(t, fmt.Sprintf(`data-testid="score">%.1f</strong>`, *stored.Score))
		}
		agree("after the sync")

		// An owner moves an account to another class: the worker rescores, and the
		// page, the API and the stored score move together.
		before, err := db.LatestHealthScore(ctx, owner.OrgID)
		if err != nil {
			t.Fatal(err)
		}
		src, err := db.MappingAccounts(ctx, owner.OrgID)
		if err != nil || len(src.Accounts) == 0 {
			t.Fatalf("accounts: %v", err)
		}
		var cash string
		for _, acc := range src.Accounts {
			if acc.Subtype == "CASH_AND_BANK" && acc.Balance.Minor > 0 {
				cash = acc.WaveID
				break
			}
		}
		a.Call("PUT", servertest.OrgPath(owner.OrgID, "/account-mapping/"+url.PathEscape(cash)), owner.Token,
			map[string]string{"class": "other_current_asset"}).Expect(t, http.StatusOK)
		// The change queued a rescore; its stored score is the one to compare.
		a.Wave.WaitFor(t, "the rescore after the mapping change", func() bool {
			after, err := db.LatestHealthScore(ctx, owner.OrgID)
			if err != nil {
				t.Fatal(err)
			}
			return !after.AsOf.Equal(before.AsOf)
		})
		agree("after a mapping change")
	})
}
