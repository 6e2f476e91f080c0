package store

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"finhealth"
	"finhealth/scoring"
)

// LedgerSummary reads the books for the metrics with the invoices and customers
// summed by the database (see finhealth.InvoiceSummary): a health read then costs a
// few index scans instead of reading and decoding every invoice. It runs in the same
// single read transaction as LedgerSnapshot, so that the figures are of one moment.
func (db *DB) LedgerSummary(ctx context.Context, orgID string, asOf time.Time) (*finhealth.LedgerSnapshot, error) {
	return db.ledger(ctx, orgID, asOf, true)
}

// Invoice statuses as SQL lists, in the order of the partial index of migration 00007
// (whose WHERE must be repeated word for word).
var (
	sqlKnownStatuses  = sqlStatuses(finhealth.InvoiceStatus.IsKnown)
	sqlOwedStatuses   = sqlStatuses(finhealth.InvoiceStatus.IsReceivable)
	sqlIssuedStatuses = sqlStatuses(func(s finhealth.InvoiceStatus) bool {
		return s.IsKnown() && s != finhealth.InvoiceDraft && s != finhealth.InvoiceSaved
	})
)

// allStatuses are the statuses finhealth knows, in the index's order.
var allStatuses = []finhealth.InvoiceStatus{finhealth.InvoiceDraft, finhealth.InvoiceSaved, finhealth.InvoiceUnpaid,
	finhealth.InvoiceSent, finhealth.InvoiceViewed, finhealth.InvoicePartial, finhealth.InvoiceOverdue,
	finhealth.InvoicePaid, finhealth.InvoiceOverpaid}

func sqlStatuses(keep func(finhealth.InvoiceStatus) bool) string {
	var out []string
	for _, s := range allStatuses {
		if keep(s) {
			out = append(out, "'"+string(s)+"'")
		}
	}
	return "(" + strings.Join(out, ", ") + ")"
}

// inHomeSQL says that an invoice's amounts are in the business's currency and
// exponent (the arguments ?, ?, ?: currency, currency, exponent), as scoring's
// conversion decides: the amounts' currency, or the invoice's when they name none.
const inHomeSQL = `(money_currency = ? OR (money_currency = '' AND currency = ?)) AND money_exponent = ?`

// indexedBy names the index a SQLite query must use: without statistics SQLite's
// planner prefers the primary key, and an index it cannot use is an error rather
// than a silent full scan. PostgreSQL's planner has statistics and needs no hint.
func (h handle) indexedBy(index string) string {
	if h.pg {
		return ""
	}
	return " INDEXED BY " + index
}

// bytewise orders a text column by its bytes, as Go compares strings: PostgreSQL's
// default collation would order by language rules (wave_id is already COLLATE "C").
func (h handle) bytewise(column string) string {
	if h.pg {
		return column + ` COLLATE "C"`
	}
	return column
}

// daySumsSQL reads the groups of invoice_day_sums of a business (the arguments ?, ?)
// in invoiceSums's columns.
const daySumsSQL = `SELECT day, money_currency, currency, money_exponent, amount_minor, invoices
		FROM invoice_day_sums WHERE organization_id = ? AND business_wave_id = ?`

// maxListedCustomers bounds the customers asked for by id in one statement; past it
// every customer's sum is read.
const maxListedCustomers = 200

// summedLimit is the largest magnitude of an amount the database sums: 2^40 minor
// units (10,995,116,277.76 in a currency of two decimals). A group of invoices is a
// day's, or a customer's, so no SUM of such amounts comes near overflowing an int64
// (which SQLite's SUM refuses); and a business's whole window of them (fewer than
// 2^23 invoices) adds up within one. Books with a larger amount are listed instead.
const summedLimit = 1 << 40

// The WHERE of the index invoices_large_amounts, word for word.
const largeAmountsSQL = `(total_minor NOT BETWEEN -1099511627776 AND 1099511627776
			OR amount_due_minor NOT BETWEEN -1099511627776 AND 1099511627776)`

// invoiceSummary sums the invoices LedgerSnapshot would list (the open ones and those
// dated within ledgerWindow of asOf) for the metrics, or returns nil when they cannot
// be summed exactly and must be listed.
func (h handle) invoiceSummary(ctx context.Context, orgID string, conn *finhealth.WaveConnection, asOf time.Time) (*finhealth.InvoiceSummary, error) {
	biz, cur, exp := conn.BusinessID, conn.Currency, conn.CurrencyExponent
	cuts := scoring.InvoiceSummaryBounds(asOf)
	since := asOf.Add(-ledgerWindow)
	s := &finhealth.InvoiceSummary{Day: cuts.Day, IssuedFrom: cuts.IssuedFrom,
		Open: []finhealth.InvoiceSum{}, Issued: []finhealth.InvoiceSum{}, Others: []finhealth.Invoice{},
		Largest: []finhealth.Invoice{}, OverdueCustomers: []finhealth.CustomerOverdue{}}
	// Every query repeats LedgerSnapshot's choice of invoices.
	const ofLedger = ` organization_id = ? AND business_wave_id = ? AND (amount_due_minor <> 0 OR invoice_date >= ?)`

	var large int
	if err := h.queryRow(ctx, `SELECT COUNT(*) FROM invoices`+h.indexedBy("invoices_large_amounts")+
		` WHERE`+ofLedger+` AND `+largeAmountsSQL, orgID, biz, since).Scan(&large); err != nil {
		return nil, fmt.Errorf("store: invoices with large amounts: %w", err)
	}
	if large > 0 {
		return nil, nil
	}
	if err := h.queryRow(ctx, `SELECT COUNT(*) FROM invoices`+h.indexedBy("invoices_unknown_status")+
		` WHERE`+ofLedger+` AND status NOT IN `+sqlKnownStatuses, orgID, biz, since).Scan(&s.Unknown); err != nil {
		return nil, fmt.Errorf("store: invoices of unknown status: %w", err)
	}

	// The day sums (migration 00009) hold the dated groups; the rest are few and come
	// from the invoices' indexes: issued invoices dated before since, which
	// LedgerSnapshot's choice can leave out (books dated late in a day in a time zone
	// west of UTC start its two years of instants after the windows' first day), and
	// open invoices with no due date.
	summedFrom := cuts.IssuedFrom
	if since.After(summedFrom) {
		summedFrom = since
	}
	var err error
	s.Issued, err = h.invoiceSums(ctx, "issued invoices", daySumsSQL+` AND kind = 'issued' AND day >= ?
		UNION ALL
		SELECT invoice_date, money_currency, currency, money_exponent, CAST(SUM(total_minor) AS BIGINT), COUNT(*)
		FROM invoices`+h.indexedBy("invoices_issued")+` WHERE`+ofLedger+` AND invoice_date >= ? AND invoice_date < ?
			AND status IN `+sqlIssuedStatuses+`
		GROUP BY invoice_date, money_currency, money_exponent, currency`,
		orgID, biz, summedFrom, orgID, biz, since, cuts.IssuedFrom, summedFrom)
	if err != nil {
		return nil, err
	}
	const owed = ` organization_id = ? AND business_wave_id = ? AND amount_due_minor > 0 AND status IN `
	s.Open, err = h.invoiceSums(ctx, "open invoices", daySumsSQL+` AND kind = 'owed'
		UNION ALL
		SELECT NULL, money_currency, currency, money_exponent, CAST(SUM(amount_due_minor) AS BIGINT), COUNT(*)
		FROM invoices`+h.indexedBy("invoices_owed_by_due")+` WHERE`+owed+sqlOwedStatuses+` AND due_date IS NULL
		GROUP BY money_currency, money_exponent, currency`, orgID, biz, orgID, biz)
	if err != nil {
		return nil, err
	}

	var owedAtHome [5]int // by aging bucket
	others := false
	for _, g := range s.Open {
		if g.Currency != cur || g.Exponent != exp {
			others = true
			continue
		}
		owedAtHome[cuts.AgingBucket(g.Date)] += g.Count
	}
	for _, g := range s.Issued {
		others = others || g.Currency != cur || g.Exponent != exp
	}

	// Invoices in another currency or exponent, whole, for scoring to convert one by
	// one: the owed ones and those issued within the windows.
	if others {
		s.Others, err = h.invoices(ctx, "invoices in other currencies", 0, `SELECT `+invoiceColumns+` FROM invoices
			WHERE`+ofLedger+` AND status IN `+sqlKnownStatuses+` AND NOT (`+inHomeSQL+`)
				AND ((status IN `+sqlOwedStatuses+` AND amount_due_minor > 0) OR (status IN `+sqlIssuedStatuses+` AND invoice_date >= ?))
			ORDER BY wave_id`, orgID, biz, since, cur, cur, exp, cuts.IssuedFrom)
		if err != nil {
			return nil, err
		}
	}

	// The largest open invoices of each aging bucket in the home currency: their ids
	// first, by bucket, then the invoices whole by id. (A join of the two let
	// PostgreSQL, without statistics on a freshly synced table, read the business's
	// invoices once per listed invoice.) A bucket holding at least half the open
	// invoices (past 90 days, in a business that leaves old invoices unpaid) is read
	// in order of amount, where the first hundred of the bucket come after about two
	// hundred entries; a smaller one is read whole by due date and sorted. The current
	// bucket's two ranges (due from today, and no due date) are two index ranges
	// rather than one OR, which would read the whole index.
	ranges := [][]struct {
		where string
		args  []any
	}{
		{{`due_date >= ?`, []any{cuts.Aging[0]}}, {`due_date IS NULL`, nil}},
		{{`due_date >= ? AND due_date < ?`, []any{cuts.Aging[1], cuts.Aging[0]}}},
		{{`due_date >= ? AND due_date < ?`, []any{cuts.Aging[2], cuts.Aging[1]}}},
		{{`due_date >= ? AND due_date < ?`, []any{cuts.Aging[3], cuts.Aging[2]}}},
		{{`due_date < ?`, []any{cuts.Aging[3]}}},
	}
	owedHome := 0
	for _, n := range owedAtHome {
		owedHome += n
	}
	var listed []any
	for b, bucket := range ranges {
		if owedAtHome[b] == 0 {
			continue
		}
		var (
			parts []string
			args  []any
		)
		if 2*owedAtHome[b] >= owedHome {
			var wheres []string
			args = []any{orgID, biz, cur, cur, exp}
			for _, r := range bucket {
				wheres = append(wheres, r.where)
				args = append(args, r.args...)
			}
			parts = []string{`SELECT wave_id, amount_due_minor FROM invoices` + h.indexedBy("invoices_owed_by_amount") + `
				WHERE` + owed + sqlOwedStatuses + ` AND ` + inHomeSQL + ` AND ((` + strings.Join(wheres, `) OR (`) + `))`}
		} else {
			for _, r := range bucket {
				parts = append(parts, `SELECT wave_id, amount_due_minor FROM invoices`+h.indexedBy("invoices_owed_by_due")+`
				WHERE`+owed+sqlOwedStatuses+` AND `+inHomeSQL+` AND `+r.where)
				args = append(append(args, orgID, biz, cur, cur, exp), r.args...)
			}
		}
		ids, err := collect(ctx, h, "largest open invoices", func(row rowScanner) (any, error) {
			var id string
			var due int64
			err := row.Scan(&id, &due)
			return id, err
		}, strings.Join(parts, " UNION ALL ")+` ORDER BY amount_due_minor DESC, wave_id LIMIT ?`, append(args, cuts.Listed)...)
		if err != nil {
			return nil, err
		}
		listed = append(listed, ids...)
	}
	if len(listed) > 0 {
		s.Largest, err = h.invoices(ctx, "largest open invoices", len(listed), `SELECT `+invoiceColumns+` FROM invoices
			WHERE organization_id = ?`+inList("wave_id", len(listed)), append([]any{orgID}, listed...)...)
		if err != nil {
			return nil, err
		}
	}

	// What customers owe past due in the home currency: every customer who can be
	// among the few a metric names, whatever the invoices in other currencies add.
	if err := h.overdueCustomers(ctx, s, orgID, biz, cur, exp, cuts, asOf); err != nil {
		return nil, err
	}

	switch err := scoring.CheckInvoiceSummary(s, cur, exp, asOf); {
	case errors.Is(err, scoring.ErrSummaryInexact):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("store: invoice summary: %w", err)
	}
	return s, nil
}

// invoiceSums reads groups of invoices: date, money currency, currency, exponent, the
// sum and the count. Every amount summed is within summedLimit.
func (h handle) invoiceSums(ctx context.Context, what, query string, args ...any) ([]finhealth.InvoiceSum, error) {
	rows, err := h.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	defer rows.Close()
	sums := []finhealth.InvoiceSum{}
	var (
		g             finhealth.InvoiceSum
		moneyCurrency string
	)
	dest := []any{scanOptTime{&g.Date}, &moneyCurrency, &g.Currency, &g.Exponent, &g.Amount, &g.Count}
	for rows.Next() {
		g = finhealth.InvoiceSum{MaxAbs: summedLimit}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("store: %s: %w", what, err)
		}
		if moneyCurrency != "" {
			g.Currency = moneyCurrency
		}
		sums = append(sums, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	return sums, nil
}

// addHalves adds hi*2^32 + lo to sum.
func addHalves(sum *big.Int, hi, lo int64) {
	v := new(big.Int).Lsh(big.NewInt(hi), 32)
	sum.Add(sum, v.Add(v, big.NewInt(lo)))
}

func magnitude(v int64) uint64 {
	if v < 0 {
		return uint64(-(v + 1)) + 1
	}
	return uint64(v)
}

// overdueCustomers fills s.OverdueCustomers: the customers' past-due sums on open
// invoices in the home currency, for the first cuts.Customers customers by that sum
// (ties by id), and for the customers with past-due invoices in other currencies;
// and each one's name from its first such invoice by id that has one. Invoices in
// other currencies only add to what a customer owes, so a customer without any who
// is among the first once they are added was among the first without them.
func (h handle) overdueCustomers(ctx context.Context, s *finhealth.InvoiceSummary, orgID, biz, cur string, exp int,
	cuts scoring.SummaryBounds, asOf time.Time) error {
	elsewhere := map[string]bool{}
	for i := range s.Others {
		inv := &s.Others[i]
		if inv.Status.IsReceivable() && inv.AmountDue.Minor > 0 && inv.DaysPastDue(asOf) > 0 {
			elsewhere[inv.CustomerWaveID] = true
		}
	}
	const pastDue = ` organization_id = ? AND business_wave_id = ? AND amount_due_minor > 0 AND status IN `
	where := pastDue + sqlOwedStatuses + ` AND ` + inHomeSQL + ` AND due_date < ?`
	args := []any{orgID, biz, cur, cur, exp, cuts.Aging[0]}
	sums := `SELECT customer_wave_id, CAST(SUM(amount_due_minor) AS BIGINT) FROM invoices` + h.indexedBy("invoices_owed_by_customer") +
		` WHERE` + where
	byID := map[string]int{}
	add := func(query string, args ...any) error {
		rows, err := h.query(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("store: overdue customers: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var co finhealth.CustomerOverdue
			if err := rows.Scan(&co.CustomerWaveID, &co.Amount); err != nil {
				return fmt.Errorf("store: overdue customers: %w", err)
			}
			if _, dup := byID[co.CustomerWaveID]; !dup {
				byID[co.CustomerWaveID] = len(s.OverdueCustomers)
				s.OverdueCustomers = append(s.OverdueCustomers, co)
			}
		}
		return rows.Err()
	}
	all := len(elsewhere) > maxListedCustomers
	if all {
		if err := add(sums+` GROUP BY customer_wave_id`, args...); err != nil {
			return err
		}
	} else {
		if err := add(sums+` GROUP BY customer_wave_id ORDER BY 2 DESC, `+h.bytewise("customer_wave_id")+` LIMIT ?`,
			append(args, cuts.Customers)...); err != nil {
			return err
		}
		if len(elsewhere) > 0 {
			ids := make([]any, 0, len(elsewhere))
			for id := range elsewhere {
				ids = append(ids, id)
			}
			if err := add(sums+inList("customer_wave_id", len(ids))+` GROUP BY customer_wave_id`, append(args, ids...)...); err != nil {
				return err
			}
		}
	}
	if len(s.OverdueCustomers) == 0 {
		return nil
	}
	// Names: the first invoice by id that names the customer.
	named := `SELECT customer_wave_id, customer_name, wave_id FROM (
			SELECT customer_wave_id, customer_name, wave_id,
				ROW_NUMBER() OVER (PARTITION BY customer_wave_id ORDER BY wave_id) AS n
			FROM invoices` + h.indexedBy("invoices_owed_by_customer") + ` WHERE` + where + ` AND customer_name <> ''`
	nameArgs := args
	if !all {
		named += inList("customer_wave_id", len(s.OverdueCustomers))
		for _, co := range s.OverdueCustomers {
			nameArgs = append(nameArgs, co.CustomerWaveID)
		}
	}
	rows, err := h.query(ctx, named+`) first WHERE n = 1`, nameArgs...)
	if err != nil {
		return fmt.Errorf("store: overdue customers' names: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, name, from string
		if err := rows.Scan(&id, &name, &from); err != nil {
			return fmt.Errorf("store: overdue customers' names: %w", err)
		}
		if i, ok := byID[id]; ok {
			s.OverdueCustomers[i].Name, s.OverdueCustomers[i].NameInvoice = name, from
		}
	}
	return rows.Err()
}

// inList is " AND column IN (?, ...)" for n values.
func inList(column string, n int) string {
	return ` AND ` + column + ` IN (` + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + `)`
}

// customerTotals sums the customers' balances in the business's currency and counts
// those in another, or returns nil when the sums could overflow in some order and the
// customers must be listed.
func (h handle) customerTotals(ctx context.Context, orgID string, conn *finhealth.WaveConnection) (*finhealth.CustomerTotals, error) {
	rows, err := h.query(ctx, `SELECT money_currency, money_exponent, COUNT(*),
			CAST(SUM(outstanding_minor >> 32) AS BIGINT), CAST(SUM(outstanding_minor & 4294967295) AS BIGINT),
			MIN(outstanding_minor), MAX(outstanding_minor),
			CAST(SUM(overdue_minor >> 32) AS BIGINT), CAST(SUM(overdue_minor & 4294967295) AS BIGINT),
			MIN(overdue_minor), MAX(overdue_minor)
		FROM customers`+h.indexedBy("customers_balances")+`
		WHERE organization_id = ? AND business_wave_id = ? AND NOT (outstanding_minor = 0 AND overdue_minor = 0)
		GROUP BY money_currency, money_exponent`, orgID, conn.BusinessID)
	if err != nil {
		return nil, fmt.Errorf("store: customer totals: %w", err)
	}
	defer rows.Close()
	t := &finhealth.CustomerTotals{}
	// Each sum, and the bound on its partial sums (count times the largest magnitude).
	var outstanding, overdue, outstandingBound, overdueBound big.Int
	for rows.Next() {
		var (
			cur                  string
			exp, n               int
			oHi, oLo, oMin, oMax int64
			dHi, dLo, dMin, dMax int64
		)
		if err := rows.Scan(&cur, &exp, &n, &oHi, &oLo, &oMin, &oMax, &dHi, &dLo, &dMin, &dMax); err != nil {
			return nil, fmt.Errorf("store: customer totals: %w", err)
		}
		if cur != conn.Currency || exp != conn.CurrencyExponent {
			t.Other += n
			continue
		}
		t.Counted += n
		addHalves(&outstanding, oHi, oLo)
		addHalves(&overdue, dHi, dLo)
		addBound(&outstandingBound, n, oMin, oMax)
		addBound(&overdueBound, n, dMin, dMax)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: customer totals: %w", err)
	}
	if !outstandingBound.IsInt64() || !overdueBound.IsInt64() {
		return nil, nil
	}
	t.Outstanding, t.Overdue = outstanding.Int64(), overdue.Int64()
	return t, nil
}

// addBound adds n times the larger magnitude of lo and hi to bound.
func addBound(bound *big.Int, n int, lo, hi int64) {
	m := new(big.Int).SetUint64(max(magnitude(lo), magnitude(hi)))
	bound.Add(bound, m.Mul(m, big.NewInt(int64(n))))
}
