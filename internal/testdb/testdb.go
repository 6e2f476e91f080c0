// Package testdb gives tests real, fresh, migrated databases, because the store is
// tested against the databases it runs on, never mocks. Each test gets its own empty
// database: a SQLite file in the test's temporary directory, or a PostgreSQL
// database created for the test from a migrated template and dropped afterwards.
//
// PostgreSQL tests need FINHEALTH_TEST_POSTGRES_URL, a superuser URL to a throwaway
// cluster (for example postgres://postgres@/postgres?host=/tmp/pg&port=5433). Without
// it they are skipped, except under CI=true, where a missing PostgreSQL is a failure.
package testdb

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for administering databases

	"finhealth/store"
)

// EnvPostgresURL names the environment variable holding the PostgreSQL superuser URL.
const EnvPostgresURL = "FINHEALTH_TEST_POSTGRES_URL"

// TokenKey is the token encryption key of every test database, fixed so that a test
// can open a second handle on its database and still read the tokens.
var TokenKey = []byte("finhealth-test-token-key-32bytes")

// Dialects lists the databases every storage test runs against.
var Dialects = []string{store.DialectSQLite, store.DialectPostgres}

// Each runs fn as the subtests "sqlite" and "postgres", each with its own fresh,
// migrated, empty database.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, dialect := range Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Helper()
			fn(t, Open(t, dialect))
		})
	}
}

// Open returns a fresh, migrated, empty database of the dialect, closed (and on
// PostgreSQL dropped) when the test ends. opts come after the test token key, for
// example store.WithClock to give the store a manual clock.
func Open(t testing.TB, dialect string, opts ...store.Option) *store.DB {
	t.Helper()
	switch dialect {
	case store.DialectSQLite:
		return openSQLite(t, opts)
	case store.DialectPostgres:
		return openPostgres(t, opts)
	}
	t.Fatalf("testdb: unknown dialect %q", dialect)
	return nil
}

// SkipIfUnavailable skips the test when the dialect's database is not configured, or
// fails it under CI=true, where every database must be tested.
func SkipIfUnavailable(t testing.TB, dialect string) {
	t.Helper()
	if dialect != store.DialectPostgres || os.Getenv(EnvPostgresURL) != "" {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("testdb: PostgreSQL required under CI: set %s", EnvPostgresURL)
	}
	t.Skipf("testdb: %s not set; skipping PostgreSQL", EnvPostgresURL)
}

func openSQLite(t testing.TB, opts []store.Option) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "finhealth.db"), withTokenKey(opts)...)
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("testdb: %v", err)
	}
	return db
}

// OpenEmpty returns a fresh database of the dialect with no migrations applied, for
// tests of the migrations themselves.
func OpenEmpty(t testing.TB, dialect string) *store.DB {
	t.Helper()
	ctx := context.Background()
	switch dialect {
	case store.DialectSQLite:
		db, err := store.Open(ctx, filepath.Join(t.TempDir(), "finhealth.db"), store.WithTokenKey(TokenKey))
		if err != nil {
			t.Fatalf("testdb: %v", err)
		}
		t.Cleanup(func() { _ = db.Close() })
		return db
	case store.DialectPostgres:
		SkipIfUnavailable(t, dialect)
		a := admin(t)
		name := uniqueName("finhealth_test_")
		if _, err := a.db.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
			t.Fatalf("testdb: create database: %v", err)
		}
		return openCreated(t, a, name, nil)
	}
	t.Fatalf("testdb: unknown dialect %q", dialect)
	return nil
}

// withTokenKey puts the test token key before opts.
func withTokenKey(opts []store.Option) []store.Option {
	return append([]store.Option{store.WithTokenKey(TokenKey)}, opts...)
}

// adminPool is the process-wide superuser connection that creates and drops
// databases.
type adminPool struct {
	db       *sql.DB
	url      *url.URL
	template string
	err      error
}

var (
	adminOnce sync.Once
	theAdmin  adminPool
)

func admin(t testing.TB) *adminPool {
	t.Helper()
	adminOnce.Do(func() {
		theAdmin.err = theAdmin.init(os.Getenv(EnvPostgresURL))
	})
	if theAdmin.err != nil {
		t.Fatalf("testdb: PostgreSQL: %v", theAdmin.err)
	}
	return &theAdmin
}

func (a *adminPool) init(rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return fmt.Errorf("parse %s: %w", EnvPostgresURL, err)
	}
	a.url = u
	if a.db, err = sql.Open("pgx", rawURL); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := a.db.PingContext(ctx); err != nil {
		return err
	}
	a.template, err = a.ensureTemplate(ctx)
	return err
}

// ensureTemplate returns the name of a migrated template database, creating it when
// missing. The name carries a hash of the migrations, so a template is built once per
// migration set and then shared by every test process (go test runs packages in
// parallel); a change to any migration makes a new one. Creation is serialized with
// an advisory lock and published by rename, so that no process ever clones a
// half-migrated template.
func (a *adminPool) ensureTemplate(ctx context.Context) (string, error) {
	sum, err := migrationsHash()
	if err != nil {
		return "", err
	}
	name := "finhealth_template_" + sum[:16]

	conn, err := a.db.Conn(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	const lockID = 0x66686474657374 // "fhdtest"
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, lockID); err != nil {
		return "", err
	}
	defer func() {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, lockID)
	}()

	var exists bool
	if err := conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	building := uniqueName("finhealth_building_")
	if _, err := conn.ExecContext(ctx, `CREATE DATABASE `+building); err != nil {
		return "", err
	}
	db, err := store.Open(ctx, a.dsn(building))
	if err != nil {
		return "", err
	}
	err = db.Migrate(ctx)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_, _ = conn.ExecContext(ctx, `DROP DATABASE IF EXISTS `+building+` WITH (FORCE)`)
		return "", fmt.Errorf("migrate template: %w", err)
	}
	if _, err := conn.ExecContext(ctx, `ALTER DATABASE `+building+` RENAME TO `+name); err != nil {
		return "", err
	}
	return name, nil
}

// migrationsHash identifies the migration set by the content of every file in
// store's migration trees.
func migrationsHash() (string, error) {
	h := sha256.New()
	err := fs.WalkDir(store.Migrations(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(store.Migrations(), path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", path, len(b))
		h.Write(b)
		return nil
	})
	return hex.EncodeToString(h.Sum(nil)), err
}

// dsn is the admin URL pointed at another database.
func (a *adminPool) dsn(database string) string {
	u := *a.url
	u.Path = "/" + database
	u.RawPath = ""
	return u.String()
}

func uniqueName(prefix string) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

func openPostgres(t testing.TB, opts []store.Option) *store.DB {
	t.Helper()
	SkipIfUnavailable(t, store.DialectPostgres)
	a := admin(t)
	name := uniqueName("finhealth_test_")
	if _, err := a.db.ExecContext(context.Background(), `CREATE DATABASE `+name+` TEMPLATE `+a.template); err != nil {
		t.Fatalf("testdb: create database: %v", err)
	}
	return openCreated(t, a, name, opts)
}

func openCreated(t testing.TB, a *adminPool, name string, opts []store.Option) *store.DB {
	t.Helper()
	ctx := context.Background()
	t.Cleanup(func() {
		// FORCE ends sessions a test leaked, so that a failing test cannot also
		// leave its database behind.
		if _, err := a.db.ExecContext(context.Background(), `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			t.Errorf("testdb: drop database %s: %v", name, err)
		}
	})
	db, err := store.Open(ctx, a.dsn(name), withTokenKey(opts)...)
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// OpenFullSQLite returns a migrated SQLite database that cannot grow by a single
// page: every connection carries max_page_count at the file's size, so any write that
// needs a new page fails with a real SQLITE_FULL, as on a full disk. opts come after
// the test token key.
func OpenFullSQLite(t testing.TB, opts ...store.Option) *store.DB {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "full.db")
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("testdb: %v", err)
	}
	// VACUUM empties the free list, so that no write can reuse a page either.
	var pages int
	if _, err := db.SQL().ExecContext(ctx, `VACUUM`); err != nil {
		t.Fatalf("testdb: %v", err)
	}
	if err := db.SQL().QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatalf("testdb: %v", err)
	}
	full, err := store.Open(ctx, fmt.Sprintf("%s?_pragma=max_page_count(%d)", path, pages), withTokenKey(opts)...)
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	t.Cleanup(func() { _ = full.Close() })
	return full
}
