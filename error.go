package finhealth

import (
	"errors"
	"fmt"
)

// Error codes. They are stable strings because API clients branch on them; the HTTP
// layer maps each to exactly one status code.
const (
	EINVALID      = "invalid"      // 422: well-formed request whose content is wrong
	EBADREQUEST   = "bad_request"  // 400: malformed request (bad JSON, unknown field)
	EUNAUTHORIZED = "unauthorized" // 401: no, bad or expired credentials
	EFORBIDDEN    = "forbidden"    // 403: authenticated but not allowed
	ENOTFOUND     = "not_found"    // 404
	ECONFLICT     = "conflict"     // 409: duplicate or state conflict
	ERATELIMITED  = "rate_limited" // 429
	EINTERNAL     = "internal"     // 500: details are logged, never returned
	EUNAVAILABLE  = "unavailable"  // 503: a dependency is down
	EBADGATEWAY   = "bad_gateway"  // 502: a dependency answered, with something unusable
	ETOOLARGE     = "too_large"    // 413: request body over the limit
	EUNSUPPORTED  = "unsupported"  // 415: wrong content type
)

// Error is an application error safe to show to the caller: Message must never carry
// internal details (SQL, stack traces, secrets). Fields names each bad input field
// with what is wrong with it.
type Error struct {
	Code    string
	Message string
	Fields  map[string]string
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return fmt.Sprintf("finhealth: %s: %s", e.Code, e.Message)
	}
	return fmt.Sprintf("finhealth: %s: %s %v", e.Code, e.Message, e.Fields)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// InvalidFields returns an EINVALID error naming every bad field.
func InvalidFields(message string, fields map[string]string) *Error {
	return &Error{Code: EINVALID, Message: message, Fields: fields}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for any
// other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	default:
		return EINTERNAL
	}
}

// ErrorMessage returns the caller-safe message of err: the *Error's message, or a
// generic text for anything else so that internal details never leak.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "An internal error occurred."
}

// ErrorFields returns the per-field problems of err, if it is an *Error.
func ErrorFields(err error) map[string]string {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// ErrDatabaseUnavailable is what callers see of a database that cannot serve for now
// (refused, shutting down, read-only, full): the store wraps the driver's error in it,
// the HTTP edge answers 503 with Retry-After and tells the outage in a few log lines,
// which other unavailable errors (a busy password hasher, Wave not configured) are not.
var ErrDatabaseUnavailable = Errorf(EUNAVAILABLE, "The database is unavailable; try again shortly.")
