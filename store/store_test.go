package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"finhealth"
	"finhealth/internal/storetest"
	"finhealth/internal/testdb"
	"finhealth/store"
)

// TestStore runs the behaviour suite on every database.
func TestStore(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			testdb.SkipIfUnavailable(t, dialect)
			storetest.Run(t, func(t *testing.T, now func() time.Time) finhealth.Store {
				return testdb.Open(t, dialect, store.WithClock(now))
			})
		})
	}
}

// TestMigrationTreesMatch keeps the two trees in step: the same files, each with an
// Up and a Down section.
func TestMigrationTreesMatch(t *testing.T) {
	names := map[string][]string{}
	for _, dialect := range testdb.Dialects {
		entries, err := fs.ReadDir(store.Migrations(), dialect)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			names[dialect] = append(names[dialect], e.Name())
			b, err := fs.ReadFile(store.Migrations(), dialect+"/"+e.Name())
			if err != nil {
				t.Fatal(err)
			}
			for _, section := range []string{"-- +goose Up", "-- +goose Down"} {
				if !strings.Contains(string(b), section) {
					t.Errorf("%s/%s has no %q section", dialect, e.Name(), section)
				}
			}
		}
	}
	if len(names[store.DialectPostgres]) == 0 {
		t.Fatal("no migrations embedded")
	}
	if !slices.Equal(names[store.DialectPostgres], names[store.DialectSQLite]) {
		t.Fatalf("migration trees differ:\npostgres: %v\nsqlite:   %v", names[store.DialectPostgres], names[store.DialectSQLite])
	}
	// The files on disk are the embedded ones: nothing is left out by the embed pattern.
	for _, dialect := range testdb.Dialects {
		onDisk, err := filepath.Glob(filepath.Join("migrations", dialect, "*"))
		if err != nil {
			t.Fatal(err)
		}
		if len(onDisk) != len(names[dialect]) {
			t.Errorf("%s: %d files on disk, %d embedded", dialect, len(onDisk), len(names[dialect]))
		}
	}
}

// TestMigrateUpDown migrates an empty database up, all the way down and up again,
// and checks what Ping and SchemaVersion say at each step.
func TestMigrateUpDown(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := testdb.OpenEmpty(t, dialect)
			if db.Dialect() != dialect {
				t.Fatalf("Dialect() = %q", db.Dialect())
			}
			current, latest, err := db.SchemaVersion(ctx)
			if err != nil || current != 0 || latest < 1 {
				t.Fatalf("empty database: version %d of %d, %v", current, latest, err)
			}
			if err := db.Ping(ctx); finhealth.ErrorCode(err) != finhealth.EUNAVAILABLE {
				t.Fatalf("Ping before migrating = %v, want EUNAVAILABLE", err)
			}

			for range 2 { // the second time there is nothing to do
				if err := db.Migrate(ctx); err != nil {
					t.Fatal(err)
				}
				current, _, err = db.SchemaVersion(ctx)
				if err != nil || current != latest {
					t.Fatalf("after Migrate: version %d of %d, %v", current, latest, err)
				}
				if err := db.Ping(ctx); err != nil {
					t.Fatalf("Ping after migrating: %v", err)
				}
			}

			if err := db.MigrateDownTo(ctx, 0); err != nil {
				t.Fatalf("down: %v", err)
			}
			current, _, err = db.SchemaVersion(ctx)
			if err != nil || current != 0 {
				t.Fatalf("after down: version %d, %v", current, err)
			}
			if tables := userTables(t, db); len(tables) != 1 || tables[0] != "goose_db_version" {
				t.Fatalf("tables left after down: %v", tables)
			}

			if err := db.Migrate(ctx); err != nil {
				t.Fatalf("up again: %v", err)
			}
			if _, _, err := db.Register(ctx, finhealth.NewUser{Email: "a@example.com", Name: "A", PasswordHash: "h"},
				finhealth.NewOrganization{Name: "A"}); err != nil {
				t.Fatalf("store unusable after down and up: %v", err)
			}
		})
	}
}

func userTables(t *testing.T, db *store.DB) []string {
	t.Helper()
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`
	if db.Dialect() == store.DialectPostgres {
		q = `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename`
	}
	rows, err := db.SQL().Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	return names
}

// TestConcurrentMigrate starts several instances on one empty PostgreSQL database at
// once: the advisory lock makes them take turns, so every one succeeds.
func TestConcurrentMigrate(t *testing.T) {
	testdb.SkipIfUnavailable(t, store.DialectPostgres)
	ctx := context.Background()
	empty := testdb.OpenEmpty(t, store.DialectPostgres)
	dsn := testdb.DSN(t, empty)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := store.Open(ctx, dsn)
			if err != nil {
				errs[i] = err
				return
			}
			defer db.Close()
			errs[i] = db.Migrate(ctx)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("instance %d: %v", i, err)
		}
	}
	if err := empty.Ping(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestErrorMapping provokes real constraint violations on each database and checks
// that they are recognized by code and mapped to the right finhealth codes.
func TestErrorMapping(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		conn := db.SQL()
		for _, q := range []string{
			`CREATE TABLE parent (id INTEGER PRIMARY KEY, code TEXT UNIQUE)`,
			`CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent (id))`,
			`INSERT INTO parent (id, code) VALUES (1, 'a')`,
		} {
			if _, err := conn.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		violation := func(q string) error {
			_, err := conn.ExecContext(ctx, q)
			if err == nil {
				t.Fatalf("%s: no error", q)
			}
			return err
		}
		unique := violation(`INSERT INTO parent (id, code) VALUES (2, 'a')`)
		primaryKey := violation(`INSERT INTO parent (id, code) VALUES (1, 'b')`)
		foreignKey := violation(`INSERT INTO child (id, parent_id) VALUES (1, 42)`)
		notNull := violation(`INSERT INTO child (id) VALUES (2)`)
		syntax := violation(`INSERT INTO nowhere VALUES (1)`)

		for _, tc := range []struct {
			name       string
			err        error
			unique, fk bool
			code       string
		}{
			{"unique", unique, true, false, finhealth.ECONFLICT},
			{"primary key", primaryKey, true, false, finhealth.ECONFLICT},
			{"foreign key", foreignKey, false, true, finhealth.ENOTFOUND},
			{"not null", notNull, false, false, finhealth.EINTERNAL},
			{"no such table", syntax, false, false, finhealth.EINTERNAL},
			{"wrapped unique", fmt.Errorf("context: %w", unique), true, false, finhealth.ECONFLICT},
			{"no rows", sql.ErrNoRows, false, false, finhealth.ENOTFOUND},
			{"domain error", finhealth.Errorf(finhealth.EFORBIDDEN, "no"), false, false, finhealth.EFORBIDDEN},
		} {
			if got := store.IsUniqueViolation(tc.err); got != tc.unique {
				t.Errorf("%s: IsUniqueViolation = %v (%v)", tc.name, got, tc.err)
			}
			if got := store.IsForeignKeyViolation(tc.err); got != tc.fk {
				t.Errorf("%s: IsForeignKeyViolation = %v (%v)", tc.name, got, tc.err)
			}
			mapped := store.MapError(tc.err, "test op", "Thing")
			if got := finhealth.ErrorCode(mapped); got != tc.code {
				t.Errorf("%s: mapped to %q (%v), want %q", tc.name, got, mapped, tc.code)
			}
			// Whatever the caller may see is free of SQL details; the log keeps them.
			if msg := finhealth.ErrorMessage(mapped); strings.Contains(strings.ToLower(msg), "insert") ||
				strings.Contains(msg, "parent") || strings.Contains(msg, "SQLSTATE") {
				t.Errorf("%s: message leaks details: %q", tc.name, msg)
			}
			if tc.code == finhealth.EINTERNAL && !errors.Is(mapped, tc.err) {
				t.Errorf("%s: internal error does not wrap the cause: %v", tc.name, mapped)
			}
		}
		if store.MapError(nil, "op", "Thing") != nil {
			t.Error("MapError(nil) != nil")
		}
	})
}

// TestRollback makes the last step of mutations fail (the audit insert, by taking its
// table away) and checks that the earlier steps were undone with it.
func TestRollback(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		owner, org, err := db.Register(ctx, finhealth.NewUser{Email: "owner@example.com", Name: "O", PasswordHash: "h"},
			finhealth.NewOrganization{Name: "Org"})
		if err != nil {
			t.Fatal(err)
		}
		counts := func() string {
			return fmt.Sprint(count(t, db, "users"), count(t, db, "organizations"), count(t, db, "memberships"),
				count(t, db, "invitations"), count(t, db, "refresh_tokens"))
		}
		before := counts()

		exec(t, db, `ALTER TABLE audit_log RENAME TO audit_log_away`)
		_, _, err = db.Register(ctx, finhealth.NewUser{Email: "new@example.com", Name: "N", PasswordHash: "h"},
			finhealth.NewOrganization{Name: "New org"})
		if err == nil {
			t.Fatal("Register succeeded without an audit log")
		}
		_, err = db.CreateInvitation(ctx, finhealth.Invitation{OrganizationID: org.ID, Email: "x@example.com",
			Role: finhealth.OrgRoleViewer, InvitedBy: owner.ID, TokenHash: "t", ExpiresAt: time.Now().Add(time.Hour)})
		if err == nil {
			t.Fatal("CreateInvitation succeeded without an audit log")
		}
		if _, err = db.UpdateOrganization(ctx, org.ID, finhealth.OrganizationUpdate{Name: ptr("Renamed")}); err == nil {
			t.Fatal("UpdateOrganization succeeded without an audit log")
		}
		if _, err = db.SetUserRole(ctx, owner.ID, finhealth.RoleAdmin); err == nil {
			t.Fatal("SetUserRole succeeded without an audit log")
		}
		if finhealth.ErrorCode(err) != finhealth.EINTERNAL {
			t.Fatalf("error code %q, want internal", finhealth.ErrorCode(err))
		}
		exec(t, db, `ALTER TABLE audit_log_away RENAME TO audit_log`)

		if after := counts(); after != before {
			t.Fatalf("row counts changed from %s to %s", before, after)
		}
		if _, err := db.UserByEmail(ctx, "new@example.com"); finhealth.ErrorCode(err) != finhealth.ENOTFOUND {
			t.Fatalf("user of failed registration: %v", err)
		}
		o, err := db.Organization(ctx, org.ID)
		if err != nil || o.Name != "Org" {
			t.Fatalf("organization after failed update: %+v, %v", o, err)
		}
		u, err := db.UserByID(ctx, owner.ID)
		if err != nil || u.Role != finhealth.RoleUser {
			t.Fatalf("user after failed role change: %+v, %v", u, err)
		}
	})
}

// TestAcceptInvitationExistingMember covers the conflict the interface alone cannot
// reach (CreateInvitation refuses members): the membership is inserted behind the
// store's back. The conflict undoes the acceptance, so the invitation stays pending.
func TestAcceptInvitationExistingMember(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		owner, org, err := db.Register(ctx, finhealth.NewUser{Email: "owner@example.com", Name: "O", PasswordHash: "h"},
			finhealth.NewOrganization{Name: "Org"})
		if err != nil {
			t.Fatal(err)
		}
		u, err := db.CreateUser(ctx, finhealth.NewUser{Email: "member@example.com", Name: "M", PasswordHash: "h"})
		if err != nil {
			t.Fatal(err)
		}
		inv, err := db.CreateInvitation(finhealth.WithActor(ctx, finhealth.Actor{UserID: owner.ID}), finhealth.Invitation{
			OrganizationID: org.ID, Email: u.Email, Role: finhealth.OrgRoleViewer, TokenHash: "tok", ExpiresAt: time.Now().Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		exec(t, db, rebind(db, `INSERT INTO memberships (organization_id, user_id, role, created_at) VALUES (?, ?, 'advisor', ?)`),
			org.ID, u.ID, "2024-01-01T00:00:00.000000Z")

		_, err = db.AcceptInvitation(ctx, inv.TokenHash, u.ID)
		if finhealth.ErrorCode(err) != finhealth.ECONFLICT {
			t.Fatalf("AcceptInvitation by a member = %v, want ECONFLICT", err)
		}
		pending, err := db.Invitations(ctx, org.ID)
		if err != nil || len(pending) != 1 || pending[0].AcceptedAt != nil {
			t.Fatalf("invitation after conflict: %+v, %v", pending, err)
		}
		m, err := db.Membership(ctx, org.ID, u.ID)
		if err != nil || m.Role != finhealth.OrgRoleAdvisor {
			t.Fatalf("membership after conflict: %+v, %v", m, err)
		}
	})
}

func rebind(db *store.DB, q string) string {
	if db.Dialect() == store.DialectPostgres {
		return store.RebindPostgres(q)
	}
	return q
}

func exec(t *testing.T, db *store.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.SQL().Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func count(t *testing.T, db *store.DB, table string) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func ptr[T any](v T) *T { return &v }

func TestRebind(t *testing.T) {
	for in, want := range map[string]string{
		`SELECT 1`:              `SELECT 1`,
		`a = ? AND b IN (?, ?)`: `a = $1 AND b IN ($2, $3)`,
		`x LIKE ? ESCAPE '\' AND y = '?' AND z = ?`: `x LIKE $1 ESCAPE '\' AND y = '?' AND z = $2`,
		`"we?ird" = ?`: `"we?ird" = $1`,
	} {
		if got := store.RebindPostgres(in); got != want {
			t.Errorf("rebind(%s) = %s, want %s", in, got, want)
		}
	}
}

// TestOpenSQLite checks the accepted path forms and that the pragmas reach every
// pooled connection, not just the first.
func TestOpenSQLite(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for _, dsn := range []string{
		filepath.Join(dir, "plain.db"),
		"sqlite:" + filepath.Join(dir, "nested", "deeper", "prefixed.db"),
		"file:" + filepath.Join(dir, "uri", "uri.db") + "?cache=private",
	} {
		db, err := store.Open(ctx, dsn)
		if err != nil {
			t.Fatalf("Open(%s): %v", dsn, err)
		}
		if db.Dialect() != store.DialectSQLite {
			t.Fatalf("Dialect() = %q", db.Dialect())
		}
		conns := make([]*sql.Conn, 3)
		for i := range conns {
			if conns[i], err = db.SQL().Conn(ctx); err != nil {
				t.Fatal(err)
			}
		}
		for i, c := range conns {
			var fk, busy int
			var journal string
			if err := c.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk); err != nil {
				t.Fatal(err)
			}
			if err := c.QueryRowContext(ctx, `PRAGMA busy_timeout`).Scan(&busy); err != nil {
				t.Fatal(err)
			}
			if err := c.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&journal); err != nil {
				t.Fatal(err)
			}
			if fk != 1 || busy != 5000 || journal != "wal" {
				t.Errorf("%s connection %d: foreign_keys=%d busy_timeout=%d journal_mode=%s", dsn, i, fk, busy, journal)
			}
			c.Close()
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "nested", "deeper", "prefixed.db")); err != nil {
		t.Fatalf("database directory not created: %v", err)
	}
}

func TestPingClosed(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		if err := db.Ping(context.Background()); err != nil {
			t.Fatal(err)
		}
		db.Close()
		if err := db.Ping(context.Background()); finhealth.ErrorCode(err) != finhealth.EUNAVAILABLE {
			t.Fatalf("Ping on a closed database = %v, want EUNAVAILABLE", err)
		}
	})
}

func TestOpenPostgresUnreachable(t *testing.T) {
	// Port 1 refuses at once; connect_timeout bounds the attempt should it not.
	_, err := store.Open(t.Context(), "postgres://nobody@127.0.0.1:1/none?connect_timeout=2")
	if err == nil {
		t.Fatal("Open of an unreachable PostgreSQL succeeded")
	}
}

// TestPoolSize checks the pool's default bound and WithMaxConns.
func TestPoolSize(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "pool.db")
	for _, tc := range []struct {
		opts []store.Option
		want int
	}{
		{nil, store.DefaultMaxConns},
		{[]store.Option{store.WithMaxConns(3)}, 3},
		{[]store.Option{store.WithMaxConns(0)}, store.DefaultMaxConns},
	} {
		db, err := store.Open(ctx, path, tc.opts...)
		if err != nil {
			t.Fatal(err)
		}
		if got := db.SQL().Stats().MaxOpenConnections; got != tc.want {
			t.Errorf("MaxOpenConnections = %d, want %d", got, tc.want)
		}
		db.Close()
	}
	mem, err := store.Open(ctx, ":memory:", store.WithMaxConns(5))
	if err != nil {
		t.Fatal(err)
	}
	defer mem.Close()
	if got := mem.SQL().Stats().MaxOpenConnections; got != 1 {
		t.Errorf("in-memory SQLite has %d connections, want 1", got)
	}
}
