package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"finhealth"
	"finhealth/scoring"
)

// History is append-only where it records what the books said at a moment (balance
// and receivables snapshots, health scores): nothing here updates or deletes them.
// Metric values are the exception by design: recomputing a moment (after a mapping
// change) replaces that moment's values, since they are derived, not observed.

// businessOfOrg is the business the organization follows now, or NULL, as a subquery:
// history rows are tagged with it on insert and filtered by it on read.
const businessOfOrg = `(SELECT business_id FROM wave_connections WHERE organization_id = ?)`

// endOfTime stands for an open upper bound.
var endOfTime = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

func upTo(to time.Time) time.Time {
	if to.IsZero() {
		return endOfTime
	}
	return to
}

// storedBalance is one account's balance in a stored snapshot. Currency and exponent
// are written only when they differ from the snapshot's, which for a home-currency
// book is never, so that three hundred accounts a day stay small.
type storedBalance struct {
	ID       string  `json:"id"`
	Minor    int64   `json:"minor"`
	Currency *string `json:"currency,omitempty"`
	Exponent *int    `json:"exponent,omitempty"`
}

// InsertBalanceSnapshot appends the snapshot; one already stored at the same AsOf is
// kept as it was.
func (db *DB) InsertBalanceSnapshot(ctx context.Context, orgID string, snap finhealth.BalanceSnapshot) error {
	if err := validateSnapshot(snap.AsOf, snap.Currency); err != nil {
		return err
	}
	stored := make([]storedBalance, len(snap.Balances))
	for i, b := range snap.Balances {
		stored[i] = storedBalance{ID: b.AccountID, Minor: b.Balance.Minor}
		if b.Balance.Currency != snap.Currency || b.Balance.Exponent != snap.CurrencyExponent {
			stored[i].Currency, stored[i].Exponent = &b.Balance.Currency, &b.Balance.Exponent
		}
	}
	enc, err := json.Marshal(stored)
	if err != nil {
		return fmt.Errorf("store: encode balances: %w", err)
	}
	_, err = db.h.exec(ctx, `INSERT INTO balance_snapshots
			(organization_id, as_of, business_wave_id, currency, currency_exponent, balances, created_at)
		VALUES (?, ?, `+businessOfOrg+`, ?, ?, ?, ?)
		ON CONFLICT (organization_id, as_of) DO NOTHING`,
		orgID, snap.AsOf, orgID, snap.Currency, snap.CurrencyExponent, string(enc), db.now())
	return mapInsertError(err, "balance snapshot")
}

func validateSnapshot(asOf time.Time, currency string) error {
	fields := map[string]string{}
	if asOf.IsZero() {
		fields["as_of"] = "required"
	}
	if currency == "" {
		fields["currency"] = "required"
	}
	if len(fields) > 0 {
		return finhealth.InvalidFields("The snapshot is not valid.", fields)
	}
	return nil
}

func mapInsertError(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case isForeignKeyViolation(err):
		return notFound("Organization")
	}
	return fmt.Errorf("store: insert %s: %w", what, err)
}

// BalanceHistory returns the balance snapshots of the business the organization
// follows now (of none, without a connection), oldest first.
func (db *DB) BalanceHistory(ctx context.Context, orgID string, from, to time.Time) ([]finhealth.BalanceSnapshot, error) {
	return db.h.balanceHistory(ctx, orgID, from, to)
}

func (h handle) balanceHistory(ctx context.Context, orgID string, from, to time.Time) ([]finhealth.BalanceSnapshot, error) {
	ids := map[string]string{}
	return collect(ctx, h, "balance history", func(row rowScanner) (finhealth.BalanceSnapshot, error) {
		var (
			s   finhealth.BalanceSnapshot
			enc []byte
		)
		if err := row.Scan(scanTime{&s.AsOf}, &s.Currency, &s.CurrencyExponent, &enc); err != nil {
			return s, err
		}
		stored, err := decodeBalances(enc, ids)
		if err != nil {
			return s, fmt.Errorf("balance snapshot %s: %w", s.AsOf.Format(time.RFC3339), err)
		}
		s.Balances = make([]finhealth.AccountBalance, len(stored))
		for i, b := range stored {
			m := finhealth.Money{Minor: b.Minor, Currency: s.Currency, Exponent: s.CurrencyExponent}
			if b.Currency != nil {
				m.Currency = *b.Currency
			}
			if b.Exponent != nil {
				m.Exponent = *b.Exponent
			}
			s.Balances[i] = finhealth.AccountBalance{AccountID: b.ID, Balance: m}
		}
		return s, nil
	}, `SELECT as_of, currency, currency_exponent, balances FROM balance_snapshots
		WHERE organization_id = ? AND as_of >= ? AND as_of <= ?
			AND business_wave_id IS NOT DISTINCT FROM `+businessOfOrg+`
		ORDER BY as_of`, orgID, from, upTo(to), orgID)
}

// BalanceSnapshotDates is BalanceHistory without the balances.
func (db *DB) BalanceSnapshotDates(ctx context.Context, orgID string, from, to time.Time) ([]finhealth.BalanceSnapshot, error) {
	return db.h.balanceSnapshotDates(ctx, orgID, from, to)
}

func (h handle) balanceSnapshotDates(ctx context.Context, orgID string, from, to time.Time) ([]finhealth.BalanceSnapshot, error) {
	return collect(ctx, h, "balance snapshot dates", func(row rowScanner) (finhealth.BalanceSnapshot, error) {
		var s finhealth.BalanceSnapshot
		err := row.Scan(scanTime{&s.AsOf}, &s.Currency, &s.CurrencyExponent)
		return s, err
	}, `SELECT as_of, currency, currency_exponent FROM balance_snapshots
		WHERE organization_id = ? AND as_of >= ? AND as_of <= ?
			AND business_wave_id IS NOT DISTINCT FROM `+businessOfOrg+`
		ORDER BY as_of`, orgID, from, upTo(to), orgID)
}

var receivablesMoneyFields = []string{"total", "overdue", "current", "days_1_30", "days_31_60", "days_61_90", "days_over_90"}

// InsertReceivablesSnapshot appends the snapshot; one already stored at the same AsOf
// is kept as it was.
func (db *DB) InsertReceivablesSnapshot(ctx context.Context, orgID string, s finhealth.ReceivablesSnapshot) error {
	if err := validateSnapshot(s.AsOf, s.Currency); err != nil {
		return err
	}
	amounts := []finhealth.Money{s.Total, s.Overdue, s.Current, s.Days1To30, s.Days31To60, s.Days61To90, s.Over90}
	// The snapshot's currency leads, so that amounts in another one are named.
	fields, _, _ := sharedMoney(nil, append([]string{"currency"}, receivablesMoneyFields...),
		append([]finhealth.Money{{Currency: s.Currency, Exponent: s.CurrencyExponent}}, amounts...)...)
	if len(fields) > 0 {
		return finhealth.InvalidFields("The snapshot is not valid.", fields)
	}
	_, err := db.h.exec(ctx, `INSERT INTO receivables_snapshots
			(organization_id, as_of, business_wave_id, currency, currency_exponent, total_minor, overdue_minor,
			 current_minor, days_1_30_minor, days_31_60_minor, days_61_90_minor, over_90_minor,
			 open_invoices, overdue_invoices, created_at)
		VALUES (?, ?, `+businessOfOrg+`, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (organization_id, as_of) DO NOTHING`,
		orgID, s.AsOf, orgID, s.Currency, s.CurrencyExponent, s.Total.Minor, s.Overdue.Minor, s.Current.Minor,
		s.Days1To30.Minor, s.Days31To60.Minor, s.Days61To90.Minor, s.Over90.Minor, s.OpenInvoices, s.OverdueInvoices, db.now())
	return mapInsertError(err, "receivables snapshot")
}

// ReceivablesHistory returns the receivables snapshots of the business the
// organization follows now, oldest first.
func (db *DB) ReceivablesHistory(ctx context.Context, orgID string, from, to time.Time) ([]finhealth.ReceivablesSnapshot, error) {
	return collect(ctx, db.h, "receivables history", func(row rowScanner) (finhealth.ReceivablesSnapshot, error) {
		var s finhealth.ReceivablesSnapshot
		err := row.Scan(scanTime{&s.AsOf}, &s.Currency, &s.CurrencyExponent, &s.Total.Minor, &s.Overdue.Minor,
			&s.Current.Minor, &s.Days1To30.Minor, &s.Days31To60.Minor, &s.Days61To90.Minor, &s.Over90.Minor,
			&s.OpenInvoices, &s.OverdueInvoices)
		for _, m := range []*finhealth.Money{&s.Total, &s.Overdue, &s.Current, &s.Days1To30, &s.Days31To60, &s.Days61To90, &s.Over90} {
			m.Currency, m.Exponent = s.Currency, s.CurrencyExponent
		}
		return s, err
	}, `SELECT as_of, currency, currency_exponent, total_minor, overdue_minor, current_minor, days_1_30_minor,
			days_31_60_minor, days_61_90_minor, over_90_minor, open_invoices, overdue_invoices
		FROM receivables_snapshots
		WHERE organization_id = ? AND as_of >= ? AND as_of <= ?
			AND business_wave_id IS NOT DISTINCT FROM `+businessOfOrg+`
		ORDER BY as_of`, orgID, from, upTo(to), orgID)
}

// AccountOverrides lists the organization's mapping decisions by account id.
func (db *DB) AccountOverrides(ctx context.Context, orgID string) ([]finhealth.AccountOverride, error) {
	return db.h.accountOverrides(ctx, orgID)
}

func (h handle) accountOverrides(ctx context.Context, orgID string) ([]finhealth.AccountOverride, error) {
	return collect(ctx, h, "account overrides", func(row rowScanner) (finhealth.AccountOverride, error) {
		var o finhealth.AccountOverride
		err := row.Scan(&o.AccountID, &o.Class, &o.SetBy, scanTime{&o.SetAt}, &o.Note)
		return o, err
	}, `SELECT account_wave_id, class, set_by, set_at, note FROM account_overrides
		WHERE organization_id = ? ORDER BY account_wave_id`, orgID)
}

// SetAccountOverride records a decision about one of the organization's accounts and
// audits it with the class it replaces.
func (db *DB) SetAccountOverride(ctx context.Context, orgID string, in finhealth.AccountOverride) (*finhealth.AccountOverride, error) {
	o := finhealth.AccountOverride{
		AccountID: in.AccountID, Class: in.Class, Note: strings.TrimSpace(in.Note),
		SetBy: cmp.Or(in.SetBy, finhealth.ActorFrom(ctx).UserID),
	}
	fields := map[string]string{}
	if o.AccountID == "" {
		fields["account_id"] = "required"
	}
	if !o.Class.Valid() {
		fields["class"] = "unknown class"
	}
	if o.SetBy == "" {
		fields["set_by"] = "required"
	}
	if len(fields) > 0 {
		return nil, finhealth.InvalidFields("The account override is not valid.", fields)
	}
	err := db.withTx(ctx, func(h handle) error {
		o.SetAt = h.now
		var n int
		if err := h.queryRow(ctx, `SELECT COUNT(*) FROM ledger_accounts WHERE organization_id = ? AND wave_id = ?`,
			orgID, o.AccountID).Scan(&n); err != nil {
			return fmt.Errorf("store: find account: %w", err)
		}
		if n == 0 {
			return notFound("Account")
		}
		var from nullableString
		err := h.queryRow(ctx, `SELECT class FROM account_overrides WHERE organization_id = ? AND account_wave_id = ?`,
			orgID, o.AccountID).Scan(&from)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: account override: %w", err)
		}
		if _, err := h.exec(ctx, `INSERT INTO account_overrides (organization_id, account_wave_id, class, set_by, set_at, note)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (organization_id, account_wave_id) DO UPDATE SET
				class = excluded.class, set_by = excluded.set_by, set_at = excluded.set_at, note = excluded.note`,
			orgID, o.AccountID, o.Class, o.SetBy, o.SetAt, o.Note); err != nil {
			return fmt.Errorf("store: set account override: %w", err)
		}
		return h.audit(ctx, finhealth.AuditEntry{
			OrganizationID: orgID,
			Action:         finhealth.AuditAccountOverrideSet,
			TargetType:     "account",
			TargetID:       o.AccountID,
			Details:        map[string]string{"from": cmp.Or(string(from), "default"), "to": string(o.Class), "note": o.Note},
		})
	})
	if err != nil {
		return nil, err
	}
	return &o, nil
}

// DeleteAccountOverride returns the account to its default class and audits it.
func (db *DB) DeleteAccountOverride(ctx context.Context, orgID, accountWaveID string) error {
	return db.withTx(ctx, func(h handle) error {
		var class string
		err := h.queryRow(ctx, `DELETE FROM account_overrides WHERE organization_id = ? AND account_wave_id = ?
			RETURNING class`, orgID, accountWaveID).Scan(&class)
		if err != nil {
			return mapError(err, "delete account override", "Account override")
		}
		return h.audit(ctx, finhealth.AuditEntry{
			OrganizationID: orgID,
			Action:         finhealth.AuditAccountOverrideDeleted,
			TargetType:     "account",
			TargetID:       accountWaveID,
			Details:        map[string]string{"from": class, "to": "default"},
		})
	})
}

var metricUpsert = newBulkUpsert("metric_values", []string{"organization_id", "name", "as_of"},
	"organization_id", "name", "as_of", "unit", "status", "value", "money_minor", "money_currency",
	"money_exponent", "band", "points", "position", "detail")

// InsertMetrics records one computation of the metrics as of asOf. A computation
// already stored at asOf is replaced whole, so that a metric the new one no longer
// produces does not linger beside it.
func (db *DB) InsertMetrics(ctx context.Context, orgID string, asOf time.Time, metrics []finhealth.MetricValue) error {
	fields := map[string]string{}
	if asOf.IsZero() {
		fields["as_of"] = "required"
	}
	for i, m := range metrics {
		if m.Name == "" {
			fields[fmt.Sprintf("metrics[%d].name", i)] = "required"
		}
	}
	if len(fields) > 0 {
		return finhealth.InvalidFields("The metrics are not valid.", fields)
	}
	asOf = dbTime(asOf)
	keep := lastOfEach(len(metrics), func(i int) string { return metrics[i].Name })
	n := len(metrics)
	if keep != nil {
		n = len(keep)
	}
	details := make([]string, len(metrics))
	for i := range metrics {
		m := metrics[i]
		m.AsOf = asOf
		b, err := json.Marshal(m)
		if err != nil {
			return fmt.Errorf("store: encode metric %s: %w", m.Name, err)
		}
		details[i] = string(b)
	}
	err := db.withTx(ctx, func(h handle) error {
		if _, err := h.exec(ctx, `DELETE FROM metric_values WHERE organization_id = ? AND as_of = ?`, orgID, asOf); err != nil {
			return fmt.Errorf("store: replace metrics: %w", err)
		}
		if n == 0 {
			return nil
		}
		at := h.timeArg(asOf)
		_, err := h.write(ctx, metricUpsert, n, func(h handle, i int, args []any) []any {
			if keep != nil {
				i = keep[i]
			}
			m := &metrics[i]
			var minor, cur, exp any
			if m.Money != nil {
				minor, cur, exp = m.Money.Minor, m.Money.Currency, m.Money.Exponent
			}
			var points any
			if m.Points != nil {
				points = *m.Points
			}
			var value any
			if m.Value != nil {
				value = *m.Value
			}
			return append(args, orgID, m.Name, at, string(m.Unit), string(m.Status), value, minor, cur, exp,
				m.Band, points, i, details[i])
		})
		return err
	})
	return mapInsertError(err, "metrics")
}

// MetricSeries returns the points of the named metrics (all when names is empty) with
// AsOf in [from, to], by name and then time, from the covering index alone (SQLite
// must be told to use it; see migration 00004).
func (db *DB) MetricSeries(ctx context.Context, orgID string, names []string, from, to time.Time) ([]finhealth.MetricPoint, error) {
	query := `SELECT name, as_of, unit, status, value, money_minor, money_currency, money_exponent, band, points
		FROM metric_values WHERE organization_id = ? AND as_of >= ? AND as_of <= ?`
	if !db.h.pg {
		query = `SELECT name, as_of, unit, status, value, money_minor, money_currency, money_exponent, band, points
		FROM metric_values INDEXED BY metric_values_series WHERE organization_id = ? AND as_of >= ? AND as_of <= ?`
	}
	args := []any{orgID, from, upTo(to)}
	if len(names) > 0 {
		query += ` AND name IN (` + strings.TrimSuffix(strings.Repeat("?, ", len(names)), ", ") + `)`
		for _, n := range names {
			args = append(args, n)
		}
	}
	query += ` ORDER BY name, as_of`
	return collect(ctx, db.h, "metric series", func(row rowScanner) (finhealth.MetricPoint, error) {
		var (
			p      finhealth.MetricPoint
			value  sql.NullFloat64
			minor  sql.NullInt64
			cur    nullableString
			exp    sql.NullInt64
			points sql.NullInt64
		)
		if err := row.Scan(&p.Name, scanTime{&p.AsOf}, &p.Unit, &p.Status, &value, &minor, &cur, &exp, &p.Band, &points); err != nil {
			return p, err
		}
		if value.Valid {
			p.Value = &value.Float64
		}
		if minor.Valid {
			p.Money = &finhealth.Money{Minor: minor.Int64, Currency: string(cur), Exponent: int(exp.Int64)}
		}
		if points.Valid {
			v := int(points.Int64)
			p.Points = &v
		}
		return p, nil
	}, query, args...)
}

// LatestMetrics returns the newest computation, in the order it was computed.
func (db *DB) LatestMetrics(ctx context.Context, orgID string) ([]finhealth.MetricValue, error) {
	return collect(ctx, db.h, "latest metrics", func(row rowScanner) (finhealth.MetricValue, error) {
		var (
			m   finhealth.MetricValue
			enc []byte
		)
		if err := row.Scan(&enc); err != nil {
			return m, err
		}
		err := json.Unmarshal(enc, &m)
		return m, err
	}, `SELECT detail FROM metric_values
		WHERE organization_id = ? AND as_of = (SELECT MAX(as_of) FROM metric_values WHERE organization_id = ?)
		ORDER BY position, name`, orgID, orgID)
}

// InsertHealthScore appends a score to the organization's history.
func (db *DB) InsertHealthScore(ctx context.Context, orgID string, s finhealth.HealthScore) error {
	fields := map[string]string{}
	if s.AsOf.IsZero() {
		fields["as_of"] = "required"
	}
	if s.MethodVersion == "" {
		fields["method_version"] = "required"
	}
	if len(fields) > 0 {
		return finhealth.InvalidFields("The health score is not valid.", fields)
	}
	s.AsOf = dbTime(s.AsOf)
	if s.LedgerAsOf != nil {
		t := dbTime(*s.LedgerAsOf)
		s.LedgerAsOf = &t
	}
	enc, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("store: encode health score: %w", err)
	}
	var score, ledgerAsOf any
	if s.Score != nil {
		score = *s.Score
	}
	if s.LedgerAsOf != nil {
		ledgerAsOf = *s.LedgerAsOf
	}
	_, err = db.h.exec(ctx, `INSERT INTO health_scores
			(id, organization_id, as_of, status, score, tier, method_version, ledger_as_of, assessment_id, detail, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		newID(), orgID, s.AsOf, string(s.Status), score, s.Tier, s.MethodVersion, ledgerAsOf, s.AssessmentID, string(enc), db.now())
	return mapInsertError(err, "health score")
}

func scanHealthDetail(row rowScanner) (finhealth.HealthScore, error) {
	var (
		s   finhealth.HealthScore
		enc []byte
	)
	if err := row.Scan(&enc); err != nil {
		return s, err
	}
	err := json.Unmarshal(enc, &s)
	return s, err
}

// HealthHistory returns scores with AsOf in [from, to], newest first.
func (db *DB) HealthHistory(ctx context.Context, orgID string, from, to time.Time, cursor string, limit int) ([]finhealth.HealthScore, string, error) {
	afterAt, afterID, paged, err := decodeKeysetCursor(cursor)
	if err != nil {
		return nil, "", err
	}
	limit = pageLimit(limit)
	query := `SELECT id, as_of, detail FROM health_scores WHERE organization_id = ? AND as_of >= ? AND as_of <= ?`
	args := []any{orgID, from, upTo(to)}
	if paged {
		query += ` AND (as_of < ? OR (as_of = ? AND id < ?))`
		args = append(args, afterAt, afterAt, afterID)
	}
	query += ` ORDER BY as_of DESC, id DESC LIMIT ?`
	args = append(args, limit+1)
	type row struct {
		id    string
		asOf  time.Time
		score finhealth.HealthScore
	}
	rows, err := collect(ctx, db.h, "health history", func(r rowScanner) (row, error) {
		var (
			x   row
			enc []byte
		)
		if err := r.Scan(&x.id, scanTime{&x.asOf}, &enc); err != nil {
			return x, err
		}
		err := json.Unmarshal(enc, &x.score)
		return x, err
	}, query, args...)
	if err != nil {
		return nil, "", err
	}
	var next string
	if len(rows) > limit {
		rows = rows[:limit]
		next = keysetCursor(rows[limit-1].asOf, rows[limit-1].id)
	}
	out := make([]finhealth.HealthScore, len(rows))
	for i, r := range rows {
		out[i] = r.score
	}
	return out, next, nil
}

// HealthTimeline returns at most limit scores with AsOf in [from, to], newest first,
// without their explanations, from the covering index alone (migration 00013).
func (db *DB) HealthTimeline(ctx context.Context, orgID string, from, to time.Time, limit int) ([]finhealth.HealthScore, bool, error) {
	index := ""
	if !db.h.pg {
		index = "INDEXED BY health_scores_timeline"
	}
	scores, err := collect(ctx, db.h, "health timeline", func(row rowScanner) (finhealth.HealthScore, error) {
		var (
			s     finhealth.HealthScore
			score sql.NullFloat64
		)
		if err := row.Scan(scanTime{&s.AsOf}, &s.Status, &score, &s.Tier, &s.MethodVersion, scanNullTime{&s.LedgerAsOf}, &s.AssessmentID); err != nil {
			return s, err
		}
		if score.Valid {
			s.Score = &score.Float64
		}
		return s, nil
	}, `SELECT as_of, status, score, tier, method_version, ledger_as_of, assessment_id FROM health_scores `+index+`
		WHERE organization_id = ? AND as_of >= ? AND as_of <= ? ORDER BY as_of DESC, id DESC LIMIT ?`,
		orgID, from, upTo(to), limit+1)
	if err != nil || len(scores) <= limit {
		return scores, false, err
	}
	return scores[:limit], true, nil
}

// LatestHealthScore returns the newest score; ENOTFOUND when there is none.
func (db *DB) LatestHealthScore(ctx context.Context, orgID string) (*finhealth.HealthScore, error) {
	s, err := scanHealthDetail(db.h.queryRow(ctx, `SELECT detail FROM health_scores WHERE organization_id = ?
		ORDER BY as_of DESC, id DESC LIMIT 1`, orgID))
	if err != nil {
		return nil, mapError(err, "latest health score", "Health score")
	}
	return &s, nil
}

// scoreChangeWindow is how far back a portfolio's "change" looks.
const scoreChangeWindow = 30 * 24 * time.Hour

// portfolioColumns are what both portfolio queries return, in this order.
const portfolioColumns = `o.id, o.name, m.role,
		c.status, c.status_reason, c.business_name, c.last_sync_at,
		ls.id, ls.score, ls.tier, ls.as_of,
		ps.id, ps.score, ps.as_of,
		sr.status, sr.error, sr.finished_at,
		od.value, od.status, od.band, od.as_of,
		cb.value, cb.status, cb.band, cb.as_of`

// portfolioQuery reads the whole portfolio in one statement on SQLite, which lacks
// LATERAL. Each "latest" is a correlated subquery that picks one key by a backward
// index scan; they are picked first in a MATERIALIZED CTE, then the rows joined by
// key (SQLite's plan is the same lookups as with the picks in the join conditions).
// Arguments: the change's cutoff, the two metrics' names, the user, the two
// names again.
const portfolioQuery = `WITH m AS MATERIALIZED (
		SELECT ms.organization_id, ms.role,
			(SELECT h.id FROM health_scores h WHERE h.organization_id = ms.organization_id
				ORDER BY h.as_of DESC, h.id DESC LIMIT 1) AS latest_id,
			(SELECT h.id FROM health_scores h WHERE h.organization_id = ms.organization_id AND h.as_of <= ?
				ORDER BY h.as_of DESC, h.id DESC LIMIT 1) AS prev_id,
			(SELECT r.id FROM sync_runs r WHERE r.organization_id = ms.organization_id
				ORDER BY r.id DESC LIMIT 1) AS run_id,
			(SELECT MAX(v.as_of) FROM metric_values v WHERE v.organization_id = ms.organization_id AND v.name = ?) AS od_as_of,
			(SELECT MAX(v.as_of) FROM metric_values v WHERE v.organization_id = ms.organization_id AND v.name = ?) AS cb_as_of
		FROM memberships ms
		WHERE ms.user_id = ? AND ms.role IN ('owner', 'advisor'))
	SELECT ` + portfolioColumns + `
	FROM m
	JOIN organizations o ON o.id = m.organization_id
	LEFT JOIN wave_connections c ON c.organization_id = m.organization_id
	LEFT JOIN health_scores ls ON ls.id = m.latest_id
	LEFT JOIN health_scores ps ON ps.id = m.prev_id
	LEFT JOIN sync_runs sr ON sr.id = m.run_id
	LEFT JOIN metric_values od ON od.organization_id = m.organization_id AND od.name = ? AND od.as_of = m.od_as_of
	LEFT JOIN metric_values cb ON cb.organization_id = m.organization_id AND cb.name = ? AND cb.as_of = m.cb_as_of
	ORDER BY o.name, o.id`

// portfolioQueryPostgres is portfolioQuery for PostgreSQL: each latest row read
// whole by a LATERAL subquery, from the covering indexes of the scores and the
// metrics, in one index scan. With scalar subqueries as join keys the planner
// evaluated each pick twice per organization and hashed the joined tables whole;
// for 2,000 organizations EXPLAIN (ANALYZE, TIMING OFF) took 66-87 ms (min-median of
// 12) that way, 49-76 ms with portfolioQuery's CTE and 33-37 ms with this.
// Arguments: the first four of portfolioQuery's.
const portfolioQueryPostgres = `SELECT ` + portfolioColumns + `
	FROM memberships m
	JOIN organizations o ON o.id = m.organization_id
	LEFT JOIN wave_connections c ON c.organization_id = m.organization_id
	LEFT JOIN LATERAL (SELECT h.id, h.score, h.tier, h.as_of FROM health_scores h
		WHERE h.organization_id = m.organization_id ORDER BY h.as_of DESC, h.id DESC LIMIT 1) ls ON true
	LEFT JOIN LATERAL (SELECT h.id, h.score, h.as_of FROM health_scores h
		WHERE h.organization_id = m.organization_id AND h.as_of <= ? ORDER BY h.as_of DESC, h.id DESC LIMIT 1) ps ON true
	LEFT JOIN LATERAL (SELECT r.status, r.error, r.finished_at FROM sync_runs r
		WHERE r.organization_id = m.organization_id ORDER BY r.id DESC LIMIT 1) sr ON true
	LEFT JOIN LATERAL (SELECT v.value, v.status, v.band, v.as_of FROM metric_values v
		WHERE v.organization_id = m.organization_id AND v.name = ? ORDER BY v.as_of DESC LIMIT 1) od ON true
	LEFT JOIN LATERAL (SELECT v.value, v.status, v.band, v.as_of FROM metric_values v
		WHERE v.organization_id = m.organization_id AND v.name = ? ORDER BY v.as_of DESC LIMIT 1) cb ON true
	WHERE m.user_id = ? AND m.role IN ('owner', 'advisor')
	ORDER BY o.name, o.id`

// portfolioMetric scans the four columns of a joined metric.
type portfolioMetric struct {
	value        sql.NullFloat64
	status, band nullableString
	asOf         *time.Time
	dest         []any
}

func newPortfolioMetric() *portfolioMetric {
	p := &portfolioMetric{}
	p.dest = []any{&p.value, &p.status, &p.band, scanNullTime{&p.asOf}}
	return p
}

func (p *portfolioMetric) result() *finhealth.PortfolioMetric {
	if p.asOf == nil {
		return nil
	}
	m := &finhealth.PortfolioMetric{Status: finhealth.MetricStatus(p.status), Band: string(p.band), AsOf: *p.asOf}
	if p.value.Valid {
		v := p.value.Float64
		m.Value = &v
	}
	return m
}

// Portfolio lists the organizations where the user is owner or advisor, in one query.
func (db *DB) Portfolio(ctx context.Context, userID string) ([]finhealth.PortfolioEntry, error) {
	query, args := portfolioQuery, []any{db.now().Add(-scoreChangeWindow),
		scoring.MetricOverdueShare, scoring.MetricCashBufferDays, userID,
		scoring.MetricOverdueShare, scoring.MetricCashBufferDays}
	if db.h.pg {
		query, args = portfolioQueryPostgres, args[:4]
	}
	return collect(ctx, db.h, "portfolio", func(row rowScanner) (finhealth.PortfolioEntry, error) {
		var (
			e                                   finhealth.PortfolioEntry
			status, reason, business            nullableString
			latestID, tier, prevID              nullableString
			latest, prev                        sql.NullFloat64
			runStatus, runError                 nullableString
			overdue, buffer                     = newPortfolioMetric(), newPortfolioMetric()
			latestAt, prevAt, lastSync, runDone *time.Time
		)
		dest := []any{&e.OrganizationID, &e.OrganizationName, &e.Role,
			&status, &reason, &business, scanNullTime{&lastSync},
			&latestID, &latest, &tier, scanNullTime{&latestAt},
			&prevID, &prev, scanNullTime{&prevAt},
			&runStatus, &runError, scanNullTime{&runDone}}
		dest = append(append(dest, overdue.dest...), buffer.dest...)
		if err := row.Scan(dest...); err != nil {
			return e, err
		}
		e.ConnectionStatus, e.ConnectionReason, e.BusinessName = finhealth.WaveConnectionStatus(status), string(reason), string(business)
		e.LastSyncAt, e.LastRunStatus, e.LastRunError, e.LastRunFinished = lastSync, finhealth.SyncStatus(runStatus), string(runError), runDone
		if latestID != "" {
			e.Tier, e.ScoreAsOf = string(tier), latestAt
			if latest.Valid {
				e.Score = &latest.Float64
			}
		}
		// A latest score that is itself 30 days old has nothing to be compared with.
		if prevID != "" && prevID != latestID && prev.Valid {
			e.PreviousScore, e.PreviousScoreAsOf = &prev.Float64, prevAt
			if e.Score != nil {
				change := *e.Score - *e.PreviousScore
				e.ScoreChange = &change
			}
		}
		e.OverdueShare, e.CashBufferDays = overdue.result(), buffer.result()
		return e, nil
	}, query, args...)
}
