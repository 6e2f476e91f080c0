// Command finhealth runs the finhealth application: the server (REST API, web UI and
// background jobs) and the operational subcommands (migrate, create-admin, backup,
// restore, check-config, healthcheck, version). It is the only package that wires the
// adapters (store, http, wave, worker) together.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

// Set at build time with -ldflags "-X main.version=... -X main.commit=...".
var (
	version = "dev"
	commit  = "unknown"
)

const usage = `finhealth: financial health for small businesses

Usage:
  finhealth [serve]                 run the HTTP server (the default)
  finhealth migrate [up|status]     apply pending database migrations, or show them
  finhealth create-admin --email E --name N   create a platform admin (password from stdin)
  finhealth backup --output FILE (--recipient KEY | --passphrase-file F)   write an encrypted backup
  finhealth restore --input FILE (--identity F | --passphrase-file F)      restore one into an empty database
  finhealth version                 print the version
  finhealth check-config            explain what is unsafe in the configuration (exit 1 if anything is)
  finhealth healthcheck             exit 0 if the server on PORT answers /healthz (for Docker)

Configuration comes from environment variables (and a .env file in development);
see README.md.
`

// commandHelp is what `finhealth COMMAND --help` (or -h) prints, instead of running
// the command.
var commandHelp = map[string]string{
	"serve": `Usage: finhealth [serve]

Runs the HTTP server (REST API under /api/v1, the web UI, /healthz, /readyz,
/metrics) and the background jobs (Wave syncs, rescoring). In development it
migrates the database itself and serves a simulated Wave; in production it refuses
to start on a database that is behind (run "finhealth migrate") or with weak
secrets. Configuration comes from environment variables; see README.md.
`,
	"migrate": `Usage: finhealth migrate [up|status]

Applies pending database migrations (the application's and the job queue's) under
an advisory lock, so that several instances may run it at once; "status" lists them
without applying anything.
`,
	"create-admin": `Usage: finhealth create-admin --email E --name N

Creates a platform admin. The password is read from standard input (never a flag,
so that it stays out of shell history and the process list):

  echo 'a long passphrase' | finhealth create-admin --email admin@example.com --name Admin
`,
	"backup": `Usage: finhealth backup --output FILE|- (--recipient KEY... | --recipients-file F | --passphrase-file F | $` + envBackupPassphrase + `)

Writes an encrypted (age) backup of every table, read in one transaction, with a
manifest of row counts and checksums; "-" writes to standard output.

  --output FILE           the file to write, or - for standard output
  --recipient KEY         an age public key to encrypt to (repeatable)
  --recipients-file F     a file of age public keys, one a line
  --passphrase-file F     a file holding a passphrase (or set $` + envBackupPassphrase + `)
`,
	"restore": `Usage: finhealth restore --input FILE (--identity F... | --passphrase-file F | $` + envBackupPassphrase + `)

Restores a backup into the empty database of DATABASE_URL (either kind), verifying
the whole file before writing anything and the rows after, in one transaction.

  --input FILE            the backup to restore
  --identity F            a file of age identities (private keys) (repeatable)
  --passphrase-file F     a file holding the passphrase (or set $` + envBackupPassphrase + `)
`,
	"check-config": `Usage: finhealth check-config

Explains every unsafe or questionable setting of the configuration (never printing
a secret) and exits 1 when something is unsafe.
`,
	"healthcheck": `Usage: finhealth healthcheck [--timeout 3s]

Exits 0 when the server on PORT (at BIND_ADDRESS when set) answers /healthz: the
container's health check, which needs no shell or curl.
`,
	"version": `Usage: finhealth version

Prints the version and commit the binary was built from.
`,
}

// wantsHelp reports whether args ask for help rather than for the command to run.
func wantsHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "-h", "--help", "-help", "help":
			return true
		case "--":
			return false
		}
	}
	return false
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "finhealth:", err)
		var ue usageError
		if errors.As(err, &ue) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

type usageError string

func (e usageError) Error() string { return string(e) }

// run is main without the process globals, so tests can drive every subcommand.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	if _, known := commandHelp[cmd]; known && wantsHelp(args) {
		fmt.Fprint(stdout, commandHelp[cmd])
		return nil
	}
	switch cmd {
	case "version", "--version", "-v":
		fmt.Fprintf(stdout, "finhealth %s (commit %s)\n", version, commit)
		return nil
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
		return nil
	case "healthcheck":
		return healthcheck(ctx, args, getenv, stdout, stderr)
	case "check-config":
		return checkConfig(getenv, stdout)
	case "serve", "migrate", "create-admin", "backup", "restore":
	default:
		fmt.Fprint(stderr, usage)
		return usageError(fmt.Sprintf("unknown command %q", cmd))
	}

	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	logger := newLogger(cfg, stderr)
	switch cmd {
	case "serve":
		if err := refuseUnsafe(cfg, getenv, logger); err != nil {
			return err
		}
		return serve(ctx, cfg, logger, stderr)
	case "migrate":
		return migrate(ctx, cfg, args, stdout)
	case "backup":
		return backup(ctx, cfg, args, getenv, stdout, stderr)
	case "restore":
		return restore(ctx, cfg, args, getenv, stdout)
	default:
		return createAdmin(ctx, cfg, args, stdin, stdout)
	}
}

func newLogger(cfg *Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
