package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"finhealth"
)

// Store is what the worker reads and writes: the warehouse, and the assessments that
// the health score blends in. The store package's *DB implements it.
type Store interface {
	finhealth.WarehouseService
	finhealth.HealthService
	finhealth.AssessmentService
	finhealth.MailService
}

// Config configures a Worker. Store and exactly one of DB.Postgres and DB.SQLite are
// required; every other zero field takes the default named on it.
type Config struct {
	Store Store
	// Gateway reaches Wave; nil (Wave not configured) runs no syncs, only the
	// other jobs.
	Gateway finhealth.WaveGateway
	// Mailer sends the mail job's messages; nil captures them instead (marks them
	// captured in the mail log, bodies kept), which is development without SMTP.
	Mailer Mailer
	// DB is where River keeps its jobs: the application's own database.
	DB Database
	// Logger gets job outcomes and failures (never a token); nil discards.
	Logger *slog.Logger
	// Metrics receives the worker's instruments (sync runs by outcome and their
	// durations, failed attempts, the job queue's depth read at scrape time); nil
	// records none.
	Metrics prometheus.Registerer
	// Now is the clock; nil is time.Now. Watermarks are compared with Wave's
	// modifiedAt, and scheduling thresholds with the store's timestamps, so in
	// production this must be the real clock.
	Now func() time.Time

	// SyncInterval is how old a connection's last successful sync may get before
	// the scheduler syncs it again. Default 24 hours.
	SyncInterval time.Duration
	// FullResyncEvery is how often a sync reads every invoice instead of those
	// modified since the watermark, which also finds invoices deleted in Wave.
	// Default 7 days.
	FullResyncEvery time.Duration
	// Concurrency is how many syncs run at once in this process. Default 2.
	Concurrency int
	// MaxAttempts bounds the River attempts of one sync (the first and its retries)
	// when Wave or the database keeps failing. Default 5.
	MaxAttempts int
	// RetryBackoff is the delay before the first retry; each later one waits four
	// times longer, up to MaxRetryBackoff. Defaults 30 seconds and 10 minutes.
	RetryBackoff, MaxRetryBackoff time.Duration
	// ScheduleEvery is how often the scheduler looks for connections due a sync and
	// for abandoned runs. Default 1 hour.
	ScheduleEvery time.Duration
	// StaleRunAfter is how long a queued or running run may go without a sign of
	// life before the scheduler fails it as abandoned (its worker died). It must
	// exceed MaxRetryBackoff, or runs waiting for a retry are abandoned. Default
	// 30 minutes.
	StaleRunAfter time.Duration
	// HeartbeatTimeout is how long a running run may go without a heartbeat from
	// the process working it before another instance takes it over: the run is
	// failed and a new run continues it from its last stored page. The working
	// process beats at a quarter of it, and every instance looks for such runs at
	// start-up and every third of it. Default 60 seconds.
	HeartbeatTimeout time.Duration
	// SyncTimeout bounds one attempt of a sync. Default 2 hours: a 50,000-invoice
	// business at Wave's pace of about a request a second takes ten minutes.
	SyncTimeout time.Duration
	// WatermarkMargin is subtracted from a sync's start time to make the next
	// incremental sync's watermark, covering clock skew between Wave and us and
	// invoices edited while their page was being read. Default 10 minutes.
	WatermarkMargin time.Duration
	// PollInterval is how often River looks for new jobs when no notification
	// arrives (SQLite has none). Default 1 second.
	PollInterval time.Duration

	// MailMaxAttempts bounds the attempts to send one message. Default 8: with the
	// default retry backoff that rides out about an hour of a mail server being down.
	MailMaxAttempts int
	// MailSweepEvery is how often the worker queues a job for messages stored
	// without one (the process died between the commit and the queueing).
	// Default 5 minutes.
	MailSweepEvery time.Duration

	// riverTestOnly skips River's randomized start-up delays, for tests.
	riverTestOnly bool
}

// Default settings.
const (
	DefaultSyncInterval    = 24 * time.Hour
	DefaultFullResyncEvery = 7 * 24 * time.Hour
	DefaultConcurrency     = 2
	DefaultMaxAttempts     = 5
	DefaultRetryBackoff    = 30 * time.Second
	DefaultMaxRetryBackoff = 10 * time.Minute
	DefaultScheduleEvery   = time.Hour
	DefaultStaleRunAfter   = 30 * time.Minute
	DefaultSyncTimeout     = 2 * time.Hour
	DefaultHeartbeat       = time.Minute
	DefaultWatermarkMargin = 10 * time.Minute
	DefaultPollInterval    = time.Second
	DefaultMailMaxAttempts = 8
	DefaultMailSweepEvery  = 5 * time.Minute
)

func (c *Config) setDefaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.SyncInterval, DefaultSyncInterval)
	def(&c.FullResyncEvery, DefaultFullResyncEvery)
	def(&c.RetryBackoff, DefaultRetryBackoff)
	def(&c.MaxRetryBackoff, DefaultMaxRetryBackoff)
	def(&c.ScheduleEvery, DefaultScheduleEvery)
	def(&c.StaleRunAfter, DefaultStaleRunAfter)
	def(&c.SyncTimeout, DefaultSyncTimeout)
	def(&c.HeartbeatTimeout, DefaultHeartbeat)
	def(&c.WatermarkMargin, DefaultWatermarkMargin)
	def(&c.PollInterval, DefaultPollInterval)
	def(&c.MailSweepEvery, DefaultMailSweepEvery)
	if c.MailMaxAttempts <= 0 {
		c.MailMaxAttempts = DefaultMailMaxAttempts
	}
	if c.Concurrency <= 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// softStopTimeout is how long a stop waits for running jobs before cancelling them
// when nothing bounds it (the start context was cancelled, or Stop's context has no
// deadline). A stopping sync ends at its next page boundary within seconds, and a
// rescore is bounded by rescoreTimeout; a job still running after this is stuck.
const softStopTimeout = rescoreTimeout

// River queues. Syncs get their own so that a few long syncs never delay a rescore
// or the scheduler.
const (
	queueSync    = "sync"
	queueDefault = river.QueueDefault
)

// riverClient is the part of *river.Client the worker uses. River's client is generic
// over the driver's transaction type (pgx.Tx or *sql.Tx); none of these methods
// mention it, so one Worker serves both databases.
type riverClient interface {
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
	JobList(ctx context.Context, params *river.JobListParams) (*river.JobListResult, error)
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	StopAndCancel(ctx context.Context) error
}

// Worker runs the background jobs and implements finhealth.SyncQueue.
type Worker struct {
	cfg    Config
	store  Store
	log    *slog.Logger
	client riverClient
	// id names this process on the runs it works (their worker_id), so that an
	// operator can tell which instance a run was on when it died.
	id string

	// stopping is closed by Stop: a running sync finishes the page it is writing
	// and then ends its run as interrupted.
	stopping chan struct{}
	stopOnce sync.Once
}

var _ finhealth.SyncQueue = (*Worker)(nil)

// New validates cfg and builds the River client; nothing runs until Start. River's
// schema must have been migrated (Migrate).
func New(cfg Config) (*Worker, error) {
	if cfg.Store == nil {
		return nil, errors.New("worker: Store is required")
	}
	if err := cfg.DB.check(); err != nil {
		return nil, err
	}
	cfg.setDefaults()
	if cfg.StaleRunAfter <= cfg.MaxRetryBackoff {
		return nil, fmt.Errorf("worker: StaleRunAfter (%s) must exceed MaxRetryBackoff (%s), or runs waiting for a retry are abandoned", cfg.StaleRunAfter, cfg.MaxRetryBackoff)
	}
	w := &Worker{cfg: cfg, store: cfg.Store, log: cfg.Logger, stopping: make(chan struct{}), id: uuid.NewString()}
	if cfg.Metrics != nil {
		m := newSyncMetrics()
		if err := m.register(cfg.Metrics, cfg.DB); err != nil {
			return nil, err
		}
		w.store = meteredStore{Store: cfg.Store, m: m}
	}

	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &rescoreWorker{w: w}); err != nil {
		return nil, err
	}
	if err := river.AddWorkerSafely(workers, &mailWorker{w: w}); err != nil {
		return nil, err
	}
	if err := river.AddWorkerSafely(workers, &mailSweepWorker{w: w}); err != nil {
		return nil, err
	}
	periodic := []*river.PeriodicJob{w.mailSweepJob()}
	if cfg.Gateway != nil {
		if err := river.AddWorkerSafely(workers, &syncWorker{w: w}); err != nil {
			return nil, err
		}
		if err := river.AddWorkerSafely(workers, &scheduleWorker{w: w}); err != nil {
			return nil, err
		}
		periodic = append(periodic, w.scheduleJob())
	}
	rc := &river.Config{
		Logger: routineLogger(cfg.Logger),
		Queues: map[string]river.QueueConfig{
			queueSync:    {MaxWorkers: cfg.Concurrency},
			queueDefault: {MaxWorkers: 2},
			queueMail:    {MaxWorkers: 2},
		},
		Workers:           workers,
		MaxAttempts:       cfg.MaxAttempts,
		RetryPolicy:       &retryPolicy{base: cfg.RetryBackoff, max: cfg.MaxRetryBackoff},
		FetchPollInterval: cfg.PollInterval,
		FetchCooldown:     min(cfg.PollInterval, 100*time.Millisecond),
		// A sync may legitimately run for SyncTimeout; River must not mistake it for
		// a job whose worker died and run it a second time alongside.
		RescueStuckJobsAfter: cfg.SyncTimeout + time.Hour,
		TestOnly:             cfg.riverTestOnly,
		// Without it River takes a cancelled start context (a SIGTERM, in serve) for
		// StopAndCancel and cancels the running jobs' contexts at once, so a page
		// being written would be lost; with it the stop is as graceful as Stop's.
		SoftStopTimeout: softStopTimeout,
		PeriodicJobs:    periodic,
	}
	client, err := cfg.DB.newClient(rc)
	if err != nil {
		return nil, fmt.Errorf("worker: creating the River client: %w", err)
	}
	w.client = client
	return w, nil
}

// Start begins working jobs and scheduling syncs; it returns once River has started.
// Cancelling ctx stops the worker as Stop does, except that nothing waits for it.
func (w *Worker) Start(ctx context.Context) error {
	if err := w.client.Start(ctx); err != nil {
		return err
	}
	// River treats a cancelled start context as a soft stop (SoftStopTimeout); the
	// syncs must hear of it too, or a long one would hold the shutdown for minutes.
	context.AfterFunc(ctx, w.signalStop)
	if w.cfg.Gateway != nil {
		go w.resumeStaleLoop(ctx)
	}
	return nil
}

// resumeStaleLoop takes over the runs whose process died, at start and then every
// third of HeartbeatTimeout, until the worker stops. Every instance runs it; the
// store's conditional update lets one of them take each run.
func (w *Worker) resumeStaleLoop(ctx context.Context) {
	t := time.NewTicker(w.cfg.HeartbeatTimeout / 3)
	defer t.Stop()
	for {
		w.resumeStale(ctx)
		select {
		case <-t.C:
		case <-w.stopping:
			return
		case <-ctx.Done():
			return
		}
	}
}

// resumeStale queues a continuation of every running run not heard from within
// HeartbeatTimeout.
func (w *Worker) resumeStale(ctx context.Context) {
	runs, err := w.store.ResumeStaleSyncRuns(ctx, w.cfg.Now().Add(-w.cfg.HeartbeatTimeout))
	if err != nil && ctx.Err() == nil {
		w.log.ErrorContext(ctx, "looking for sync runs whose process died failed", "error", err)
	}
	for _, run := range runs {
		w.log.WarnContext(ctx, "sync run resumed: its process stopped sending heartbeats", "organization_id", run.OrganizationID,
			"run_id", run.ID, "resumed_from", run.ResumedFrom, "entity", run.Position.Entity, "pages_stored", run.Position.Pages)
		// insertSync fails the new run when its job cannot be queued; the scheduler
		// syncs the connection later.
		_ = w.insertSync(ctx, run, time.Time{})
	}
}

func (w *Worker) signalStop() { w.stopOnce.Do(func() { close(w.stopping) }) }

// Stop shuts down gracefully: every running sync stops at its next page boundary
// (an in-flight Wave request is abandoned, a page being written is finished), its run
// is failed as interrupted and a follow-up run is queued to resume it. When ctx ends
// first (or a job is still running after softStopTimeout), running jobs are
// cancelled outright and still record their runs as
// interrupted, unless the process exits before they can; the scheduler then fails
// those runs as abandoned once StaleRunAfter has passed.
func (w *Worker) Stop(ctx context.Context) error {
	w.signalStop()
	err := w.client.Stop(ctx)
	if err != nil && ctx.Err() != nil {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		return errors.Join(err, w.client.StopAndCancel(cctx))
	}
	return err
}

func (w *Worker) isStopping() bool {
	select {
	case <-w.stopping:
		return true
	default:
		return false
	}
}

// EnqueueSync records a queued run and enqueues its job. An incremental sync of a
// connection whose last full sync is older than FullResyncEvery (or that never had
// one) is made full: a full read satisfies any request and keeps deletions in Wave
// from lingering.
func (w *Worker) EnqueueSync(ctx context.Context, orgID string, kind finhealth.SyncKind, trigger finhealth.SyncTrigger) (*finhealth.SyncRun, error) {
	if kind == finhealth.SyncIncremental {
		// Errors are left to CreateSyncRun, which reports a missing or inactive
		// connection in the caller's terms.
		if conn, err := w.store.WaveConnection(ctx, orgID); err == nil && w.fullDue(conn) {
			kind = finhealth.SyncFull
		}
	}
	run, err := w.store.CreateSyncRun(ctx, orgID, kind, trigger)
	if err != nil {
		return nil, err
	}
	if err := w.insertSync(ctx, run, time.Time{}); err != nil {
		return nil, err
	}
	return run, nil
}

// insertSync enqueues the job of a queued run, or fails the run when it cannot, so
// that no run waits forever for a job that does not exist.
func (w *Worker) insertSync(ctx context.Context, run *finhealth.SyncRun, at time.Time) error {
	_, err := w.client.Insert(ctx, syncArgs{OrganizationID: run.OrganizationID, RunID: run.ID},
		&river.InsertOpts{Queue: queueSync, ScheduledAt: at})
	if err == nil {
		return nil
	}
	w.log.ErrorContext(ctx, "queueing a sync failed", "organization_id", run.OrganizationID, "run_id", run.ID, "error", err)
	fctx, cancel := detached(ctx)
	defer cancel()
	if _, ferr := w.store.FinishSyncRun(fctx, run.ID, finhealth.SyncFailed, finhealth.SyncProgress{}, msgNotQueued); ferr != nil {
		w.log.ErrorContext(ctx, "failing an unqueued sync run failed", "run_id", run.ID, "error", ferr)
	}
	return fmt.Errorf("%w: %v", finhealth.Errorf(finhealth.EUNAVAILABLE, msgNotQueued), err)
}

const msgNotQueued = "The sync could not be queued. Try again in a moment."

func (w *Worker) fullDue(conn *finhealth.WaveConnection) bool {
	return conn.FullSyncDue || conn.LastFullSyncAt == nil || w.cfg.Now().Sub(*conn.LastFullSyncAt) >= w.cfg.FullResyncEvery
}

// EnqueueRescore asks for the organization's metrics and health score to be
// recomputed from the stored ledger. The caller's change is committed, so a rescore
// of the organization that has not started yet will read it: then no job is queued,
// which spares every submission in a burst a durable insert (and the worker a job)
// for the price of a read of River's few unstarted jobs. Otherwise a job is queued,
// and the jobs of one organization coalesce again when they run (rescoreTurn).
func (w *Worker) EnqueueRescore(ctx context.Context, orgID string) error {
	tag := rescoreTag(orgID)
	// A failed look is no reason to fail: queueing is always correct.
	if res, err := w.client.JobList(ctx, rescoreJobs(tag, rivertype.JobStateAvailable, rivertype.JobStateScheduled,
		rivertype.JobStateRetryable).First(1)); err == nil && len(res.Jobs) > 0 {
		return nil
	}
	opts := &river.InsertOpts{Queue: queueDefault, Tags: []string{tag}}
	if _, err := w.client.Insert(ctx, rescoreArgs{OrganizationID: orgID}, opts); err != nil {
		return fmt.Errorf("%w: %v", finhealth.Errorf(finhealth.EUNAVAILABLE, "The health score could not be queued for recomputation. Try again in a moment."), err)
	}
	return nil
}

// detached returns a context that survives the caller's cancellation for a short
// while: recording how a run ended must not be skipped because the job was cancelled.
func detached(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
}

// retryPolicy spaces River's retries of a failing job: base, 4x base, 16x base, ...
// up to max. River's default (attempt^4 seconds) would wait hours by the tenth
// attempt, while a run waiting that long would be abandoned by the scheduler.
type retryPolicy struct{ base, max time.Duration }

func (p *retryPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	// job.Errors does not hold the failure being handled yet.
	return time.Now().Add(p.delay(len(job.Errors) + 1))
}

// delay is the wait after the nth failure (n >= 1).
func (p *retryPolicy) delay(n int) time.Duration {
	d := p.base
	for i := 1; i < n && d < p.max; i++ {
		d *= 4
	}
	return min(d, p.max)
}

// scheduleJob is the periodic scheduler of syncs.
func (w *Worker) scheduleJob() *river.PeriodicJob {
	cfg := w.cfg
	return river.NewPeriodicJob(
		river.PeriodicInterval(cfg.ScheduleEvery),
		func() (river.JobArgs, *river.InsertOpts) {
			return scheduleArgs{}, &river.InsertOpts{
				Queue: queueDefault,
				// Restarts (RunOnStart) and leader changes must not pile up
				// scheduler runs.
				UniqueOpts: river.UniqueOpts{ByPeriod: max(cfg.ScheduleEvery/2, time.Second)},
			}
		},
		// Running at start catches up on syncs that fell due while finhealth
		// was down and fails runs a crash left behind.
		&river.PeriodicJobOpts{ID: scheduleArgs{}.Kind(), RunOnStart: true},
	)
}
