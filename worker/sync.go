package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"finhealth"
)

// Messages stored on failed runs; they are shown to owners, so they say what happened
// and what happens next, never an internal detail.
const (
	msgInterrupted = "The sync was interrupted because finhealth was shutting down. What was read is kept, and a new sync resumes when finhealth is back."
	msgInternal    = "The sync failed because of an internal error."
)

// errInterrupted ends a sync at a page boundary when the worker is stopping.
var errInterrupted = errors.New("worker: sync interrupted by shutdown")

// runSync works one attempt of a run's job. It returns nil when the run is finished
// (either way), a River cancellation when retrying cannot help, and the error itself
// when River should retry.
func (w *Worker) runSync(ctx context.Context, a syncArgs, attempt, maxAttempts int) error {
	log := w.log.With("organization_id", a.OrganizationID, "run_id", a.RunID, "attempt", attempt)
	if w.isStopping() {
		// Fetched as the worker stops: leave it to the next worker rather than
		// start and interrupt it at once.
		return river.JobSnooze(resumeDelay)
	}
	run, err := w.store.SyncRun(ctx, a.OrganizationID, a.RunID)
	if finhealth.ErrorCode(err) == finhealth.ENOTFOUND {
		log.WarnContext(ctx, "sync run no longer exists")
		return river.JobCancel(err)
	}
	if err != nil {
		return err
	}
	if !run.Status.Active() {
		// Abandoned by the scheduler, or finished by an attempt that died before
		// River heard of it.
		log.InfoContext(ctx, "sync run already finished", "status", run.Status)
		return nil
	}
	// A running run is resumed as it is: an earlier attempt ended without finishing
	// it, and reading again is safe because every write is an idempotent upsert.
	if run.Status == finhealth.SyncQueued {
		if run, err = w.store.StartSyncRun(ctx, run.ID); err != nil {
			if finhealth.ErrorCode(err) == finhealth.ECONFLICT {
				log.InfoContext(ctx, "sync run finished meanwhile", "error", err)
				return nil
			}
			return err
		}
	}

	if err := w.store.HeartbeatSyncRun(ctx, run.ID, w.id); err != nil {
		if finhealth.ErrorCode(err) == finhealth.ECONFLICT {
			log.InfoContext(ctx, "sync run finished or was taken over meanwhile", "error", err)
			return nil
		}
		return err
	}

	s := &syncer{w: w, run: run, log: log}
	if run.ResumedFrom != "" {
		// Continues the walk of a run whose process died, with its totals.
		s.progress = run.SyncProgress
		log.InfoContext(ctx, "resuming the walk of an interrupted sync", "resumed_from", run.ResumedFrom,
			"entity", run.Position.Entity, "pages_stored", run.Position.Pages)
	}
	err = s.sync(ctx)
	if err == nil {
		status := finhealth.SyncSucceeded
		if len(s.warnings) > 0 {
			// Everything read is kept and scored; only removals and watermarks
			// waited for proof, and the next sync reads everything.
			status = finhealth.SyncPartial
			log.WarnContext(ctx, "sync could not prove it read every record; nothing was removed", "warnings", len(s.warnings))
		}
		done, ferr := w.store.FinishSyncRun(ctx, run.ID, status, s.progress, "", s.warnings...)
		if finhealth.ErrorCode(ferr) == finhealth.ECONFLICT {
			log.WarnContext(ctx, "sync finished after its run was abandoned", "error", ferr)
			return nil
		}
		if ferr != nil {
			return ferr
		}
		log.InfoContext(ctx, "sync finished", "status", status, "kind", run.Kind, "accounts", s.progress.Accounts.Seen,
			"invoices", s.progress.Invoices.Seen, "customers", s.progress.Customers.Seen,
			"pages", s.progress.Pages, "duration", done.Duration())
		return nil
	}
	return w.syncFailed(ctx, log, s, err, attempt, maxAttempts)
}

// syncFailed records a failed attempt according to what can fix it and tells River
// whether to retry.
func (w *Worker) syncFailed(ctx context.Context, log *slog.Logger, s *syncer, err error, attempt, maxAttempts int) error {
	run := s.run
	fctx, cancel := detached(ctx)
	defer cancel()
	finish := func(msg string) {
		if _, ferr := w.store.FinishSyncRun(fctx, run.ID, finhealth.SyncFailed, s.progress, msg); ferr != nil &&
			finhealth.ErrorCode(ferr) != finhealth.ECONFLICT {
			log.ErrorContext(ctx, "recording the failed sync failed", "error", ferr)
		}
	}

	var later *finhealth.WaveRetryLaterError
	if errors.As(err, &later) && !w.isStopping() {
		return w.syncWaits(ctx, fctx, log, s, later, finish)
	}

	var reconnect *finhealth.WaveReconnectError
	if errors.As(err, &reconnect) && s.tokens != nil {
		// Only the owner can fix this; retrying would only be refused again. The
		// store marks the connection only while the refused grant is its grant.
		_, serr := w.store.SetWaveConnectionStatus(fctx, run.OrganizationID, s.tokens.RefusedGrant(reconnect), finhealth.WaveNeedsReconnect, string(reconnect.Reason))
		switch {
		case errors.Is(serr, finhealth.ErrWaveGrantReplaced):
			// The owner has connected again since this sync read its token: the
			// refusal says nothing of the new connection.
			log.InfoContext(ctx, "wave refused a grant the owner has since replaced", "reason", reconnect.Reason)
			err = finhealth.ErrWaveGrantReplaced
		case serr != nil:
			log.ErrorContext(ctx, "marking the connection needs_reconnect failed", "error", serr)
		}
	}
	switch {
	case errors.Is(err, finhealth.ErrWaveGrantReplaced):
		// The owner connected Wave again while this sync used the previous grant. The
		// new connection is fine: stop this sync without touching it, drop the
		// process's cached token of the old grant, and sync the new one instead.
		log.InfoContext(ctx, "wave connection replaced during the sync; stopping it", "error", err)
		w.cfg.Gateway.Forget(run.OrganizationID)
		finish(finhealth.ErrWaveGrantReplaced.Message)
		w.resumeLater(fctx, log, run)
		return river.JobCancel(err)

	case errors.As(err, &reconnect):
		log.WarnContext(ctx, "wave connection needs reconnecting", "reason", reconnect.Reason, "error", err)
		// The process may hold the refused token in memory; a reconnect must start
		// from the store.
		w.cfg.Gateway.Forget(run.OrganizationID)
		finish(reconnect.Reason.Message())
		return river.JobCancel(err)

	case w.isStopping() && (errors.Is(err, errInterrupted) || errors.Is(err, context.Canceled)):
		log.InfoContext(ctx, "sync interrupted by shutdown", "pages", s.progress.Pages)
		finish(msgInterrupted)
		w.resumeLater(fctx, log, run)
		return nil

	case permanent(err):
		log.WarnContext(ctx, "sync failed", "error", err)
		finish(userMessage(err))
		return river.JobCancel(err)

	case attempt >= maxAttempts:
		log.ErrorContext(ctx, "sync failed; giving up", "error", err)
		finish(fmt.Sprintf("%s It failed %d times in a row, so finhealth stopped trying; the next scheduled sync tries again.", userMessage(err), attempt))
		return err
	}

	delay := (&retryPolicy{base: w.cfg.RetryBackoff, max: w.cfg.MaxRetryBackoff}).delay(attempt)
	log.WarnContext(ctx, "sync failed; River retries it", "error", err, "retry_in", delay)
	// The run stays running between attempts; it shows which attempt failed and why.
	msg := fmt.Sprintf("Attempt %d of %d failed: %s Trying again in %s.", attempt, maxAttempts, userMessage(err), delay.Round(time.Second))
	// retry_at keeps the run alive for the heartbeat check while no process works it.
	if rerr := w.store.RecordSyncAttempt(fctx, run.ID, attempt, msg, w.cfg.Now().Add(delay)); rerr != nil {
		log.ErrorContext(ctx, "recording the failed attempt failed", "error", rerr)
	}
	return err
}

// maxSyncWait bounds how long a run may keep waiting for Wave to let it read again,
// counted from when it was queued.
const maxSyncWait = 24 * time.Hour

// syncWaits reschedules a run that Wave asked to wait longer than the client waits
// in-process (a long Retry-After): the job snoozes for at least that long, which
// spends none of its attempts, and the run records when it tries again, which keeps
// it alive for the scheduler meanwhile.
func (w *Worker) syncWaits(ctx, fctx context.Context, log *slog.Logger, s *syncer, later *finhealth.WaveRetryLaterError, finish func(string)) error {
	now := w.cfg.Now()
	retryAt := now.Add(later.After)
	if retryAt.Sub(s.run.QueuedAt) > maxSyncWait {
		log.WarnContext(ctx, "wave kept asking the sync to wait; giving up", "retry_after", later.After)
		finish(fmt.Sprintf("Wave kept asking finhealth to wait (the last time for %s), so this sync stopped; the next scheduled sync tries again.", later.After.Round(time.Second)))
		return river.JobCancel(later)
	}
	log.WarnContext(ctx, "wave asked the sync to wait; rescheduling it", "retry_after", later.After, "retry_at", retryAt)
	msg := fmt.Sprintf("Wave asked finhealth to wait %s before reading again; the sync continues at %s UTC.",
		later.After.Round(time.Second), retryAt.UTC().Format("15:04 on Jan 2"))
	if err := w.store.WaitSyncRun(fctx, s.run.ID, retryAt, msg); err != nil {
		log.ErrorContext(ctx, "recording the wait failed", "error", err)
	}
	if err := w.store.UpdateSyncProgress(fctx, s.run.ID, s.progress); err != nil && finhealth.ErrorCode(err) != finhealth.ECONFLICT {
		log.ErrorContext(ctx, "recording the progress before the wait failed", "error", err)
	}
	return river.JobSnooze(later.After)
}

// resumeLater queues a follow-up of an interrupted run, which the next worker to start
// picks up at once.
func (w *Worker) resumeLater(ctx context.Context, log *slog.Logger, run *finhealth.SyncRun) {
	next, err := w.store.CreateSyncRun(ctx, run.OrganizationID, run.Kind, run.Trigger)
	if err == nil {
		err = w.insertSync(ctx, next, time.Time{})
	}
	if err != nil && finhealth.ErrorCode(err) != finhealth.ECONFLICT {
		log.ErrorContext(ctx, "queueing the follow-up of an interrupted sync failed; the scheduler will sync later", "error", err)
	}
}

// resumeDelay is how long a sync fetched by a stopping worker waits for the next one.
const resumeDelay = 5 * time.Second

// permanent reports whether retrying cannot fix err: the request or the connection's
// state is wrong, not the availability of Wave or the database.
func permanent(err error) bool {
	switch finhealth.ErrorCode(err) {
	case finhealth.ENOTFOUND, finhealth.EFORBIDDEN, finhealth.EINVALID, finhealth.ECONFLICT,
		finhealth.EUNAUTHORIZED, finhealth.EBADREQUEST:
		return true
	}
	return false
}

// userMessage is what an owner may read about err.
func userMessage(err error) string {
	var fe *finhealth.Error
	if errors.As(err, &fe) && fe.Code != finhealth.EINTERNAL {
		return fe.Message
	}
	return msgInternal
}

// syncer is one attempt at a run.
type syncer struct {
	w        *Worker
	run      *finhealth.SyncRun
	log      *slog.Logger
	recorded time.Time // when progress was last recorded
	progress finhealth.SyncProgress
	// tokens are the connection's tokens as the sync uses them; nil until the sync
	// has read them.
	tokens *finhealth.StoredWaveTokens
	// warnings say what the sync could not prove it read (a partial run).
	warnings []string
	// incomplete holds the entities whose read was not provably whole: neither
	// pruned nor their watermark moved.
	incomplete map[finhealth.SyncEntity]bool
}

// readDone ends the read of entity: an incomplete read (finhealth.IncompleteReadError)
// is recorded and is not a failure, since every record it delivered was written.
func (s *syncer) readDone(ctx context.Context, entity finhealth.SyncEntity, err error) error {
	var inc *finhealth.IncompleteReadError
	if !errors.As(err, &inc) {
		return err
	}
	s.log.WarnContext(ctx, "the read of an entity was not provably complete", "entity", entity,
		"skipped", inc.Skipped, "problems", strings.Join(inc.Problems, " "))
	if s.incomplete == nil {
		s.incomplete = map[finhealth.SyncEntity]bool{}
	}
	s.incomplete[entity] = true
	s.warnings = append(s.warnings, inc.Problems...)
	return nil
}

// notSyncableError is returned for a connection that is not active with a business.
type notSyncableError struct {
	status finhealth.WaveConnectionStatus
}

func (e *notSyncableError) Error() string {
	return "worker: connection is " + string(e.status) + ", not active with a business"
}

func (e *notSyncableError) Unwrap() error {
	msg := "No Wave business is chosen yet, so there is nothing to sync."
	switch e.status {
	case finhealth.WaveNeedsReconnect:
		msg = "The Wave connection needs to be connected again before it can sync."
	case finhealth.WaveDisconnected:
		msg = "Wave was disconnected, so nothing was synced."
	}
	return &finhealth.Error{Code: finhealth.ECONFLICT, Message: msg}
}

// sync reads the business and refreshes the warehouse, snapshots, metrics and score.
//
// Every attempt reads from the watermarks as they were when the run started: they
// move only once every entity has been read to the end, so a retried attempt reads
// again exactly what the failed one was reading, and the run's counts are those of
// the attempt that finished it.
func (s *syncer) sync(ctx context.Context) error {
	w, orgID := s.w, s.run.OrganizationID
	conn, err := w.store.WaveConnection(ctx, orgID)
	if err != nil {
		return err
	}
	if conn.Status != finhealth.WaveActive || conn.BusinessID == "" {
		return &notSyncableError{status: conn.Status}
	}
	if s.tokens, err = finhealth.NewStoredWaveTokens(ctx, w.store, orgID); err != nil {
		return err
	}
	full := s.run.Kind == finhealth.SyncFull
	// Wave's modifiedAt is compared with this clock: an invoice edited after this
	// instant (less the margin) is read again by the next incremental sync.
	started := w.cfg.Now()

	// Wave reads stop as soon as the worker stops (an in-flight request is
	// abandoned); store writes keep the job's context, so a page being written is
	// finished and the run can be recorded.
	readCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-w.stopping:
			cancel()
		case <-readCtx.Done():
		}
	}()
	r := &waveRead{ctx: readCtx, cancel: cancel, session: w.cfg.Gateway.Session(orgID, s.tokens), businessID: conn.BusinessID}
	stopBeating := s.heartbeat(ctx, cancel)
	defer stopBeating()

	if err := s.readAccounts(ctx, r); err != nil {
		return err
	}
	invoicesRead, invoicesMoved, err := s.readInvoices(ctx, r, conn, full)
	if err != nil {
		return err
	}
	if err := s.readCustomers(ctx, r); err != nil {
		return err
	}

	if err := s.finishEntities(ctx, started, full, invoicesRead && !invoicesMoved && !s.incomplete[finhealth.EntityInvoices]); err != nil {
		return err
	}
	var unavailable string
	if !invoicesRead {
		unavailable = "Wave does not let finhealth read this business's invoices."
	}
	return w.scoreSync(ctx, orgID, unavailable)
}

// waveRead is what the reads of one sync share. ctx is the reads' own context (see
// sync), and cancel ends it.
type waveRead struct {
	ctx        context.Context
	cancel     func()
	session    finhealth.WaveSession
	businessID string
}

// readAccounts reads Wave's account subtypes and the business's accounts.
func (s *syncer) readAccounts(ctx context.Context, r *waveRead) error {
	subtypes, err := r.session.AccountSubtypes(r.ctx)
	if err != nil {
		return err
	}
	// Kept, so that every reader maps accounts from the same list (HealthService).
	if err := s.w.store.SaveAccountSubtypes(ctx, subtypes); err != nil {
		return err
	}
	from, skip := s.resumeAt(ctx, finhealth.EntityAccounts)
	if skip {
		return nil
	}
	err = pipelined(r.cancel, func(fn func([]finhealth.LedgerAccount) error) error {
		return r.session.EachAccountPage(r.ctx, r.businessID, from, fn)
	}, pageWriter(ctx, s, finhealth.EntityAccounts, from, s.w.store.UpsertAccounts, &s.progress.Accounts))
	return s.readDone(ctx, finhealth.EntityAccounts, err)
}

// readInvoices reads the invoices modified since the watermark (all of them in a
// full sync). read is false when Wave does not let the business's invoices be
// read, which leaves the rest of the books to assess; moved reports an invoice
// edited during the read (invoiceWalk).
func (s *syncer) readInvoices(ctx context.Context, r *waveRead, conn *finhealth.WaveConnection, full bool) (read, moved bool, err error) {
	w, orgID := s.w, s.run.OrganizationID
	var after time.Time
	if !full {
		if after, err = w.store.SyncWatermark(ctx, orgID, finhealth.EntityInvoices); err != nil {
			return false, false, err
		}
	}
	if conn.Business != nil && conn.Business.IsClassicInvoicing {
		return false, false, nil
	}
	from, skip := s.resumeAt(ctx, finhealth.EntityInvoices)
	if skip {
		return true, false, nil
	}
	invoices := invoiceWalk{start: w.cfg.Now()}
	err = pipelined(r.cancel, func(fn func([]finhealth.Invoice) error) error {
		return r.session.EachInvoicePage(r.ctx, r.businessID, after, from, func(page []finhealth.Invoice) error {
			for i := range page {
				invoices.saw(page[i].ModifiedAt)
			}
			return fn(page)
		})
	}, pageWriter(ctx, s, finhealth.EntityInvoices, from, w.store.UpsertInvoices, &s.progress.Invoices))
	invoices.end = w.cfg.Now()
	err = s.readDone(ctx, finhealth.EntityInvoices, err)
	var werr *writeError
	switch {
	case finhealth.ErrorCode(err) == finhealth.EINVALID && !errors.As(err, &werr) && !w.isStopping():
		// Wave refuses invoices of a business on classic invoicing; the rest of
		// the books can still be assessed, and the snapshot says what is missing.
		s.log.WarnContext(ctx, "wave does not expose this business's invoices", "error", err)
		return false, false, nil
	case err != nil:
		return false, false, err
	}
	return true, invoices.moved(), nil
}

// readCustomers reads the business's customers.
func (s *syncer) readCustomers(ctx context.Context, r *waveRead) error {
	from, skip := s.resumeAt(ctx, finhealth.EntityCustomers)
	if skip {
		return nil
	}
	err := pipelined(r.cancel, func(fn func([]finhealth.Customer) error) error {
		return r.session.EachCustomerPage(r.ctx, r.businessID, from, fn)
	}, pageWriter(ctx, s, finhealth.EntityCustomers, from, s.w.store.UpsertCustomers, &s.progress.Customers))
	return s.readDone(ctx, finhealth.EntityCustomers, err)
}

// pageWriter is pipelined's writer of one entity's pages, read from page from: it
// stores them with upsert, counts them into counts and records the progress and the
// walk's position.
//
// The position counts the pages handed to the writer, which may be fewer than Wave
// served (a page whose records were all skipped or filtered out is not handed on):
// a walk resumed from it may read a page again, which the upserts make harmless,
// but never skips one.
func pageWriter[T any](ctx context.Context, s *syncer, entity finhealth.SyncEntity, from int, upsert func(context.Context, string, []T) (int, error), counts *finhealth.SyncCounts) func([]T, int) error {
	stored := max(from, 1) - 1
	return func(page []T, pages int) error {
		n, err := upsert(ctx, s.run.OrganizationID, page)
		if err != nil {
			return err
		}
		counts.Seen += len(page)
		counts.Upserted += n
		stored += pages
		s.progress.Position = finhealth.SyncPosition{Entity: entity, Pages: stored}
		return s.pagesDone(ctx, pages)
	}
}

// walkOrder is the order in which a sync reads the entities.
var walkOrder = map[finhealth.SyncEntity]int{finhealth.EntityAccounts: 0, finhealth.EntityInvoices: 1, finhealth.EntityCustomers: 2}

// resumeAt says where the read of entity starts in a run that continues an
// interrupted one: skip when the interrupted run stored all of it, else the first
// page to read (0 for the start). An entity it does not read from the start cannot
// be proven complete, so it is neither pruned nor its watermark moved, and the run
// ends partial, which makes the next sync a full one.
func (s *syncer) resumeAt(ctx context.Context, entity finhealth.SyncEntity) (from int, skip bool) {
	pos := s.run.Position
	if s.run.ResumedFrom == "" || pos.Entity == "" || walkOrder[entity] > walkOrder[pos.Entity] ||
		(entity == pos.Entity && pos.Pages == 0) {
		return 0, false
	}
	if entity == pos.Entity {
		// The walk reports its own incompleteness (wave's walk from a later page).
		return pos.Pages + 1, false
	}
	s.log.InfoContext(ctx, "the interrupted run stored this entity whole; not reading it again", "entity", entity)
	if s.incomplete == nil {
		s.incomplete = map[finhealth.SyncEntity]bool{}
	}
	s.incomplete[entity] = true
	s.warnings = append(s.warnings, fmt.Sprintf("The %s were read by a sync that was interrupted and continued, so they are not proven complete; the next full sync reads them all.", entity))
	return 0, true
}

// heartbeat tells the store every quarter of HeartbeatTimeout that this process works
// the run, also while a long page or an in-process wait for Wave holds the walk. It
// stops the reads (cancelRead) when the run was taken over or has finished. The
// returned func stops it.
func (s *syncer) heartbeat(ctx context.Context, cancelRead func()) func() {
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(s.w.cfg.HeartbeatTimeout / 4)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
			}
			err := s.w.store.HeartbeatSyncRun(ctx, s.run.ID, s.w.id)
			switch {
			case finhealth.ErrorCode(err) == finhealth.ECONFLICT:
				s.log.WarnContext(ctx, "the sync run was taken over by another process; stopping this attempt", "error", err)
				cancelRead()
				return
			case err != nil && ctx.Err() == nil:
				// The next beat may get through; the timeout allows for a few misses.
				s.log.WarnContext(ctx, "recording the sync's heartbeat failed", "error", err)
			}
		}
	}()
	return func() {
		close(done)
		<-stopped
	}
}

// errWriteFailed stops a read whose pages can no longer be written; the write's own
// error is what pipelined returns.
var errWriteFailed = errors.New("worker: writing a page failed")

// writeError tells a failed write from a failed read, which can mean different things
// (an invalid record refused by the store, an entity Wave refuses to list).
type writeError struct{ err error }

func (e *writeError) Error() string { return e.err.Error() }
func (e *writeError) Unwrap() error { return e.err }

// maxBatchPages bounds how many waiting pages one write takes together.
const maxBatchPages = 4

// pipelined runs read, which hands each page it fetches to its argument, while a
// goroutine of its own writes the pages in order: fetching the next page from Wave
// overlaps writing this one. When the writer falls behind, it takes the pages
// already waiting (up to maxBatchPages) in one write, since a database pays mostly
// per statement and per commit, not per row. A few pages at most are held, so memory
// stays bounded by the page size. When a write fails, cancelRead abandons the fetch
// in flight and nothing more is written; every page read before a read error is
// still written.
func pipelined[T any](cancelRead func(), read func(fn func([]T) error) error, write func(records []T, pages int) error) error {
	pages := make(chan []T, maxBatchPages)
	failed := make(chan struct{})
	done := make(chan struct{})
	var werr error
	go func() {
		defer close(done)
		for p := range pages {
			if werr != nil {
				continue
			}
			n := 1
		more:
			for n < maxBatchPages {
				select {
				case q, ok := <-pages:
					if !ok {
						break more
					}
					p = append(p, q...)
					n++
				default:
					break more
				}
			}
			if werr = write(p, n); werr != nil {
				close(failed)
				cancelRead()
			}
		}
	}()
	rerr := read(func(p []T) error {
		select {
		case <-failed:
			return errWriteFailed
		default:
		}
		select {
		case pages <- p:
			return nil
		case <-failed:
			return errWriteFailed
		}
	})
	close(pages)
	<-done
	if werr != nil {
		return &writeError{werr}
	}
	return rerr
}

// invoiceWalk watches the invoices' modifiedAt during a read. Invoices are read
// oldest-modified first with offset paging, so an invoice edited during the read
// moves to the end and every invoice after its old place shifts back one: the one
// at the next page boundary is never read. An invoice whose modifiedAt falls within
// the read is the evidence that this may have happened.
type invoiceWalk struct {
	start, end time.Time
	// firstSinceStart is the earliest modifiedAt at or after the start (less the
	// clock skew allowed between Wave and us).
	firstSinceStart time.Time
}

// clockSkew is how far Wave's clock may be from ours, for telling edits made during
// a read.
const clockSkew = time.Minute

func (wk *invoiceWalk) saw(modifiedAt time.Time) {
	if modifiedAt.Before(wk.start.Add(-clockSkew)) {
		return
	}
	if wk.firstSinceStart.IsZero() || modifiedAt.Before(wk.firstSinceStart) {
		wk.firstSinceStart = modifiedAt
	}
}

// moved reports whether an invoice was edited while the pages were being read.
func (wk *invoiceWalk) moved() bool {
	return !wk.firstSinceStart.IsZero() && !wk.firstSinceStart.After(wk.end.Add(clockSkew))
}

// finishEntities moves the watermarks once every entity has been read to the end,
// and deletes what Wave no longer has: accounts and customers, which every sync
// reads whole, and invoices after a full read. invoicesComplete is false when the
// invoices could not be read or changed during the read; their watermark then stays
// where it was, so that the next sync reads the same span again, and nothing is
// pruned on the evidence of that read.
func (s *syncer) finishEntities(ctx context.Context, started time.Time, full, invoicesComplete bool) error {
	w, orgID := s.w, s.run.OrganizationID
	mark := started.Add(-w.cfg.WatermarkMargin)
	for _, e := range []finhealth.SyncEntity{finhealth.EntityAccounts, finhealth.EntityInvoices, finhealth.EntityCustomers} {
		if e == finhealth.EntityInvoices && !invoicesComplete {
			s.log.InfoContext(ctx, "invoices changed during the read or could not be read; the next sync reads them again")
			continue
		}
		if s.incomplete[e] {
			// Rows are only ever removed after a complete, consistent walk.
			continue
		}
		if err := w.store.SetSyncWatermark(ctx, orgID, s.run.ID, e, mark); err != nil {
			return err
		}
		if (e == finhealth.EntityInvoices && !full) || s.run.StartedAt == nil || s.seen(e) == 0 {
			// An empty answer is likelier a glitch than a business that deleted
			// everything, and pruning on it would empty the warehouse.
			continue
		}
		// The run's start, by the store's clock, is before every row this run wrote
		// and after every row an earlier sync wrote.
		n, err := w.store.PruneUnseen(ctx, orgID, e, *s.run.StartedAt)
		if err != nil {
			return err
		}
		if n > 0 {
			s.log.InfoContext(ctx, "removed records deleted in Wave", "entity", e, "count", n)
		}
	}
	return nil
}

func (s *syncer) seen(e finhealth.SyncEntity) int {
	switch e {
	case finhealth.EntityAccounts:
		return s.progress.Accounts.Seen
	case finhealth.EntityInvoices:
		return s.progress.Invoices.Seen
	}
	return s.progress.Customers.Seen
}

// progressEvery spaces the progress records of a fast sync: one per write was a
// database round trip per few hundred records, on the writer's critical path. Wave's
// rate limit spaces writes further than this anyway, and the run's final totals are
// recorded when it finishes, however it finishes.
const progressEvery = 250 * time.Millisecond

// pagesDone records progress after pages are written (the run's heartbeat) and stops
// the walk there when the worker is stopping.
func (s *syncer) pagesDone(ctx context.Context, pages int) error {
	s.progress.Pages += pages
	if now := time.Now(); now.Sub(s.recorded) >= progressEvery {
		s.recorded = now
		if err := s.w.store.UpdateSyncProgress(ctx, s.run.ID, s.progress); err != nil {
			return err
		}
	}
	if s.w.isStopping() {
		return errInterrupted
	}
	return nil
}
