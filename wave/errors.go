package wave

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"finhealth"
)

// Sentinel errors, matched with errors.Is against every error this package returns, so
// that callers branch on what happened rather than on which layer noticed it.
var (
	// ErrUnauthenticated: Wave did not accept the access token (UNAUTHENTICATED or 401).
	// A Conn refreshes and retries once before returning it, as a
	// *finhealth.WaveReconnectError.
	ErrUnauthenticated = errors.New("wave: not authenticated")
	// ErrForbidden: the grant lacks a scope, or Wave refuses the business (403).
	ErrForbidden = errors.New("wave: forbidden")
	// ErrNotFound: the business or record does not exist or is out of the grant's reach.
	ErrNotFound = errors.New("wave: not found")
	// ErrQueryInvalid: Wave rejected our query document (GRAPHQL_VALIDATION_FAILED and
	// similar). It is a bug in this package, or Wave changed its schema.
	ErrQueryInvalid = errors.New("wave: query rejected by Wave's schema")
	// ErrRateLimited: Wave kept throttling us past the retry budget.
	ErrRateLimited = errors.New("wave: rate limited")
	// ErrUnavailable: Wave failed (5xx, timeouts, connection errors) past the retry budget.
	ErrUnavailable = errors.New("wave: unavailable")
	// ErrAccessDenied: the user declined the authorization in Wave.
	ErrAccessDenied = errors.New("wave: access denied by the user")
	// ErrInvalidGrant: the authorization code or refresh token was refused.
	ErrInvalidGrant = errors.New("wave: invalid grant")
	// ErrInvalidClient: Wave does not recognise finhealth's client id and secret.
	ErrInvalidClient = errors.New("wave: invalid client credentials")
	// ErrClassicInvoicing: the business uses classic invoicing, whose invoices the API
	// does not expose (see finhealth.LimitationClassicInvoicing).
	ErrClassicInvoicing = errors.New("wave: business uses classic invoicing")
	// ErrBadResponse: Wave answered with something this package cannot read.
	ErrBadResponse = errors.New("wave: malformed response")
	// ErrGraphQL: an error code this package does not know.
	ErrGraphQL = errors.New("wave: GraphQL error")
)

// GraphQLError is one entry of a response's errors[].
type GraphQLError struct {
	Message string
	Code    string // extensions.code, e.g. NOT_FOUND
	Path    string // dotted, e.g. "business.invoices"
	ID      string // extensions.id, Wave's support reference
}

// GraphQLErrors is returned when a response carried errors[]. When Partial is true the
// response also had data, which the query method has already inspected.
type GraphQLErrors struct {
	Operation string
	Status    int
	Errors    []GraphQLError
	Partial   bool
}

func (e *GraphQLErrors) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "wave: %s: ", e.Operation)
	for i, ge := range e.Errors {
		if i > 0 {
			b.WriteString("; ")
		}
		if ge.Code != "" {
			b.WriteString(ge.Code + ": ")
		}
		b.WriteString(ge.Message)
		if ge.Path != "" {
			b.WriteString(" (at " + ge.Path + ")")
		}
		if ge.ID != "" {
			b.WriteString(" [wave error id " + ge.ID + "]")
		}
	}
	return b.String()
}

// Code returns the first error's code, the one that decides how the response is handled.
func (e *GraphQLErrors) Code() string {
	for _, ge := range e.Errors {
		if ge.Code != "" {
			return ge.Code
		}
	}
	return ""
}

// HasCode reports whether any entry carries code.
func (e *GraphQLErrors) HasCode(code string) bool {
	for _, ge := range e.Errors {
		if ge.Code == code {
			return true
		}
	}
	return false
}

// Is maps Wave's error codes onto this package's sentinels. Unknown codes are
// ErrGraphQL; Wave documents only a handful and new ones must not be mistaken for
// "try again".
func (e *GraphQLErrors) Is(target error) bool { return target == codeSentinel(e.Code()) }

// Unwrap gives ErrorCode and ErrorMessage a caller-safe *finhealth.Error.
func (e *GraphQLErrors) Unwrap() error { return domainError(codeSentinel(e.Code())) }

// Codes Wave documents or integrators report (wave-api.md section 4.1).
const (
	codeUnauthenticated  = "UNAUTHENTICATED"
	codeForbidden        = "FORBIDDEN"
	codeNotFound         = "NOT_FOUND"
	codeValidationFailed = "GRAPHQL_VALIDATION_FAILED"
	codeParseFailed      = "GRAPHQL_PARSE_FAILED"
	codeVariableValue    = "VARIABLE_VALUE"
	codeBadUserInput     = "BAD_USER_INPUT"
	codeInternal         = "INTERNAL_SERVER_ERROR"
)

func codeSentinel(code string) error {
	switch code {
	case codeUnauthenticated:
		return ErrUnauthenticated
	case codeForbidden:
		return ErrForbidden
	case codeNotFound:
		return ErrNotFound
	case codeValidationFailed, codeParseFailed, codeVariableValue, codeBadUserInput:
		return ErrQueryInvalid
	case codeInternal:
		return ErrUnavailable
	}
	// Wave publishes no throttling code; accept the spellings other GraphQL APIs use.
	if c := strings.ToUpper(code); strings.Contains(c, "RATE") || strings.Contains(c, "THROTTL") || c == "TOO_MANY_REQUESTS" {
		return ErrRateLimited
	}
	return ErrGraphQL
}

// HTTPError is a failed exchange with Wave that carried no usable GraphQL or OAuth
// error body: a bad status, a network failure (Status 0) or an unreadable body.
type HTTPError struct {
	Op         string
	Status     int           // 0 when no response arrived
	RetryAfter time.Duration // what Wave asked us to wait, if it said
	Err        error         // the network or decoding error, if any
}

func (e *HTTPError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "wave: %s: ", e.Op)
	if e.Status != 0 {
		fmt.Fprintf(&b, "HTTP %d %s", e.Status, http.StatusText(e.Status))
	}
	if e.Err != nil {
		if e.Status != 0 {
			b.WriteString(": ")
		}
		b.WriteString(e.Err.Error())
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	return b.String()
}

func (e *HTTPError) sentinel() error {
	switch {
	case e.Status == http.StatusTooManyRequests:
		return ErrRateLimited
	case e.Status == http.StatusUnauthorized:
		return ErrUnauthenticated
	case e.Status == http.StatusForbidden:
		return ErrForbidden
	case e.Status == 0 || e.Status >= 500:
		if errors.Is(e.Err, ErrBadResponse) {
			return ErrBadResponse
		}
		return ErrUnavailable
	}
	return ErrBadResponse
}

// Is maps the status onto this package's sentinels.
func (e *HTTPError) Is(target error) bool { return target == e.sentinel() }

// Unwrap exposes the cause and a caller-safe *finhealth.Error.
func (e *HTTPError) Unwrap() []error {
	if e.Err == nil {
		return []error{domainError(e.sentinel())}
	}
	return []error{domainError(e.sentinel()), e.Err}
}

// OAuthError is an error from Wave's OAuth endpoints (RFC 6749 section 5.2) or from the
// authorization callback.
type OAuthError struct {
	Op          string // "authorize", "exchange", "refresh", "revoke"
	Status      int    // 0 for the callback
	Code        string // e.g. invalid_grant, access_denied
	Description string // Wave's text, scrubbed of anything we sent
	RetryAfter  time.Duration
}

func (e *OAuthError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "wave: %s", e.Op)
	if e.Status != 0 {
		fmt.Fprintf(&b, ": HTTP %d", e.Status)
	}
	if e.Code != "" {
		b.WriteString(": " + e.Code)
	}
	if e.Description != "" {
		b.WriteString(": " + e.Description)
	}
	return b.String()
}

func (e *OAuthError) sentinel() error {
	switch {
	case e.Code == "access_denied":
		return ErrAccessDenied
	case e.Code == "invalid_grant":
		return ErrInvalidGrant
	case e.Code == "invalid_client" || e.Code == "unauthorized_client":
		return ErrInvalidClient
	case e.Status == http.StatusTooManyRequests:
		return ErrRateLimited
	case e.Status == http.StatusForbidden:
		return ErrForbidden
	case e.Status == 0 && e.Code == "" || e.Status >= 500:
		return ErrUnavailable
	}
	return ErrBadResponse
}

// codeNoRefreshToken is Exchange's own OAuthError code for a token response without
// a refresh token.
const codeNoRefreshToken = "no_refresh_token"

// Is maps the OAuth error code onto this package's sentinels, and a grant without a
// refresh token onto finhealth.ErrWaveNoRefreshToken.
func (e *OAuthError) Is(target error) bool {
	if e.Code == codeNoRefreshToken && target == finhealth.ErrWaveNoRefreshToken {
		return true
	}
	return target == e.sentinel()
}

// Unwrap gives ErrorCode and ErrorMessage a caller-safe *finhealth.Error whose message
// tells the owner what to do.
func (e *OAuthError) Unwrap() error {
	if e.Code == codeNoRefreshToken {
		return &finhealth.Error{Code: finhealth.EBADGATEWAY, Message: "Wave gave no long-lived access (no refresh token), " +
			"so the connection could not be kept. Connect Wave again."}
	}
	switch e.sentinel() {
	case ErrAccessDenied:
		return &finhealth.Error{Code: finhealth.EFORBIDDEN, Message: "Access to Wave was declined, so nothing was connected. Connect again and approve the request to link your books."}
	case ErrInvalidGrant:
		return &finhealth.Error{Code: finhealth.EINVALID, Message: "The Wave authorization expired or was already used. Start connecting again."}
	case ErrInvalidClient:
		return &finhealth.Error{Code: finhealth.EINTERNAL, Message: "finhealth's registration with Wave is misconfigured."}
	case ErrForbidden:
		return &finhealth.Error{Code: finhealth.EFORBIDDEN, Message: "Wave refused access. Wave lets apps connect only to businesses with an active Wave Pro or Wave Advisor subscription."}
	}
	if e.Op == "authorize" {
		return &finhealth.Error{Code: finhealth.EINVALID, Message: fmt.Sprintf("Wave could not authorize the connection (%s). Try connecting again.", safeCode(e.Code))}
	}
	return domainError(e.sentinel())
}

// safeCode keeps an error code printable in a message shown to users: codes come from
// the callback's query string, which anyone can forge.
func safeCode(code string) string {
	if len(code) > 40 {
		code = code[:40]
	}
	return strings.Map(func(r rune) rune {
		if r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, code)
}

func domainError(sentinel error) *finhealth.Error {
	switch sentinel {
	case ErrUnauthenticated:
		return &finhealth.Error{Code: finhealth.ECONFLICT, Message: finhealth.WaveTokenRejected.Message()}
	case ErrForbidden:
		return &finhealth.Error{Code: finhealth.EFORBIDDEN, Message: "Wave refused access to this data: the connection lacks a permission, or the business's Wave subscription has lapsed."}
	case ErrNotFound:
		return &finhealth.Error{Code: finhealth.ENOTFOUND, Message: "The Wave business or record was not found, or this connection no longer reaches it."}
	case ErrRateLimited:
		return &finhealth.Error{Code: finhealth.EUNAVAILABLE, Message: "Wave is limiting how fast finhealth may read; the sync will try again later."}
	case ErrUnavailable:
		return &finhealth.Error{Code: finhealth.EUNAVAILABLE, Message: "Wave is not answering right now; the sync will try again later."}
	case ErrClassicInvoicing:
		return &finhealth.Error{Code: finhealth.EINVALID, Message: "This business uses Wave's classic invoicing, whose invoices Wave's API does not expose."}
	}
	// Query bugs, unknown codes and unreadable answers are ours to fix, not the user's.
	return &finhealth.Error{Code: finhealth.EINTERNAL, Message: "Reading from Wave failed."}
}

// classicInvoicingError wraps the error Wave returned (if any) for a business on
// classic invoicing.
type classicInvoicingError struct {
	businessID string
	cause      error
}

func (e *classicInvoicingError) Error() string {
	return "wave: business " + e.businessID + " uses classic invoicing; its invoices are not available through the API"
}
func (e *classicInvoicingError) Is(target error) bool { return target == ErrClassicInvoicing }
func (e *classicInvoicingError) Unwrap() []error {
	if e.cause == nil {
		return []error{domainError(ErrClassicInvoicing)}
	}
	return []error{domainError(ErrClassicInvoicing), e.cause}
}

// scrub removes every secret we sent from text Wave sends back, since an OAuth server
// may echo a bad code or token in its error description and that text reaches logs.
func scrub(text string, secrets ...string) string {
	for _, s := range secrets {
		if len(s) >= 4 {
			text = strings.ReplaceAll(text, s, "[redacted]")
		}
	}
	if len(text) > 300 {
		text = text[:300] + "..."
	}
	return text
}
