package worker

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"

	"finhealth"
	"finhealth/internal/testdb"
	"finhealth/store"
	"finhealth/wave/wavetest"
)

// workOnce works one attempt of a queued run and returns the run as stored.
func (e *env) workOnce(run *finhealth.SyncRun) *finhealth.SyncRun {
	e.t.Helper()
	if err := e.work(run, 1, 3); err != nil {
		e.t.Fatalf("sync: %v", err)
	}
	return e.run(run.OrganizationID, run.ID)
}

func (e *env) connection(orgID string) *finhealth.WaveConnection {
	e.t.Helper()
	c, err := e.db.WaveConnection(context.Background(), orgID)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// storedInvoice returns the warehouse's copy of an invoice, and whether it has one.
func (e *env) storedInvoice(orgID, waveID string) (finhealth.Invoice, bool) {
	e.t.Helper()
	snap, err := e.db.LedgerSnapshot(context.Background(), orgID, e.clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	for _, inv := range snap.Invoices {
		if inv.WaveID == waveID {
			return inv, true
		}
	}
	return finhealth.Invoice{}, false
}

// ghost stores an invoice Wave does not have, as if it had been deleted in Wave
// since the last sync: only a complete full read may remove it.
func (e *env) ghost(orgID string) {
	e.t.Helper()
	ghost := finhealth.Invoice{WaveID: "ghost-invoice", BusinessWaveID: e.acme(), Number: "X", Status: finhealth.InvoicePaid,
		Currency: "USD", ExchangeRate: "1", Total: finhealth.Money{Minor: 100, Currency: "USD", Exponent: 2},
		InvoiceDate: e.clock.Now(), ModifiedAt: e.clock.Now().Add(-48 * time.Hour)}
	if _, err := e.db.UpsertInvoices(context.Background(), orgID, []finhealth.Invoice{ghost}); err != nil {
		e.t.Fatal(err)
	}
}

// TestShortPageDoesNotPrune: a full sync in which one page comes back empty (or
// short) while Wave still announces more keeps every row, removes nothing, is
// recorded as partial with the reason, and makes the next sync a full one, which
// prunes once it is complete. Before, such a sync succeeded and deleted the rows of
// the pages it never read.
func TestShortPageDoesNotPrune(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		for _, served := range []int{0, 3} {
			t.Run(fmt.Sprintf("served=%d", served), func(t *testing.T) {
				e := newEnv(t, db, 10, nil)
				org := e.connect(e.acme())
				e.syncOnce(org, finhealth.SyncFull)
				before := e.ledger(org)
				e.ghost(org)

				e.srv.Update(func(o *wavetest.Options) {
					o.PageHook = func(typ string, page, n int) int {
						if typ == "Invoice" && page == 3 {
							return served
						}
						return n
					}
				})
				e.clock.Advance(time.Hour)
				r := e.workOnce(e.enqueue(org, finhealth.SyncFull))
				if r.Status != finhealth.SyncPartial || r.Error != "" || r.Invoices.Seen != 110+served ||
					!strings.Contains(strings.Join(r.Warnings, " "), "Page 3 of 12 held") {
					t.Fatalf("run %s %q, %d invoices seen, warnings %q", r.Status, r.Error, r.Invoices.Seen, r.Warnings)
				}
				if got := e.ledger(org); got.Invoices != before.Invoices+1 {
					t.Fatalf("after a short page %d invoices are stored, want all %d kept and the ghost too", got.Invoices, before.Invoices+1)
				}
				if c := e.connection(org); !c.FullSyncDue {
					t.Fatal("a partial run did not ask for a full sync")
				}
				// The metrics and score are still recorded from what is known.
				if e.scores(org) != 2 {
					t.Fatalf("%d scores, want one per sync", e.scores(org))
				}

				// Wave answers whole pages again: the next sync, even one asked for as
				// incremental, reads everything and only then prunes.
				e.srv.Update(func(o *wavetest.Options) { o.PageHook = nil })
				e.clock.Advance(time.Hour)
				next := e.enqueue(org, finhealth.SyncIncremental)
				if next.Kind != finhealth.SyncFull {
					t.Fatalf("the sync after a partial one is %s, want full", next.Kind)
				}
				if r := e.workOnce(next); r.Status != finhealth.SyncSucceeded {
					t.Fatalf("run %s %q %q", r.Status, r.Error, r.Warnings)
				}
				if got := e.ledger(org); got != before {
					t.Fatalf("after a complete full sync %+v, want %+v (the ghost pruned)", got, before)
				}
				if c := e.connection(org); c.FullSyncDue {
					t.Fatal("a complete full sync left the request for one")
				}
			})
		}
	})
}

// TestCountChangeDuringWalkDoesNotPrune: an invoice deleted in Wave while a full sync
// reads its pages shifts every later invoice back by one, so the one at the next
// page boundary is never read. Wave's count changes; the sync must notice, keep that
// invoice and prune nothing.
func TestCountChangeDuringWalkDoesNotPrune(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, 10, nil)
		acme := e.acme()
		org := e.connect(acme)
		e.syncOnce(org, finhealth.SyncFull)
		before := e.ledger(org)
		deleted := e.srv.Invoices(acme)[0]
		done := false
		e.srv.Update(func(o *wavetest.Options) {
			o.BeforeRequest = func(op string, vars map[string]any) {
				if op == "ListInvoices" && fmt.Sprint(vars["page"]) == "5" && !done {
					done = true
					if err := e.srv.DeleteInvoice(acme, deleted.ID); err != nil {
						t.Error(err)
					}
				}
			}
		})
		e.clock.Advance(time.Hour)
		r := e.workOnce(e.enqueue(org, finhealth.SyncFull))
		if !done || r.Status != finhealth.SyncPartial || !strings.Contains(strings.Join(r.Warnings, " "), "changed while it was read") {
			t.Fatalf("deleted %v; run %s %q", done, r.Status, r.Warnings)
		}
		if got := e.ledger(org); got.Invoices != before.Invoices {
			t.Fatalf("%d invoices stored, want %d: the invoice skipped by the shift was pruned", got.Invoices, before.Invoices)
		}
		// Once the list holds still, a full sync removes the deleted invoice only.
		e.srv.Update(func(o *wavetest.Options) { o.BeforeRequest = nil })
		e.clock.Advance(time.Hour)
		if r := e.workOnce(e.enqueue(org, finhealth.SyncIncremental)); r.Status != finhealth.SyncSucceeded || r.Kind != finhealth.SyncFull {
			t.Fatalf("run %s %s %q", r.Kind, r.Status, r.Warnings)
		}
		if _, ok := e.storedInvoice(org, deleted.ID); ok || e.ledger(org).Invoices != before.Invoices-1 {
			t.Fatalf("after a complete read: %d invoices, the deleted one kept %v", e.ledger(org).Invoices, ok)
		}
	})
}

// TestOneInvoiceWaveCannotServe: an invoice of 25,000,000.00 (beyond GraphQL's 32-bit
// Int as minor units) syncs exactly, and an invoice Wave answers with a field error
// is skipped and named while the rest of the sync completes; that invoice keeps what
// the last sync stored, nothing is pruned, and the score is still recorded.
func TestOneInvoiceWaveCannotServe(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, 10, nil)
		acme := e.acme()
		org := e.connect(acme)
		invs := e.srv.Invoices(acme)
		big := invs[5]
		big.Total, big.AmountPaid, big.Currency, big.ExchangeRate = 2_500_000_000, 500_000_000, "USD", ""
		big.ModifiedAt = e.clock.Now().Add(-time.Hour)
		if err := e.srv.PutInvoice(acme, big); err != nil {
			t.Fatal(err)
		}
		e.syncOnce(org, finhealth.SyncFull)
		got, ok := e.storedInvoice(org, big.ID)
		if !ok || got.Total.Minor != 2_500_000_000 || got.AmountDue.Minor != 2_000_000_000 || got.AmountPaid.Minor != 500_000_000 {
			t.Fatalf("the large invoice is stored as %+v (found %v)", got, ok)
		}
		before := e.ledger(org)
		scores := e.scores(org)

		broken := invs[40]
		e.srv.BreakInvoice(broken.ID, "Something went wrong.")
		e.clock.Advance(time.Hour)
		r := e.workOnce(e.enqueue(org, finhealth.SyncFull))
		w := strings.Join(r.Warnings, " ")
		if r.Status != finhealth.SyncPartial || r.Invoices.Seen != 119 || !strings.Contains(w, broken.ID) || !strings.Contains(w, "Something went wrong.") {
			t.Fatalf("run %s, %d invoices seen, warnings %q", r.Status, r.Invoices.Seen, r.Warnings)
		}
		if after := e.ledger(org); after != before {
			t.Fatalf("after skipping one invoice %+v, want %+v", after, before)
		}
		if e.scores(org) != scores+1 {
			t.Fatal("no score was recorded for the partial sync")
		}
	})
}

// TestLongRetryAfterReschedules: Wave answering 429 with a Retry-After longer than
// the client waits in-process makes the job snooze for at least that long, the run
// records when it continues and stays alive for the scheduler meanwhile, and the
// next attempt finishes the sync.
func TestLongRetryAfterReschedules(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, 10, nil)
		org := e.connect(e.acme())
		e.onRequest(6, func() { e.srv.RateLimitNext(1, time.Hour) })
		run := e.enqueue(org, finhealth.SyncFull)
		err := e.work(run, 1, 3)
		var snooze *rivertype.JobSnoozeError
		if !errors.As(err, &snooze) || snooze.Duration < time.Hour {
			t.Fatalf("attempt ended with %v, want a snooze of at least an hour", err)
		}
		r := e.run(org, run.ID)
		if r.Status != finhealth.SyncRunning || r.RetryAt == nil || r.RetryAt.Before(e.clock.Now().Add(59*time.Minute)) ||
			!strings.Contains(r.Error, "Wave asked finhealth to wait 1h0m0s") {
			t.Fatalf("waiting run %s %q retry at %v", r.Status, r.Error, r.RetryAt)
		}
		// Forty minutes later the run has been silent past StaleRunAfter, but it is
		// waiting for its retry: the scheduler leaves it alone.
		e.clock.Advance(40 * time.Minute)
		if _, err := e.w.scheduleSyncs(context.Background()); err != nil {
			t.Fatal(err)
		}
		if r := e.run(org, run.ID); r.Status != finhealth.SyncRunning {
			t.Fatalf("the scheduler abandoned a run waiting for its retry: %s %q", r.Status, r.Error)
		}
		e.clock.Advance(20 * time.Minute)
		if err := e.work(run, 1, 3); err != nil {
			t.Fatalf("after the wait: %v", err)
		}
		if r := e.run(org, run.ID); r.Status != finhealth.SyncSucceeded || r.Invoices.Seen != 120 || r.RetryAt != nil {
			t.Fatalf("run %s %q, %d invoices, retry at %v", r.Status, r.Error, r.Invoices.Seen, r.RetryAt)
		}
	})
}
