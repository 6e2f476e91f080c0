package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"finhealth"
)

// The current-state tables (ledger_accounts, invoices, customers) are written by
// multi-row INSERT ... ON CONFLICT (organization_id, wave_id) DO UPDATE: a page of
// Wave records is one statement, and writing it again (a retried job, a resumed run,
// a record that moved between pages) overwrites rather than duplicates.
//
// They are also change-tracked: every write bumps seen_at, which PruneUnseen relies on,
// but changed_at moves only when the incoming record differs from the stored row in
// some column (or the row is new), and RETURNING changed_at = seen_at tells, row by
// row, which records those were. The Upsert methods count them, so that a re-sync of
// unchanged books counts 0. The columns are compared in SQL rather than through a
// stored hash: no hash to keep in step with the columns, no collisions, and rows
// written before change tracking compare as exactly as any other.

// Bind-parameter ceilings: PostgreSQL's protocol counts parameters in 16 bits;
// SQLite's SQLITE_MAX_VARIABLE_NUMBER defaults to 32766 since 3.32.
const (
	pgMaxParams     = 65535
	sqliteMaxParams = 32766
	// maxBulkRows caps a statement even when the parameters would allow more: past a
	// few hundred rows a statement gets no faster, only its text longer.
	maxBulkRows = 500
)

// bulkUpsert is the multi-row upsert of one table, with its statements cached by row
// count (Wave pages have a handful of sizes, so the cache stays small, and the
// database's prepared-statement cache sees the same text again).
type bulkUpsert struct {
	columns []string
	prefix  string // INSERT INTO t (...) VALUES
	suffix  string // ON CONFLICT ... DO UPDATE SET ... [RETURNING ...]
	row     string // (?, ?, ...)
	// tracked: the last two columns are seen_at and changed_at, and the statement
	// returns one boolean per row, true when the row was new or changed.
	tracked bool
	queries sync.Map
}

func newBulkUpsert(table string, key []string, columns ...string) *bulkUpsert {
	return buildBulkUpsert(table, key, columns, false)
}

// newTrackedUpsert is newBulkUpsert for a current-state table: it appends seen_at and
// changed_at to the columns (a row's fill gives both the time of the write), keeps
// the stored changed_at when every other column is the same, and returns whether
// each row was new or changed.
func newTrackedUpsert(table string, key []string, columns ...string) *bulkUpsert {
	return buildBulkUpsert(table, key, append(columns[:len(columns):len(columns)], "seen_at", "changed_at"), true)
}

func buildBulkUpsert(table string, key, columns []string, tracked bool) *bulkUpsert {
	isKey := map[string]bool{}
	for _, k := range key {
		isKey[k] = true
	}
	var set, same []string
	for _, c := range columns {
		switch {
		case isKey[c]:
		case tracked && c == "changed_at":
		default:
			set = append(set, c+" = excluded."+c)
			if tracked && c != "seen_at" {
				same = append(same, table+"."+c+" IS NOT DISTINCT FROM excluded."+c)
			}
		}
	}
	if tracked {
		// On both databases the table's columns in SET expressions are the row's
		// values before the update.
		set = append(set, "changed_at = CASE WHEN "+strings.Join(same, " AND ")+
			" THEN "+table+".changed_at ELSE excluded.changed_at END")
	}
	suffix := " ON CONFLICT (" + strings.Join(key, ", ") + ") DO UPDATE SET " + strings.Join(set, ", ")
	if tracked {
		suffix += " RETURNING changed_at = seen_at"
	}
	return &bulkUpsert{
		columns: columns,
		prefix:  "INSERT INTO " + table + " (" + strings.Join(columns, ", ") + ") VALUES ",
		suffix:  suffix,
		row:     "(" + strings.TrimSuffix(strings.Repeat("?, ", len(columns)), ", ") + ")",
		tracked: tracked,
	}
}

func (b *bulkUpsert) rowsPerStatement(pg bool) int {
	limit := sqliteMaxParams
	if pg {
		limit = pgMaxParams
	}
	return min(limit/len(b.columns), maxBulkRows)
}

func (b *bulkUpsert) query(rows int) string {
	if q, ok := b.queries.Load(rows); ok {
		return q.(string)
	}
	var sb strings.Builder
	sb.Grow(len(b.prefix) + rows*(len(b.row)+2) + len(b.suffix))
	sb.WriteString(b.prefix)
	for i := range rows {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(b.row)
	}
	sb.WriteString(b.suffix)
	q := sb.String()
	b.queries.Store(rows, q)
	return q
}

// write runs the upsert for n rows, whose arguments fill appends, chunked under the
// parameter ceiling. One chunk is one statement and so its own transaction; more run
// in one transaction, so that a call is written whole or not at all. For a tracked
// upsert it returns how many rows were new or changed, otherwise 0.
func (h handle) write(ctx context.Context, b *bulkUpsert, n int, fill func(h handle, i int, args []any) []any) (int, error) {
	per := b.rowsPerStatement(h.pg)
	args := make([]any, 0, min(n, per)*len(b.columns))
	changed := 0
	for start := 0; start < n; start += per {
		end := min(start+per, n)
		args = args[:0]
		for i := start; i < end; i++ {
			args = fill(h, i, args)
		}
		if !b.tracked {
			if _, err := h.exec(ctx, b.query(end-start), args...); err != nil {
				return 0, err
			}
			continue
		}
		c, err := h.countChanged(ctx, b.query(end-start), args)
		if err != nil {
			return 0, err
		}
		changed += c
	}
	return changed, nil
}

// countChanged runs a tracked upsert and counts the rows it returns as changed. The
// statement's own errors (a constraint) may surface while its rows are read.
func (h handle) countChanged(ctx context.Context, query string, args []any) (int, error) {
	rows, err := h.query(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	var changed bool
	for rows.Next() {
		if err := rows.Scan(&changed); err != nil {
			return 0, err
		}
		if changed {
			n++
		}
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	return n, rows.Close()
}

func (db *DB) bulkWrite(ctx context.Context, b *bulkUpsert, n int, fill func(h handle, i int, args []any) []any) (int, error) {
	if n <= b.rowsPerStatement(db.h.pg) {
		return db.h.write(ctx, b, n, fill)
	}
	changed := 0
	err := db.withTx(ctx, func(h handle) (err error) {
		changed, err = h.write(ctx, b, n, fill)
		return err
	})
	return changed, err
}

// lastOfEach returns the positions to write so that each id is written once, with its
// last occurrence (the freshest read), or nil when every id is already distinct. A
// statement may not touch the same row twice (PostgreSQL refuses it), and a page
// walk over data that changes underneath can repeat a record.
func lastOfEach(n int, id func(int) string) []int {
	last := make(map[string]int, n)
	for i := range n {
		last[id(i)] = i
	}
	if len(last) == n {
		return nil
	}
	keep := make([]int, 0, len(last))
	for i := range n {
		if last[id(i)] == i {
			keep = append(keep, i)
		}
	}
	return keep
}

// timeOrNull is a nullable timestamp already converted for the database, so that the
// bulk argument lists need no second conversion pass.
func (h handle) timeOrNull(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return h.timeArg(t)
}

// seenNow is db.now(), made later than any earlier seenNow of this DB. A row counts
// as changed when its changed_at is the seen_at of the write, so two writes must never
// share a time: a clock that ticks coarser than a microsecond, two calls within one
// tick, a manual clock that stands still. It is kept per DB, not per process, so that
// a test's clock set far ahead does not drag the times of other stores with it.
func (db *DB) seenNow() time.Time {
	for {
		last := db.lastSeen.Load()
		us := max(db.now().UnixMicro(), last+1)
		if db.lastSeen.CompareAndSwap(last, us) {
			return time.UnixMicro(us).UTC()
		}
	}
}

// upsertRows validates and writes records of one kind, returning how many distinct
// records were new or changed. fill appends a record's values with seen twice at the
// end (seen_at, and changed_at should the row be new or changed).
func upsertRows[T any](ctx context.Context, db *DB, orgID, what string, b *bulkUpsert, recs []T,
	check func(T) map[string]string, id func(T) string, fill func(h handle, r *T, seen any, args []any) []any) (int, error) {
	if orgID == "" {
		return 0, finhealth.InvalidFields("The "+what+" are not valid.", map[string]string{"organization_id": "required"})
	}
	fields := map[string]string{}
	for i := range recs {
		for k, v := range check(recs[i]) {
			fields[fmt.Sprintf("%s[%d].%s", what, i, k)] = v
		}
	}
	if len(fields) > 0 {
		return 0, finhealth.InvalidFields("The "+what+" are not valid.", fields)
	}
	keep := lastOfEach(len(recs), func(i int) string { return id(recs[i]) })
	n := len(recs)
	if keep != nil {
		n = len(keep)
	}
	if n == 0 {
		return 0, nil
	}
	seen := db.seenNow()
	changed, err := db.bulkWrite(ctx, b, n, func(h handle, i int, args []any) []any {
		if keep != nil {
			i = keep[i]
		}
		return fill(h, &recs[i], h.timeArg(seen), args)
	})
	if isForeignKeyViolation(err) {
		return 0, notFound("Organization")
	}
	if err != nil {
		return 0, fmt.Errorf("store: upsert %s: %w", what, err)
	}
	return changed, nil
}

func requireIDs(waveID, businessID string) map[string]string {
	var f map[string]string
	if waveID == "" {
		f = map[string]string{"wave_id": "required"}
	}
	if businessID == "" {
		if f == nil {
			f = map[string]string{}
		}
		f["business_wave_id"] = "required"
	}
	return f
}

// sharedMoney finds the one currency of amounts that are stored with a single
// currency column, reporting a mismatch as a field problem. A zero amount with no
// currency (an amount the provider left out) takes the others' currency.
func sharedMoney(fields map[string]string, names []string, amounts ...finhealth.Money) (map[string]string, string, int) {
	ref := amounts[0]
	for _, m := range amounts {
		if m.Currency != "" {
			ref = m
			break
		}
	}
	for i, m := range amounts {
		if (m.Currency == ref.Currency && m.Exponent == ref.Exponent) || (m.Currency == "" && m.Minor == 0) {
			continue
		}
		if fields == nil {
			fields = map[string]string{}
		}
		fields[names[i]] = fmt.Sprintf("in %s (exponent %d), unlike the other amounts in %s (exponent %d)",
			m.Currency, m.Exponent, ref.Currency, ref.Exponent)
	}
	return fields, ref.Currency, ref.Exponent
}

var accountUpsert = newTrackedUpsert("ledger_accounts", []string{"organization_id", "wave_id"},
	"organization_id", "wave_id", "business_wave_id", "name", "description", "display_id", "type", "subtype",
	"subtype_name", "normal_balance", "currency", "balance_minor", "balance_currency", "balance_exponent",
	"account_balance_minor", "account_balance_currency", "account_balance_exponent", "is_archived", "sequence")

// UpsertAccounts writes the organization's accounts by Wave id and returns how many
// were new or changed.
func (db *DB) UpsertAccounts(ctx context.Context, orgID string, accounts []finhealth.LedgerAccount) (int, error) {
	return upsertRows(ctx, db, orgID, "accounts", accountUpsert, accounts,
		func(a finhealth.LedgerAccount) map[string]string { return requireIDs(a.WaveID, a.BusinessWaveID) },
		func(a finhealth.LedgerAccount) string { return a.WaveID },
		func(h handle, a *finhealth.LedgerAccount, seen any, args []any) []any {
			return append(args, orgID, a.WaveID, a.BusinessWaveID, a.Name, a.Description, a.DisplayID, string(a.Type),
				string(a.Subtype), a.SubtypeName, string(a.NormalBalance), a.Currency,
				a.Balance.Minor, a.Balance.Currency, a.Balance.Exponent,
				a.AccountBalance.Minor, a.AccountBalance.Currency, a.AccountBalance.Exponent,
				a.IsArchived, a.Sequence, seen, seen)
		})
}

var invoiceMoneyFields = []string{"total", "amount_due", "amount_paid", "tax_total"}

var invoiceUpsert = newTrackedUpsert("invoices", []string{"organization_id", "wave_id"},
	"organization_id", "wave_id", "business_wave_id", "number", "title", "customer_wave_id", "customer_name",
	"status", "currency", "exchange_rate", "money_currency", "money_exponent", "total_minor", "amount_due_minor",
	"amount_paid_minor", "tax_total_minor", "invoice_date", "due_date", "created_at", "modified_at",
	"last_sent_at", "last_sent_via", "last_viewed_at")

// UpsertInvoices writes the organization's invoices by Wave id and returns how many
// were new or changed. An invoice's four amounts must share one currency (they are
// the invoice's), which is stored once.
func (db *DB) UpsertInvoices(ctx context.Context, orgID string, invoices []finhealth.Invoice) (int, error) {
	return upsertRows(ctx, db, orgID, "invoices", invoiceUpsert, invoices,
		func(inv finhealth.Invoice) map[string]string {
			f, _, _ := sharedMoney(requireIDs(inv.WaveID, inv.BusinessWaveID), invoiceMoneyFields,
				inv.Total, inv.AmountDue, inv.AmountPaid, inv.TaxTotal)
			return f
		},
		func(inv finhealth.Invoice) string { return inv.WaveID },
		func(h handle, inv *finhealth.Invoice, seen any, args []any) []any {
			_, cur, exp := sharedMoney(nil, invoiceMoneyFields, inv.Total, inv.AmountDue, inv.AmountPaid, inv.TaxTotal)
			return append(args, orgID, inv.WaveID, inv.BusinessWaveID, inv.Number, inv.Title, inv.CustomerWaveID,
				inv.CustomerName, string(inv.Status), inv.Currency, inv.ExchangeRate, cur, exp,
				inv.Total.Minor, inv.AmountDue.Minor, inv.AmountPaid.Minor, inv.TaxTotal.Minor,
				h.timeOrNull(inv.InvoiceDate), h.timeOrNull(inv.DueDate), h.timeOrNull(inv.CreatedAt),
				h.timeOrNull(inv.ModifiedAt), h.timeOrNull(inv.LastSentAt), inv.LastSentVia,
				h.timeOrNull(inv.LastViewedAt), seen, seen)
		})
}

var customerMoneyFields = []string{"outstanding", "overdue"}

var customerUpsert = newTrackedUpsert("customers", []string{"organization_id", "wave_id"},
	"organization_id", "wave_id", "business_wave_id", "name", "email", "currency", "money_currency",
	"money_exponent", "outstanding_minor", "overdue_minor", "is_archived", "created_at", "modified_at")

// UpsertCustomers writes the organization's customers by Wave id and returns how
// many were new or changed.
func (db *DB) UpsertCustomers(ctx context.Context, orgID string, customers []finhealth.Customer) (int, error) {
	return upsertRows(ctx, db, orgID, "customers", customerUpsert, customers,
		func(c finhealth.Customer) map[string]string {
			f, _, _ := sharedMoney(requireIDs(c.WaveID, c.BusinessWaveID), customerMoneyFields, c.Outstanding, c.Overdue)
			return f
		},
		func(c finhealth.Customer) string { return c.WaveID },
		func(h handle, c *finhealth.Customer, seen any, args []any) []any {
			_, cur, exp := sharedMoney(nil, customerMoneyFields, c.Outstanding, c.Overdue)
			return append(args, orgID, c.WaveID, c.BusinessWaveID, c.Name, c.Email, c.Currency, cur, exp,
				c.Outstanding.Minor, c.Overdue.Minor, c.IsArchived, h.timeOrNull(c.CreatedAt), h.timeOrNull(c.ModifiedAt), seen, seen)
		})
}

var entityTables = map[finhealth.SyncEntity]string{
	finhealth.EntityAccounts:  "ledger_accounts",
	finhealth.EntityInvoices:  "invoices",
	finhealth.EntityCustomers: "customers",
}

// PruneUnseen deletes current-state rows that a complete full read starting at
// seenBefore did not write: records deleted in Wave, which would otherwise count in
// the metrics forever.
func (db *DB) PruneUnseen(ctx context.Context, orgID string, entity finhealth.SyncEntity, seenBefore time.Time) (int, error) {
	table, ok := entityTables[entity]
	if !ok || seenBefore.IsZero() {
		return 0, finhealth.InvalidFields("The prune is not valid.", map[string]string{"entity": "accounts, invoices or customers, with a time"})
	}
	res, err := db.h.exec(ctx, `DELETE FROM `+table+` WHERE organization_id = ? AND seen_at < ?`, orgID, seenBefore)
	if err != nil {
		return 0, fmt.Errorf("store: prune %s: %w", table, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: prune %s: %w", table, err)
	}
	return int(n), nil
}

// ledgerWindow is how far back LedgerSnapshot reads settled invoices: the metrics'
// longest window (a year) and the year before it, for growth.
const ledgerWindow = 2 * 365 * 24 * time.Hour

var errNoBusiness = finhealth.Errorf(finhealth.ENOTFOUND, "No Wave business is connected for this organization.")

// LedgerSnapshot reads the current books of the connected business. The invoices are
// the open ones (anything still due) and those dated within two years of asOf; older
// settled invoices affect no metric and would only cost memory. Every table is read
// in one read transaction: a sync commits page by page, and metrics computed from
// accounts of one moment and invoices of another would match neither.
func (db *DB) LedgerSnapshot(ctx context.Context, orgID string, asOf time.Time) (*finhealth.LedgerSnapshot, error) {
	return db.ledger(ctx, orgID, asOf, false)
}

// ledger reads the books for LedgerSnapshot, or for LedgerSummary when summarize is
// set: the invoices and customers then summed rather than listed, in the same
// transaction.
func (db *DB) ledger(ctx context.Context, orgID string, asOf time.Time, summarize bool) (*finhealth.LedgerSnapshot, error) {
	if asOf.IsZero() {
		return nil, finhealth.InvalidFields("The snapshot date is not valid.", map[string]string{"as_of": "required"})
	}
	var snap *finhealth.LedgerSnapshot
	err := db.readTx(ctx, func(h handle) error {
		conn, err := h.chosenBusiness(ctx, orgID)
		if err != nil {
			return err
		}
		snap, err = db.readLedger(ctx, h, orgID, conn, asOf, summarize)
		return err
	})
	if err != nil {
		return nil, err
	}
	return snap, nil
}

// readLedger reads the books of conn's business on h (inside the caller's read
// transaction): the invoices summed by the database when summarize, else listed.
func (db *DB) readLedger(ctx context.Context, h handle, orgID string, conn *finhealth.WaveConnection, asOf time.Time, summarize bool) (*finhealth.LedgerSnapshot, error) {
	var err error
	db.hooks.ledgerRead()
	snap := &finhealth.LedgerSnapshot{
		AsOf: asOf, BusinessID: conn.BusinessID, Currency: conn.Currency, CurrencyExponent: conn.CurrencyExponent,
		Invoices: []finhealth.Invoice{},
	}
	if snap.Accounts, err = h.ledgerAccounts(ctx, orgID, conn.BusinessID); err != nil {
		return nil, err
	}
	db.hooks.ledgerRead()
	if conn.Business != nil && conn.Business.IsClassicInvoicing {
		for _, l := range conn.Business.Limitations() {
			if l.Code == finhealth.LimitationClassicInvoicing {
				snap.InvoicesUnavailable = l.Reason
			}
		}
	} else if summarize {
		if snap.InvoiceSummary, err = h.invoiceSummary(ctx, orgID, conn, asOf); err != nil {
			return nil, err
		}
		if snap.InvoiceSummary == nil { // too large to sum exactly
			snap.Invoices, err = h.ledgerInvoices(ctx, orgID, conn.BusinessID, asOf.Add(-ledgerWindow))
		}
	} else {
		snap.Invoices, err = h.ledgerInvoices(ctx, orgID, conn.BusinessID, asOf.Add(-ledgerWindow))
	}
	if err != nil {
		return nil, err
	}
	db.hooks.ledgerRead()
	if summarize {
		if snap.CustomerTotals, err = h.customerTotals(ctx, orgID, conn); err != nil || snap.CustomerTotals != nil {
			return snap, err
		}
	}
	snap.Customers, err = h.ledgerCustomers(ctx, orgID, conn.BusinessID)
	return snap, err
}

// chosenBusiness returns the connection whose business the ledger belongs to, or
// errNoBusiness when none is chosen (never connected, or still pending).
func (h handle) chosenBusiness(ctx context.Context, orgID string) (*finhealth.WaveConnection, error) {
	conn, err := h.waveConnection(ctx, orgID, false)
	switch {
	case finhealth.ErrorCode(err) == finhealth.ENOTFOUND:
		return nil, errNoBusiness
	case err != nil:
		return nil, err
	case conn.BusinessID == "":
		return nil, errNoBusiness
	}
	return conn, nil
}

// MappingAccounts reads the accounts and the overrides in one read transaction, so
// that an override is never judged stale against accounts of another moment.
func (db *DB) MappingAccounts(ctx context.Context, orgID string) (*finhealth.MappingAccounts, error) {
	out := &finhealth.MappingAccounts{Accounts: []finhealth.LedgerAccount{}}
	err := db.readTx(ctx, func(h handle) error {
		conn, err := h.chosenBusiness(ctx, orgID)
		switch {
		case errors.Is(err, errNoBusiness):
		case err != nil:
			return err
		default:
			out.BusinessID = conn.BusinessID
			if out.Accounts, err = h.ledgerAccounts(ctx, orgID, conn.BusinessID); err != nil {
				return err
			}
		}
		if out.Subtypes, err = h.accountSubtypes(ctx); err != nil {
			return err
		}
		out.Overrides, err = h.accountOverrides(ctx, orgID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// collect runs a query and scans every row with scan.
func collect[T any](ctx context.Context, h handle, what string, scan func(rowScanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := h.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("store: %s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	return out, nil
}

func (h handle) ledgerAccounts(ctx context.Context, orgID, businessID string) ([]finhealth.LedgerAccount, error) {
	return collect(ctx, h, "ledger accounts", func(row rowScanner) (finhealth.LedgerAccount, error) {
		var a finhealth.LedgerAccount
		err := row.Scan(&a.WaveID, &a.BusinessWaveID, &a.Name, &a.Description, &a.DisplayID, &a.Type, &a.Subtype,
			&a.SubtypeName, &a.NormalBalance, &a.Currency, &a.Balance.Minor, &a.Balance.Currency, &a.Balance.Exponent,
			&a.AccountBalance.Minor, &a.AccountBalance.Currency, &a.AccountBalance.Exponent, &a.IsArchived, &a.Sequence)
		return a, err
	}, `SELECT wave_id, business_wave_id, name, description, display_id, type, subtype, subtype_name, normal_balance,
			currency, balance_minor, balance_currency, balance_exponent,
			account_balance_minor, account_balance_currency, account_balance_exponent, is_archived, sequence
		FROM ledger_accounts WHERE organization_id = ? AND business_wave_id = ? ORDER BY wave_id`, orgID, businessID)
}

// scanOptTime scans a nullable timestamp into a time that stays zero for NULL, the
// domain's "unknown" for dates.
type scanOptTime struct{ t *time.Time }

func (s scanOptTime) Scan(v any) error {
	t, err := parseDBTime(v)
	if err != nil {
		return err
	}
	if t != nil {
		*s.t = *t
	}
	return nil
}

// ledgerInvoices reads up to tens of thousands of invoices, so it is written for
// that: the result is sized by a count first (growing a slice of large structs row by
// row was a fifth of the time), and the scan destinations are built once.
func (h handle) ledgerInvoices(ctx context.Context, orgID, businessID string, since time.Time) ([]finhealth.Invoice, error) {
	const where = ` FROM invoices
		WHERE organization_id = ? AND business_wave_id = ? AND (amount_due_minor <> 0 OR invoice_date >= ?)`
	var n int
	if err := h.queryRow(ctx, `SELECT COUNT(*)`+where, orgID, businessID, since).Scan(&n); err != nil {
		return nil, fmt.Errorf("store: count ledger invoices: %w", err)
	}
	return h.invoices(ctx, "ledger invoices", n, `SELECT `+invoiceColumns+where+` ORDER BY wave_id`, orgID, businessID, since)
}

// invoiceColumns are what invoices scans, unqualified.
const invoiceColumns = `wave_id, business_wave_id, number, title, customer_wave_id, customer_name,
			status, currency, exchange_rate, money_currency, money_exponent, total_minor, amount_due_minor,
			amount_paid_minor, tax_total_minor, invoice_date, due_date, created_at, modified_at, last_sent_at,
			last_sent_via, last_viewed_at`

// invoices runs a query of invoiceColumns and scans every invoice, with room for n.
func (h handle) invoices(ctx context.Context, what string, n int, query string, args ...any) ([]finhealth.Invoice, error) {
	rows, err := h.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	defer rows.Close()
	var (
		inv finhealth.Invoice
		cur string
		exp int
	)
	dest := []any{&inv.WaveID, &inv.BusinessWaveID, &inv.Number, &inv.Title, &inv.CustomerWaveID,
		&inv.CustomerName, &inv.Status, &inv.Currency, &inv.ExchangeRate, &cur, &exp,
		&inv.Total.Minor, &inv.AmountDue.Minor, &inv.AmountPaid.Minor, &inv.TaxTotal.Minor,
		scanOptTime{&inv.InvoiceDate}, scanOptTime{&inv.DueDate}, scanOptTime{&inv.CreatedAt},
		scanOptTime{&inv.ModifiedAt}, scanOptTime{&inv.LastSentAt}, &inv.LastSentVia, scanOptTime{&inv.LastViewedAt}}
	out := make([]finhealth.Invoice, 0, n)
	for rows.Next() {
		inv = finhealth.Invoice{}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("store: %s: %w", what, err)
		}
		inv.Total.Currency, inv.Total.Exponent = cur, exp
		inv.AmountDue.Currency, inv.AmountDue.Exponent = cur, exp
		inv.AmountPaid.Currency, inv.AmountPaid.Exponent = cur, exp
		inv.TaxTotal.Currency, inv.TaxTotal.Exponent = cur, exp
		out = append(out, inv)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	return out, nil
}

func (h handle) ledgerCustomers(ctx context.Context, orgID, businessID string) ([]finhealth.Customer, error) {
	return collect(ctx, h, "ledger customers", func(row rowScanner) (finhealth.Customer, error) {
		var (
			c   finhealth.Customer
			cur string
			exp int
		)
		err := row.Scan(&c.WaveID, &c.BusinessWaveID, &c.Name, &c.Email, &c.Currency, &cur, &exp,
			&c.Outstanding.Minor, &c.Overdue.Minor, &c.IsArchived, scanOptTime{&c.CreatedAt}, scanOptTime{&c.ModifiedAt})
		c.Outstanding.Currency, c.Outstanding.Exponent = cur, exp
		c.Overdue.Currency, c.Overdue.Exponent = cur, exp
		return c, err
	}, `SELECT wave_id, business_wave_id, name, email, currency, money_currency, money_exponent,
			outstanding_minor, overdue_minor, is_archived, created_at, modified_at
		FROM customers WHERE organization_id = ? AND business_wave_id = ? ORDER BY wave_id`, orgID, businessID)
}

// keysetCursor makes the opaque cursor after a row ordered by (as_of, id).
func keysetCursor(at time.Time, id string) string {
	return encodeCursor(id) + "." + strconv.FormatInt(dbTime(at).UnixMicro(), 36)
}

// decodeKeysetCursor returns the (as_of, id) a cursor points after; ok is false for
// no cursor.
func decodeKeysetCursor(cursor string) (at time.Time, id string, ok bool, err error) {
	if cursor == "" {
		return time.Time{}, "", false, nil
	}
	idPart, atPart, found := strings.Cut(cursor, ".")
	micros, perr := strconv.ParseInt(atPart, 36, 64)
	if found && perr == nil {
		if id, err = decodeCursor(idPart); err == nil && id != "" {
			return time.UnixMicro(micros).UTC(), id, true, nil
		}
	}
	return time.Time{}, "", false, finhealth.InvalidFields("The cursor is not valid.", map[string]string{"cursor": "malformed cursor"})
}
