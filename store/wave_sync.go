package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"finhealth"
)

const syncRunColumns = `id, organization_id, kind, triggered_by, status, requested_by,
	accounts_seen, accounts_upserted, invoices_seen, invoices_upserted, customers_seen, customers_upserted,
	pages, attempt, error, queued_at, started_at, finished_at, updated_at, warnings, retry_at,
	walk_entity, walk_pages, resumed_from`

func scanSyncRun(row rowScanner) (*finhealth.SyncRun, error) {
	var (
		r           finhealth.SyncRun
		requestedBy nullableString
		warnings    []byte
	)
	p := &r.SyncProgress
	if err := row.Scan(&r.ID, &r.OrganizationID, &r.Kind, &r.Trigger, &r.Status, &requestedBy,
		&p.Accounts.Seen, &p.Accounts.Upserted, &p.Invoices.Seen, &p.Invoices.Upserted,
		&p.Customers.Seen, &p.Customers.Upserted, &p.Pages, &r.Attempt, &r.Error,
		scanTime{&r.QueuedAt}, scanNullTime{&r.StartedAt}, scanNullTime{&r.FinishedAt}, scanTime{&r.UpdatedAt},
		&warnings, scanNullTime{&r.RetryAt}, &p.Position.Entity, &p.Position.Pages, &r.ResumedFrom); err != nil {
		return nil, err
	}
	r.RequestedBy = string(requestedBy)
	if len(warnings) > 0 {
		if err := json.Unmarshal(warnings, &r.Warnings); err != nil {
			return nil, fmt.Errorf("sync run %s warnings: %w", r.ID, err)
		}
		if len(r.Warnings) == 0 {
			r.Warnings = nil
		}
	}
	return &r, nil
}

func progressArgs(p finhealth.SyncProgress) []any {
	return []any{p.Accounts.Seen, p.Accounts.Upserted, p.Invoices.Seen, p.Invoices.Upserted,
		p.Customers.Seen, p.Customers.Upserted, p.Pages, p.Position.Entity, p.Position.Pages}
}

const setProgress = `accounts_seen = ?, accounts_upserted = ?, invoices_seen = ?, invoices_upserted = ?,
	customers_seen = ?, customers_upserted = ?, pages = ?, walk_entity = ?, walk_pages = ?`

var errSyncRunning = conflict("A Wave sync is already queued or running for this organization.")

// CreateSyncRun queues a run for an active connection. The partial unique index on
// active runs decides between concurrent requests; no check here can race it.
func (db *DB) CreateSyncRun(ctx context.Context, orgID string, kind finhealth.SyncKind, trigger finhealth.SyncTrigger) (*finhealth.SyncRun, error) {
	return db.createSyncRun(ctx, orgID, kind, trigger, time.Time{})
}

// CreateScheduledSyncRun is CreateSyncRun for the scheduler, checking in the same
// transaction that the connection is still due.
func (db *DB) CreateScheduledSyncRun(ctx context.Context, orgID string, kind finhealth.SyncKind, syncedBefore time.Time) (*finhealth.SyncRun, error) {
	if syncedBefore.IsZero() {
		return nil, finhealth.InvalidFields("The sync run is not valid.", map[string]string{"synced_before": "required"})
	}
	return db.createSyncRun(ctx, orgID, kind, finhealth.SyncScheduled, syncedBefore)
}

// dueCutoff is the time before which a last sync makes a connection due; with no
// schedule to honour, every connection is due.
func dueCutoff(syncedBefore time.Time) time.Time {
	if syncedBefore.IsZero() {
		return endOfTime
	}
	return syncedBefore
}

var errSyncNotDue = finhealth.Errorf(finhealth.ECONFLICT, "Wave was synced since the schedule looked; no sync is due.")

// createSyncRun queues a run; a non-zero syncedBefore also requires the connection
// to be due (see CreateScheduledSyncRun).
func (db *DB) createSyncRun(ctx context.Context, orgID string, kind finhealth.SyncKind, trigger finhealth.SyncTrigger, syncedBefore time.Time) (*finhealth.SyncRun, error) {
	fields := map[string]string{}
	if kind != finhealth.SyncFull && kind != finhealth.SyncIncremental {
		fields["kind"] = "full or incremental"
	}
	if trigger != finhealth.SyncOnConnect && trigger != finhealth.SyncManual && trigger != finhealth.SyncScheduled {
		fields["trigger"] = "connect, manual or scheduled"
	}
	if len(fields) > 0 {
		return nil, finhealth.InvalidFields("The sync run is not valid.", fields)
	}
	r := &finhealth.SyncRun{
		ID: newID(), OrganizationID: orgID, Kind: kind, Trigger: trigger, Status: finhealth.SyncQueued,
		RequestedBy: finhealth.ActorFrom(ctx).UserID,
	}
	err := db.withTx(ctx, func(h handle) error {
		t := h.now
		r.QueuedAt, r.UpdatedAt = t, t
		var (
			status, reason string
			due            bool
		)
		err := h.queryRow(ctx, `SELECT status, status_reason,
				last_sync_at IS NULL OR last_sync_at < ? OR full_sync_due
			FROM wave_connections WHERE organization_id = ?`, dueCutoff(syncedBefore), orgID).
			Scan(&status, &reason, &due)
		if errors.Is(err, sql.ErrNoRows) {
			return conflict("Wave is not connected for this organization.")
		}
		if err != nil {
			return fmt.Errorf("store: create sync run: %w", err)
		}
		switch finhealth.WaveConnectionStatus(status) {
		case finhealth.WaveActive:
		case finhealth.WavePendingBusiness:
			return conflict("Choose a Wave business before syncing.")
		case finhealth.WaveNeedsReconnect:
			return conflict("%s", finhealth.WaveReconnectReason(reason).Message())
		default:
			return conflict("Wave is disconnected for this organization; connect it again to sync.")
		}
		if !due {
			return errSyncNotDue
		}
		_, err = h.exec(ctx, `INSERT INTO sync_runs (id, organization_id, kind, triggered_by, status, requested_by, queued_at, updated_at)
			VALUES (?, ?, ?, ?, 'queued', ?, ?, ?)`, r.ID, orgID, kind, trigger, nullString(r.RequestedBy), t, t)
		if isUniqueViolation(err) {
			return errSyncRunning
		}
		if err != nil {
			return fmt.Errorf("store: create sync run: %w", err)
		}
		if trigger != finhealth.SyncManual {
			return nil
		}
		return h.audit(ctx, finhealth.AuditEntry{
			OrganizationID: orgID,
			Action:         finhealth.AuditWaveSyncRequested,
			TargetType:     "sync_run",
			TargetID:       r.ID,
			Details:        map[string]string{"kind": string(kind)},
		})
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// syncRunRefusal says why a conditional update of a run found nothing to change.
func (db *DB) syncRunRefusal(ctx context.Context, runID, want string) error {
	var status string
	err := db.h.queryRow(ctx, `SELECT status FROM sync_runs WHERE id = ?`, runID).Scan(&status)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return notFound("Sync run")
	case err != nil:
		return fmt.Errorf("store: sync run: %w", err)
	}
	if !finhealth.SyncStatus(status).Active() {
		return conflict("The sync run has already finished (%s).", status)
	}
	return conflict("The sync run is %s, not %s.", status, want)
}

// StartSyncRun moves a queued run to running. Starting a running run again resumes
// it (a job retried after its worker died): its start time and totals are kept, so
// that what the first attempt wrote is neither lost nor counted twice.
func (db *DB) StartSyncRun(ctx context.Context, runID string) (*finhealth.SyncRun, error) {
	t := db.now()
	r, err := scanSyncRun(db.h.queryRow(ctx, `UPDATE sync_runs
		SET status = 'running', started_at = COALESCE(started_at, ?), updated_at = ?, heartbeat_at = ?
		WHERE id = ? AND status IN ('queued', 'running')
		RETURNING `+syncRunColumns, t, t, t, runID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, db.syncRunRefusal(ctx, runID, "queued")
	}
	if err != nil {
		return nil, fmt.Errorf("store: start sync run: %w", err)
	}
	return r, nil
}

// UpdateSyncProgress records a running run's totals and position, which doubles as
// its heartbeat.
func (db *DB) UpdateSyncProgress(ctx context.Context, runID string, p finhealth.SyncProgress) error {
	t := db.now()
	args := append(progressArgs(p), t, t, runID)
	ok, err := db.h.execOne(ctx, `UPDATE sync_runs SET `+setProgress+`, updated_at = ?, heartbeat_at = ?
		WHERE id = ? AND status = 'running'`, args...)
	if err != nil {
		return fmt.Errorf("store: sync progress: %w", err)
	}
	if !ok {
		return db.syncRunRefusal(ctx, runID, "running")
	}
	return nil
}

// HeartbeatSyncRun records that workerID is working the running run.
func (db *DB) HeartbeatSyncRun(ctx context.Context, runID, workerID string) error {
	t := db.now()
	ok, err := db.h.execOne(ctx, `UPDATE sync_runs SET heartbeat_at = ?, updated_at = ?, worker_id = ?
		WHERE id = ? AND status = 'running'`, t, t, workerID, runID)
	if err != nil {
		return fmt.Errorf("store: sync heartbeat: %w", err)
	}
	if !ok {
		return db.syncRunRefusal(ctx, runID, "running")
	}
	return nil
}

// RecordSyncAttempt records a failed attempt of a running run that will be retried.
func (db *DB) RecordSyncAttempt(ctx context.Context, runID string, attempt int, errMsg string, retryAt time.Time) error {
	fields := map[string]string{}
	if attempt < 1 {
		fields["attempt"] = "at least 1"
	}
	if retryAt.IsZero() {
		fields["retry_at"] = "required"
	}
	if len(fields) > 0 {
		return finhealth.InvalidFields("The sync attempt is not valid.", fields)
	}
	ok, err := db.h.execOne(ctx, `UPDATE sync_runs SET attempt = ?, error = ?, retry_at = ?, updated_at = ?
		WHERE id = ? AND status = 'running'`, attempt, truncate(errMsg, maxSyncError), retryAt.UTC(), db.now(), runID)
	if err != nil {
		return fmt.Errorf("store: record sync attempt: %w", err)
	}
	if !ok {
		return db.syncRunRefusal(ctx, runID, "running")
	}
	return nil
}

// WaitSyncRun records that a running run waits until retryAt because Wave asked it
// to; msg says so on the run.
func (db *DB) WaitSyncRun(ctx context.Context, runID string, retryAt time.Time, msg string) error {
	if retryAt.IsZero() {
		return finhealth.InvalidFields("The sync wait is not valid.", map[string]string{"retry_at": "required"})
	}
	ok, err := db.h.execOne(ctx, `UPDATE sync_runs SET retry_at = ?, error = ?, updated_at = ?
		WHERE id = ? AND status = 'running'`, retryAt.UTC(), truncate(msg, maxSyncError), db.now(), runID)
	if err != nil {
		return fmt.Errorf("store: record sync wait: %w", err)
	}
	if !ok {
		return db.syncRunRefusal(ctx, runID, "running")
	}
	return nil
}

// maxSyncWarnings bounds the warnings kept on a run.
const maxSyncWarnings = 50

// maxSyncError bounds a stored error message; the full text belongs in the log.
const maxSyncError = 2000

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}

// FinishSyncRun ends a queued or running run. A success is also recorded on the
// connection in the same transaction, so that "last synced" never disagrees with the
// runs.
func (db *DB) FinishSyncRun(ctx context.Context, runID string, status finhealth.SyncStatus, p finhealth.SyncProgress, errMsg string, warnings ...string) (*finhealth.SyncRun, error) {
	if status != finhealth.SyncSucceeded && status != finhealth.SyncPartial && status != finhealth.SyncFailed {
		return nil, finhealth.InvalidFields("The sync result is not valid.", map[string]string{"status": "succeeded, partial or failed"})
	}
	kept := make([]string, 0, min(len(warnings), maxSyncWarnings))
	for _, w := range warnings[:min(len(warnings), maxSyncWarnings)] {
		kept = append(kept, truncate(w, maxSyncError))
	}
	enc, err := json.Marshal(kept)
	if err != nil {
		return nil, err
	}
	var run *finhealth.SyncRun
	err = db.withTx(ctx, func(h handle) error {
		t := h.now
		if status != finhealth.SyncFailed {
			// What an earlier attempt left is no longer why anything failed.
			errMsg = ""
		}
		args := append([]any{status}, progressArgs(p)...)
		args = append(args, truncate(errMsg, maxSyncError), string(enc), t, t, runID)
		r, err := scanSyncRun(h.queryRow(ctx, `UPDATE sync_runs SET status = ?, `+setProgress+`,
				error = ?, warnings = ?, retry_at = NULL, finished_at = ?, updated_at = ?
			WHERE id = ? AND status IN ('queued', 'running')
			RETURNING `+syncRunColumns, args...))
		if errors.Is(err, sql.ErrNoRows) {
			return errNoActiveRun
		}
		if err != nil {
			return fmt.Errorf("store: finish sync run: %w", err)
		}
		run = r
		var query string
		switch {
		case status == finhealth.SyncPartial:
			// The sync times stay as they were, so that the scheduler finds the
			// connection due again at its next round, and that sync reads everything.
			query, args = `UPDATE wave_connections SET full_sync_due = ? WHERE organization_id = ?`, []any{true, r.OrganizationID}
		case status != finhealth.SyncSucceeded:
			return nil
		case r.Kind == finhealth.SyncFull:
			query = `UPDATE wave_connections SET last_sync_at = ?, last_full_sync_at = ?, full_sync_due = ? WHERE organization_id = ?`
			args = []any{t, t, false, r.OrganizationID}
		default:
			query, args = `UPDATE wave_connections SET last_sync_at = ? WHERE organization_id = ?`, []any{t, r.OrganizationID}
		}
		if _, err := h.exec(ctx, query, args...); err != nil {
			return fmt.Errorf("store: record last sync: %w", err)
		}
		return nil
	})
	if errors.Is(err, errNoActiveRun) {
		return nil, db.syncRunRefusal(ctx, runID, "queued or running")
	}
	if err != nil {
		return nil, err
	}
	return run, nil
}

// errNoActiveRun leaves FinishSyncRun's transaction so that the refusal is worked
// out after it has rolled back (SQLite would otherwise wait on its own write lock).
var errNoActiveRun = errors.New("no active run")

// AbandonSyncRuns fails the active runs with no sign of life since before.
func (db *DB) AbandonSyncRuns(ctx context.Context, before time.Time) (int, error) {
	t := db.now()
	res, err := db.h.exec(ctx, `UPDATE sync_runs SET status = 'failed', finished_at = ?, updated_at = ?,
			error = 'The sync stopped responding and was abandoned.', retry_at = NULL
		WHERE status IN ('queued', 'running') AND updated_at < ? AND (retry_at IS NULL OR retry_at < ?)`, t, t, before, before)
	if err != nil {
		return 0, fmt.Errorf("store: abandon sync runs: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: abandon sync runs: %w", err)
	}
	return int(n), nil
}

// msgResumed is stored on a run whose process died; the run that resumes it says the rest.
const msgResumed = "The process working this sync stopped; a new run continues it from its last stored page."

// ResumeStaleSyncRuns takes over the running runs whose process died.
func (db *DB) ResumeStaleSyncRuns(ctx context.Context, before time.Time) ([]*finhealth.SyncRun, error) {
	// Runs from before heartbeats were recorded have only updated_at.
	const stale = `status = 'running' AND COALESCE(heartbeat_at, updated_at) < ? AND (retry_at IS NULL OR retry_at < ?)`
	var ids []string
	rows, err := db.h.query(ctx, `SELECT id FROM sync_runs WHERE `+stale, before, before)
	if err != nil {
		return nil, fmt.Errorf("store: stale sync runs: %w", err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: stale sync runs: %w", err)
		}
		ids = append(ids, id)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("store: stale sync runs: %w", err)
	}
	var resumed []*finhealth.SyncRun
	for _, id := range ids {
		var next *finhealth.SyncRun
		err := db.withTx(ctx, func(h handle) error {
			t := h.now
			// The condition is checked again by the update itself: of two instances
			// that both found the run stale, the second updates nothing.
			old, err := scanSyncRun(h.queryRow(ctx, `UPDATE sync_runs SET status = 'failed', error = ?,
					finished_at = ?, updated_at = ?, retry_at = NULL
				WHERE id = ? AND `+stale+` RETURNING `+syncRunColumns, msgResumed, t, t, id, before, before))
			if errors.Is(err, sql.ErrNoRows) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("store: fail stale sync run: %w", err)
			}
			next = &finhealth.SyncRun{ID: newID(), OrganizationID: old.OrganizationID, Kind: old.Kind, Trigger: old.Trigger,
				Status: finhealth.SyncQueued, RequestedBy: old.RequestedBy, SyncProgress: old.SyncProgress,
				QueuedAt: t, UpdatedAt: t, ResumedFrom: old.ID}
			args := append([]any{next.ID, next.OrganizationID, next.Kind, next.Trigger, nullString(next.RequestedBy), t, t, old.ID},
				progressArgs(old.SyncProgress)...)
			if _, err := h.exec(ctx, `INSERT INTO sync_runs (id, organization_id, kind, triggered_by, status, requested_by,
					queued_at, updated_at, resumed_from, accounts_seen, accounts_upserted, invoices_seen, invoices_upserted,
					customers_seen, customers_upserted, pages, walk_entity, walk_pages)
				VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...); err != nil {
				return fmt.Errorf("store: resume sync run: %w", err)
			}
			return nil
		})
		if err != nil {
			return resumed, err
		}
		if next != nil {
			resumed = append(resumed, next)
		}
	}
	return resumed, nil
}

// SyncRun returns one run of the organization.
func (db *DB) SyncRun(ctx context.Context, orgID, runID string) (*finhealth.SyncRun, error) {
	r, err := scanSyncRun(db.h.queryRow(ctx, `SELECT `+syncRunColumns+` FROM sync_runs
		WHERE id = ? AND organization_id = ?`, runID, orgID))
	if err != nil {
		return nil, mapError(err, "sync run", "Sync run")
	}
	return r, nil
}

// ListSyncRuns returns the organization's runs newest first.
func (db *DB) ListSyncRuns(ctx context.Context, orgID, cursor string, limit int) ([]*finhealth.SyncRun, string, error) {
	after, err := decodeCursor(cursor)
	if err != nil {
		return nil, "", err
	}
	limit = pageLimit(limit)
	query := `SELECT ` + syncRunColumns + ` FROM sync_runs WHERE organization_id = ?`
	args := []any{orgID}
	if after != "" {
		query += ` AND id < ?`
		args = append(args, after)
	}
	query += ` ORDER BY id DESC LIMIT ?`
	args = append(args, limit+1)
	runs, err := collect(ctx, db.h, "list sync runs", scanSyncRun, query, args...)
	if err != nil {
		return nil, "", err
	}
	runs, next := page(runs, limit, func(r *finhealth.SyncRun) string { return r.ID })
	return runs, next, nil
}

// SyncWatermark returns the entity's watermark if it was read from the business the
// connection follows now; zero otherwise, meaning a full read is needed.
func (db *DB) SyncWatermark(ctx context.Context, orgID string, entity finhealth.SyncEntity) (time.Time, error) {
	var at time.Time
	err := db.h.queryRow(ctx, `SELECT w.modified_at FROM sync_watermarks w
		JOIN wave_connections c ON c.organization_id = w.organization_id AND c.business_id = w.business_id
		WHERE w.organization_id = ? AND w.entity = ?`, orgID, entity).Scan(scanTime{&at})
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("store: sync watermark: %w", err)
	}
	return at, nil
}

// SetSyncWatermark records the entity's watermark for the running run, tagged with
// the business the run reads.
func (db *DB) SetSyncWatermark(ctx context.Context, orgID, runID string, entity finhealth.SyncEntity, modifiedAt time.Time) error {
	fields := map[string]string{}
	if !entity.Valid() {
		fields["entity"] = "accounts, invoices or customers"
	}
	if modifiedAt.IsZero() {
		fields["modified_at"] = "required"
	}
	if len(fields) > 0 {
		return finhealth.InvalidFields("The watermark is not valid.", fields)
	}
	return db.withTx(ctx, func(h handle) error {
		var status string
		var business nullableString
		// The run is locked on PostgreSQL so that it cannot be finished or abandoned
		// between this check and the write ("OF r": the connection side of an outer
		// join cannot be locked, and need not be).
		query := `SELECT r.status, c.business_id FROM sync_runs r
			LEFT JOIN wave_connections c ON c.organization_id = r.organization_id
			WHERE r.id = ? AND r.organization_id = ?`
		if h.pg {
			query += ` FOR UPDATE OF r`
		}
		err := h.queryRow(ctx, query, runID, orgID).Scan(&status, &business)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return notFound("Sync run")
		case err != nil:
			return fmt.Errorf("store: set sync watermark: %w", err)
		case status != string(finhealth.SyncRunning):
			return conflict("The sync run is %s, not running; its watermark is not recorded.", status)
		case business == "":
			return conflict("No Wave business is chosen for this organization.")
		}
		t := h.now
		if _, err := h.exec(ctx, `INSERT INTO sync_watermarks (organization_id, entity, business_id, modified_at, run_id, updated_at)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (organization_id, entity) DO UPDATE SET business_id = excluded.business_id,
				modified_at = excluded.modified_at, run_id = excluded.run_id, updated_at = excluded.updated_at`,
			orgID, entity, string(business), modifiedAt, runID, t); err != nil {
			return fmt.Errorf("store: set sync watermark: %w", err)
		}
		return nil
	})
}
