package http

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"finhealth"
)

// maxCursorLen bounds the opaque cursor; the store's cursors are far shorter.
const maxCursorLen = 512

// pageParams reads ?limit= and ?cursor=. A bad limit is refused rather than clamped
// so that a client bug shows up at once.
func pageParams(r *http.Request) (limit int, cursor string, err error) {
	return pageValues(r.URL.Query())
}

// pageValues is pageParams for a query already parsed, such as the listing a form
// post returns to.
func pageValues(q url.Values) (limit int, cursor string, err error) {
	f := fieldErrors{}
	limit = finhealth.DefaultPageSize
	if v := q.Get("limit"); v != "" || q.Has("limit") {
		n, perr := strconv.Atoi(v)
		if perr != nil || n < 1 || n > finhealth.MaxPageSize {
			f.add("limit", "must be an integer from 1 to "+strconv.Itoa(finhealth.MaxPageSize))
		}
		limit = n
	}
	cursor = q.Get("cursor")
	if len(cursor) > maxCursorLen {
		f.add("cursor", "is not a valid cursor")
	}
	return limit, cursor, f.err()
}

// auditFilter reads the audit-log query
// (?action=&organization_id=&actor=&from=&to=&limit=&cursor=). The actor is a user id
// or an email: an email also finds entries without a user, such as failed logins.
func auditFilter(r *http.Request) (finhealth.AuditFilter, error) {
	limit, cursor, err := pageParams(r)
	if err != nil {
		return finhealth.AuditFilter{}, err
	}
	q := r.URL.Query()
	f := fieldErrors{}
	action := q.Get("action")
	if len(action) > 100 {
		f.add("action", "must be at most 100 characters")
	}
	orgID := q.Get("organization_id")
	if orgID != "" && !validID(orgID) {
		f.add("organization_id", "must be an organization id")
	}
	filter := finhealth.AuditFilter{OrganizationID: orgID, Action: action, Cursor: cursor, Limit: limit}
	switch actor := strings.TrimSpace(q.Get("actor")); {
	case actor == "":
	case validID(actor):
		filter.ActorID = actor
	case strings.Contains(actor, "@") && textProblem(actor, false, 254) == "":
		// Not checked as an address: a failed login records whatever was typed, and
		// that must stay findable.
		filter.ActorEmail = actor
	default:
		f.add("actor", "must be a user id or an email address")
	}
	filter.From, filter.To, err = timeRange(r, time.Time{})
	for field, problem := range finhealth.ErrorFields(err) {
		f.add(field, problem)
	}
	return filter, f.err()
}

// timeRange reads ?from= and ?to=; a zero to is no upper bound.
func timeRange(r *http.Request, defaultFrom time.Time) (from, to time.Time, err error) {
	f := fieldErrors{}
	from = parseTimeParam(r, f, "from", false)
	to = parseTimeParam(r, f, "to", true)
	if err := f.err(); err != nil {
		return from, to, err
	}
	if from.IsZero() {
		from = defaultFrom
	}
	if !to.IsZero() && from.After(to) {
		f.add("from", "must not be after to")
	}
	return from, to, f.err()
}
