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
		return serve(ctx, cfg, logger)
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
