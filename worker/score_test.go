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

// TestScoreReadsOneSnapshotWhole: a sync's score and a rescore read the dates of the
// balance history and the one snapshot the metrics compare with, and the invoices
// summed, and record exactly what scoring makes of the whole history and every
// invoice listed.
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
			e.store.mu.Lock()
			read := e.store.balancesRead
			e.store.balancesRead = 0
			e.store.mu.Unlock()
			if read != 1 {
				t.Errorf("%s read %d balance snapshots whole, want only the one compared with", what, read)
			}
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
			history, err := db.BalanceHistory(ctx, org, now.Add(-historyWindow), now)
			if err != nil {
				t.Fatal(err)
			}
			want := scoring.ComputeMetrics(*books, history, scoring.DefaultAccountMapping(books.Accounts, e.w.knownSubtypes()), asOf)
			sameJSON(t, what+": metrics", stored, want)
			m := byName(stored, scoring.MetricCashBufferDays)
			if m.Status != finhealth.MetricOK || !strings.Contains(fmt.Sprint(m.Inputs), dates[0].AsOf.AddDate(0, 0, -91).Format(time.DateOnly)) {
				t.Errorf("%s: cash buffer days do not compare with the snapshot 91 days back: %+v", what, m)
			}
		}
		e.store.mu.Lock()
		e.store.balancesRead = 0
		e.store.mu.Unlock()
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
