package worker

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"finhealth"
	"finhealth/internal/testdb"
	"finhealth/scoring"
	"finhealth/store"
)

// TestScoreReadsOneSnapshotWhole: a sync's score and a rescore record exactly what
// scoring makes of the whole history, every invoice listed and Wave's stored subtype
// list, though the health service reads the invoices summed and only the one
// snapshot the metrics compare with (the store's tests count that read).
func TestScoreReadsOneSnapshotWhole(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db, 100, nil)
		org := e.connect(e.acme())
		e.syncOnce(org, finhealth.SyncFull)
		dates, err := db.BalanceSnapshotDates(ctx, org, time.Time{}, time.Time{})
		if err != nil || len(dates) != 1 {
			t.Fatalf("snapshots after the first sync: %d, %v", len(dates), err)
		}
		snap, err := db.LedgerSnapshot(ctx, org, dates[0].AsOf)
		if err != nil {
			t.Fatal(err)
		}
		// Earlier books: every balance four fifths of today's; 91 days back is the
		// base, the others are decoys.
		for _, days := range []int{20, 91, 150, 500} {
			older := snap.Balances()
			older.AsOf = dates[0].AsOf.AddDate(0, 0, -days)
			for i := range older.Balances {
				older.Balances[i].Balance.Minor = older.Balances[i].Balance.Minor * 4 / 5
			}
			if err := db.InsertBalanceSnapshot(ctx, org, older); err != nil {
				t.Fatal(err)
			}
		}
		check := func(what string) {
			t.Helper()
			stored, err := db.LatestMetrics(ctx, org)
			if err != nil || len(stored) == 0 {
				t.Fatalf("%s: metrics %d, %v", what, len(stored), err)
			}
			asOf := stored[0].AsOf
			books, err := db.LedgerSnapshot(ctx, org, asOf)
			if err != nil {
				t.Fatal(err)
			}
			now := e.clock.Now()
			history, err := db.BalanceHistory(ctx, org, now.Add(-401*24*time.Hour), now)
			if err != nil {
				t.Fatal(err)
			}
			subtypes, err := db.AccountSubtypes(ctx)
			if err != nil || len(subtypes) == 0 {
				t.Fatalf("Wave's subtype list is not kept: %d, %v", len(subtypes), err)
			}
			want := scoring.ComputeMetrics(*books, history, scoring.DefaultAccountMapping(books.Accounts, subtypes), asOf)
			sameJSON(t, what+": metrics", stored, want)
			m := byName(stored, scoring.MetricCashBufferDays)
			if m.Status != finhealth.MetricOK || !strings.Contains(fmt.Sprint(m.Inputs), dates[0].AsOf.AddDate(0, 0, -91).Format(time.DateOnly)) {
				t.Errorf("%s: cash buffer days do not compare with the snapshot 91 days back: %+v", what, m)
			}
		}
		if err := e.w.rescore(ctx, org); err != nil {
			t.Fatal(err)
		}
		check("rescore")

		// A second sync an hour later: its base is the same snapshot, 91 days back.
		e.clock.Advance(time.Hour)
		e.syncOnce(org, finhealth.SyncFull)
		check("sync")
	})
}
