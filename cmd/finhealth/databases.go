package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"finhealth/scoring"
	"finhealth/store"
	"finhealth/worker"
)

// databases are the handles one process keeps on its database: the store's pool and
// the job queue's own handle (River needs pgxpool on PostgreSQL and a
// single-connection handle on SQLite).
type databases struct {
	db    *store.DB
	river worker.Database
}

func (d *databases) Close() {
	if d.river.Postgres != nil {
		d.river.Postgres.Close()
	}
	if d.river.SQLite != nil {
		_ = d.river.SQLite.Close()
	}
	if d.db != nil {
		_ = d.db.Close()
	}
}

func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// openDatabasesRaw opens both handles without looking at the schema.
func openDatabasesRaw(ctx context.Context, cfg *Config) (*databases, error) {
	key, err := tokenKey(cfg.SecretKey)
	if err != nil {
		return nil, err
	}
	d := &databases{}
	d.db, err = store.Open(ctx, cfg.DatabaseURL, store.WithTokenKey(key), store.WithMaxConns(cfg.DatabaseMaxConns))
	if err != nil {
		return nil, fmt.Errorf("opening the database %s: %w", redactURL(cfg.DatabaseURL), err)
	}
	if isPostgres(cfg.DatabaseURL) {
		d.river.Postgres, err = pgxpool.New(ctx, cfg.DatabaseURL)
	} else {
		d.river.SQLite, err = store.OpenSQLiteSingle(ctx, cfg.DatabaseURL)
	}
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("opening the job queue's database handle: %w", err)
	}
	return d, nil
}

// schemaState says how far behind the application's and the job queue's schemas are.
func (d *databases) schemaState(ctx context.Context) (cur, latest int64, riverPending bool, err error) {
	cur, latest, err = d.db.SchemaVersion(ctx)
	if err != nil {
		return 0, 0, false, fmt.Errorf("reading the schema version: %w", err)
	}
	riverPending, err = worker.MigrationsPending(ctx, d.river)
	if err != nil {
		return 0, 0, false, fmt.Errorf("reading the job queue's schema version: %w", err)
	}
	return cur, latest, riverPending, nil
}

// migrate applies the application's and then the job queue's migrations; both are
// idempotent and, on PostgreSQL, serialized between concurrent starts by the store's
// migration lock.
func (d *databases) migrate(ctx context.Context, logger *slog.Logger) error {
	queue := func(ctx context.Context) error {
		if err := worker.Migrate(ctx, d.river, logger); err != nil {
			return fmt.Errorf("migrating the job queue: %w", err)
		}
		return nil
	}
	if err := d.db.Migrate(ctx, queue); err != nil {
		return fmt.Errorf("migrating the database: %w", err)
	}
	return nil
}

// openDatabases opens the database and brings its schema up to date when allowed. A
// schema that is behind and may not be migrated automatically is refused: serving
// new code against an old schema corrupts data quietly.
func openDatabases(ctx context.Context, cfg *Config, logger *slog.Logger) (*databases, error) {
	return openDatabasesAt(ctx, cfg, logger, slog.LevelInfo)
}

// openDatabasesAt is openDatabases logging a migration at level (serve lowers it in
// development, where the terminal is for a person).
func openDatabasesAt(ctx context.Context, cfg *Config, logger *slog.Logger, level slog.Level) (*databases, error) {
	d, err := openDatabasesRaw(ctx, cfg)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*databases, error) { d.Close(); return nil, err }
	cur, latest, riverPending, err := d.schemaState(ctx)
	if err != nil {
		return fail(err)
	}
	if cur < latest || riverPending {
		if !cfg.AutoMigrate {
			return fail(fmt.Errorf("the database schema is at version %d but this build needs %d (job queue migrations pending: %t); run `finhealth migrate` (or set AUTO_MIGRATE=true)",
				cur, latest, riverPending))
		}
		logger.Log(ctx, level, "migrating the database", "from", cur, "to", latest, "job_queue", riverPending)
		if err := d.migrate(ctx, logger); err != nil {
			return fail(err)
		}
	}
	for _, q := range scoring.Questionnaires() {
		if err := d.db.EnsureQuestionnaire(ctx, q); err != nil {
			return fail(fmt.Errorf("storing questionnaire %s v%d: %w", q.ID, q.Version, err))
		}
	}
	return d, nil
}
