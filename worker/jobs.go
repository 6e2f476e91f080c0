package worker

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"

	"finhealth"
)

// Job kinds are stored in River's table: renaming one orphans queued jobs, so they
// never change.

// syncArgs is the job of one SyncRun.
type syncArgs struct {
	OrganizationID string `json:"organization_id"`
	RunID          string `json:"run_id"`
}

func (syncArgs) Kind() string { return "finhealth_sync" }

type syncWorker struct {
	river.WorkerDefaults[syncArgs]
	w *Worker
}

func (sw *syncWorker) Timeout(*river.Job[syncArgs]) time.Duration { return sw.w.cfg.SyncTimeout }

func (sw *syncWorker) Work(ctx context.Context, job *river.Job[syncArgs]) error {
	return sw.w.runSync(ctx, job.Args, job.Attempt, job.MaxAttempts)
}

// rescoreArgs asks for one organization's metrics and score to be recomputed.
type rescoreArgs struct {
	OrganizationID string `json:"organization_id"`
}

func (rescoreArgs) Kind() string { return "finhealth_rescore" }

type rescoreWorker struct {
	river.WorkerDefaults[rescoreArgs]
	w *Worker
}

func (rw *rescoreWorker) Work(ctx context.Context, job *river.Job[rescoreArgs]) error {
	err := rw.w.rescore(ctx, job.Args.OrganizationID)
	if errors.Is(err, errSyncActive) {
		// The running sync computes the score when it finishes; checking back
		// afterwards picks up a mapping change it may have read too early.
		return river.JobSnooze(time.Minute)
	}
	if code := finhealth.ErrorCode(err); code == finhealth.ENOTFOUND {
		return river.JobCancel(err) // the organization is gone
	}
	return err
}

// scheduleArgs is the periodic scheduler's job.
type scheduleArgs struct{}

func (scheduleArgs) Kind() string { return "finhealth_schedule_syncs" }

type scheduleWorker struct {
	river.WorkerDefaults[scheduleArgs]
	w *Worker
}

func (sw *scheduleWorker) Work(ctx context.Context, _ *river.Job[scheduleArgs]) error {
	_, err := sw.w.scheduleSyncs(ctx)
	return err
}

// scheduleBatch bounds the connections one scheduler run enqueues; the rest wait for
// the next run, least recently synced first, so a backlog drains without a stampede.
const scheduleBatch = 500

// scheduleSyncs fails the runs whose worker died, then queues a scheduled sync for
// every active connection not synced within SyncInterval. It returns how many it
// queued.
func (w *Worker) scheduleSyncs(ctx context.Context) (int, error) {
	now := w.cfg.Now()
	abandoned, err := w.store.AbandonSyncRuns(ctx, now.Add(-w.cfg.StaleRunAfter))
	if err != nil {
		return 0, err
	}
	if abandoned > 0 {
		w.log.WarnContext(ctx, "failed sync runs abandoned by their worker", "runs", abandoned)
	}
	conns, err := w.store.ActiveWaveConnections(ctx, now.Add(-w.cfg.SyncInterval), scheduleBatch)
	if err != nil {
		return 0, err
	}
	queued := 0
	var errs []error
	for _, c := range conns {
		kind := finhealth.SyncIncremental
		if w.fullDue(c) {
			kind = finhealth.SyncFull
		}
		run, err := w.store.CreateSyncRun(ctx, c.OrganizationID, kind, finhealth.SyncScheduled)
		if finhealth.ErrorCode(err) == finhealth.ECONFLICT {
			continue // a sync is already queued or running
		}
		if err == nil {
			err = w.insertSync(ctx, run, time.Time{})
		}
		if err != nil {
			w.log.ErrorContext(ctx, "scheduling a sync failed", "organization_id", c.OrganizationID, "error", err)
			errs = append(errs, err)
			continue
		}
		queued++
	}
	if queued > 0 {
		w.log.InfoContext(ctx, "scheduled syncs", "queued", queued)
	}
	// One broken organization must not stop the others; River retries the whole
	// run, which skips those already queued.
	return queued, errors.Join(errs...)
}
