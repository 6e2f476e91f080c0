package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"finhealth"
	"finhealth/internal/testdb"
	"finhealth/store"
)

func fillUsers(ctx context.Context, db *store.DB) error {
	for i := 0; ; i++ {
		_, err := db.CreateUser(ctx, finhealth.NewUser{Email: fmt.Sprintf("u%d@example.com", i), Name: "U",
			PasswordHash: "x", Role: finhealth.RoleUser})
		if err != nil {
			return err
		}
	}
}

// TestClassifyRealDriverErrors feeds the classifier errors the real drivers made,
// so that it is tested on what an outage really returns, not on hand-built values.
func TestClassifyRealDriverErrors(t *testing.T) {
	ctx := context.Background()
	type tc struct {
		name        string
		err         error
		unavailable bool
	}
	var cases []tc

	full := testdb.OpenFullSQLite(t)
	cases = append(cases, tc{"sqlite full", fillUsers(ctx, full), true})

	// SQLITE_BUSY: a second connection with no busy timeout meets a held write lock.
	path := filepath.Join(t.TempDir(), "busy.db")
	locker, err := sql.Open("sqlite", path+"?_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer locker.Close()
	tx, err := locker.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	other, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(0)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	_, busyErr := other.ExecContext(ctx, `CREATE TABLE t (x INTEGER)`)
	cases = append(cases, tc{"sqlite busy", busyErr, true})

	// Nothing listens on port 1: a refused connection.
	refused, err := sql.Open("pgx", "postgres://postgres@127.0.0.1:1/postgres?connect_timeout=5")
	if err != nil {
		t.Fatal(err)
	}
	defer refused.Close()
	cases = append(cases, tc{"postgres refused", refused.PingContext(ctx), true})

	deadline, cancel := context.WithTimeout(ctx, 0)
	defer cancel()
	cases = append(cases, tc{"pool wait past the deadline", full.SQL().PingContext(deadline), true})

	sqliteDB := testdb.Open(t, store.DialectSQLite)
	_, syntaxErr := sqliteDB.SQL().ExecContext(ctx, `SELEC 1`)
	cases = append(cases, tc{"sqlite syntax error", syntaxErr, false})
	cases = append(cases, tc{"no rows", sqliteDB.SQL().QueryRowContext(ctx, `SELECT 1 WHERE 0`).Scan(new(int)), false})
	canceled, cancelNow := context.WithCancel(ctx)
	cancelNow()
	cases = append(cases, tc{"client canceled", sqliteDB.SQL().PingContext(canceled), false})

	if os.Getenv(testdb.EnvPostgresURL) != "" || os.Getenv("CI") == "true" {
		testdb.SkipIfUnavailable(t, store.DialectPostgres)
		pg := testdb.Open(t, store.DialectPostgres)
		conn, err := pg.SQL().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, `SET default_transaction_read_only = on`); err != nil {
			t.Fatal(err)
		}
		_, roErr := conn.ExecContext(ctx, `UPDATE readiness SET checked_at = now()`)
		cases = append(cases, tc{"postgres read-only (25006)", roErr, true})
		if _, err := conn.ExecContext(ctx, `SET default_transaction_read_only = off`); err != nil {
			t.Fatal(err)
		}
		var pid int
		if err := conn.QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
			t.Fatal(err)
		}
		if _, err := pg.SQL().ExecContext(ctx, `SELECT pg_terminate_backend($1)`, pid); err != nil {
			t.Fatal(err)
		}
		_, shutErr := conn.ExecContext(ctx, `SELECT 1`)
		cases = append(cases, tc{"postgres backend terminated (57P01)", shutErr, true})
		_, dupErr := pg.SQL().ExecContext(ctx, `INSERT INTO readiness (id, checked_at) VALUES (1, now())`)
		cases = append(cases, tc{"postgres unique violation", dupErr, false})
	}

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.err == nil {
				t.Fatal("the driver returned no error")
			}
			got := finhealth.ErrorCode(store.Classify(c.err)) == finhealth.EUNAVAILABLE
			if got != c.unavailable {
				t.Fatalf("unavailable = %v, want %v for %v", got, c.unavailable, c.err)
			}
			if !errors.Is(store.Classify(c.err), c.err) {
				t.Fatal("the driver's error left the chain")
			}
		})
	}
}

// TestReadinessNoticesAFullSQLite: a database that answers SELECTs but cannot grow
// is not ready, and a store write on it is EUNAVAILABLE rather than internal.
func TestReadinessNoticesAFullSQLite(t *testing.T) {
	ctx := context.Background()
	db := testdb.OpenFullSQLite(t)
	if err := db.Ping(ctx); finhealth.ErrorCode(err) != finhealth.EUNAVAILABLE {
		t.Fatalf("Ping on a full database = %v, want EUNAVAILABLE", err)
	}
	if err := fillUsers(ctx, db); finhealth.ErrorCode(err) != finhealth.EUNAVAILABLE {
		t.Fatalf("write on a full database = %v, want EUNAVAILABLE", err)
	}
	if err := testdb.Open(t, store.DialectSQLite).Ping(ctx); err != nil {
		t.Fatalf("Ping on a healthy database: %v", err)
	}
}

// TestReadinessNoticesAReadOnlyPostgres: a PostgreSQL that refuses writes (a
// standby, or default_transaction_read_only, as here for the test's own database)
// is not ready, though it answers every SELECT.
func TestReadinessNoticesAReadOnlyPostgres(t *testing.T) {
	testdb.SkipIfUnavailable(t, store.DialectPostgres)
	ctx := context.Background()
	db := testdb.Open(t, store.DialectPostgres)
	if err := db.Ping(ctx); err != nil {
		t.Fatalf("Ping on a writable database: %v", err)
	}
	var name string
	if err := db.SQL().QueryRowContext(ctx, `SELECT current_database()`).Scan(&name); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL().ExecContext(ctx, `ALTER DATABASE "`+name+`" SET default_transaction_read_only = on`); err != nil {
		t.Fatal(err)
	}
	// The setting applies to new sessions: drop the pool's idle ones.
	db.SQL().SetMaxIdleConns(0)
	db.SQL().SetMaxIdleConns(store.DefaultMaxConns)
	err := db.Ping(ctx)
	if finhealth.ErrorCode(err) != finhealth.EUNAVAILABLE {
		t.Fatalf("Ping on a read-only database = %v, want EUNAVAILABLE", err)
	}
}
