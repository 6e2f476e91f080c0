package http

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"finhealth"
	"finhealth/store"
)

// TestPageAPIAndStoredScoreAgree: for the same books the dashboard, GET .../health
// and the score the worker recorded after the sync are one answer: every figure of
// the score and of each metric, since all three come from the store's HealthService.
// A mapping change then moves all three together.
func TestPageAPIAndStoredScoreAgree(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB) {
		a := newWaveAPI(t, db, waveEnvOptions{startWorker: true})
		owner := a.register("agree")
		a.createAssessment(owner.OrgID, owner.ID)
		a.connectAndSync(owner, owner.OrgID, a.wave.fake.Seed().AcmeBusinessID)
		ui := a.uiLogin(owner.Email)
		ctx := context.Background()

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
			var api healthView
			a.call("GET", orgPath(owner.OrgID, "/health"), owner.Token, nil).Expect(t, http.StatusOK).Decode(t, &api)
			if api.Health.Score == nil || stored.Score == nil || *api.Health.Score != *stored.Score || api.Health.Tier != stored.Tier {
				t.Fatalf("%s: the API scores %v (%s), the stored score is %v (%s)", when, api.Health.Score, api.Health.Tier, stored.Score, stored.Tier)
			}
			// Every component and metric, not just the total.
			strip := func(h finhealth.HealthScore) finhealth.HealthScore { h.AsOf = stored.AsOf; return h }
			if !sameJSON(t, strip(api.Health), *stored) {
				t.Errorf("%s: the API's score differs from the stored one", when)
			}
			byName := map[string]finhealth.MetricValue{}
			for _, m := range storedMetrics {
				byName[m.Name] = m
			}
			for _, m := range api.Metrics {
				s, ok := byName[m.Name]
				if !ok {
					t.Errorf("%s: metric %s is not stored", when, m.Name)
					continue
				}
				got, _ := json.Marshal(m)
				want, _ := json.Marshal(normalizeMetrics([]finhealth.MetricValue{s})[0])
				if string(got) != string(want) {
					t.Errorf("%s: metric %s\n API    %s\n stored %s", when, m.Name, got, want)
				}
			}
			ui.get("/orgs/"+owner.OrgID).Expect(t, http.StatusOK).has(t, `data-testid="score">`+formatScore(stored.Score)+`</strong>`)
		}
		agree("after the sync")

		// An owner moves an account to another class: the worker rescores, and the
		// page, the API and the stored score move together.
		before, _ := db.LatestHealthScore(ctx, owner.OrgID)
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
		a.call("PUT", orgPath(owner.OrgID, "/account-mapping/"+url.PathEscape(cash)), owner.Token,
			map[string]string{"class": "other_current_asset"}).Expect(t, http.StatusOK)
		// The change queued a rescore; its stored score is the one to compare.
		for {
			after, err := db.LatestHealthScore(ctx, owner.OrgID)
			if err != nil {
				t.Fatal(err)
			}
			if !after.AsOf.Equal(before.AsOf) {
				break
			}
			select {
			case <-t.Context().Done():
				t.Fatal("the rescore after the mapping change never recorded a score")
			case <-time.After(20 * time.Millisecond):
			}
		}
		agree("after a mapping change")
	})
}
