package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"fmt"
	"io/fs"
	"math"

	"github.com/pressly/goose/v3"
)

// migrations holds one tree per database. The trees carry the same numbers and
// meaning; a test fails when they diverge.
//
//go:embed migrations/postgres/*.sql migrations/sqlite/*.sql
var migrations embed.FS

// migrationLockID keys the PostgreSQL advisory lock that serializes migrations when
// several instances start at once. Any constant works as long as nothing else in the
// database uses it; this is "finhealth" in ASCII.
const migrationLockID int64 = 0x66696e6865616c74

// Migrations returns the embedded migration trees, postgres/ and sqlite/, for tools
// and tests that inspect them.
func Migrations() fs.FS {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		panic(err) // the directory is embedded at build time
	}
	return sub
}

func (db *DB) migrationFS() (fs.FS, error) {
	return fs.Sub(migrations, "migrations/"+db.dialect)
}

// provider is built per call rather than kept on DB: a goose Provider remembers that
// it created its version table even when that first attempt failed, so a long-lived
// one would not recover from a database that was down at the first try.
func (db *DB) provider() (*goose.Provider, error) {
	fsys, err := db.migrationFS()
	if err != nil {
		return nil, err
	}
	dialect := goose.DialectSQLite3
	if db.dialect == DialectPostgres {
		dialect = goose.DialectPostgres
	}
	return goose.NewProvider(dialect, db.sql, fsys, goose.WithDisableGlobalRegistry(true))
}

// Migrate applies every pending migration, then runs each of also: the migrations of
// other schemas that share the database, such as the job queue's. On PostgreSQL it
// holds a session advisory lock throughout so that instances starting together apply
// each migration once, also's included (River's migrator takes no lock of its own,
// and two at once collide); SQLite serializes writers by itself.
func (db *DB) Migrate(ctx context.Context, also ...func(context.Context) error) error {
	return db.migrateUpTo(ctx, math.MaxInt64, also...)
}

// migrateUpTo applies the pending migrations up to and including version, as
// Migrate does; restore stops at the version of the backup it loads.
func (db *DB) migrateUpTo(ctx context.Context, version int64, also ...func(context.Context) error) error {
	p, err := db.provider()
	if err != nil {
		return fmt.Errorf("store: migrations: %w", err)
	}
	if db.dialect == DialectPostgres {
		unlock, err := db.lockMigrations(ctx)
		if err != nil {
			return err
		}
		defer unlock()
	}
	if _, err := p.UpTo(ctx, version); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	for _, fn := range also {
		if err := fn(ctx); err != nil {
			return err
		}
	}
	return nil
}

// lockMigrations blocks until this session holds the migration lock. goose's own
// session locker polls every five seconds; a blocking pg_advisory_lock lets the
// second instance proceed the moment the first finishes.
func (db *DB) lockMigrations(ctx context.Context) (unlock func(), err error) {
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: migration lock: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLockID); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("store: migration lock: %w", err)
	}
	return func() {
		_, err := conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLockID)
		if err != nil {
			// A session that may still hold the lock must not go back to the pool,
			// where it would keep every other instance from migrating.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		_ = conn.Close()
	}, nil
}

// SchemaVersion returns the version the database is at and the latest version this
// binary carries. It only reads, so that a readiness probe never writes (goose's own
// version query creates its table when missing).
func (db *DB) SchemaVersion(ctx context.Context) (current, latest int64, err error) {
	fsys, err := db.migrationFS()
	if err != nil {
		return 0, 0, fmt.Errorf("store: migrations: %w", err)
	}
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return 0, 0, fmt.Errorf("store: migrations: %w", err)
	}
	for _, name := range names {
		v, err := goose.NumericComponent(name)
		if err != nil {
			return 0, 0, fmt.Errorf("store: migration %s: %w", name, err)
		}
		latest = max(latest, v)
	}

	var exists bool
	switch db.dialect {
	case DialectPostgres:
		err = db.sql.QueryRowContext(ctx,
			`SELECT to_regclass('`+goose.DefaultTablename+`') IS NOT NULL`).Scan(&exists)
	default:
		err = db.sql.QueryRowContext(ctx,
			`SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '`+goose.DefaultTablename+`')`).Scan(&exists)
	}
	if err != nil {
		return 0, latest, fmt.Errorf("store: schema version: %w", err)
	}
	if !exists {
		return 0, latest, nil
	}
	var v sql.NullInt64
	if err := db.sql.QueryRowContext(ctx, `SELECT MAX(version_id) FROM `+goose.DefaultTablename).Scan(&v); err != nil {
		return 0, latest, fmt.Errorf("store: schema version: %w", err)
	}
	return v.Int64, latest, nil
}
