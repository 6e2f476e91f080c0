package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"finhealth"
	"finhealth/store"
)

func runCmd(t *testing.T, ctx context.Context, env map[string]string, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(ctx, args, envOf(env), strings.NewReader(stdin), &out, &errOut)
	return out.String() + errOut.String(), err
}

func TestVersionAndUnknownCommand(t *testing.T) {
	out, err := runCmd(t, context.Background(), nil, "", "version")
	if err != nil || !strings.HasPrefix(out, "finhealth ") {
		t.Fatalf("version: %q %v", out, err)
	}
	_, err = runCmd(t, context.Background(), nil, "", "frobnicate")
	if _, ok := err.(usageError); !ok {
		t.Fatalf("unknown command: err = %v, want a usage error", err)
	}
}

func TestCreateAdmin(t *testing.T) {
	dir := chdirTemp(t)
	env := map[string]string{"DATABASE_URL": filepath.Join(dir, "fh.db")}
	ctx := context.Background()

	if _, err := runCmd(t, ctx, env, "short\n", "create-admin", "--email", "root@example.com", "--name", "Root"); err == nil {
		t.Fatal("a too-short password was accepted")
	}
	if _, err := runCmd(t, ctx, env, "a long admin passphrase\n", "create-admin", "--email", "not-an-email", "--name", "Root"); err == nil ||
		!strings.Contains(err.Error(), "--email") {
		t.Fatalf("bad email: err = %v", err)
	}
	out, err := runCmd(t, ctx, env, "a long admin passphrase\n", "create-admin", "--email", " Root@Example.com ", "--name", "Root")
	if err != nil || !strings.Contains(out, "created admin root@example.com") {
		t.Fatalf("create-admin: %q %v", out, err)
	}
	_, err = runCmd(t, ctx, env, "a long admin passphrase\n", "create-admin", "--email", "root@example.com", "--name", "Root")
	if err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("duplicate admin: err = %v", err)
	}

	// The rules of a signup: each refusal names its flag, or the password.
	for _, tc := range []struct {
		stdin, email, name, want string
	}{
		{"a long admin passphrase\n", "ro\u200bot@example.com", "Root", "--email: must not contain invisible"},
		{"a long admin passphrase\n", "\ufeffroot@example.com", "Root", "--email: must not contain invisible"},
		{"a long admin passphrase\n", "root2@example.com", "\u202etooR", "--name: must not contain invisible"},
		{"a long admin passphrase\n", "root2@example.com", "  ", "--name: is required"},
		{"a long admin passphrase\n", "nope", "R\u200bt", "--email: must be a single valid email address; --name: must not contain invisible"},
		{"            \n", "root2@example.com", "Root", "password: must not be only spaces"},
	} {
		if _, err := runCmd(t, ctx, env, tc.stdin, "create-admin", "--email", tc.email, "--name", tc.name); err == nil ||
			!strings.Contains(err.Error(), tc.want) {
			t.Errorf("create-admin --email %q --name %q: err = %v, want %q", tc.email, tc.name, err, tc.want)
		}
	}
	// Stored in NFC: "e" and a combining acute accent are the "é" a signup would store.
	out, err = runCmd(t, ctx, env, "a long admin passphrase\n", "create-admin", "--email", "JOSE\u0301@example.com", "--name", " Jose\u0301 ")
	if err != nil || !strings.Contains(out, "created admin jos\u00e9@example.com") {
		t.Fatalf("create-admin in NFD: %q %v", out, err)
	}
	db, err := store.Open(ctx, env["DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if u, err := db.UserByEmail(ctx, "jos\u00e9@example.com"); err != nil || u.Name != "Jos\u00e9" || u.Role != finhealth.RoleAdmin {
		t.Fatalf("stored admin %+v, %v", u, err)
	}
}

func TestServeRefusesOldSchemaUntilMigrated(t *testing.T) {
	dir := chdirTemp(t)
	port := freePort(t)
	env := map[string]string{
		"APP_ENV": "production", "SECRET_KEY": strongA, "JWT_SECRET_KEY": strongB,
		"DATABASE_URL": filepath.Join(dir, "fh.db"), "PORT": fmt.Sprint(port),
	}
	ctx := context.Background()
	_, err := runCmd(t, ctx, env, "", "serve")
	if err == nil || !strings.Contains(err.Error(), "finhealth migrate") {
		t.Fatalf("serve on an unmigrated database in production: err = %v", err)
	}
	out, err := runCmd(t, ctx, env, "", "migrate", "status")
	if err != nil || !strings.Contains(out, "pending") {
		t.Fatalf("migrate status: %q %v", out, err)
	}
	out, err = runCmd(t, ctx, env, "", "migrate")
	if err != nil || !strings.Contains(out, "up to date") {
		t.Fatalf("migrate: %q %v", out, err)
	}

	// Now serve starts, answers, and stops cleanly when its context ends.
	sctx, cancel := context.WithCancel(ctx)
	logs := newServeLog()
	done := make(chan error, 1)
	go func() {
		err := run(sctx, []string{"serve"}, envOf(env), strings.NewReader(""), logs, logs)
		logs.end()
		done <- err
	}()
	logs.waitListening(t)
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/readyz", port))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/readyz = %d", resp.StatusCode)
	}
	cancel()
	// Bounded by the test's deadline alone: shutting down may take long under load.
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v after shutdown", err)
		}
	case <-testContext(t).Done():
		t.Fatal("serve did not shut down by the test's deadline")
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestEveryCommandAnswersHelp: `finhealth COMMAND --help` (and -h) prints that
// command's usage and runs nothing: serve --help must not start a server, which it
// would do here on an unwritable database path.
func TestEveryCommandAnswersHelp(t *testing.T) {
	env := map[string]string{"DATABASE_URL": "/nonexistent/dir/fh.db", "APP_ENV": "production"}
	for cmd := range commandHelp {
		for _, flag := range []string{"--help", "-h"} {
			out, err := runCmd(t, context.Background(), env, "", cmd, flag)
			if err != nil || !strings.HasPrefix(out, "Usage: finhealth ") || !strings.Contains(out, cmd) && cmd != "serve" {
				t.Errorf("%s %s: %q %v", cmd, flag, out, err)
			}
		}
	}
	for _, cmd := range []string{"serve", "migrate", "create-admin", "backup", "restore", "check-config", "healthcheck", "version"} {
		if commandHelp[cmd] == "" {
			t.Errorf("%s has no help", cmd)
		}
	}
}

// TestDevelopmentStartsQuietly: in development with text logs, start-up says one
// plain thing, where to go, and leaves the configuration, the migrations and River's
// bookkeeping at debug level.
func TestDevelopmentStartsQuietly(t *testing.T) {
	dir := chdirTemp(t)
	port := freePort(t)
	env := map[string]string{"APP_ENV": "development", "DATABASE_URL": filepath.Join(dir, "fh.db"), "PORT": fmt.Sprint(port)}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run(ctx, []string{"serve"}, envOf(env), strings.NewReader(""), pw, pw)
		pw.Close()
		done <- err
	}()
	var out strings.Builder
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		out.WriteString(sc.Text() + "\n")
		if strings.HasPrefix(sc.Text(), "finhealth is ready") {
			cancel() // seen: stop the server, and read what it says until it returns
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(out.String(), "\n")
	want := fmt.Sprintf("finhealth is ready: open http://localhost:%d and sign up; a simulated Wave is available", port)
	if !strings.HasPrefix(lines[0], want) {
		t.Fatalf("start-up does not begin with where to go:\n%s", out.String())
	}
	for _, noise := range []string{"rivermigrate", "starting finhealth", "migrating the database", "River client started", "SIMULATED"} {
		if strings.Contains(out.String(), noise) {
			t.Errorf("start-up still says %q:\n%s", noise, out.String())
		}
	}
}
