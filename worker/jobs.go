package worker

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

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

func (rw *rescoreWorker) Timeout(*river.Job[rescoreArgs]) time.Duration { return rescoreTimeout }

func (rw *rescoreWorker) Work(ctx context.Context, job *river.Job[rescoreArgs]) error {
	switch turn, err := rw.w.rescoreTurn(ctx, job.JobRow); {
	case err != nil:
		return err
	case turn == rescoreLater:
		// Another rescore of the organization will start later and read everything
		// this one would have.
		return nil
	case turn == rescoreWait:
		return river.JobSnooze(rescoreWaitDelay)
	}
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

// Rescores coalesce. River's unique jobs cannot do it: a running job counts as a
// duplicate, so a change made while a rescore runs would find its own job refused
// and the score would stay stale. Instead every change queues a job, and a job that
// starts looks at the organization's other rescores (found by their tag):
//
//   - Another one that has not started yet (available, scheduled, or waiting for a
//     retry) will read everything committed before it starts, which includes every
//     change that queued this one, since this one was queued after its change was
//     committed: this one ends without computing.
//   - Another one that started earlier and still runs may write its metrics after
//     this one and put back what it read before the latest change: this one waits
//     for it.
//   - Otherwise this one computes.
//
// Every change is therefore followed by a computation that starts after it, one
// organization's computations never overlap, and a burst of changes costs one or
// two computations instead of one each.

type rescoreTurnKind int

const (
	rescoreNow   rescoreTurnKind = iota
	rescoreLater                 // a rescore that has not started yet covers this one
	rescoreWait                  // an earlier rescore is still running
)

const (
	// rescoreTimeout bounds one rescore; it reads the stored books and writes one
	// computation, which takes well under a second even for a large business.
	rescoreTimeout = time.Minute
	// rescoreWaitDelay is how long a rescore waits for an earlier one to finish
	// before looking again.
	rescoreWaitDelay = 500 * time.Millisecond
	// deadRescoreAfter is how long after its start a rescore still shown running is
	// taken for one whose process died (its timeout has long passed), so that
	// nothing waits for it until River rescues it.
	deadRescoreAfter = 2 * rescoreTimeout
	// rescoreListLimit bounds the other jobs one rescore looks at. Those running
	// are at most a few (the queue's workers), so a full page always holds one
	// that has not started.
	rescoreListLimit = 50
)

// rescoreTag marks an organization's rescore jobs. Tags are what River lists jobs by
// on both databases; organization ids are UUIDs, which tags accept.
func rescoreTag(orgID string) string { return "org-" + orgID }

// rescoreTurn says whether the running rescore job should compute now, leave it to a
// later one, or wait for an earlier one.
func (w *Worker) rescoreTurn(ctx context.Context, job *rivertype.JobRow) (rescoreTurnKind, error) {
	if len(job.Tags) == 0 {
		return rescoreNow, nil // queued before rescores were tagged
	}
	res, err := w.client.JobList(ctx, rescoreJobs(job.Tags[0],
		rivertype.JobStateAvailable, rivertype.JobStateScheduled, rivertype.JobStateRetryable, rivertype.JobStateRunning).
		First(rescoreListLimit))
	if err != nil {
		return rescoreNow, fmt.Errorf("worker: listing the organization's rescores: %w", err)
	}
	// River's own timestamps, so the real clock rather than cfg.Now.
	deadBefore := time.Now().Add(-deadRescoreAfter)
	turn := rescoreNow
	for _, other := range res.Jobs {
		if other.ID == job.ID {
			continue
		}
		if other.State != rivertype.JobStateRunning {
			return rescoreLater, nil
		}
		if other.AttemptedAt != nil && other.AttemptedAt.After(deadBefore) && startedBefore(other, job) {
			turn = rescoreWait
		}
	}
	return turn, nil
}

// rescoreJobs lists the rescores of the organization that tag names, in states.
func rescoreJobs(tag string, states ...rivertype.JobState) *river.JobListParams {
	return river.NewJobListParams().Kinds(rescoreArgs{}.Kind()).TagsAll(tag).States(states...)
}

// startedBefore orders running jobs by the start of their current attempt, then by
// id, so that of two rescores that see each other running exactly one waits.
func startedBefore(a, b *rivertype.JobRow) bool {
	if a.AttemptedAt == nil || b.AttemptedAt == nil || a.AttemptedAt.Equal(*b.AttemptedAt) {
		return a.ID < b.ID
	}
	return a.AttemptedAt.Before(*b.AttemptedAt)
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
		run, err := w.store.CreateScheduledSyncRun(ctx, c.OrganizationID, kind, now.Add(-w.cfg.SyncInterval))
		if finhealth.ErrorCode(err) == finhealth.ECONFLICT {
			continue // a sync is queued or running, or finished since the list was read
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
