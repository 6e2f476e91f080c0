package http

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"finhealth"
)

// codeMethodNotAllowed exists only at the HTTP edge: no service can fail this way.
const codeMethodNotAllowed = "method_not_allowed"

// codeClientClosed is a request whose client went away before the answer: nobody
// reads the answer, and it is no fault of the server. It is logged and counted with
// status 499, the code proxies use for it.
const (
	codeClientClosed   = "client_closed_request"
	statusClientClosed = 499
	retryAfterSeconds  = "5" // how long a client should wait after a 503
)

// StatusOf maps an error code to its one status. Unknown codes are internal errors:
// a new code must be added here deliberately, not leak as something else.
func StatusOf(code string) int {
	switch code {
	case finhealth.EINVALID:
		return http.StatusUnprocessableEntity
	case finhealth.EBADREQUEST:
		return http.StatusBadRequest
	case finhealth.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case finhealth.EFORBIDDEN:
		return http.StatusForbidden
	case finhealth.ENOTFOUND:
		return http.StatusNotFound
	case finhealth.ECONFLICT:
		return http.StatusConflict
	case finhealth.ERATELIMITED:
		return http.StatusTooManyRequests
	case finhealth.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case finhealth.EUNSUPPORTED:
		return http.StatusUnsupportedMediaType
	case finhealth.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	case finhealth.EBADGATEWAY:
		return http.StatusBadGateway
	case codeMethodNotAllowed:
		return http.StatusMethodNotAllowed
	case codeClientClosed:
		return statusClientClosed
	default:
		return http.StatusInternalServerError
	}
}

// ErrorBody is the one error shape of the API. Fields is always present (possibly
// empty) so that clients can iterate it without a nil check.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the content of ErrorBody: the error code, a message for people, and
// a problem per invalid field.
type ErrorDetail struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields"`
}

var noFields = map[string]string{}

// Classify returns err's code and status. Anything that is not a *finhealth.Error
// (or maps to 500) is logged with the request id and becomes EINTERNAL, so that
// neither the API nor the UI ever shows SQL, paths or other internals.
//
// A request whose client went away (its context canceled) is logged at INFO as
// such, whatever error the cancellation surfaced as; an unavailable database is
// told by the outage log, not once per request.
func (s *Server) Classify(r *http.Request, err error) (code string, status int) {
	if errors.Is(r.Context().Err(), context.Canceled) {
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "client went away",
			slog.String("request_id", stateFrom(r.Context()).requestID),
			slog.String("error", err.Error()))
		return codeClientClosed, statusClientClosed
	}
	code = finhealth.ErrorCode(err)
	status = StatusOf(code)
	if errors.Is(err, finhealth.ErrDatabaseUnavailable) {
		s.outage.failed(r.Context(), stateFrom(r.Context()).requestID, err)
	}
	var fe *finhealth.Error
	if status == http.StatusInternalServerError || !errors.As(err, &fe) {
		s.log.LogAttrs(r.Context(), slog.LevelError, "internal error",
			slog.String("request_id", stateFrom(r.Context()).requestID),
			slog.String("error", err.Error()))
		return finhealth.EINTERNAL, http.StatusInternalServerError
	}
	return code, status
}

// writeError writes err as the JSON error body. Anything that is not a
// *finhealth.Error is logged with the request id and answered with a generic 500,
// so SQL, paths and other internals never reach the client.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code, status := s.Classify(r, err)
	body := ErrorBody{Error: ErrorDetail{Code: code, Message: finhealth.ErrorMessage(err), Fields: finhealth.ErrorFields(err)}}
	if status == http.StatusInternalServerError {
		body.Error.Message = "An internal error occurred."
		body.Error.Fields = nil
	}
	if body.Error.Fields == nil {
		body.Error.Fields = noFields
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="finhealth"`)
	}
	SetRetryAfter(w.Header(), status)
	s.WriteJSON(w, r, status, body)
}

// SetRetryAfter tells the client of a 503 when to try again: an outage of the
// database is expected to pass, and a client that waits spares it a stampede.
func SetRetryAfter(h http.Header, status int) {
	if status == http.StatusServiceUnavailable {
		h.Set("Retry-After", retryAfterSeconds)
	}
}

// Errors the handlers share.
var (
	errAuthRequired = finhealth.Errorf(finhealth.EUNAUTHORIZED, "Authentication required.")
	errBadToken     = finhealth.Errorf(finhealth.EUNAUTHORIZED, "The access token is invalid or expired.")
	errBadLogin     = finhealth.Errorf(finhealth.EUNAUTHORIZED, "Invalid email or password.")
	errBadRefresh   = finhealth.Errorf(finhealth.EUNAUTHORIZED, "The refresh token is invalid or expired.")
	errForbidden    = finhealth.Errorf(finhealth.EFORBIDDEN, "You do not have permission to do this.")
	ErrOrgNotFound  = finhealth.Errorf(finhealth.ENOTFOUND, "Organization not found.")
	ErrNoDefaultOrg = finhealth.Errorf(finhealth.ENOTFOUND,
		"You have no default organization: join or create one, or use the /api/v1/organizations/{id} routes.")
	errRouteNotFound = finhealth.Errorf(finhealth.ENOTFOUND, "No such API route.")
)
