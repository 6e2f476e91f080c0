package worker

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"finhealth"
)

// Outcomes of a sync run in the metrics. A run interrupted by a shutdown is counted
// apart from failures: it resumes on the next start, and every deploy would
// otherwise look like a burst of failed syncs.
const (
	outcomeSucceeded   = "succeeded"
	outcomePartial     = "partial"
	outcomeFailed      = "failed"
	outcomeInterrupted = "interrupted"
	outcomeAbandoned   = "abandoned"
	outcomeResumed     = "resumed"
)

// syncMetrics are the worker's instruments: how sync runs end and how long they took.
type syncMetrics struct {
	runs     *prometheus.CounterVec
	duration *prometheus.HistogramVec
	retries  prometheus.Counter
}

func newSyncMetrics() *syncMetrics {
	return &syncMetrics{
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "finhealth_sync_runs_total",
			Help: "Sync runs finished, by outcome: succeeded, failed, interrupted (by a shutdown; resumed at the next start), resumed (their process died and a new run continues them) or abandoned (queued too long).",
		}, []string{"outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "finhealth_sync_run_duration_seconds",
			Help: "Duration of finished sync runs that started, from start to finish (retries included), by outcome.",
			// A small business syncs in seconds; 50,000 invoices at Wave's pace take
			// about ten minutes, and SyncTimeout is two hours.
			Buckets: []float64{1, 5, 15, 30, 60, 120, 300, 600, 1200, 3600, 7200},
		}, []string{"outcome"}),
		retries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "finhealth_sync_attempt_failures_total",
			Help: "Failed attempts of sync runs that are retried; a rising rate means Wave or the database is struggling before runs fail.",
		}),
	}
}

func (m *syncMetrics) register(reg prometheus.Registerer, db Database) error {
	for _, c := range []prometheus.Collector{m.runs, m.duration, m.retries, newQueueCollector(db)} {
		if err := reg.Register(c); err != nil {
			return fmt.Errorf("worker: registering metrics: %w", err)
		}
	}
	return nil
}

// meteredStore observes sync runs where their ends are recorded, so that every path
// that finishes a run (success, each kind of failure, a job that could not be queued,
// the scheduler abandoning runs) is counted exactly once without threading metrics
// through each of them.
type meteredStore struct {
	Store
	m *syncMetrics
}

func (s meteredStore) FinishSyncRun(ctx context.Context, runID string, status finhealth.SyncStatus, progress finhealth.SyncProgress, errMsg string, warnings ...string) (*finhealth.SyncRun, error) {
	run, err := s.Store.FinishSyncRun(ctx, runID, status, progress, errMsg, warnings...)
	if err != nil {
		return run, err
	}
	outcome := outcomeFailed
	switch {
	case status == finhealth.SyncSucceeded:
		outcome = outcomeSucceeded
	case status == finhealth.SyncPartial:
		outcome = outcomePartial
	case errMsg == msgInterrupted:
		outcome = outcomeInterrupted
	}
	s.m.runs.WithLabelValues(outcome).Inc()
	if run.StartedAt != nil {
		s.m.duration.WithLabelValues(outcome).Observe(run.Duration().Seconds())
	}
	return run, nil
}

func (s meteredStore) RecordSyncAttempt(ctx context.Context, runID string, attempt int, errMsg string, retryAt time.Time) error {
	err := s.Store.RecordSyncAttempt(ctx, runID, attempt, errMsg, retryAt)
	if err == nil {
		s.m.retries.Inc()
	}
	return err
}

func (s meteredStore) ResumeStaleSyncRuns(ctx context.Context, before time.Time) ([]*finhealth.SyncRun, error) {
	runs, err := s.Store.ResumeStaleSyncRuns(ctx, before)
	s.m.runs.WithLabelValues(outcomeResumed).Add(float64(len(runs)))
	return runs, err
}

func (s meteredStore) AbandonSyncRuns(ctx context.Context, before time.Time) (int, error) {
	n, err := s.Store.AbandonSyncRuns(ctx, before)
	if n > 0 {
		s.m.runs.WithLabelValues(outcomeAbandoned).Add(float64(n))
	}
	return n, err
}

// queueStates are the states of jobs not yet finished; finished ones (completed,
// cancelled, discarded) stay in River's table for days and say nothing of the load.
var queueStates = []string{"available", "pending", "retryable", "running", "scheduled"}

// countJobsSQL reads the queue depth in one query that River's fetch index (state,
// queue, ...) serves on both databases; the cast reads PostgreSQL's enum as text.
const countJobsSQL = `SELECT queue, CAST(state AS TEXT), COUNT(*) FROM river_job
WHERE state IN ('available', 'pending', 'retryable', 'running', 'scheduled')
GROUP BY queue, state`

// queueCollector reports River's jobs by queue and state when Prometheus scrapes, so
// that the depth is read from the database at most once per scrape and costs nothing
// between scrapes.
type queueCollector struct {
	db   Database
	desc *prometheus.Desc
}

func newQueueCollector(db Database) *queueCollector {
	return &queueCollector{db: db, desc: prometheus.NewDesc("finhealth_jobs",
		"Background jobs not yet finished, by River queue and state (available jobs wait for a worker).",
		[]string{"queue", "state"}, nil)}
}

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// scrapeTimeout bounds the count so that a slow database cannot hold a scrape (and
// its goroutine) for long; Collect has no context of its own.
const scrapeTimeout = 5 * time.Second

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	counts, err := c.db.countJobs(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.desc, fmt.Errorf("worker: counting jobs: %w", err))
		return
	}
	// Both queues are always reported, zeros included: an absent series cannot be
	// told from a broken scrape in an alert.
	for _, q := range []string{queueSync, queueDefault} {
		if counts[q] == nil {
			counts[q] = map[string]int64{}
		}
	}
	for q, byState := range counts {
		for _, state := range queueStates {
			ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(byState[state]), q, state)
		}
	}
}

// countJobs returns the unfinished jobs by queue and state.
func (d Database) countJobs(ctx context.Context) (map[string]map[string]int64, error) {
	if d.Postgres != nil {
		rows, err := d.Postgres.Query(ctx, countJobsSQL)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		return scanJobCounts(rows)
	}
	rows, err := d.SQLite.QueryContext(ctx, countJobsSQL)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return scanJobCounts(rows)
}

// jobCountRows is what pgx's and database/sql's rows have in common.
type jobCountRows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

func scanJobCounts(rows jobCountRows) (map[string]map[string]int64, error) {
	counts := map[string]map[string]int64{}
	for rows.Next() {
		var queue, state string
		var n int64
		if err := rows.Scan(&queue, &state, &n); err != nil {
			return nil, err
		}
		if counts[queue] == nil {
			counts[queue] = map[string]int64{}
		}
		counts[queue][state] = n
	}
	return counts, rows.Err()
}
