package worker

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

// Database is River's connection to the application's database: exactly one of the
// two fields is set.
//
// Postgres is a pgx pool on the application's database (River needs pgx itself, not
// database/sql, for LISTEN/NOTIFY and COPY).
//
// SQLite is a database/sql handle of River's own on the application's SQLite file,
// opened with the modernc.org/sqlite driver ("sqlite"), with busy_timeout set and
// SetMaxOpenConns(1): River's SQLite driver issues overlapping statements that would
// otherwise fail with SQLITE_BUSY, and it deadlocks if a transaction is held on the
// handle while another statement waits for a connection, so the handle must never be
// shared with the store's pool.
type Database struct {
	Postgres *pgxpool.Pool
	SQLite   *sql.DB
}

func (d Database) check() error {
	switch {
	case d.Postgres != nil && d.SQLite != nil:
		return errors.New("worker: set one of Database.Postgres and Database.SQLite, not both")
	case d.Postgres == nil && d.SQLite == nil:
		return errors.New("worker: Database.Postgres or Database.SQLite is required")
	case d.SQLite != nil && d.SQLite.Stats().MaxOpenConnections != 1:
		return errors.New("worker: the SQLite handle must be limited to one connection (SetMaxOpenConns(1))")
	}
	return nil
}

func (d Database) newClient(cfg *river.Config) (riverClient, error) {
	if d.Postgres != nil {
		return river.NewClient(riverpgxv5.New(d.Postgres), cfg)
	}
	return river.NewClient(riversqlite.New(d.SQLite), cfg)
}

// Migrate brings River's own tables (river_job, river_queue, ...) up to date, next to
// the application's. cmd/finhealth runs it with the store's migrations, in `finhealth
// migrate` and on start when auto-migration is on. It is idempotent.
func Migrate(ctx context.Context, d Database, logger *slog.Logger) error {
	if err := d.check(); err != nil {
		return err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	var err error
	if d.Postgres != nil {
		err = migrateUp(ctx, riverpgxv5.New(d.Postgres), logger)
	} else {
		err = migrateUp(ctx, riversqlite.New(d.SQLite), logger)
	}
	if err != nil {
		return fmt.Errorf("worker: migrating River's schema: %w", err)
	}
	return nil
}

func migrateUp[TTx any](ctx context.Context, driver riverdriver.Driver[TTx], logger *slog.Logger) error {
	m, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: routineLogger(logger)})
	if err != nil {
		return err
	}
	_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	return err
}

// MigrationsPending reports whether River's schema is behind this build, for a start
// that refuses to run on an old schema unless auto-migration is on.
func MigrationsPending(ctx context.Context, d Database) (bool, error) {
	if err := d.check(); err != nil {
		return false, err
	}
	var pending bool
	var err error
	if d.Postgres != nil {
		pending, err = migrationsPending(ctx, riverpgxv5.New(d.Postgres))
	} else {
		pending, err = migrationsPending(ctx, riversqlite.New(d.SQLite))
	}
	if err != nil {
		return false, fmt.Errorf("worker: reading River's schema version: %w", err)
	}
	return pending, nil
}

func migrationsPending[TTx any](ctx context.Context, driver riverdriver.Driver[TTx]) (bool, error) {
	m, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return false, err
	}
	existing, err := m.ExistingVersions(ctx)
	if err != nil {
		return false, err
	}
	return len(existing) < len(m.AllVersions()), nil
}
