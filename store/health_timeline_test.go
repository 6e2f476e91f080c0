package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"finhealth"
	"finhealth/internal/storetest"
	"finhealth/internal/testdb"
)

// TestHealthTimelineBackfill checks that migration 00013 fills the timeline's
// columns of scores stored before it from their explanations, so that the history
// page lists them as it did.
func TestHealthTimelineBackfill(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			testdb.SkipIfUnavailable(t, dialect)
			ctx := context.Background()
			db := testdb.Open(t, dialect)
			owner, org, err := db.Register(ctx, finhealth.NewUser{Email: "o@example.com", Name: "O", PasswordHash: "h"},
				finhealth.NewOrganization{Name: "Org"})
			if err != nil {
				t.Fatal(err)
			}
			ctx = finhealth.WithActor(ctx, finhealth.Actor{UserID: owner.ID})
			at := time.Date(2025, 3, 14, 9, 30, 0, 123456000, time.UTC)
			books, score := at.Add(-time.Hour), 71.5
			for _, s := range []finhealth.HealthScore{
				{Status: finhealth.MetricOK, Score: &score, Tier: "good", MethodVersion: "m", LedgerAsOf: &books,
					AssessmentID: "0190a000-0000-7000-8000-0000000000aa", AsOf: at},
				{Status: finhealth.MetricNotEnoughData, MethodVersion: "m", AsOf: at.Add(-24 * time.Hour)},
			} {
				if err := db.InsertHealthScore(ctx, org.ID, s); err != nil {
					t.Fatal(err)
				}
			}
			if err := db.MigrateDownTo(ctx, 12); err != nil {
				t.Fatal(err)
			}
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			history, _, err := db.HealthHistory(ctx, org.ID, time.Time{}, time.Time{}, "", 10)
			if err != nil {
				t.Fatal(err)
			}
			line, _, err := db.HealthTimeline(ctx, org.ID, time.Time{}, time.Time{}, 10)
			if err != nil {
				t.Fatal(err)
			}
			if want := storetest.TimelineOf(history); len(line) != 2 || !reflect.DeepEqual(line, want) {
				t.Fatalf("timeline after the migration:\n%+v\nwant\n%+v", line, want)
			}
		})
	}
}
