package store

import (
	"database/sql"
	"errors"
	"fmt"

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
