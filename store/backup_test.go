package store_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"finhealth/internal/storetest"
	"finhealth/internal/testdb"
	"finhealth/store"
)

// TestBackupTablesMatchCatalog fails when the schema gains a table or column that the
// backup's table list does not have, or the list's order breaks a foreign key: both
// databases' catalogs must agree with it. A database that differs is refused by
// Backup rather than backed up in part.
func TestBackupTablesMatchCatalog(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if err := db.CheckBackupCatalog(ctx); err != nil {
			t.Fatal(err)
		}
		for _, change := range []struct{ sql, undo, want string }{
			{`CREATE TABLE new_feature (id text PRIMARY KEY)`, `DROP TABLE new_feature`, "new_feature"},
			{`ALTER TABLE organizations ADD COLUMN colour text`, `ALTER TABLE organizations DROP COLUMN colour`, "organizations"},
		} {
			if _, err := db.SQL().ExecContext(ctx, change.sql); err != nil {
				t.Fatal(err)
			}
			err := db.CheckBackupCatalog(ctx)
			if !errors.Is(err, store.ErrSchemaMismatch) || !strings.Contains(err.Error(), change.want) {
				t.Fatalf("after %s: check = %v", change.sql, err)
			}
			_, err = db.Backup(ctx, io.Discard, "test")
			if !errors.Is(err, store.ErrSchemaMismatch) {
				t.Fatalf("after %s: Backup = %v, want a refusal", change.sql, err)
			}
			if _, err := db.SQL().ExecContext(ctx, change.undo); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// TestBackupRoundTrip restores a backup of a database holding some of everything
// into an empty database of each kind and finds every row identical.
func TestBackupRoundTrip(t *testing.T) {
	for _, c := range []struct {
		from, to string
		migrated bool // the target was migrated but has no rows, as `finhealth migrate` leaves it
	}{
		{store.DialectSQLite, store.DialectSQLite, false},
		{store.DialectSQLite, store.DialectPostgres, false},
		{store.DialectPostgres, store.DialectPostgres, true},
		{store.DialectPostgres, store.DialectSQLite, true},
	} {
		t.Run(c.from+"_to_"+c.to, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			src := testdb.Open(t, c.from)
			data := storetest.Populate(t, src)
			var buf bytes.Buffer
			m, err := src.Backup(ctx, &buf, "v-test")
			if err != nil {
				t.Fatal(err)
			}
			_, latest, _ := src.SchemaVersion(ctx)
			if m.Format != store.BackupFormat || m.SchemaVersion != latest || m.SourceDialect != c.from || m.AppVersion != "v-test" ||
				time.Since(m.CreatedAt) > time.Minute {
				t.Fatalf("manifest = %+v", m)
			}
			for _, s := range m.Tables {
				if s.Rows == 0 {
					t.Errorf("table %s is empty in the backup: storetest.Populate must fill every table", s.Name)
				}
			}

			dst := testdb.OpenEmpty(t, c.to)
			if c.migrated {
				dst = testdb.Open(t, c.to)
			}
			got, err := dst.Restore(ctx, opener(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.Tables, m.Tables) {
				t.Fatalf("restored manifest:\n%+v\nwant\n%+v", got.Tables, m.Tables)
			}
			if current, _, _ := dst.SchemaVersion(ctx); current != latest {
				t.Fatalf("restored schema version %d, want %d", current, latest)
			}
			want, restored := dumpTables(t, src), dumpTables(t, dst)
			for _, table := range store.BackupTables() {
				if !slices.Equal(restored[table.Name], want[table.Name]) {
					t.Errorf("table %s differs after the round trip:\n got %q\nwant %q", table.Name, restored[table.Name], want[table.Name])
				}
			}

			// The books came across with their content hashes: writing them again, as
			// the next sync does, finds nothing new or changed, even in the other database.
			for what, upsert := range map[string]func() (int, error){
				"accounts":  func() (int, error) { return dst.UpsertAccounts(ctx, data.BooksOrgID, data.Accounts) },
				"invoices":  func() (int, error) { return dst.UpsertInvoices(ctx, data.BooksOrgID, data.Invoices) },
				"customers": func() (int, error) { return dst.UpsertCustomers(ctx, data.BooksOrgID, data.Customers) },
			} {
				if n, err := upsert(); err != nil || n != 0 {
					t.Errorf("%s written again after the restore: %d new or changed, %v; want 0", what, n, err)
				}
			}

			// The Wave tokens came across sealed, and open under the same key.
			for org, tok := range data.WaveTokens {
				got, err := dst.WaveToken(ctx, org)
				if err != nil {
					t.Fatal(err)
				}
				if got.AccessToken != tok.AccessToken || got.RefreshToken != tok.RefreshToken || !got.ExpiresAt.Equal(tok.ExpiresAt) {
					t.Fatalf("restored token of %s = %+v, want %+v", org, got, tok)
				}
			}
			if orgs, err := dst.UnreadableWaveTokens(ctx); err != nil || len(orgs) != 0 {
				t.Fatalf("UnreadableWaveTokens under the same key = %v, %v", orgs, err)
			}
			other, err := store.Open(ctx, testdb.DSN(t, dst), store.WithTokenKey([]byte("another-token-key-of-32-bytes!!!")))
			if err != nil {
				t.Fatal(err)
			}
			defer other.Close()
			if orgs, err := other.UnreadableWaveTokens(ctx); err != nil || len(orgs) != len(data.WaveTokens) {
				t.Fatalf("UnreadableWaveTokens under another key = %v, %v; want all %d", orgs, err, len(data.WaveTokens))
			}
		})
	}
}

// TestRestoreRefuses checks that a flawed backup, or a database that cannot take it,
// is refused with a clear error and leaves the database as it was.
func TestRestoreRefuses(t *testing.T) {
	ctx := context.Background()
	src := testdb.Open(t, store.DialectSQLite)
	storetest.Populate(t, src)
	var buf bytes.Buffer
	m, err := src.Backup(ctx, &buf, "v-test")
	if err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	lines := bytes.SplitAfter(good, []byte("\n"))
	edit := func(old, new string) []byte {
		if !bytes.Contains(good, []byte(old)) {
			t.Fatalf("%q is not in the backup", old)
		}
		return bytes.ReplaceAll(good, []byte(old), []byte(new))
	}
	schema := fmt.Sprintf(`"schema_version":%d`, m.SchemaVersion)

	for name, c := range map[string]struct {
		backup []byte
		want   error
		says   string
	}{
		"a changed value": {bytes.Replace(good, []byte(`"owner@example.com"`), []byte(`"owner@example.org"`), 1), store.ErrBackupInvalid, "sha256"},
		"a changed count": {edit(`"rows":3,`, `"rows":4,`), store.ErrBackupInvalid, "manifest"},
		"a removed row":   {slices.Concat(append(slices.Clone(lines[:3]), lines[4:]...)...), store.ErrBackupInvalid, "organizations"},
		"truncated":       {slices.Concat(lines[:len(lines)-2]...), store.ErrBackupInvalid, "truncated"}, // lines ends with ""
		"trailing data":   {append(slices.Clone(good), "[]\n"...), store.ErrBackupInvalid, "after the manifest"},
		"not a backup":    {[]byte("PGDMP\x01\x02"), store.ErrBackupInvalid, "line 1"},
		"a bad value":     {edit(`"true"`, `"maybe"`), store.ErrBackupInvalid, "active"},
		"a newer schema":  {edit(schema, `"schema_version":9999`), store.ErrBackupTooNew, "9999"},
	} {
		for _, dialect := range testdb.Dialects {
			t.Run(name+"/"+dialect, func(t *testing.T) {
				dst := testdb.OpenEmpty(t, dialect)
				_, err := dst.Restore(ctx, opener(c.backup))
				if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.says) {
					t.Fatalf("Restore = %v, want %v saying %q", err, c.want, c.says)
				}
				// Refused before anything was written: not even the schema.
				if current, _, _ := dst.SchemaVersion(ctx); current != 0 {
					t.Fatalf("schema version %d after a refused restore", current)
				}
				if tables := userTables(t, dst); len(tables) != 0 {
					t.Fatalf("tables after a refused restore: %v", tables)
				}
			})
		}
	}

	testdb.Each(t, func(t *testing.T, dst *store.DB) {
		// A database with rows is never restored into.
		storetest.Populate(t, dst)
		before := dumpTables(t, dst)
		_, err := dst.Restore(ctx, opener(good))
		if !errors.Is(err, store.ErrRestoreTarget) || !strings.Contains(err.Error(), "not empty") || !strings.Contains(err.Error(), "users") {
			t.Fatalf("Restore into a database with rows = %v", err)
		}
		if after := dumpTables(t, dst); !equalDumps(after, before) {
			t.Fatal("a refused restore changed the database")
		}
	})

	testdb.Each(t, func(t *testing.T, dst *store.DB) {
		// An empty database already past the backup's schema cannot take it.
		older := bytes.ReplaceAll(good, []byte(schema), []byte(fmt.Sprintf(`"schema_version":%d`, m.SchemaVersion-1)))
		_, err := dst.Restore(ctx, opener(older))
		if !errors.Is(err, store.ErrRestoreTarget) || !strings.Contains(err.Error(), "newer than the backup") {
			t.Fatalf("Restore into a newer schema = %v", err)
		}
	})

	t.Run("rows that do not read back the same", func(t *testing.T) {
		// Whatever the load writes is checked against the manifest before the commit:
		// here a trigger alters every organization inserted, and nothing is kept.
		dst := testdb.Open(t, store.DialectSQLite)
		if _, err := dst.SQL().ExecContext(ctx, `CREATE TRIGGER rename_organizations AFTER INSERT ON organizations
			BEGIN UPDATE organizations SET name = 'renamed' WHERE id = NEW.id; END`); err != nil {
			t.Fatal(err)
		}
		_, err := dst.Restore(ctx, opener(good))
		if err == nil || !strings.Contains(err.Error(), "table organizations read back") {
			t.Fatalf("Restore = %v", err)
		}
		for table, rows := range dumpTables(t, dst) {
			if len(rows) != 0 {
				t.Fatalf("table %s kept %d rows of a failed restore", table, len(rows))
			}
		}
	})
}

// TestBackupIsOneSnapshot writes while a backup is being taken: the backup holds the
// database as it was when it began, never a mix.
func TestBackupIsOneSnapshot(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		storetest.Populate(t, db)
		r, w := io.Pipe()
		done := make(chan error, 1)
		var buf bytes.Buffer
		go func() {
			_, err := db.Backup(ctx, w, "v-test")
			w.CloseWithError(err)
			done <- err
		}()
		// Read the header and the first table's first row: the snapshot is taken.
		br := bufio.NewReader(r)
		for range 3 {
			line, err := br.ReadBytes('\n')
			if err != nil {
				t.Fatal(err)
			}
			buf.Write(line)
		}
		// Meanwhile the application writes to tables the backup has not reached yet.
		// On SQLite the write waits for nothing: the backup holds no write lock.
		if _, err := db.SQL().ExecContext(ctx, `UPDATE audit_log SET action = 'changed-during-backup'`); err != nil {
			t.Fatal(err)
		}
		rest, err := io.ReadAll(br)
		if err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		buf.Write(rest)
		if bytes.Contains(buf.Bytes(), []byte("changed-during-backup")) {
			t.Fatal("the backup holds a write made after it began")
		}
		dst := testdb.OpenEmpty(t, db.Dialect())
		if _, err := dst.Restore(ctx, opener(buf.Bytes())); err != nil {
			t.Fatal(err)
		}
	})
}

func opener(b []byte) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
}

// dumpTables reads every backed-up table straight from the database, with values
// normalized independently of the backup's own encoding (times as instants, booleans
// whatever their storage, JSON as parsed), one sorted JSON line per row. Columns come
// in the catalog's order, which TestBackupTablesMatchCatalog shows is the list's.
func dumpTables(t *testing.T, db *store.DB) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, table := range store.BackupTables() {
		dump := []string{}
		for _, vals := range rawRows(t, db, table.Name) {
			for i, c := range table.Columns {
				vals[i] = normalize(t, c.Kind, vals[i])
			}
			b, err := json.Marshal(vals)
			if err != nil {
				t.Fatal(err)
			}
			dump = append(dump, string(b))
		}
		slices.Sort(dump)
		out[table.Name] = dump
	}
	return out
}

func normalize(t *testing.T, kind string, v any) any {
	t.Helper()
	if b, ok := v.([]byte); ok && kind != "bytes" {
		v = string(b)
	}
	if v == nil {
		return nil
	}
	switch kind {
	case "time":
		switch x := v.(type) {
		case time.Time:
			return x.UTC().Format(time.RFC3339Nano)
		case string:
			p, err := time.Parse(time.RFC3339Nano, x)
			if err != nil {
				t.Fatal(err)
			}
			return p.UTC().Format(time.RFC3339Nano)
		}
	case "bool":
		switch x := v.(type) {
		case bool:
			return x
		case int64:
			return x == 1
		}
	case "json":
		dec := json.NewDecoder(strings.NewReader(v.(string)))
		dec.UseNumber()
		var parsed any
		if err := dec.Decode(&parsed); err != nil {
			t.Fatal(err)
		}
		return parsed
	case "bytes":
		return hex.EncodeToString(v.([]byte))
	case "float":
		if x, ok := v.(int64); ok {
			return float64(x)
		}
	}
	return v
}

func equalDumps(a, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !slices.Equal(a[k], b[k]) {
			return false
		}
	}
	return true
}
