// Package store persists finhealth's domain in a SQL database. It exists so that the
// rest of the application sees only the finhealth.Store interface while one
// implementation serves both supported databases: PostgreSQL in production and an
// embedded SQLite file for zero-setup development. Queries are written once in
// portable SQL; the few places where the databases differ are kept side by side in the
// method that needs them, so a reader sees both versions at once.
//
// Every mutation and its audit entry are written in one transaction, and driver errors
// are translated by error code into *finhealth.Error values the HTTP edge can show.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"finhealth"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	_ "modernc.org/sqlite"             // registers the "sqlite" database/sql driver
)

// Dialect names returned by (*DB).Dialect.
const (
	DialectPostgres = "postgres"
	DialectSQLite   = "sqlite"
)

// DB is a finhealth.Store over one database/sql pool.
type DB struct {
	sql     *sql.DB
	dialect string
	memory  bool         // an in-memory SQLite database, which must keep one connection
	h       handle       // the pool itself, for reads outside a transaction
	tokens  *tokenCipher // nil without WithTokenKey: secrets are then refused, never stored in clear
	hooks   *testHooks   // nil outside the store's own tests

	// clock is where every timestamp the store writes or compares with comes from
	// (WithClock; time.Now by default). It is read through db.now, once per
	// transaction: see handle.now.
	clock func() time.Time
	// lastSeen is the UnixMicro of the last time seenNow handed out.
	lastSeen atomic.Int64
}

// testHooks let the store's tests act between the statements of a method, to prove
// what a transaction sees of writes made meanwhile on other connections.
type testHooks struct {
	betweenLedgerReads func()
}

// ledgerRead runs between the tables LedgerSnapshot reads.
func (h *testHooks) ledgerRead() {
	if h != nil && h.betweenLedgerReads != nil {
		h.betweenLedgerReads()
	}
}

var _ finhealth.Store = (*DB)(nil)

// sqlitePragmas are set through the DSN rather than with one-off PRAGMA statements
// because database/sql opens connections lazily: only DSN parameters reach every
// pooled connection. _txlock=immediate makes every transaction take the write lock
// at BEGIN; with deferred transactions a read-then-write transaction can fail with
// SQLITE_BUSY at its first write without waiting for busy_timeout.
const sqlitePragmas = "_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_txlock=immediate"

// DefaultMaxConns bounds each pool unless WithMaxConns says otherwise. Queries are
// short index lookups, so a few connections serve thousands of requests a second,
// and more only hurt: measured on 2 cores shared with PostgreSQL
// (docs/benchmarks.md), 20 connections gave no more throughput than 4 or 8 but a
// p99 latency ten times worse, because PostgreSQL then runs a backend process per
// connection on too few cores and the scheduler makes some queries wait for many
// others. A good size is a small multiple of the database server's cores, divided
// among the instances that share it.
const DefaultMaxConns = 8

// WithMaxConns sets the pool's size (open and idle connections alike); n <= 0 keeps
// DefaultMaxConns. An in-memory SQLite database always has exactly one connection.
func WithMaxConns(n int) Option {
	return func(db *DB) error {
		if n > 0 && !(db.dialect == DialectSQLite && db.memory) {
			db.sql.SetMaxOpenConns(n)
			db.sql.SetMaxIdleConns(n)
		}
		return nil
	}
}

// WithClock sets the clock the store stamps rows with (created_at, updated_at, the
// audit log, seen_at) and judges expiry by (invitations, refresh tokens, OAuth
// states); nil keeps time.Now. Production uses the real clock; tests pass a manual one
// so that expiry and "later" cost no waiting. The store reads it once per
// transaction, so every row one transaction writes carries the same time.
func WithClock(now func() time.Time) Option {
	return func(db *DB) error {
		if now != nil {
			db.clock = now
		}
		return nil
	}
}

// Open connects to the database named by dsn and checks that it answers. A dsn
// starting with postgres:// or postgresql:// is a PostgreSQL URL; anything else is a
// SQLite file path, optionally prefixed with "sqlite:" or written as a "file:" URI.
// The SQLite file's directory is created if needed. Open does not migrate. Options
// give the store what is not in the DSN, such as the key that seals Wave tokens
// (WithTokenKey).
func Open(ctx context.Context, dsn string, opts ...Option) (*DB, error) {
	var (
		driver, dialect, source string
	)
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		driver, dialect, source = "pgx", DialectPostgres, dsn
	default:
		var err error
		source, err = sqliteSource(dsn)
		if err != nil {
			return nil, err
		}
		driver, dialect = "sqlite", DialectSQLite
	}
	pool, err := sql.Open(driver, source)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", dialect, err)
	}
	// database/sql keeps only two idle connections by default, so under load every
	// other query would open a connection (a PostgreSQL backend fork) and close it
	// again. Keep the whole pool warm instead; the bound stays well under
	// PostgreSQL's default max_connections of 100 with several instances running.
	// WithMaxConns sets another size.
	pool.SetMaxOpenConns(DefaultMaxConns)
	pool.SetMaxIdleConns(DefaultMaxConns)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	memory := dialect == DialectSQLite && isSQLiteMemory(source)
	if memory {
		// Every connection to ":memory:" is a separate empty database.
		pool.SetMaxOpenConns(1)
	}
	if err := pool.PingContext(ctx); err != nil {
		_ = pool.Close()
		return nil, fmt.Errorf("store: connect to %s: %w", dialect, err)
	}
	db := &DB{sql: pool, dialect: dialect, memory: memory, clock: time.Now}
	db.h = handle{q: pool, pg: dialect == DialectPostgres}
	if dialect == DialectSQLite {
		db.h.stmts = &stmtCache{pool: pool}
	}
	for _, opt := range opts {
		if err := opt(db); err != nil {
			_ = pool.Close()
			return nil, err
		}
	}
	return db, nil
}

// sqliteSource turns a path or file: URI into a modernc.org/sqlite DSN carrying the
// pragmas, creating the file's directory.
func sqliteSource(dsn string) (string, error) {
	dsn = strings.TrimPrefix(dsn, "sqlite:")
	if dsn == "" {
		return "", errors.New("store: empty SQLite path")
	}
	path, query, _ := strings.Cut(dsn, "?")
	path = strings.TrimPrefix(path, "file:")
	if path != "" && path != ":memory:" {
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return "", fmt.Errorf("store: create database directory: %w", err)
		}
	}
	if query != "" {
		return dsn + "&" + sqlitePragmas, nil
	}
	return dsn + "?" + sqlitePragmas, nil
}

func isSQLiteMemory(source string) bool {
	return strings.HasPrefix(source, ":memory:") || strings.Contains(source, "mode=memory") ||
		strings.HasPrefix(source, "file::memory:")
}

// Dialect reports which database the DB talks to: "postgres" or "sqlite".
func (db *DB) Dialect() string { return db.dialect }

// SQL returns the underlying pool, for tools (backup, tests) that need raw access.
func (db *DB) SQL() *sql.DB { return db.sql }

// Close closes the pool and its prepared statements.
func (db *DB) Close() error {
	db.h.stmts.close()
	return db.sql.Close()
}

// Ping reports EUNAVAILABLE when the database does not answer, cannot write, or its
// schema is behind the migrations this binary carries, so that a readiness probe
// keeps traffic away from an instance that would fail on missing tables or on every
// write.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.sql.PingContext(ctx); err != nil {
		return fmt.Errorf("%w: %v", errUnavailable, err)
	}
	current, latest, err := db.SchemaVersion(ctx)
	if err != nil {
		return fmt.Errorf("%w: %v", errUnavailable, err)
	}
	if current < latest {
		return fmt.Errorf("%w: schema version %d, want %d",
			finhealth.Errorf(finhealth.EUNAVAILABLE, "The database schema is not up to date."), current, latest)
	}
	if err := db.probeWrite(ctx); err != nil {
		if finhealth.ErrorCode(err) == finhealth.EUNAVAILABLE {
			return fmt.Errorf("store: readiness write: %w", err)
		}
		return fmt.Errorf("%w: readiness write: %v", errUnavailable, err)
	}
	return nil
}

// probeWrite commits a write of the readiness row, because only a committed write
// proves what readiness promises. A rolled-back one would not do: SQLite touches
// the file only at commit, so a full disk lets it pass, and a PostgreSQL standby
// refuses only writes, which SELECT pg_is_in_recovery() would also tell but a full
// disk would not. On SQLite the transaction also inserts and deletes a row padded to
// more than a page, so that the write needs a page allocated as any insert would and
// fails with SQLITE_FULL at max_page_count; deleted in the same transaction, it
// leaves only its pages on the free list for the next probe to reuse. The cost is one
// small commit per probe, which orchestrators make every few seconds.
func (db *DB) probeWrite(ctx context.Context) error {
	return db.withTx(ctx, func(h handle) error {
		if !h.pg {
			if _, err := h.exec(ctx, `INSERT INTO readiness (id, checked_at) VALUES (2, zeroblob(8192))`); err != nil {
				return err
			}
			if _, err := h.exec(ctx, `DELETE FROM readiness WHERE id = 2`); err != nil {
				return err
			}
		}
		_, err := h.exec(ctx, `UPDATE readiness SET checked_at = ? WHERE id = 1`, h.now)
		return err
	})
}
