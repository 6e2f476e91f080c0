package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"finhealth"
)

// PostgreSQL SQLSTATE codes the store reacts to.
const (
	pgUniqueViolation     = "23505"
	pgForeignKeyViolation = "23503"
)

// isUniqueViolation reports whether err is a unique or primary-key violation. Errors
// are classified by code, never by message text, which changes between versions and
// locales.
func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == pgUniqueViolation
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		c := sqErr.Code()
		return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// isForeignKeyViolation reports whether err is a foreign-key violation.
func isForeignKeyViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == pgForeignKeyViolation
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		return sqErr.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	return false
}

// mapError turns a driver error into what callers may see: sql.ErrNoRows becomes
// ENOTFOUND naming what was missing, constraint violations become ECONFLICT or
// ENOTFOUND, and anything else is wrapped with the operation so that the log says
// where it failed while the caller sees only an internal error. Errors that are
// already *finhealth.Error pass through.
func mapError(err error, op, what string) error {
	var fe *finhealth.Error
	err = classify(err)
	switch {
	case err == nil:
		return nil
	case errors.As(err, &fe):
		return err
	case errors.Is(err, sql.ErrNoRows):
		return finhealth.Errorf(finhealth.ENOTFOUND, "%s not found.", what)
	case isUniqueViolation(err):
		return fmt.Errorf("%w: %s: %v", finhealth.Errorf(finhealth.ECONFLICT, "%s already exists.", what), op, err)
	case isForeignKeyViolation(err):
		return fmt.Errorf("%w: %s: %v", finhealth.Errorf(finhealth.ENOTFOUND, "A record this refers to was not found."), op, err)
	}
	return fmt.Errorf("store: %s: %w", op, err)
}

func notFound(what string) error {
	return finhealth.Errorf(finhealth.ENOTFOUND, "%s not found.", what)
}

func conflict(format string, args ...any) error {
	return finhealth.Errorf(finhealth.ECONFLICT, format, args...)
}

// errUnavailable is what callers see of a database that cannot serve for now: the
// HTTP edge answers it with 503 and Retry-After, and the cause stays in the chain
// for the log.
var errUnavailable = finhealth.ErrDatabaseUnavailable

// classify marks err as EUNAVAILABLE when it says the database cannot serve right
// now rather than that the request or the code is wrong, keeping err in the chain
// (errors.Is and the log still see the driver's error). The store applies it to
// every error that leaves a query, a transaction or mapError, so that an outage is
// a 503 wherever it strikes, decided in this one place.
func classify(err error) error {
	if err == nil || !isUnavailable(err) {
		return err
	}
	var fe *finhealth.Error
	if errors.As(err, &fe) {
		return err
	}
	return fmt.Errorf("%w: %w", errUnavailable, err)
}

// isUnavailable reports whether err is a fault of the database or of the way to it
// that goes away by itself or by an operator's hand: the server refuses or drops the
// connection, is shutting down, starting up, in recovery, read-only or out of
// resources, the disk is full or failing, or a lock or a pool connection did not come
// in time. Classified by code and type, never by message text.
func isUnavailable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case strings.HasPrefix(pgErr.Code, "08"), // connection exception
			strings.HasPrefix(pgErr.Code, "53"), // insufficient resources: disk full, out of memory, too many connections
			pgErr.Code == "57P01",               // admin_shutdown
			pgErr.Code == "57P02",               // crash_shutdown
			pgErr.Code == "57P03",               // cannot_connect_now: starting up or in recovery
			pgErr.Code == "25006":               // read_only_sql_transaction: a standby or a read-only server
			return true
		}
		return false
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		// The primary code is the low byte of the extended one.
		switch sqErr.Code() & 0xff {
		case sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_BUSY,
			sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY:
			return true
		}
		return false
	}
	var connectErr *pgconn.ConnectError
	var netErr *net.OpError
	return errors.As(err, &connectErr) || errors.As(err, &netErr) ||
		// database/sql's pool waits for a connection until the context's deadline.
		errors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EIO)
}
