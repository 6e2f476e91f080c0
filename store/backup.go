package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/pressly/goose/v3"
)

// Backups are logical: every row of every application table, in a stream that does
// not depend on the database it came from, so that a SQLite backup restores into
// PostgreSQL and back. The stream is line-oriented JSON (see backup_stream.go for
// the encoding); encryption and compression are the caller's (cmd/finhealth wraps it
// in gzip and age).
//
// Left out on purpose: goose's version table (the manifest carries the schema
// version, and restore recreates the table by migrating) and River's tables. River's
// queue is transient work, not data: a restored job would act on a moment that has
// passed (a sync whose run is already recorded, a rescore already done), and what
// matters comes back by itself, since the scheduler queues the daily syncs again and
// abandons the runs a backup caught queued or running.

// excludedFromBackup reports whether a table of the catalog is left out on purpose.
// invoice_day_sums is derived from invoices by triggers, which rebuild it as a
// restore inserts the invoices. readiness holds only the time of the last readiness
// probe, which its migration creates.
func excludedFromBackup(table string) bool {
	return table == goose.DefaultTablename || strings.HasPrefix(table, "river_") ||
		table == "invoice_day_sums" || table == "readiness"
}

// Column kinds: how a value is read, written and compared on both databases.
const (
	kindText  = "text"  // text on both
	kindInt   = "int"   // integer or bigint; INTEGER
	kindFloat = "float" // double precision; REAL
	kindBool  = "bool"  // boolean; INTEGER 0/1
	kindTime  = "time"  // timestamptz; TEXT in timeLayout
	kindJSON  = "json"  // jsonb; TEXT
	kindBytes = "bytes" // bytea; BLOB
)

// catalogKinds says which declared column types of each database hold each kind.
var catalogKinds = map[string]map[string][]string{
	DialectPostgres: {
		"text": {kindText}, "integer": {kindInt}, "bigint": {kindInt}, "double precision": {kindFloat},
		"boolean": {kindBool}, "timestamp with time zone": {kindTime}, "jsonb": {kindJSON}, "bytea": {kindBytes},
	},
	DialectSQLite: {
		"TEXT": {kindText, kindTime, kindJSON}, "INTEGER": {kindInt, kindBool}, "REAL": {kindFloat}, "BLOB": {kindBytes},
	},
}

// BackupColumn is one column of a backed-up table.
type BackupColumn struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
}

// BackupTable is one table as a backup carries it. Rows are written in the order
// of Key, the primary key, so that the same rows always give the same checksum.
type BackupTable struct {
	Name    string         `json:"name"`
	Columns []BackupColumn `json:"columns"`
	Key     []string       `json:"key"`
}

// backupTables lists every application table in foreign-key order: a table comes
// after every table it references, so that restore can insert in this order with
// the constraints on. Columns are in the schema's order with their kinds. A test
// compares the list with both databases' catalogs, and Backup refuses a database
// whose catalog differs, so that no table or column is ever left out silently.
var backupTables = []BackupTable{
	defineTable("organizations", "id",
		"id text, name text, industry text, company_size text, created_at time, updated_at time"),
	defineTable("users", "id",
		"id text, email text, name text, password_hash text, role text, active bool, default_organization_id text, created_at time, updated_at time"),
	defineTable("memberships", "organization_id, user_id",
		"organization_id text, user_id text, role text, created_at time"),
	defineTable("invitations", "id",
		"id text, organization_id text, email text, role text, token_hash text, invited_by text, expires_at time, accepted_at time, created_at time"),
	defineTable("refresh_tokens", "id",
		"id text, user_id text, family_id text, token_hash text, expires_at time, used_at time, revoked_at time, created_at time"),
	defineTable("sessions", "id",
		"id text, user_id text, user_agent text, ip text, created_at time, last_used_at time, expires_at time, revoked_at time"),
	defineTable("questionnaires", "id, version",
		"id text, version int, title text, definition json, content_hash text, created_at time"),
	defineTable("assessments", "id",
		"id text, organization_id text, user_id text, questionnaire_id text, questionnaire_version int, algorithm_version text, "+
			"score float, tier text, categories json, recommendations json, answers json, created_at time"),
	defineTable("audit_log", "id",
		"id text, at time, actor_id text, actor_email text, organization_id text, action text, target_type text, target_id text, ip text, details json"),
	defineTable("wave_connections", "organization_id",
		"organization_id text, status text, status_reason text, wave_user_id text, wave_user_email text, business_id text, business_name text, "+
			"currency text, currency_exponent int, business json, scopes text, connected_by text, connected_at time, updated_at time, "+
			"last_sync_at time, last_full_sync_at time, full_sync_due bool"),
	// The tokens stay sealed: a backup never holds them in clear, and they open again
	// only under the same SECRET_KEY.
	defineTable("wave_tokens", "organization_id",
		"organization_id text, access_token bytes, refresh_token bytes, token_type text, expires_at time, scope text, updated_at time, grant_id text"),
	defineTable("oauth_states", "state_hash",
		"state_hash text, organization_id text, user_id text, code_verifier bytes, redirect_after text, expires_at time, used_at time, created_at time"),
	defineTable("sync_runs", "id",
		"id text, organization_id text, kind text, triggered_by text, status text, requested_by text, accounts_seen int, accounts_upserted int, "+
			"invoices_seen int, invoices_upserted int, customers_seen int, customers_upserted int, pages int, error text, "+
			"queued_at time, started_at time, finished_at time, updated_at time, attempt int, warnings json, retry_at time, "+
			"heartbeat_at time, worker_id text, walk_entity text, walk_pages int, resumed_from text"),
	defineTable("sync_watermarks", "organization_id, entity",
		"organization_id text, entity text, business_id text, modified_at time, run_id text, updated_at time"),
	defineTable("ledger_accounts", "organization_id, wave_id",
		"organization_id text, wave_id text, business_wave_id text, name text, description text, display_id text, type text, subtype text, "+
			"subtype_name text, normal_balance text, currency text, balance_minor int, balance_currency text, balance_exponent int, "+
			"account_balance_minor int, account_balance_currency text, account_balance_exponent int, is_archived bool, sequence int, seen_at time, changed_at time"),
	defineTable("invoices", "organization_id, wave_id",
		"organization_id text, wave_id text, business_wave_id text, number text, title text, customer_wave_id text, customer_name text, "+
			"status text, currency text, exchange_rate text, money_currency text, money_exponent int, total_minor int, amount_due_minor int, "+
			"amount_paid_minor int, tax_total_minor int, invoice_date time, due_date time, created_at time, modified_at time, "+
			"last_sent_at time, last_sent_via text, last_viewed_at time, seen_at time, changed_at time"),
	defineTable("customers", "organization_id, wave_id",
		"organization_id text, wave_id text, business_wave_id text, name text, email text, currency text, money_currency text, "+
			"money_exponent int, outstanding_minor int, overdue_minor int, is_archived bool, created_at time, modified_at time, seen_at time, changed_at time"),
	defineTable("balance_snapshots", "organization_id, as_of",
		"organization_id text, as_of time, business_wave_id text, currency text, currency_exponent int, balances json, created_at time"),
	defineTable("receivables_snapshots", "organization_id, as_of",
		"organization_id text, as_of time, business_wave_id text, currency text, currency_exponent int, total_minor int, overdue_minor int, "+
			"current_minor int, days_1_30_minor int, days_31_60_minor int, days_61_90_minor int, over_90_minor int, "+
			"open_invoices int, overdue_invoices int, created_at time"),
	defineTable("metric_values", "organization_id, name, as_of",
		"organization_id text, name text, as_of time, unit text, status text, value float, money_minor int, money_currency text, "+
			"money_exponent int, band text, points int, position int, detail json"),
	defineTable("health_scores", "id",
		"id text, organization_id text, as_of time, status text, score float, tier text, method_version text, detail json, created_at time, "+
			"ledger_as_of time, assessment_id text"),
	defineTable("account_overrides", "organization_id, account_wave_id",
		"organization_id text, account_wave_id text, class text, set_by text, set_at time, note text"),
	defineTable("wave_account_subtypes", "value",
		"value text, name text, type text, normal_balance text, description text, updated_at time"),
	defineTable("mail_log", "id",
		"id text, recipient text, subject text, template text, body_text text, body_html text, status text, attempts int, "+
			"last_error text, created_at time, updated_at time, sent_at time"),
}

// defineTable builds a BackupTable from its key and "name kind, ..." column list.
func defineTable(name, key, columns string) BackupTable {
	t := BackupTable{Name: name, Key: strings.Split(key, ", ")}
	for _, c := range strings.Split(columns, ", ") {
		n, kind, _ := strings.Cut(c, " ")
		t.Columns = append(t.Columns, BackupColumn{Name: n, Kind: kind})
	}
	if err := t.validate(); err != nil {
		panic(err) // the list above is wrong
	}
	return t
}

// Errors of Backup and Restore, for callers that tell them apart (errors.Is).
var (
	// ErrBackupInvalid: the stream is not a complete, intact finhealth backup.
	ErrBackupInvalid = errors.New("the backup is damaged, was tampered with, or is not a finhealth backup")
	// ErrBackupTooNew: the backup's schema is newer than this build knows.
	ErrBackupTooNew = errors.New("the backup is from a newer version of finhealth")
	// ErrRestoreTarget: the database cannot take the backup (not empty, or ahead).
	ErrRestoreTarget = errors.New("the database cannot take this restore")
	// ErrSchemaMismatch: the database's schema is not the one this build backs up.
	ErrSchemaMismatch = errors.New("the database schema does not match this build")
)

// Backup writes a consistent backup of every application table to w: all tables are
// read in one read-only transaction, so the backup is one instant of the database
// even while the application writes, and rows are streamed, never held. appVersion
// is recorded in the manifest. The database's schema must be the latest this build
// carries, the only one whose tables it knows.
func (db *DB) Backup(ctx context.Context, w io.Writer, appVersion string) (*Manifest, error) {
	current, latest, err := db.SchemaVersion(ctx)
	if err != nil {
		return nil, err
	}
	if current == 0 {
		return nil, fmt.Errorf("%w: the database has no finhealth schema; is DATABASE_URL the right database?", ErrSchemaMismatch)
	}
	if current != latest {
		return nil, fmt.Errorf("%w: the database is at schema version %d and this build at %d; back up with the finhealth version that runs on this database, or run `finhealth migrate` first",
			ErrSchemaMismatch, current, latest)
	}

	opts := &sql.TxOptions{ReadOnly: true}
	if db.dialect == DialectPostgres {
		// REPEATABLE READ is snapshot isolation in PostgreSQL: every query of the
		// transaction sees the database as of its first one.
		opts.Isolation = sql.LevelRepeatableRead
	}
	// On SQLite a read-only transaction begins DEFERRED (the driver applies _txlock
	// only to writable ones), so it takes no write lock; in WAL mode its first read
	// fixes the snapshot that every later read sees, while writers carry on.
	tx, err := db.sql.BeginTx(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("store: backup: begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	h := handle{q: tx, pg: db.h.pg, now: db.now()}
	if err := h.checkCatalog(ctx, backupTables); err != nil {
		return nil, err
	}

	m := &Manifest{
		Format: BackupFormat, FormatVersion: BackupFormatVersion, SchemaVersion: current,
		CreatedAt: h.now, AppVersion: appVersion, SourceDialect: db.dialect,
	}
	bw := newBackupWriter(w)
	if err := bw.header(m); err != nil {
		return nil, err
	}
	for _, t := range backupTables {
		if err := bw.table(t); err != nil {
			return nil, err
		}
		sum := newTableSum(t)
		err := h.eachRow(ctx, t, func(values []any) error {
			if err := sum.add(values); err != nil {
				return err
			}
			return bw.row(t, values)
		})
		if err != nil {
			return nil, err
		}
		m.Tables = append(m.Tables, sum.summary())
	}
	if err := bw.manifest(m); err != nil {
		return nil, err
	}
	return m, nil
}

// Restore loads a backup into this database, which must be empty: no application
// table may hold a row, and its schema may not be ahead of the backup's. open must
// return the backup stream from its start each time it is called: Restore reads the
// whole backup once before it writes anything, so that a damaged, tampered or
// truncated backup leaves the database untouched (not even migrated); then it
// migrates the database to the backup's schema version, loads every table in one
// transaction, reads the rows back and commits only when their counts and
// checksums are those of the manifest.
//
// Restored rows are the backup's exactly, Wave tokens included: they stay sealed
// under the key of the instance that wrote them (see UnreadableWaveTokens).
func (db *DB) Restore(ctx context.Context, open func() (io.ReadCloser, error)) (*Manifest, error) {
	_, latest, err := db.SchemaVersion(ctx)
	if err != nil {
		return nil, err
	}
	var tables []BackupTable
	m, err := readBackupFrom(open, latest, &backupCollector{tables: &tables})
	if err != nil {
		return nil, err
	}

	current, _, err := db.SchemaVersion(ctx)
	if err != nil {
		return nil, err
	}
	if current > m.SchemaVersion {
		return nil, fmt.Errorf("%w: it is at schema version %d, newer than the backup's %d; restore into a new, empty database",
			ErrRestoreTarget, current, m.SchemaVersion)
	}
	if err := db.h.checkEmpty(ctx); err != nil {
		return nil, err
	}
	if err := db.migrateUpTo(ctx, m.SchemaVersion); err != nil {
		return nil, err
	}

	err = db.withTx(ctx, func(h handle) error {
		// The migrated schema must be the one the backup was taken from.
		if err := h.checkCatalog(ctx, tables); err != nil {
			return err
		}
		// Again inside the transaction, in case something wrote meanwhile.
		if err := h.checkEmpty(ctx); err != nil {
			return err
		}
		if _, err := readBackupFrom(open, latest, &backupLoader{ctx: ctx, h: h}); err != nil {
			return err
		}
		for i, t := range tables {
			sum := newTableSum(t)
			if err := h.eachRow(ctx, t, sum.add); err != nil {
				return err
			}
			if got := sum.summary(); got != m.Tables[i] {
				return fmt.Errorf("store: restore: table %s read back as %d rows (sha256 %s), but the backup holds %d (sha256 %s); nothing was restored",
					t.Name, got.Rows, got.SHA256, m.Tables[i].Rows, m.Tables[i].SHA256)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// readBackupFrom opens the stream, reads it whole into sink and closes it.
func readBackupFrom(open func() (io.ReadCloser, error), latest int64, sink backupSink) (*Manifest, error) {
	r, err := open()
	if err != nil {
		return nil, err
	}
	m, err := readBackup(r, latest, sink)
	if cerr := r.Close(); err == nil && cerr != nil {
		return nil, fmt.Errorf("%w: %v", ErrBackupInvalid, cerr)
	}
	return m, err
}

// backupCollector keeps the tables of a backup (their definitions, not their rows).
type backupCollector struct{ tables *[]BackupTable }

func (c *backupCollector) table(t BackupTable) error {
	*c.tables = append(*c.tables, t)
	return nil
}
func (c *backupCollector) row([]any) error { return nil }
func (c *backupCollector) flush() error    { return nil }

// backupLoader inserts a backup's rows, several to a statement: one statement per
// row would make a large restore on PostgreSQL a round trip per row.
type backupLoader struct {
	ctx     context.Context
	h       handle
	t       BackupTable
	pending []any // arguments of the rows not yet inserted
}

// maxInsertParams bounds the parameters of one INSERT, well under both databases'
// limits (PostgreSQL 65535, SQLite 32766).
const maxInsertParams = 2000

func (l *backupLoader) table(t BackupTable) error {
	l.t, l.pending = t, l.pending[:0]
	return nil
}

func (l *backupLoader) row(values []any) error {
	for i, v := range values {
		l.pending = append(l.pending, l.h.backupArg(l.t.Columns[i].Kind, v))
	}
	if len(l.pending)+len(values) > maxInsertParams {
		return l.flush()
	}
	return nil
}

func (l *backupLoader) flush() error {
	if len(l.pending) == 0 {
		return nil
	}
	names := make([]string, len(l.t.Columns))
	for i, c := range l.t.Columns {
		names[i] = c.Name
	}
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(names)), ", ") + ")"
	rows := len(l.pending) / len(names)
	query := "INSERT INTO " + l.t.Name + " (" + strings.Join(names, ", ") + ") VALUES " +
		strings.TrimSuffix(strings.Repeat(one+", ", rows), ", ")
	if _, err := l.h.exec(l.ctx, query, l.pending...); err != nil {
		return fmt.Errorf("store: restore: insert into %s: %w", l.t.Name, err)
	}
	l.pending = l.pending[:0]
	return nil
}

// backupArg converts a neutral value (see decodeValue) into an argument for this
// database: booleans are 0/1 on SQLite, times go through args.
func (h handle) backupArg(kind string, v any) any {
	switch v := v.(type) {
	case time.Time:
		return h.timeArg(v)
	case bool:
		if !h.pg {
			if v {
				return int64(1)
			}
			return int64(0)
		}
	}
	return v
}

// eachRow reads every row of t in key order and calls fn with the row's neutral
// values (the slice is reused between rows). Text keys are compared byte by byte on
// both databases ("C" collation on PostgreSQL, whatever the column's), so that a
// table's rows come in the same order, and give the same checksum, on either.
func (h handle) eachRow(ctx context.Context, t BackupTable, fn func(values []any) error) error {
	names := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		names[i] = c.Name
	}
	order := slices.Clone(t.Key)
	for i, k := range order {
		if h.pg && t.column(k).Kind == kindText {
			order[i] = k + ` COLLATE "C"`
		}
	}
	rows, err := h.query(ctx, "SELECT "+strings.Join(names, ", ")+" FROM "+t.Name+" ORDER BY "+strings.Join(order, ", "))
	if err != nil {
		return fmt.Errorf("store: read %s: %w", t.Name, err)
	}
	defer rows.Close()
	cells := make([]cell, len(t.Columns))
	dest := make([]any, len(t.Columns))
	values := make([]any, len(t.Columns))
	for i := range cells {
		cells[i].kind = t.Columns[i].Kind
		dest[i] = &cells[i]
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("store: read %s: %w", t.Name, err)
		}
		for i := range cells {
			values[i] = cells[i].v
		}
		if err := fn(values); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: read %s: %w", t.Name, err)
	}
	return nil
}

// cell scans one column of either database into its neutral value: nil for NULL,
// else string (text, json), int64, float64, bool, time.Time (UTC, microseconds) or
// []byte.
type cell struct {
	kind string
	v    any
}

func (c *cell) Scan(src any) error {
	if src == nil {
		c.v = nil
		return nil
	}
	var ok bool
	switch c.kind {
	case kindText, kindJSON:
		switch s := src.(type) {
		case string:
			c.v, ok = s, true
		case []byte:
			c.v, ok = string(s), true
		}
	case kindInt:
		c.v, ok = src.(int64)
	case kindFloat:
		switch f := src.(type) {
		case float64:
			c.v, ok = f, true
		case int64:
			c.v, ok = float64(f), true
		}
	case kindBool:
		switch b := src.(type) {
		case bool:
			c.v, ok = b, true
		case int64:
			c.v, ok = b != 0, b == 0 || b == 1
		}
	case kindTime:
		t, err := parseDBTime(src)
		if err != nil {
			return err
		}
		c.v, ok = *t, true
	case kindBytes:
		var b []byte
		if b, ok = src.([]byte); ok {
			c.v = slices.Clone(b) // the driver may reuse its buffer
		}
	}
	if !ok {
		return fmt.Errorf("store: cannot read %T as %s", src, c.kind)
	}
	return nil
}

func (t BackupTable) column(name string) *BackupColumn {
	for i := range t.Columns {
		if t.Columns[i].Name == name {
			return &t.Columns[i]
		}
	}
	return nil
}

// validate checks a table definition, including one read from a backup: names are
// plain identifiers (they are written into SQL), kinds are known, the key is made of
// columns.
func (t BackupTable) validate() error {
	if !isIdentifier(t.Name) || len(t.Columns) == 0 || len(t.Key) == 0 {
		return fmt.Errorf("table %q: bad definition", t.Name)
	}
	seen := map[string]bool{}
	for _, c := range t.Columns {
		switch c.Kind {
		case kindText, kindInt, kindFloat, kindBool, kindTime, kindJSON, kindBytes:
		default:
			return fmt.Errorf("table %s: column %q has unknown kind %q", t.Name, c.Name, c.Kind)
		}
		if !isIdentifier(c.Name) || seen[c.Name] {
			return fmt.Errorf("table %s: bad or repeated column name %q", t.Name, c.Name)
		}
		seen[c.Name] = true
	}
	for _, k := range t.Key {
		if !seen[k] {
			return fmt.Errorf("table %s: key column %q is not a column", t.Name, k)
		}
	}
	return nil
}

func isIdentifier(s string) bool {
	if s == "" || len(s) > 63 {
		return false
	}
	for i, r := range s {
		if !(r == '_' || 'a' <= r && r <= 'z' || i > 0 && '0' <= r && r <= '9') {
			return false
		}
	}
	return true
}

// checkCatalog compares tables with the database's catalog: the same application
// tables, each with the same columns in the same order and of fitting types, the
// same primary key, and every foreign key pointing to a table listed earlier.
func (h handle) checkCatalog(ctx context.Context, tables []BackupTable) error {
	mismatch := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrSchemaMismatch, fmt.Sprintf(format, args...))
	}
	inCatalog, err := h.applicationTables(ctx)
	if err != nil {
		return err
	}
	position := map[string]int{}
	for i, t := range tables {
		position[t.Name] = i
		if !slices.Contains(inCatalog, t.Name) {
			return mismatch("table %s is not in the database", t.Name)
		}
	}
	for _, name := range inCatalog {
		if _, ok := position[name]; !ok {
			return mismatch("table %s is in the database but not in the backup's table list", name)
		}
	}
	dialect := map[bool]string{true: DialectPostgres, false: DialectSQLite}[h.pg]
	for _, t := range tables {
		cols, err := h.catalogColumns(ctx, t.Name)
		if err != nil {
			return err
		}
		if len(cols) != len(t.Columns) {
			return mismatch("table %s has %d columns in the database and %d in the backup's list", t.Name, len(cols), len(t.Columns))
		}
		for i, c := range t.Columns {
			if cols[i][0] != c.Name || !slices.Contains(catalogKinds[dialect][cols[i][1]], c.Kind) {
				return mismatch("table %s: column %d is %s %s in the database, %s %s in the backup's list",
					t.Name, i+1, cols[i][0], cols[i][1], c.Name, c.Kind)
			}
		}
		key, err := h.catalogKey(ctx, t.Name)
		if err != nil {
			return err
		}
		if !slices.Equal(key, t.Key) {
			return mismatch("table %s: primary key (%s) in the database, (%s) in the backup's list",
				t.Name, strings.Join(key, ", "), strings.Join(t.Key, ", "))
		}
	}
	refs, err := h.catalogReferences(ctx)
	if err != nil {
		return err
	}
	for _, r := range refs {
		from, to := r[0], r[1]
		if from != to && position[to] > position[from] {
			return mismatch("table %s references %s, which comes after it in the backup's list", from, to)
		}
	}
	return nil
}

// applicationTables lists the tables of the catalog that a backup holds.
func (h handle) applicationTables(ctx context.Context) ([]string, error) {
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	if h.pg {
		q = `SELECT tablename FROM pg_tables WHERE schemaname = current_schema()`
	}
	all, err := h.catalogRows(ctx, q)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, r := range all {
		if !excludedFromBackup(r[0]) {
			names = append(names, r[0])
		}
	}
	return names, nil
}

// catalogColumns returns a table's columns as (name, declared type), in order.
func (h handle) catalogColumns(ctx context.Context, table string) ([][]string, error) {
	if h.pg {
		return h.catalogRows(ctx, `SELECT column_name, data_type FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position`, table)
	}
	return h.catalogRows(ctx, `SELECT name, type FROM pragma_table_info(?) ORDER BY cid`, table)
}

// catalogKey returns a table's primary-key columns, in key order.
func (h handle) catalogKey(ctx context.Context, table string) ([]string, error) {
	q := `SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk`
	if h.pg {
		q = `SELECT k.column_name FROM information_schema.table_constraints c
			JOIN information_schema.key_column_usage k
				ON k.constraint_schema = c.constraint_schema AND k.constraint_name = c.constraint_name
			WHERE c.table_schema = current_schema() AND c.table_name = ? AND c.constraint_type = 'PRIMARY KEY'
			ORDER BY k.ordinal_position`
	}
	rows, err := h.catalogRows(ctx, q, table)
	if err != nil {
		return nil, err
	}
	key := make([]string, len(rows))
	for i, r := range rows {
		key[i] = r[0]
	}
	return key, nil
}

// catalogReferences returns every foreign key as (referencing, referenced) table.
func (h handle) catalogReferences(ctx context.Context) ([][]string, error) {
	if h.pg {
		return h.catalogRows(ctx, `SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint
			WHERE contype = 'f' AND connamespace = current_schema()::regnamespace`)
	}
	return h.catalogRows(ctx, `SELECT m.name, f."table" FROM sqlite_master m, pragma_foreign_key_list(m.name) f
		WHERE m.type = 'table'`)
}

// catalogRows runs a catalog query whose columns are all text.
func (h handle) catalogRows(ctx context.Context, query string, args ...any) ([][]string, error) {
	rows, err := h.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: read the catalog: %w", err)
	}
	defer rows.Close()
	var out [][]string
	cols, err := rows.Columns()
	if err != nil {
		return nil, fmt.Errorf("store: read the catalog: %w", err)
	}
	for rows.Next() {
		r := make([]string, len(cols))
		dest := make([]any, len(cols))
		for i := range r {
			dest[i] = &r[i]
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("store: read the catalog: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read the catalog: %w", err)
	}
	return out, nil
}

// checkEmpty refuses a database where any application table holds a row.
func (h handle) checkEmpty(ctx context.Context) error {
	tables, err := h.applicationTables(ctx)
	if err != nil {
		return err
	}
	var full []string
	for _, name := range tables {
		var one int
		err := h.queryRow(ctx, "SELECT 1 FROM "+name+" LIMIT 1").Scan(&one)
		switch {
		case err == nil:
			full = append(full, name)
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("store: restore: read %s: %w", name, err)
		}
	}
	if len(full) > 0 {
		slices.Sort(full)
		return fmt.Errorf("%w: it is not empty (rows in %s); restore into a new, empty database (one that `finhealth serve` has not started on yet)",
			ErrRestoreTarget, strings.Join(full, ", "))
	}
	return nil
}

// UnreadableWaveTokens lists the organizations whose stored Wave tokens do not open
// with this store's token keys: after a restore under another SECRET_KEY, those
// organizations must connect Wave again.
func (db *DB) UnreadableWaveTokens(ctx context.Context) ([]string, error) {
	rows, err := db.h.query(ctx, `SELECT organization_id, access_token, refresh_token FROM wave_tokens ORDER BY organization_id`)
	if err != nil {
		return nil, fmt.Errorf("store: wave tokens: %w", err)
	}
	defer rows.Close()
	var orgs []string
	for rows.Next() {
		var org string
		var access, refresh []byte
		if err := rows.Scan(&org, &access, &refresh); err != nil {
			return nil, fmt.Errorf("store: wave tokens: %w", err)
		}
		_, errA := db.tokens.open(access, aad(purposeAccessToken, org))
		_, errR := db.tokens.open(refresh, aad(purposeRefreshToken, org))
		if errA != nil || errR != nil {
			orgs = append(orgs, org)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: wave tokens: %w", err)
	}
	return orgs, nil
}
