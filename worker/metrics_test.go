package worker

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"finhealth"
	"finhealth/internal/metricstest"
	"finhealth/internal/testdb"
	"finhealth/store"
)

// TestMetrics drives a run to each outcome (succeeded, failed after a retried
// attempt, abandoned, interrupted) and reads the counters, the durations and the
// queue depth from the registry as a scrape would.
func TestMetrics(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		reg := prometheus.NewRegistry()
		e := newEnv(t, db, 10, func(c *Config) { c.Metrics = reg })
		runs := func(outcome string) float64 {
			return metricstest.Value(t, reg, "finhealth_sync_runs_total", "outcome", outcome)
		}
		queued := func() float64 {
			return metricstest.Value(t, reg, "finhealth_jobs", "queue", queueSync, "state", "available")
		}
		org := e.connect(e.acme())

		run := e.enqueue(org, finhealth.SyncFull) // River is not started: the job waits
		if got := queued(); got != 1 {
			t.Errorf("sync jobs available = %v, want 1", got)
		}
		// Every queue and state is reported, zeros included.
		if n := metricstest.Series(t, reg, "finhealth_jobs"); n != 2*len(queueStates) {
			t.Errorf("finhealth_jobs has %d series, want %d", n, 2*len(queueStates))
		}
		if err := e.work(run, 1, 1); err != nil {
			t.Fatal(err)
		}
		if runs(outcomeSucceeded) != 1 || metricstest.Value(t, reg, "finhealth_sync_run_duration_seconds", "outcome", outcomeSucceeded) != 1 {
			t.Errorf("after a successful sync: %v succeeded, %v durations",
				runs(outcomeSucceeded), metricstest.Value(t, reg, "finhealth_sync_run_duration_seconds", "outcome", outcomeSucceeded))
		}

		e.srv.FailNext(1000, 503)
		run = e.enqueue(org, finhealth.SyncFull)
		if err := e.work(run, 1, 2); err == nil || isCancel(err) {
			t.Fatalf("first attempt during an outage: %v, want a retry", err)
		}
		if got := metricstest.Value(t, reg, "finhealth_sync_attempt_failures_total"); got != 1 || runs(outcomeFailed) != 0 {
			t.Errorf("after a retried attempt: %v attempt failures, %v failed runs; want 1 and 0", got, runs(outcomeFailed))
		}
		if err := e.work(run, 2, 2); err == nil {
			t.Fatal("last attempt during an outage succeeded")
		}
		e.srv.FailNext(0, 0)
		if got := runs(outcomeFailed); got != 1 {
			t.Errorf("failed runs = %v, want 1", got)
		}

		e.enqueue(org, finhealth.SyncFull) // its worker "dies": nobody works it
		e.clock.Advance(e.w.cfg.StaleRunAfter + time.Minute)
		if _, err := e.w.scheduleSyncs(ctx); err != nil {
			t.Fatal(err)
		}
		if got := runs(outcomeAbandoned); got != 1 {
			t.Errorf("abandoned runs = %v, want 1", got)
		}

		run = e.enqueue(org, finhealth.SyncFull)
		e.store.onInvoicePage(1, e.w.signalStop)
		if err := e.work(run, 1, 5); err != nil {
			t.Fatalf("interrupted sync: %v", err)
		}
		if r := e.run(org, run.ID); r.Error != msgInterrupted {
			t.Fatalf("run %s %q, want interrupted", r.Status, r.Error)
		}
		if runs(outcomeInterrupted) != 1 || runs(outcomeFailed) != 1 {
			t.Errorf("after a shutdown: %v interrupted, %v failed; want 1 and 1", runs(outcomeInterrupted), runs(outcomeFailed))
		}
		// Four runs were enqueued plus the interrupted one's follow-up; River ran none.
		if got := queued(); got != 5 {
			t.Errorf("sync jobs available = %v, want 5", got)
		}
	})
}

// TestQueueDepthScrapeFailure: a database that cannot be read fails that one metric
// with an error, not the whole scrape or the process.
func TestQueueDepthScrapeFailure(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		reg := prometheus.NewRegistry()
		e := newEnv(t, db, 10, func(c *Config) { c.Metrics = reg })
		if e.river.SQLite != nil {
			e.river.SQLite.Close()
		} else {
			e.river.Postgres.Close()
		}
		_, err := reg.Gather()
		if err == nil || !strings.Contains(err.Error(), "counting jobs") {
			t.Fatalf("gather with the database closed: %v", err)
		}
	})
}
