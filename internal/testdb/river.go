package testdb

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"finhealth/store"
)

// RiverHandles opens the job queue's own handles on db's database, as cmd/finhealth
// does on the application's: a single-connection handle on the SQLite file
// (store.OpenSQLiteSingle), or a pgx pool on the PostgreSQL database. Exactly one is
// non-nil; both close when the test ends. It returns handles rather than a
// worker.Database because the worker's own tests import this package.
func RiverHandles(t testing.TB, db *store.DB) (*pgxpool.Pool, *sql.DB) {
	t.Helper()
	ctx := context.Background()
	if db.Dialect() == store.DialectSQLite {
		h, err := store.OpenSQLiteSingle(ctx, DSN(t, db))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { h.Close() })
		return nil, h
	}
	pool, err := pgxpool.New(ctx, DSN(t, db))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool, nil
}

// DSN is what another process would pass as DATABASE_URL to reach db's database:
// the SQLite file's path, or the PostgreSQL URL of the test's own database.
func DSN(t testing.TB, db *store.DB) string {
	t.Helper()
	if db.Dialect() == store.DialectSQLite {
		var seq int
		var name, file string
		if err := db.SQL().QueryRow(`PRAGMA database_list`).Scan(&seq, &name, &file); err != nil {
			t.Fatal(err)
		}
		return file
	}
	var name string
	if err := db.SQL().QueryRow(`SELECT current_database()`).Scan(&name); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(os.Getenv(EnvPostgresURL))
	if err != nil {
		t.Fatal(err)
	}
	u.Path, u.RawPath = "/"+name, ""
	return u.String()
}
