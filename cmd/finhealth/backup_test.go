package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"filippo.io/age"

	"finhealth/internal/storetest"
	"finhealth/internal/testdb"
	"finhealth/store"
)

// backupSource makes a migrated SQLite database (application and job queue) holding
// some of everything, with Wave tokens sealed under a key derived from SECRET_KEY as
// serve derives it, and returns its environment.
func backupSource(t *testing.T, dir string) (map[string]string, storetest.Dataset) {
	t.Helper()
	env := map[string]string{"DATABASE_URL": filepath.Join(dir, "source.db"), "SECRET_KEY": strongA}
	if _, err := runCmd(t, context.Background(), env, "", "migrate"); err != nil {
		t.Fatal(err)
	}
	key, err := tokenKey(strongA)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(context.Background(), env["DATABASE_URL"], store.WithTokenKey(key))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	return env, storetest.Populate(t, db)
}

func newIdentity(t *testing.T, dir, name string) (*age.X25519Identity, string) {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte("# a test key\n"+id.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return id, path
}

// targetEnv points the commands at an empty database of the dialect.
func targetEnv(t *testing.T, dialect, secretKey string) (map[string]string, *store.DB) {
	t.Helper()
	db := testdb.OpenEmpty(t, dialect)
	return map[string]string{"DATABASE_URL": testdb.DSN(t, db), "SECRET_KEY": secretKey}, db
}

// wantUntouched fails unless db is still empty and unmigrated.
func wantUntouched(t *testing.T, db *store.DB) {
	t.Helper()
	current, _, err := db.SchemaVersion(context.Background())
	if err != nil || current != 0 {
		t.Fatalf("the target was migrated to %d (%v) by a refused restore", current, err)
	}
}

// TestBackupRestoreWithKeys backs up a SQLite database to an age public key and
// restores it into SQLite and PostgreSQL with the private key: the Wave tokens open
// under the same SECRET_KEY, and a restore under another one says which will not.
func TestBackupRestoreWithKeys(t *testing.T) {
	dir := chdirTemp(t)
	ctx := context.Background()
	src, data := backupSource(t, dir)
	id, idFile := newIdentity(t, dir, "backup.key")
	out := filepath.Join(dir, "nightly.age")

	msg, err := runCmd(t, ctx, src, "", "backup", "--output", out, "--recipient", id.Recipient().String())
	if err != nil || !strings.Contains(msg, "backup of the sqlite database") || !strings.Contains(msg, out) {
		t.Fatalf("backup: %q %v", msg, err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("age-encryption.org/v1\n")) || bytes.Contains(b, []byte("owner@example.com")) {
		t.Fatal("the backup file is not age-encrypted")
	}
	if fi, _ := os.Stat(out); fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup file mode %v, want 0600", fi.Mode().Perm())
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, ".*.partial")); len(leftovers) != 0 {
		t.Fatalf("partial files left: %v", leftovers)
	}
	if _, err := runCmd(t, ctx, src, "", "backup", "--output", out, "--recipient", id.Recipient().String()); err == nil ||
		!strings.Contains(err.Error(), "never overwritten") {
		t.Fatalf("backup over an existing file: %v", err)
	}

	for _, dialect := range testdb.Dialects {
		t.Run("into "+dialect, func(t *testing.T) {
			env, _ := targetEnv(t, dialect, strongA)
			msg, err := runCmd(t, ctx, env, "", "restore", "--input", out, "--identity", idFile)
			if err != nil || !strings.Contains(msg, "counts and checksums verified") || !strings.Contains(msg, "job queue ready") ||
				strings.Contains(msg, "warning") {
				t.Fatalf("restore: %q %v", msg, err)
			}
			// The tokens open with the key serve derives from the same SECRET_KEY.
			key, err := tokenKey(strongA)
			if err != nil {
				t.Fatal(err)
			}
			restored, err := store.Open(ctx, env["DATABASE_URL"], store.WithTokenKey(key))
			if err != nil {
				t.Fatal(err)
			}
			defer restored.Close()
			for org, tok := range data.WaveTokens {
				got, err := restored.WaveToken(ctx, org)
				if err != nil || got.RefreshToken != tok.RefreshToken {
					t.Fatalf("restored token of %s: %v", org, err)
				}
			}
			// The restored database is ready to serve: nothing pending.
			status, err := runCmd(t, ctx, env, "", "migrate", "status")
			if err != nil || strings.Contains(status, "pending") {
				t.Fatalf("migrate status after restore: %q %v", status, err)
			}
			// It backs up in turn, the job queue's tables left out.
			again := filepath.Join(t.TempDir(), "again.age")
			if _, err := runCmd(t, ctx, env, "", "backup", "--output", again, "--recipient", id.Recipient().String()); err != nil {
				t.Fatalf("backup of the restored database: %v", err)
			}
			// And it is never restored into twice.
			_, err = runCmd(t, ctx, env, "", "restore", "--input", out, "--identity", idFile)
			if err == nil || !strings.Contains(err.Error(), "not empty") {
				t.Fatalf("restore into a restored database: %v", err)
			}
		})
	}

	t.Run("under another SECRET_KEY", func(t *testing.T) {
		env, _ := targetEnv(t, store.DialectSQLite, strongB)
		msg, err := runCmd(t, ctx, env, "", "restore", "--input", out, "--identity", idFile)
		if err != nil || !strings.Contains(msg, "warning: the Wave tokens of 2 organization(s) do not open with this SECRET_KEY") {
			t.Fatalf("restore: %q %v", msg, err)
		}
	})

	t.Run("refused", func(t *testing.T) {
		_, wrongFile := newIdentity(t, dir, "wrong.key")
		tamperedPayload := slices.Clone(b)
		tamperedPayload[len(b)-100] ^= 0x01
		tamperedHeader := slices.Clone(b)
		tamperedHeader[bytes.Index(b, []byte("\n--- "))+6] ^= 0x01 // the header's MAC
		for name, c := range map[string]struct {
			file  []byte
			key   string
			wants string
		}{
			"wrong identity":   {b, wrongFile, "does not open with the passphrase or identity"},
			"tampered payload": {tamperedPayload, idFile, "damaged, was tampered with"},
			"tampered header":  {tamperedHeader, idFile, "damaged, was tampered with"},
			"truncated":        {b[:len(b)-1], idFile, "damaged, was tampered with"},
			"not a backup":     {[]byte("-- PostgreSQL database dump\n"), idFile, "not an age-encrypted finhealth backup"},
		} {
			t.Run(name, func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "backup.age")
				if err := os.WriteFile(path, c.file, 0o600); err != nil {
					t.Fatal(err)
				}
				env, db := targetEnv(t, store.DialectSQLite, strongA)
				_, err := runCmd(t, ctx, env, "", "restore", "--input", path, "--identity", c.key)
				if err == nil || !strings.Contains(err.Error(), c.wants) {
					t.Fatalf("restore: %v, want %q", err, c.wants)
				}
				wantUntouched(t, db)
			})
		}
	})
}

// TestBackupRestoreWithPassphrase goes through the passphrase path, standard output
// included, from SQLite to PostgreSQL.
func TestBackupRestoreWithPassphrase(t *testing.T) {
	dir := chdirTemp(t)
	ctx := context.Background()
	src, _ := backupSource(t, dir)

	weak := map[string]string{envBackupPassphrase: "hunter2"}
	for k, v := range src {
		weak[k] = v
	}
	if _, err := runCmd(t, ctx, weak, "", "backup", "--output", filepath.Join(dir, "weak.age")); err == nil ||
		!strings.Contains(err.Error(), "backup passphrase") {
		t.Fatalf("backup with a weak passphrase: %v", err)
	}

	passFile := filepath.Join(dir, "passphrase")
	if err := os.WriteFile(passFile, []byte(strongB+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if err := run(ctx, []string{"backup", "--output", "-", "--passphrase-file", passFile}, envOf(src), strings.NewReader(""), &stdout, &stderr); err != nil {
		t.Fatalf("backup to stdout: %v (%s)", err, stderr.String())
	}
	if !bytes.HasPrefix(stdout.Bytes(), []byte("age-encryption.org/v1\n-> scrypt ")) || !strings.Contains(stderr.String(), "standard output") {
		t.Fatalf("stdout is not a passphrase-encrypted backup, or stderr %q lacks the summary", stderr.String())
	}
	out := filepath.Join(dir, "backup.age")
	if err := os.WriteFile(out, stdout.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}

	env, db := targetEnv(t, store.DialectPostgres, strongA)
	wrong := map[string]string{envBackupPassphrase: strongA}
	for k, v := range env {
		wrong[k] = v
	}
	if _, err := runCmd(t, ctx, wrong, "", "restore", "--input", out); err == nil || !strings.Contains(err.Error(), "does not open") {
		t.Fatalf("restore with a wrong passphrase: %v", err)
	}
	wantUntouched(t, db)
	msg, err := runCmd(t, ctx, env, "", "restore", "--input", out, "--passphrase-file", passFile)
	if err != nil || !strings.Contains(msg, "into the postgres database") || !strings.Contains(msg, "from a sqlite backup") {
		t.Fatalf("restore: %q %v", msg, err)
	}
}

func TestBackupUsage(t *testing.T) {
	dir := chdirTemp(t)
	ctx := context.Background()
	env := map[string]string{"DATABASE_URL": filepath.Join(dir, "fh.db"), envBackupPassphrase: strongB}
	id, idFile := newIdentity(t, dir, "k")
	for _, args := range [][]string{
		{"backup"}, // no --output
		{"backup", "--output", "x.age", "--recipient", id.Recipient().String()}, // a passphrase too
		{"restore", "--identity", idFile},                                       // no --input
		{"backup", "--output", "x.age", "stray"},
	} {
		if _, err := runCmd(t, ctx, env, "", args...); err == nil {
			t.Errorf("%v: accepted", args)
		} else if _, ok := err.(usageError); !ok {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}
	if _, err := runCmd(t, ctx, map[string]string{"DATABASE_URL": env["DATABASE_URL"]}, "", "backup", "--output", "x.age"); err == nil ||
		!strings.Contains(err.Error(), "no key") {
		t.Errorf("backup without a key: %v", err)
	}
	if _, err := runCmd(t, ctx, env, "", "backup", "--output", "x.age", "--recipient", "age1nope"); err == nil ||
		!strings.Contains(err.Error(), "--recipient") {
		t.Errorf("backup to a malformed key: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "x.age")); err == nil {
		t.Error("a refused backup left its output file")
	}
}
