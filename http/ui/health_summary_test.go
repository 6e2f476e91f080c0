package ui

import (
	"context"
	"reflect"
	"testing"
	"time"

	fhttp "finhealth/http"
	"finhealth/http/internal/servertest"
	"finhealth/scoring"
	"finhealth/store"
)

// TestLargeBooksShowTheSameFigures reads the live health of a business with
// thousands of invoices (summed by the store) and builds every metric's page, and
// compares them with what scoring makes of the same books with every invoice listed:
// the API's metrics and score, and on the pages each input's amount and the
// invoices named, with their numbers, customers, amounts and due dates.
func TestLargeBooksShowTheSameFigures(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		orgID, _ := benchLargeBusiness(t, db, businessSize{invoices: 3_000, customers: 150, accounts: 40, days: 500})
		srv := fhttp.NewServer(fhttp.Config{JWTSecret: servertest.Secret, Argon2: servertest.Argon2}, db)
		ui := Mount(srv)
		ctx := context.Background()
		now := srv.Config().Now().UTC()
		dates, err := db.BalanceSnapshotDates(ctx, orgID, time.Time{}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		asOf := dates[len(dates)-1].AsOf
		listed, err := db.LedgerSnapshot(ctx, orgID, asOf)
		if err != nil {
			t.Fatal(err)
		}
		// The whole history: scoring compares with one snapshot 25 to 400 days older
		// than the books, whatever else history holds (scoring.BaseSnapshot).
		history, err := db.BalanceHistory(ctx, orgID, time.Time{}, now)
		if err != nil {
			t.Fatal(err)
		}
		src, err := db.MappingAccounts(ctx, orgID)
		if err != nil {
			t.Fatal(err)
		}
		// The mapping the health service uses: Wave's kept subtype list, then the
		// owners' overrides.
		mapping, err := scoring.ApplyOverrides(scoring.DefaultAccountMapping(listed.Accounts, src.Subtypes), src.Overrides)
		if err != nil {
			t.Fatal(err)
		}
		want := scoring.ComputeMetrics(*listed, history, mapping, asOf)
		latest, err := db.LatestAssessment(ctx, orgID)
		if err != nil {
			t.Fatal(err)
		}

		if summed, err := db.LedgerSummary(ctx, orgID, asOf); err != nil || summed.InvoiceSummary == nil {
			t.Fatalf("the books are not summed: %v", err)
		}
		got, err := srv.HealthNow(ctx, orgID)
		if err != nil {
			t.Fatal(err)
		}
		wantHealth := scoring.HealthOf(want, latest, listed, mapping, now)
		wantHealth.Change = got.Health.Change
		fhttp.NormalizeHealth(&wantHealth)
		got.Health.AsOf, wantHealth.AsOf = time.Time{}, time.Time{}
		if !servertest.SameJSON(t, got.Health, wantHealth) || !servertest.SameJSON(t, got.Metrics, fhttp.NormalizeMetrics(want)) {
			t.Fatalf("the live health differs from scoring on the listed invoices")
		}

		named := 0
		for _, m := range want {
			p, err := insightPages{ui}.metricPage(ctx, orgID, m.Name)
			if err != nil {
				t.Fatal(err)
			}
			wantInputs := explainInputs(m.Inputs, p.Mapping.Accounts, listed)
			if !reflect.DeepEqual(p.Inputs, wantInputs) || p.Value != metricText(m) {
				t.Errorf("the page of %s shows\n %s %+v\nwant\n %s %+v", m.Name, p.Value, p.Inputs, metricText(m), wantInputs)
			}
			for _, in := range p.Inputs {
				for _, inv := range in.Invoices {
					if inv.Number == "" || inv.Number == "(an invoice no longer in the books)" {
						t.Errorf("the page of %s names an invoice it cannot show: %+v", m.Name, inv)
					}
					named++
				}
			}
		}
		if named < 50 {
			t.Fatalf("the pages name only %d invoices: the books miss a case", named)
		}
		if s := got.Ledger; !s.Available {
			t.Fatalf("no books: %+v", s)
		}
	})
}
