package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"finhealth"
	"finhealth/internal/testdb"
	"finhealth/scoring"
	"finhealth/store"
	"finhealth/wave/wavetest"
)

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// TestSyncWholeFlow syncs the seeded business (120 invoices crossing page boundaries)
// at three page sizes and checks every record, the run's counts, the snapshots, and
// that the stored metrics and score are exactly scoring's functions of the stored
// books.
func TestSyncWholeFlow(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		for _, size := range []int{10, 50, 100} {
			t.Run(fmt.Sprintf("page%d", size), func(t *testing.T) {
				ctx := context.Background()
				e := newEnv(t, db, size, nil)
				acme := e.acme()
				org := e.connect(acme)

				run := e.syncOnce(org, finhealth.SyncIncremental)
				if run.Kind != finhealth.SyncFull {
					t.Errorf("first sync kind %s, want full (never fully synced)", run.Kind)
				}
				accounts, customers := len(e.srv.Accounts(acme)), len(e.srv.Customers(acme))
				want := finhealth.SyncProgress{
					Accounts:  finhealth.SyncCounts{Seen: accounts, Upserted: accounts},
					Invoices:  finhealth.SyncCounts{Seen: 120, Upserted: 120},
					Customers: finhealth.SyncCounts{Seen: customers, Upserted: customers},
					Pages:     ceilDiv(accounts, size) + ceilDiv(120, size) + ceilDiv(customers, size),
					// The walk's position ends after the last page of the last entity.
					Position: finhealth.SyncPosition{Entity: finhealth.EntityCustomers, Pages: ceilDiv(customers, size)},
				}
				if run.SyncProgress != want {
					t.Errorf("progress %+v, want %+v", run.SyncProgress, want)
				}
				if run.StartedAt == nil || run.FinishedAt == nil || run.Error != "" {
					t.Errorf("run %+v", run)
				}

				var totals, due int64
				open := 0
				for _, inv := range e.srv.Invoices(acme) {
					totals += inv.Total
					due += inv.AmountDue()
					if wavetest.IsReceivable(inv.Status) && inv.AmountDue() > 0 {
						open++
					}
				}
				got := e.ledger(org)
				if got.Accounts != accounts || got.Invoices != 120 || got.Customers != customers || got.Totals != totals || got.Due != due {
					t.Errorf("stored %+v, want %d accounts, 120 invoices, %d customers, totals %d, due %d", got, accounts, customers, totals, due)
				}
				conn, err := db.WaveConnection(ctx, org)
				if err != nil || conn.LastSyncAt == nil || conn.LastFullSyncAt == nil {
					t.Fatalf("connection after sync: %+v %v", conn, err)
				}

				stored, err := db.LatestMetrics(ctx, org)
				if err != nil || len(stored) == 0 {
					t.Fatalf("metrics: %d %v", len(stored), err)
				}
				asOf := stored[0].AsOf
				balances, err := db.BalanceHistory(ctx, org, asOf.Add(-time.Hour), asOf)
				if err != nil || len(balances) != 1 || len(balances[0].Balances) != accounts {
					t.Fatalf("balance snapshots: %+v %v", balances, err)
				}
				recv, err := db.ReceivablesHistory(ctx, org, asOf.Add(-time.Hour), asOf)
				if err != nil || len(recv) != 1 {
					t.Fatalf("receivables snapshots: %+v %v", recv, err)
				}
				if r := recv[0]; r.OpenInvoices != open || r.Total.Minor != r.Current.Minor+r.Overdue.Minor || r.Overdue.Minor == 0 ||
					r.Overdue.Minor != r.Days1To30.Minor+r.Days31To60.Minor+r.Days61To90.Minor+r.Over90.Minor {
					t.Errorf("receivables snapshot %+v, want %d open invoices and consistent buckets", r, open)
				}

				snap, err := db.LedgerSnapshot(ctx, org, asOf)
				if err != nil {
					t.Fatal(err)
				}
				tokens, err := finhealth.NewStoredWaveTokens(ctx, e.db, org)
				if err != nil {
					t.Fatal(err)
				}
				subtypes, err := e.gw.Session(org, tokens).AccountSubtypes(ctx)
				if err != nil {
					t.Fatal(err)
				}
				mapping := scoring.DefaultAccountMapping(snap.Accounts, subtypes)
				metrics := scoring.ComputeMetrics(*snap, nil, mapping, asOf)
				sameJSON(t, "metrics", stored, metrics)
				if m := byName(stored, scoring.MetricReceivables); m == nil || m.Money == nil || m.Money.Minor == 0 {
					t.Errorf("receivables metric %+v", m)
				}
				score, err := db.LatestHealthScore(ctx, org)
				if err != nil {
					t.Fatal(err)
				}
				// A first score: the books' confidence, and no change to explain.
				sameJSON(t, "health score", score, scoring.HealthOf(metrics, nil, snap, mapping, asOf))
				if score.Score == nil || score.MethodVersion != scoring.HealthMethodVersion {
					t.Errorf("score %+v", score)
				}
			})
		}
	})
}

func byName(ms []finhealth.MetricValue, name string) *finhealth.MetricValue {
	for i := range ms {
		if ms[i].Name == name {
			return &ms[i]
		}
	}
	return nil
}

func sameJSON(t *testing.T, what string, got, want any) {
	t.Helper()
	g, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	w, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	if string(g) != string(w) {
		t.Errorf("%s differ:\n got %s\nwant %s", what, g, w)
	}
}

// TestTokenExpiryMidSync expires every access token in the middle of the invoices:
// the sync refreshes once, persists the rotated token before using it, and finishes.
func TestTokenExpiryMidSync(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db, 10, nil)
		org := e.connect(e.acme())
		before, err := db.WaveToken(ctx, org)
		if err != nil {
			t.Fatal(err)
		}
		e.onRequest(8, e.srv.ExpireAccessTokens) // before the fourth page of invoices
		e.srv.ResetStats()
		run := e.syncOnce(org, finhealth.SyncFull)
		if run.Invoices.Seen != 120 {
			t.Errorf("invoices seen %d, want 120", run.Invoices.Seen)
		}
		if n := e.srv.Stats().TokenRefreshes; n != 1 {
			t.Errorf("%d refreshes, want 1", n)
		}
		after, err := db.WaveToken(ctx, org)
		if err != nil {
			t.Fatal(err)
		}
		if after.AccessToken == before.AccessToken || after.RefreshToken == before.RefreshToken {
			t.Error("the rotated token was not persisted")
		}
		if e.srv.TokenUses(after.AccessToken) == 0 {
			t.Error("the persisted token was never used")
		}
		logs := e.logs.String()
		for _, secret := range e.srv.IssuedSecrets() {
			if strings.Contains(logs, secret) {
				t.Fatal("a token or secret appears in the logs")
			}
		}
	})
}

// TestRateLimitStormsAnd5xx: short bursts are absorbed by the client's own retries; a
// storm longer than its budget fails the attempt, River retries it (the run shows the
// failed attempt), and the retry finishes with every record, once.
func TestRateLimitStormsAnd5xx(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, 10, nil)
		clean := e.connect(e.acme())
		e.syncOnce(clean, finhealth.SyncFull)
		want := e.ledger(clean)

		org := e.connect(e.acme())
		// Invoice page 2 is throttled three times and page 4 fails twice: the
		// client's retries absorb both. Page 6 meets a storm of 7: the first attempt
		// gives up after 1 + 4 tries, and the second absorbs the last 2.
		e.onRequest(6, func() { e.srv.RateLimitNext(3, 2*time.Second) })
		e.onRequest(11, func() { e.srv.FailNext(2, 503) })
		e.onRequest(15, func() { e.srv.RateLimitNext(7, time.Second) })
		run := e.enqueue(org, finhealth.SyncFull)
		err := e.work(run, 1, 3)
		if err == nil || isCancel(err) {
			t.Fatalf("first attempt: %v, want an error River retries", err)
		}
		// The store shows the failed attempt on the running run.
		if r := e.run(org, run.ID); r.Status != finhealth.SyncRunning {
			t.Fatalf("after a failed attempt the run is %s, want running", r.Status)
		} else if r.Attempt != 1 || !strings.Contains(r.Error, "Attempt 1 of 3 failed: Wave is limiting") {
			t.Errorf("recorded attempt %d %q", r.Attempt, r.Error)
		}
		if err := e.work(run, 2, 3); err != nil {
			t.Fatalf("second attempt: %v", err)
		}
		r := e.run(org, run.ID)
		if r.Status != finhealth.SyncSucceeded || r.Invoices.Seen != 120 || r.Error != "" || r.Attempt != 1 {
			t.Fatalf("run %s %q (attempt %d), %d invoices", r.Status, r.Error, r.Attempt, r.Invoices.Seen)
		}
		if got := e.ledger(org); got != want {
			t.Errorf("after retries %+v, want %+v", got, want)
		}
		if s := e.srv.Stats(); s.RateLimited < 10 || s.InjectedErrors < 2 {
			t.Errorf("fake served %d 429s and %d 5xx; the storms did not happen", s.RateLimited, s.InjectedErrors)
		}

		// Wave down for good: the last attempt fails the run, saying so.
		e.srv.FailAfter(0, 502)
		run = e.enqueue(org, finhealth.SyncFull)
		if err := e.work(run, 1, 2); err == nil || isCancel(err) {
			t.Fatalf("attempt 1 of 2: %v", err)
		}
		if err := e.work(run, 2, 2); err == nil || isCancel(err) {
			t.Fatalf("attempt 2 of 2: %v", err)
		}
		r = e.run(org, run.ID)
		if r.Status != finhealth.SyncFailed || !strings.Contains(r.Error, "Wave is not answering") || !strings.Contains(r.Error, "2 times") {
			t.Errorf("run %s %q", r.Status, r.Error)
		}
	})
}

// TestNeedsReconnect: Wave refusing the grant mid-sync (revoked in Wave, or a lapsed
// subscription refusing the refresh) fails the run with the reason and puts the
// connection in needs_reconnect; River does not retry.
func TestNeedsReconnect(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		for _, c := range []struct {
			name   string
			refuse func(*wavetest.Server)
			reason finhealth.WaveReconnectReason
		}{
			{"revoked", func(s *wavetest.Server) { s.RevokeGrants() }, finhealth.WaveGrantRevoked},
			{"lapsed", func(s *wavetest.Server) {
				s.Update(func(o *wavetest.Options) { o.SubscriptionLapsed = true })
				s.ExpireAccessTokens()
			}, finhealth.WaveSubscriptionLapsed},
		} {
			t.Run(c.name, func(t *testing.T) {
				ctx := context.Background()
				e := newEnv(t, db, 10, nil)
				org := e.connect(e.acme())
				e.onRequest(6, func() { c.refuse(e.srv) }) // before the second page of invoices
				run := e.enqueue(org, finhealth.SyncFull)
				if err := e.work(run, 1, 5); !isCancel(err) {
					t.Fatalf("work: %v, want a cancellation (no retry)", err)
				}
				r := e.run(org, run.ID)
				if r.Status != finhealth.SyncFailed || r.Error != c.reason.Message() {
					t.Errorf("run %s %q", r.Status, r.Error)
				}
				conn, err := db.WaveConnection(ctx, org)
				if err != nil || conn.Status != finhealth.WaveNeedsReconnect || conn.StatusReason != string(c.reason) {
					t.Fatalf("connection %+v %v", conn, err)
				}
				if _, err := e.w.EnqueueSync(ctx, org, finhealth.SyncFull, finhealth.SyncManual); finhealth.ErrorCode(err) != finhealth.ECONFLICT {
					t.Errorf("sync of a connection needing reconnect: %v, want ECONFLICT", err)
				}
			})
		}
	})
}

// TestCrashMidwayThenResume: a sync that dies in the middle of the invoices, whether
// River retries its run or the process died and a later sync starts over, ends with
// exactly the books of a clean sync.
func TestCrashMidwayThenResume(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db, 10, nil)
		clean := e.connect(e.acme())
		e.syncOnce(clean, finhealth.SyncFull)
		want := e.ledger(clean)

		// Wave fails after five pages of invoices; River retries the same run.
		org := e.connect(e.acme())
		e.onRequest(10, func() { e.srv.FailAfter(0, 500) })
		run := e.enqueue(org, finhealth.SyncFull)
		if err := e.work(run, 1, 5); err == nil || isCancel(err) {
			t.Fatalf("attempt 1: %v", err)
		}
		if got := e.ledger(org); got.Invoices != 50 || got.Customers != 0 {
			t.Fatalf("after the failure %+v, want 50 invoices and no customers yet", got)
		}
		e.srv.FailAfter(-1, 0)
		if err := e.work(run, 2, 5); err != nil {
			t.Fatalf("attempt 2: %v", err)
		}
		if r := e.run(org, run.ID); r.Status != finhealth.SyncSucceeded || r.Invoices.Seen != 120 {
			t.Fatalf("resumed run %s %q, %d invoices", r.Status, r.Error, r.Invoices.Seen)
		}
		if got := e.ledger(org); got != want {
			t.Errorf("after resuming %+v, want %+v", got, want)
		}

		// The process dies in the middle: its run stays running, the scheduler fails
		// it once it is stale and queues a new sync, which completes the books.
		org2 := e.connect(e.acme())
		dying, die := context.WithCancel(ctx)
		e.onRequest(10, die)
		run = e.enqueue(org2, finhealth.SyncFull)
		if err := e.w.runSync(dying, syncArgs{org2, run.ID}, 1, 5); err == nil {
			t.Fatal("the dying sync succeeded")
		}
		if r := e.run(org2, run.ID); r.Status != finhealth.SyncRunning {
			t.Fatalf("crashed run is %s, want running", r.Status)
		}
		e.clock.Advance(e.w.cfg.StaleRunAfter + time.Minute)
		queued, err := e.w.scheduleSyncs(ctx)
		if err != nil || queued != 1 {
			t.Fatalf("scheduler queued %d: %v (want the crashed organization only)", queued, err)
		}
		if r := e.run(org2, run.ID); r.Status != finhealth.SyncFailed || !strings.Contains(r.Error, "abandoned") {
			t.Fatalf("crashed run %s %q, want failed as abandoned", r.Status, r.Error)
		}
		runs, _, err := db.ListSyncRuns(ctx, org2, "", 1)
		if err != nil || len(runs) != 1 || runs[0].Trigger != finhealth.SyncScheduled {
			t.Fatalf("scheduled run %+v %v", runs, err)
		}
		if err := e.work(runs[0], 1, 5); err != nil {
			t.Fatal(err)
		}
		if got := e.ledger(org2); got != want {
			t.Errorf("after the new sync %+v, want %+v", got, want)
		}
	})
}

// TestOneSyncAtATime: a second sync while one is queued or running is refused.
func TestOneSyncAtATime(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db, 100, nil)
		org := e.connect(e.acme())
		run := e.enqueue(org, finhealth.SyncFull)
		if _, err := e.w.EnqueueSync(ctx, org, finhealth.SyncIncremental, finhealth.SyncManual); finhealth.ErrorCode(err) != finhealth.ECONFLICT {
			t.Fatalf("second sync while queued: %v, want ECONFLICT", err)
		}
		e.store.onInvoicePage(1, func() {
			if _, err := e.w.EnqueueSync(ctx, org, finhealth.SyncIncremental, finhealth.SyncManual); finhealth.ErrorCode(err) != finhealth.ECONFLICT {
				t.Errorf("second sync while running: %v, want ECONFLICT", err)
			}
		})
		if err := e.work(run, 1, 1); err != nil {
			t.Fatal(err)
		}
		e.syncOnce(org, finhealth.SyncIncremental) // free again once finished
	})
}

// TestIncrementalReadsOnlyModified: after a full sync, an incremental one asks Wave
// only for invoices modified since the watermark and stores their changes.
func TestIncrementalReadsOnlyModified(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db, 50, nil)
		acme := e.acme()
		org := e.connect(acme)
		e.syncOnce(org, finhealth.SyncFull)

		e.clock.Advance(time.Hour)
		all := e.srv.Invoices(acme)
		paid := map[string]bool{}
		for _, i := range []int{3, 57, 111} {
			inv := all[i]
			inv.Status, inv.AmountPaid = "PAID", inv.Total
			// Edited before this sync's start less the margin, so that the next
			// watermark is past them.
			inv.ModifiedAt = e.clock.Now().Add(-e.w.cfg.WatermarkMargin - 5*time.Minute)
			if err := e.srv.PutInvoice(acme, inv); err != nil {
				t.Fatal(err)
			}
			paid[inv.ID] = true
		}
		e.srv.ResetStats()
		run := e.syncOnce(org, finhealth.SyncIncremental)
		if run.Kind != finhealth.SyncIncremental || run.Invoices.Seen != 3 {
			t.Errorf("incremental run: kind %s, %d invoices read, want 3", run.Kind, run.Invoices.Seen)
		}
		ops := e.srv.Stats().Operations
		if ops["ListInvoicesModifiedAfter"] != 1 || ops["ListInvoices"] != 0 {
			t.Errorf("invoice requests %v, want one filtered page", ops)
		}
		snap, err := db.LedgerSnapshot(ctx, org, e.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, inv := range snap.Invoices {
			if paid[inv.WaveID] {
				n++
				if inv.Status != finhealth.InvoicePaid || inv.AmountDue.Minor != 0 {
					t.Errorf("invoice %s stored as %s due %d", inv.Number, inv.Status, inv.AmountDue.Minor)
				}
			}
		}
		if n != 3 || len(snap.Invoices) != 120 {
			t.Errorf("%d of 3 paid invoices among %d stored", n, len(snap.Invoices))
		}

		// Nothing changed since: the next incremental read gets nothing.
		e.clock.Advance(time.Hour)
		if run := e.syncOnce(org, finhealth.SyncIncremental); run.Invoices.Seen != 0 {
			t.Errorf("idle incremental sync read %d invoices", run.Invoices.Seen)
		}
	})
}

// TestResyncCountsOnlyChanges: a sync counts as upserted the records it found new or
// changed. Syncing unchanged books again reads every record and counts none, and
// prunes none either (every row read is still marked seen); one invoice changed in
// Wave counts once, whether an incremental or a full sync reads it. The fake's clock
// stands still, so that no customer's overdue amount moves with it.
func TestResyncCountsOnlyChanges(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, 50, nil)
		acme := e.acme()
		org := e.connect(acme)
		first := e.syncOnce(org, finhealth.SyncFull)
		before := e.ledger(org)
		if c := first.SyncProgress; c.Accounts.Upserted != c.Accounts.Seen || c.Invoices.Upserted != 120 ||
			c.Customers.Upserted != c.Customers.Seen || c.Accounts.Seen == 0 || c.Customers.Seen == 0 {
			t.Fatalf("first sync %+v, want every record new", c)
		}

		again := e.syncOnce(org, finhealth.SyncFull)
		want := first.SyncProgress
		want.Accounts.Upserted, want.Invoices.Upserted, want.Customers.Upserted = 0, 0, 0
		if again.SyncProgress != want {
			t.Errorf("sync of unchanged books %+v, want %+v", again.SyncProgress, want)
		}
		if got := e.ledger(org); got != before {
			t.Errorf("after the sync of unchanged books %+v, want %+v", got, before)
		}

		// A customer views an invoice: nothing owed changes, the invoice does.
		edit := func(change func(inv *wavetest.Invoice)) string {
			t.Helper()
			inv := e.srv.Invoices(acme)[17]
			change(&inv)
			inv.ModifiedAt = e.clock.Now()
			if err := e.srv.PutInvoice(acme, inv); err != nil {
				t.Fatal(err)
			}
			return inv.ID
		}
		viewed := edit(func(inv *wavetest.Invoice) { inv.LastViewedAt = e.clock.Now() })
		inc := e.syncOnce(org, finhealth.SyncIncremental)
		if inc.Kind != finhealth.SyncIncremental || inc.Invoices.Seen == 0 || inc.Invoices.Upserted != 1 ||
			inc.Accounts.Upserted != 0 || inc.Customers.Upserted != 0 {
			t.Errorf("incremental sync after one invoice changed: %s %+v, want 1 invoice upserted and nothing else", inc.Kind, inc.SyncProgress)
		}
		snap, err := db.LedgerSnapshot(context.Background(), org, e.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		for _, inv := range snap.Invoices {
			if inv.WaveID == viewed && !inv.LastViewedAt.Equal(e.clock.Now()) {
				t.Errorf("viewed invoice stored with last viewed %v", inv.LastViewedAt)
			}
		}

		edit(func(inv *wavetest.Invoice) { inv.Title = "Retitled" })
		full := e.syncOnce(org, finhealth.SyncFull)
		want = first.SyncProgress
		want.Accounts.Upserted, want.Invoices.Upserted, want.Customers.Upserted = 0, 1, 0
		if full.SyncProgress != want {
			t.Errorf("full sync after one invoice changed %+v, want %+v", full.SyncProgress, want)
		}
		if got := e.ledger(org); got != before {
			t.Errorf("after the syncs %+v, want %+v", got, before)
		}
	})
}

// TestFullSyncPrunesDeleted: records deleted in Wave disappear at the next full sync,
// and an incremental one leaves invoices alone.
func TestFullSyncPrunesDeleted(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, 100, nil)
		acme := e.acme()
		org := e.connect(acme)
		e.syncOnce(org, finhealth.SyncFull)
		before := e.ledger(org)

		// Wave has no delete switch; a business that no longer has a record is the
		// same as the warehouse holding one Wave never had.
		ctx := context.Background()
		ghost := finhealth.Invoice{WaveID: "ghost-invoice", BusinessWaveID: acme, Number: "X", Status: finhealth.InvoicePaid,
			Currency: "USD", ExchangeRate: "1", Total: finhealth.Money{Minor: 100, Currency: "USD", Exponent: 2},
			InvoiceDate: e.clock.Now(), ModifiedAt: e.clock.Now().Add(-48 * time.Hour)}
		if _, err := db.UpsertInvoices(ctx, org, []finhealth.Invoice{ghost}); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(time.Hour)
		e.syncOnce(org, finhealth.SyncIncremental)
		if got := e.ledger(org); got.Invoices != before.Invoices+1 {
			t.Fatalf("incremental sync: %d invoices, want the ghost kept (%d)", got.Invoices, before.Invoices+1)
		}
		e.clock.Advance(time.Hour)
		e.syncOnce(org, finhealth.SyncFull)
		if got := e.ledger(org); got != before {
			t.Errorf("after a full sync %+v, want %+v", got, before)
		}
	})
}

// TestClassicInvoicingBusiness: a business whose invoices Wave does not expose syncs
// its accounts and customers, and the metrics say why receivables are missing.
func TestClassicInvoicingBusiness(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, 100, nil)
		org := e.connect(e.srv.Seed().LegacyBusinessID)
		run := e.syncOnce(org, finhealth.SyncFull)
		if run.Accounts.Seen == 0 || run.Invoices.Seen != 0 || run.Customers.Seen == 0 {
			t.Errorf("progress %+v", run.SyncProgress)
		}
		ms, err := db.LatestMetrics(context.Background(), org)
		if err != nil {
			t.Fatal(err)
		}
		if m := byName(ms, scoring.MetricAgingCurrent); m == nil || m.Status != finhealth.MetricNotEnoughData {
			t.Errorf("aging metric %+v, want not enough data", m)
		}
		if m := byName(ms, scoring.MetricCurrentRatio); m == nil || m.Status != finhealth.MetricOK {
			t.Errorf("current ratio %+v, want computed", m)
		}
	})
}

// TestReconnectMidSync: the owner connects Wave again while a sync of the old grant
// is running, and the old grant's token is then refreshed. Its save is refused, so
// the new grant's token stays; the sync stops without marking the new connection
// needs_reconnect, and a follow-up run is queued for the new connection.
func TestReconnectMidSync(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db, 10, nil)
		org := e.connect(e.acme())
		conn, err := db.WaveConnection(ctx, org)
		if err != nil {
			t.Fatal(err)
		}
		newTok := finhealth.OAuthToken{AccessToken: "NEW-GRANT-ACCESS", RefreshToken: "NEW-GRANT-REFRESH",
			TokenType: "Bearer", ExpiresAt: time.Now().Add(time.Hour).UTC().Truncate(time.Second)}
		e.onRequest(8, func() {
			e.srv.ExpireAccessTokens()
			if _, err := db.SaveWaveConnection(ctx, finhealth.WaveConnection{OrganizationID: org,
				WaveUserID: conn.WaveUserID, Business: conn.Business}, newTok); err != nil {
				t.Error(err)
			}
		})
		run := e.enqueue(org, finhealth.SyncFull)
		if err := e.work(run, 1, 3); !isCancel(err) || !errors.Is(err, finhealth.ErrWaveGrantReplaced) {
			t.Fatalf("work: %v, want a cancellation for a replaced grant", err)
		}
		if r := e.run(org, run.ID); r.Status != finhealth.SyncFailed || r.Error != finhealth.ErrWaveGrantReplaced.Message {
			t.Errorf("run %s %q", r.Status, r.Error)
		}
		c, err := db.WaveConnection(ctx, org)
		if err != nil {
			t.Fatal(err)
		}
		if c.Status != finhealth.WaveActive || c.StatusReason != "" {
			t.Errorf("connection after the stale refresh: %s %q, want active", c.Status, c.StatusReason)
		}
		got, err := db.WaveToken(ctx, org)
		if err != nil {
			t.Fatal(err)
		}
		if got.AccessToken != newTok.AccessToken || got.RefreshToken != newTok.RefreshToken {
			t.Error("the old grant's refresh overwrote the new grant's token")
		}
		runs, _, err := db.ListSyncRuns(ctx, org, "", 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) != 2 || runs[0].Status != finhealth.SyncQueued {
			t.Errorf("no follow-up run queued for the new connection: %d runs", len(runs))
		}
	})
}

// TestRefusalOfReplacedGrant: this process still holds the previous grant's token
// when another instance saves a new grant, and Wave then refuses the previous one (a
// lapsed subscription refuses its refresh). The sync stops as replaced; the new
// connection is not marked needs_reconnect, and a follow-up run is queued for it.
func TestRefusalOfReplacedGrant(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db, 50, nil)
		org := e.connect(e.acme())
		e.syncOnce(org, finhealth.SyncFull) // caches the grant's token in this process
		conn, err := db.WaveConnection(ctx, org)
		if err != nil {
			t.Fatal(err)
		}
		newTok := finhealth.OAuthToken{AccessToken: "NEW-GRANT-ACCESS", RefreshToken: "NEW-GRANT-REFRESH",
			TokenType: "Bearer", ExpiresAt: time.Now().Add(time.Hour).UTC().Truncate(time.Second)}
		if _, err := db.SaveWaveConnection(ctx, finhealth.WaveConnection{OrganizationID: org,
			WaveUserID: conn.WaveUserID, Business: conn.Business}, newTok); err != nil {
			t.Fatal(err)
		}
		e.srv.ExpireAccessTokens()
		e.srv.Update(func(o *wavetest.Options) { o.SubscriptionLapsed = true })

		e.clock.Advance(time.Hour)
		e.srv.ResetStats()
		run := e.enqueue(org, finhealth.SyncIncremental)
		if err := e.work(run, 1, 3); !isCancel(err) || !errors.Is(err, finhealth.ErrWaveGrantReplaced) {
			t.Fatalf("work: %v, want a cancellation for a replaced grant", err)
		}
		if r := e.run(org, run.ID); r.Status != finhealth.SyncFailed || r.Error != finhealth.ErrWaveGrantReplaced.Message {
			t.Errorf("run %s %q", r.Status, r.Error)
		}
		if e.srv.Stats().TokenRefreshes != 1 {
			t.Errorf("%d refreshes, want the previous grant's one", e.srv.Stats().TokenRefreshes)
		}
		c, err := db.WaveConnection(ctx, org)
		if err != nil {
			t.Fatal(err)
		}
		if c.Status != finhealth.WaveActive || c.StatusReason != "" {
			t.Errorf("connection after the refusal of the previous grant: %s %q, want active", c.Status, c.StatusReason)
		}
		runs, _, err := db.ListSyncRuns(ctx, org, "", 1)
		if err != nil || len(runs) != 1 || runs[0].ID == run.ID || runs[0].Status != finhealth.SyncQueued {
			t.Errorf("no follow-up run queued for the new connection: %+v %v", runs, err)
		}
	})
}
