package store

import (
	"context"
	"database/sql"
	"time"

	"finhealth"
	"finhealth/scoring"
)

// healthHistoryWindow is how far back the metrics look for an earlier balance
// snapshot: scoring compares the books with one 25 to 400 days older.
const healthHistoryWindow = 401 * 24 * time.Hour

var _ finhealth.HealthService = (*DB)(nil)

// Health gathers every input of an organization's health in one read transaction
// and computes it with scoring's pure functions: the one implementation of
// finhealth.HealthService, which the API, the pages and the worker all call.
func (db *DB) Health(ctx context.Context, orgID string, now time.Time) (*finhealth.HealthReport, error) {
	if now.IsZero() {
		return nil, finhealth.InvalidFields("The health date is not valid.", map[string]string{"as_of": "required"})
	}
	var r *finhealth.HealthReport
	err := db.readTx(ctx, func(h handle) error {
		var err error
		r, err = db.health(ctx, h, orgID, now.UTC())
		return err
	})
	return r, err
}

func (db *DB) health(ctx context.Context, h handle, orgID string, now time.Time) (*finhealth.HealthReport, error) {
	r := &finhealth.HealthReport{AsOf: now}
	if err := db.healthLedger(ctx, h, orgID, r); err != nil {
		return nil, err
	}
	latest, err := h.latestAssessment(ctx, orgID)
	switch {
	case finhealth.ErrorCode(err) == finhealth.ENOTFOUND:
	case err != nil:
		return nil, err
	default:
		r.Assessment = latest
	}
	var mapping finhealth.AccountMapping
	if r.Mapping != nil {
		mapping = *r.Mapping
	}
	r.Health = scoring.HealthOf(r.Metrics, r.Assessment, r.Books, mapping, now)
	prev, err := h.previousHealthScore(ctx, orgID, &r.Health)
	if err != nil {
		return nil, err
	}
	scoring.Attribute(&r.Health, prev)
	return r, nil
}

// previousScoreScan bounds the stored scores passed over to find the previous one:
// at most the score this same computation recorded, and rarely a repeat of it.
const previousScoreScan = 5

// previousHealthScore is the newest stored score, at or before cur, made from other
// inputs than cur (other books, answers, method, or a score the mapping moved): the
// one cur's change is explained against. The score a sync records and the same books
// read later on a page thus both explain themselves against the score before that sync.
// The candidates are told apart by their columns; only the one chosen has its
// explanation (tens of KB) read and decoded, since this runs on every health read.
func (h handle) previousHealthScore(ctx context.Context, orgID string, cur *finhealth.HealthScore) (*finhealth.HealthScore, error) {
	type candidate struct {
		id    string
		score finhealth.HealthScore
	}
	candidates, err := collect(ctx, h, "previous health score", func(row rowScanner) (candidate, error) {
		var (
			c     candidate
			score sql.NullFloat64
		)
		err := row.Scan(&c.id, &score, &c.score.MethodVersion, scanNullTime{&c.score.LedgerAsOf}, &c.score.AssessmentID)
		if score.Valid {
			c.score.Score = &score.Float64
		}
		return c, err
	}, `SELECT id, score, method_version, ledger_as_of, assessment_id FROM health_scores
		WHERE organization_id = ? AND as_of <= ? ORDER BY as_of DESC, id DESC LIMIT ?`, orgID, upTo(cur.AsOf), previousScoreScan)
	if err != nil {
		return nil, err
	}
	for _, c := range candidates {
		if sameScore(&c.score, cur) {
			continue
		}
		s, err := scanHealthDetail(h.queryRow(ctx, `SELECT detail FROM health_scores WHERE id = ?`, c.id))
		if err != nil {
			return nil, mapError(err, "previous health score", "Health score")
		}
		return &s, nil
	}
	return nil, nil
}

func sameScore(a, b *finhealth.HealthScore) bool {
	sameTime := (a.LedgerAsOf == nil) == (b.LedgerAsOf == nil) && (a.LedgerAsOf == nil || a.LedgerAsOf.Equal(*b.LedgerAsOf))
	sameValue := (a.Score == nil) == (b.Score == nil) && (a.Score == nil || *a.Score == *b.Score)
	return sameTime && sameValue && a.AssessmentID == b.AssessmentID && a.MethodVersion == b.MethodVersion
}

// healthLedger computes the metrics of the stored books into r, or says in r.Ledger
// why there are none. The books are dated by the newest balance snapshot (when the
// last sync read them), not by now, so that windows and aging describe what was
// read and the score can say when the books are old.
func (db *DB) healthLedger(ctx context.Context, h handle, orgID string, r *finhealth.HealthReport) error {
	src := &r.Ledger
	src.ConnectionStatus, src.Limitations = "not_connected", []finhealth.BusinessLimitation{}
	conn, err := h.waveConnection(ctx, orgID, false)
	switch {
	case finhealth.ErrorCode(err) == finhealth.ENOTFOUND:
		src.Reason = "Wave is not connected: connect it to add ratios computed from your books."
		return nil
	case err != nil:
		return err
	}
	src.ConnectionStatus, src.BusinessName = string(conn.Status), conn.BusinessName
	if conn.Business != nil {
		if l := conn.Business.Limitations(); l != nil {
			src.Limitations = l
		}
	}
	if conn.BusinessID == "" {
		src.Reason = "Choose which Wave business to assess."
		return nil
	}
	from := r.AsOf.Add(-healthHistoryWindow)
	history, err := h.balanceSnapshotDates(ctx, orgID, from, r.AsOf)
	if err != nil {
		return err
	}
	if len(history) == 0 {
		switch conn.Status {
		case finhealth.WaveNeedsReconnect:
			src.Reason = finhealth.WaveReconnectReason(conn.StatusReason).Message()
		case finhealth.WaveDisconnected:
			src.Reason = "Wave was disconnected before any books were read."
		default:
			src.Reason = "The first sync of your books has not finished yet."
		}
		return nil
	}
	asOf := history[len(history)-1].AsOf
	books, err := db.readLedger(ctx, h, orgID, conn, asOf, true)
	if err != nil {
		return err
	}
	// Only the snapshot the metrics compare the books with is read whole: reading
	// years of snapshots to use one was most of a dashboard's time.
	if i := scoring.BaseSnapshot(history, books.AsOf, books.Currency, books.CurrencyExponent); i >= 0 {
		whole, err := h.balanceHistory(ctx, orgID, history[i].AsOf, history[i].AsOf)
		if err != nil {
			return err
		}
		if len(whole) == 1 {
			history[i] = whole[0]
		}
	}
	mapping, err := db.healthMapping(ctx, h, orgID, books.Accounts, r)
	if err != nil {
		return err
	}
	src.Available, src.AsOf = true, &asOf
	r.Books, r.Mapping = books, &mapping
	r.Metrics = scoring.ComputeMetrics(*books, history, mapping, asOf)
	return nil
}

// healthMapping is the default mapping of Wave's stored subtype list (the accounts'
// own types and sides where it is empty) with the owners' overrides applied.
func (db *DB) healthMapping(ctx context.Context, h handle, orgID string, accounts []finhealth.LedgerAccount, r *finhealth.HealthReport) (finhealth.AccountMapping, error) {
	subtypes, err := h.accountSubtypes(ctx)
	if err != nil {
		return finhealth.AccountMapping{}, err
	}
	overrides, err := h.accountOverrides(ctx, orgID)
	if err != nil {
		return finhealth.AccountMapping{}, err
	}
	mapping := scoring.DefaultAccountMapping(accounts, subtypes)
	m, err := scoring.ApplyOverrides(mapping, overrides)
	if err != nil {
		// Stored overrides were valid when set; one this version no longer accepts
		// must not hide every metric, so the defaults stand in for all of them.
		r.OverridesIgnored = err.Error()
		return mapping, nil
	}
	return m, nil
}
