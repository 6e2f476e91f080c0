package worker

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"finhealth"
	"finhealth/internal/testdb"
	"finhealth/scoring"
	"finhealth/store"
	"finhealth/wave"
)

// stopWorker stops w when the test ends, if it still runs.
func stopWorker(t *testing.T, w *Worker) {
	ctx := testContext(t)
	t.Cleanup(func() {
		if err := w.Stop(ctx); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
}

// startWorker subscribes to w's job events, starts w, and stops it when the test
// ends.
func startWorker(t *testing.T, w *Worker) <-chan *river.Event {
	t.Helper()
	events := subscribe(t, w)
	if err := w.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	stopWorker(t, w)
	return events
}

// TestRiverEndToEnd runs the worker for real on River: the scheduler syncs a newly
// connected organization as soon as the worker starts, a manual sync and a rescore
// go through the queue, and Stop returns.
func TestRiverEndToEnd(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db, 50, nil)
		org := e.connect(e.acme())
		events := startWorker(t, e.w)

		ev := waitJob(t, events, syncArgs{}.Kind(), jobDone)
		first := e.run(org, syncRunOf(t, ev))
		if first.Status != finhealth.SyncSucceeded || first.Trigger != finhealth.SyncScheduled || first.Kind != finhealth.SyncFull || first.Invoices.Seen != 120 {
			t.Fatalf("scheduled run %+v", first)
		}

		e.clock.Advance(time.Hour)
		run := e.enqueue(org, finhealth.SyncIncremental)
		if r := e.waitRun(t, events, org, run.ID); r.Status != finhealth.SyncSucceeded || r.Kind != finhealth.SyncIncremental {
			t.Fatalf("manual run %s %s %q", r.Kind, r.Status, r.Error)
		}

		before := e.scores(org)
		if err := e.w.EnqueueRescore(ctx, org); err != nil {
			t.Fatal(err)
		}
		waitJob(t, events, rescoreArgs{}.Kind(), jobDone)
		if after := e.scores(org); after != before+1 {
			t.Fatalf("%d scores after the rescore, want %d", after, before+1)
		}
	})
}

// TestStopInterruptsAtPageBoundary stops the worker in the middle of the invoices:
// the page being written is finished, the run fails as interrupted, a follow-up is
// queued, and the next worker completes the books.
func TestStopInterruptsAtPageBoundary(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db, 10, nil)
		org := e.connect(e.acme())
		run := e.enqueue(org, finhealth.SyncFull) // before Start, so that the scheduler has nothing to do

		stopped := make(chan error, 1)
		within := testContext(t)
		e.onRequest(7, func() { // before the third page of invoices
			// Stop waits for this very job, so it runs aside; the signal is given
			// here so that the sync cannot finish first.
			e.w.signalStop()
			go func() { stopped <- e.w.Stop(within) }()
		})
		if err := e.w.Start(ctx); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-stopped:
			if err != nil {
				t.Fatalf("Stop: %v", err)
			}
		case <-within.Done():
			t.Fatal("the worker did not stop")
		}

		r := e.run(org, run.ID)
		// The pages read before the stop may or may not all have been written, but
		// only whole pages are.
		if n := r.Invoices.Upserted; r.Status != finhealth.SyncFailed || r.Error != msgInterrupted || n == 0 || n > 20 || n%10 != 0 || r.Customers.Seen != 0 {
			t.Fatalf("interrupted run: %s %q, %+v", r.Status, r.Error, r.SyncProgress)
		}
		runs, _, err := db.ListSyncRuns(ctx, org, "", 1)
		if err != nil || len(runs) != 1 || runs[0].ID == run.ID || runs[0].Status != finhealth.SyncQueued || runs[0].Kind != finhealth.SyncFull {
			t.Fatalf("follow-up run %+v %v", runs, err)
		}

		events := startWorker(t, e.newWorker())
		if r := e.waitRun(t, events, org, runs[0].ID); r.Status != finhealth.SyncSucceeded || r.Invoices.Seen != 120 {
			t.Fatalf("follow-up run %s %q, %d invoices", r.Status, r.Error, r.Invoices.Seen)
		}
		if got := e.ledger(org); got.Invoices != 120 {
			t.Errorf("stored %+v", got)
		}
	})
}

// TestCancelledStartStopsGracefully cancels the context given to Start, which is what
// a SIGTERM does to `finhealth serve`, as a write of invoices begins: that write is
// still made (River must not cancel the running job's context), and the run is
// interrupted at the page boundary after it, with a follow-up queued.
func TestCancelledStartStopsGracefully(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, 10, nil)
		org := e.connect(e.acme())
		run := e.enqueue(org, finhealth.SyncFull)
		events := subscribe(t, e.w)

		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var before atomic.Int64 // invoices written before the cancelled write
		before.Store(-1)
		e.store.onInvoicePage(2, func() {
			if r, err := db.SyncRun(context.Background(), org, run.ID); err == nil {
				before.Store(int64(r.Invoices.Upserted))
			}
			cancel()
		})
		if err := e.w.Start(ctx); err != nil {
			t.Fatal(err)
		}
		stopWorker(t, e.w)

		r := e.waitRun(t, events, org, run.ID)
		if r.Status != finhealth.SyncFailed || r.Error != msgInterrupted || before.Load() < 0 || int64(r.Invoices.Upserted) <= before.Load() {
			t.Fatalf("interrupted run: %s %q, %d invoices written, %d before the cancel; want interrupted after writing the page underway",
				r.Status, r.Error, r.Invoices.Upserted, before.Load())
		}
		if got := e.ledger(org).Invoices; got != r.Invoices.Upserted {
			t.Errorf("%d invoices stored, the run wrote %d", got, r.Invoices.Upserted)
		}
		runs, _, err := db.ListSyncRuns(context.Background(), org, "", 1)
		if err != nil || len(runs) != 1 || runs[0].ID == run.ID || runs[0].Status != finhealth.SyncQueued {
			t.Fatalf("follow-up run %+v %v", runs, err)
		}
	})
}

// savingsOverride excludes the seeded Savings account from the metrics, as an owner
// would, and returns its balance: the cash metric drops by it once recomputed.
func (e *env) savingsOverride(t *testing.T, org string) int64 {
	t.Helper()
	for _, a := range e.srv.Accounts(e.acme()) {
		if a.Name == "Savings" {
			actor := finhealth.WithActor(context.Background(), finhealth.Actor{UserID: e.owners[org]})
			if _, err := e.db.SetAccountOverride(actor, org, finhealth.AccountOverride{AccountID: a.ID, Class: finhealth.ClassExcluded}); err != nil {
				t.Error(err)
			}
			return a.BalanceInBusinessCurrency
		}
	}
	t.Error("the seed has no Savings account")
	return 0
}

// latestCash is the cash metric of the newest computation.
func (e *env) latestCash(t *testing.T, org string) int64 {
	t.Helper()
	ms, err := e.db.LatestMetrics(context.Background(), org)
	if err != nil {
		t.Fatal(err)
	}
	return byName(ms, scoring.MetricCash).Money.Minor
}

// TestRescoresCoalesce: a burst of changes while no rescore has started queues one
// job, and the score that stands includes every change.
func TestRescoresCoalesce(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db, 100, nil)
		org := e.connect(e.acme())
		e.syncOnce(org, finhealth.SyncFull)
		cash := e.latestCash(t, org)
		before := e.scores(org)

		const n = 8
		savings := e.savingsOverride(t, org)
		for range n {
			if err := e.w.EnqueueRescore(ctx, org); err != nil {
				t.Fatal(err)
			}
		}
		queued, err := e.w.client.JobList(ctx, rescoreJobs(rescoreTag(org), rivertype.JobStateAvailable))
		if err != nil {
			t.Fatal(err)
		}
		if len(queued.Jobs) != 1 {
			t.Errorf("%d changes queued %d rescores, want 1", n, len(queued.Jobs))
		}
		events := startWorker(t, e.w)
		waitJob(t, events, rescoreArgs{}.Kind(), jobDone)

		if computed := e.scores(org) - before; computed != 1 {
			t.Errorf("%d changes computed %d times, want once", n, computed)
		}
		if got := e.latestCash(t, org); got != cash-savings {
			t.Errorf("cash %d after the rescores, want %d (savings excluded)", got, cash-savings)
		}
	})
}

// TestRescoreAfterChangeDuringRescore: a mapping change lands while a rescore runs,
// after it has read the overrides. The rescore the change queues starts while the
// first one still runs; it waits for it rather than compute alongside (the first
// one, writing last, would put back the metrics of before the change), and then
// computes the change.
func TestRescoreAfterChangeDuringRescore(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db, 100, nil)
		org := e.connect(e.acme())
		e.syncOnce(org, finhealth.SyncFull)
		cash := e.latestCash(t, org)

		seen := subscribe(t, e.w)
		events := startWorker(t, e.w)
		within := testContext(t)
		var savings int64
		e.store.onHealthRead(func() {
			// The first rescore has read the books and the overrides and computed
			// from them, and stores the result once this returns.
			savings = e.savingsOverride(t, org)
			if err := e.w.EnqueueRescore(ctx, org); err != nil {
				t.Error(err)
				return
			}
			// Hold it until the second one has started and either waited or
			// finished.
			for {
				select {
				case ev := <-seen:
					if ev.Job.Kind == (rescoreArgs{}).Kind() && (ev.Kind == river.EventKindJobSnoozed || jobDone(ev)) {
						return
					}
				case <-within.Done():
					t.Error("the second rescore never started")
					return
				}
			}
		})
		if err := e.w.EnqueueRescore(ctx, org); err != nil {
			t.Fatal(err)
		}
		snoozed := 0
		for done := 0; done < 2; {
			switch ev := waitJob(t, events, rescoreArgs{}.Kind(), func(*river.Event) bool { return true }); {
			case ev.Kind == river.EventKindJobSnoozed:
				snoozed++
			case jobDone(ev):
				done++
			}
		}
		if snoozed == 0 {
			t.Error("the second rescore never waited for the first")
		}
		if got := e.latestCash(t, org); got != cash-savings {
			t.Errorf("cash %d after the rescores, want %d: the change made during the first was lost", got, cash-savings)
		}
	})
}

// TestEnqueueFailureFailsRun: when the job cannot be queued, the run is failed rather
// than left queued, which would block every later sync.
func TestEnqueueFailureFailsRun(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db, 100, nil)
		org := e.connect(e.acme())
		if e.river.SQLite != nil {
			e.river.SQLite.Close()
		} else {
			e.river.Postgres.Close()
		}
		_, err := e.w.EnqueueSync(ctx, org, finhealth.SyncFull, finhealth.SyncManual)
		if finhealth.ErrorCode(err) != finhealth.EUNAVAILABLE {
			t.Fatalf("EnqueueSync with River unreachable: %v, want EUNAVAILABLE", err)
		}
		runs, _, err := db.ListSyncRuns(ctx, org, "", 1)
		if err != nil || len(runs) != 1 || runs[0].Status != finhealth.SyncFailed || runs[0].Error != msgNotQueued {
			t.Fatalf("run %+v %v", runs, err)
		}
	})
}

// TestScheduleSyncs: the scheduler queues a sync for each connection not synced
// within SyncInterval (full when the last full one is older than FullResyncEvery)
// and leaves recently synced ones alone.
func TestScheduleSyncs(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db, 100, nil)
		synced := e.connect(e.acme())
		e.syncOnce(synced, finhealth.SyncFull)
		never := e.connect(e.acme())

		kinds := func() map[string]finhealth.SyncKind {
			out := map[string]finhealth.SyncKind{}
			for _, org := range []string{synced, never} {
				runs, _, err := db.ListSyncRuns(ctx, org, "", 1)
				if err != nil {
					t.Fatal(err)
				}
				if len(runs) > 0 && runs[0].Status == finhealth.SyncQueued && runs[0].Trigger == finhealth.SyncScheduled {
					out[org] = runs[0].Kind
					if err := e.work(runs[0], 1, 1); err != nil {
						t.Fatal(err)
					}
				}
			}
			return out
		}
		if n, err := e.w.scheduleSyncs(ctx); err != nil || n != 1 {
			t.Fatalf("scheduled %d: %v", n, err)
		}
		if k := kinds(); len(k) != 1 || k[never] != finhealth.SyncFull {
			t.Fatalf("scheduled %v, want a full sync of the never-synced organization only", k)
		}
		if n, err := e.w.scheduleSyncs(ctx); err != nil || n != 0 {
			t.Fatalf("right after syncing, scheduled %d: %v", n, err)
		}

		e.clock.Advance(e.w.cfg.SyncInterval + time.Hour)
		if n, err := e.w.scheduleSyncs(ctx); err != nil || n != 2 {
			t.Fatalf("a day later, scheduled %d: %v", n, err)
		}
		if k := kinds(); k[synced] != finhealth.SyncIncremental || k[never] != finhealth.SyncIncremental {
			t.Fatalf("a day later %v, want incremental syncs", k)
		}

		e.clock.Advance(e.w.cfg.FullResyncEvery)
		if n, err := e.w.scheduleSyncs(ctx); err != nil || n != 2 {
			t.Fatalf("a week later, scheduled %d: %v", n, err)
		}
		if k := kinds(); k[synced] != finhealth.SyncFull || k[never] != finhealth.SyncFull {
			t.Fatalf("a week later %v, want full syncs", k)
		}
	})
}

// TestRescore: a mapping change recomputes the metrics of the same books (replacing
// them) and appends a score; an assessment is blended in; an organization with only
// a questionnaire gets a score from it alone.
func TestRescore(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db, 100, nil)
		acme := e.acme()
		org := e.connect(acme)
		e.syncOnce(org, finhealth.SyncFull)
		before, err := db.LatestMetrics(ctx, org)
		if err != nil {
			t.Fatal(err)
		}
		cash := byName(before, scoring.MetricCash).Money.Minor
		savingsBalance := e.savingsOverride(t, org)
		actor := finhealth.WithActor(ctx, finhealth.Actor{UserID: e.owners[org]})
		q := scoring.Current()
		if err := db.EnsureQuestionnaire(ctx, q); err != nil {
			t.Fatal(err)
		}
		answers := make([]finhealth.Answer, len(q.Questions))
		for i, qu := range q.Questions {
			answers[i] = finhealth.Answer{QuestionID: qu.ID, Value: qu.Options[0].Value}
		}
		a, err := scoring.Score(q, answers)
		if err != nil {
			t.Fatal(err)
		}
		a.OrganizationID, a.UserID = org, e.owners[org]
		if _, err := db.CreateAssessment(actor, a); err != nil {
			t.Fatal(err)
		}

		if err := e.w.rescore(ctx, org); err != nil {
			t.Fatal(err)
		}
		after, err := db.LatestMetrics(ctx, org)
		if err != nil {
			t.Fatal(err)
		}
		m := byName(after, scoring.MetricCash)
		if m.AsOf != byName(before, scoring.MetricCash).AsOf || m.Money.Minor != cash-savingsBalance {
			t.Errorf("cash after excluding savings: %d as of %s, want %d as of the same snapshot", m.Money.Minor, m.AsOf, cash-savingsBalance)
		}
		series, err := db.MetricSeries(ctx, org, []string{scoring.MetricCash}, time.Time{}, e.clock.Now().Add(time.Hour))
		if err != nil || len(series) != 1 {
			t.Errorf("cash series %+v %v, want the one computation replaced", series, err)
		}
		score, err := db.LatestHealthScore(ctx, org)
		if err != nil || score.AssessmentID == "" {
			t.Fatalf("score %+v %v, want the assessment blended in", score, err)
		}

		// Questionnaire only: no Wave connection at all.
		u, other, err := db.Register(ctx, finhealth.NewUser{Email: "q@example.com", Name: "Q", PasswordHash: "x", Role: finhealth.RoleUser},
			finhealth.NewOrganization{Name: "Q", Industry: "retail", CompanySize: "1-10"})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.w.rescore(ctx, other.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.LatestHealthScore(ctx, other.ID); finhealth.ErrorCode(err) != finhealth.ENOTFOUND {
			t.Fatalf("with nothing to score: %v, want no score", err)
		}
		a.OrganizationID, a.UserID = other.ID, u.ID
		if _, err := db.CreateAssessment(finhealth.WithActor(ctx, finhealth.Actor{UserID: u.ID}), a); err != nil {
			t.Fatal(err)
		}
		if err := e.w.rescore(ctx, other.ID); err != nil {
			t.Fatal(err)
		}
		if s, err := db.LatestHealthScore(ctx, other.ID); err != nil || s.Score == nil || s.LedgerAsOf != nil {
			t.Fatalf("questionnaire-only score %+v %v", s, err)
		}

		// A rescore waits for a running sync, which scores on its own.
		run := e.enqueue(org, finhealth.SyncFull)
		if _, err := db.StartSyncRun(ctx, run.ID); err != nil {
			t.Fatal(err)
		}
		if err := e.w.rescore(ctx, org); err != errSyncActive {
			t.Errorf("rescore during a sync: %v", err)
		}
	})
}

// TestMigrate: River's schema is created once and then reported current; migrating
// again changes nothing.
func TestMigrate(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		d := riverDatabase(t, db)
		if pending, err := MigrationsPending(ctx, d); err != nil || !pending {
			t.Fatalf("fresh database: pending %v, %v", pending, err)
		}
		for range 2 {
			if err := Migrate(ctx, d, nil); err != nil {
				t.Fatal(err)
			}
		}
		if pending, err := MigrationsPending(ctx, d); err != nil || pending {
			t.Fatalf("after Migrate: pending %v, %v", pending, err)
		}
	})
}

func TestNewRefusesBadConfig(t *testing.T) {
	db := testdb.Open(t, store.DialectSQLite)
	good := riverDatabase(t, db)
	shared := db.SQL() // the store's pool: more than one connection
	for name, cfg := range map[string]Config{
		"no store":      {Gateway: wave.Gateway{}, DB: good},
		"no database":   {Store: db, Gateway: wave.Gateway{}},
		"shared handle": {Store: db, Gateway: wave.Gateway{}, DB: Database{SQLite: shared}},
		"stale before retries end": {Store: db, Gateway: wave.Gateway{}, DB: good,
			StaleRunAfter: time.Minute, MaxRetryBackoff: time.Hour},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: New accepted it", name)
		}
	}
}
