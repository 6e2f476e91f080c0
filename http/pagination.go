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

// PageParams reads ?limit= and ?cursor=. A bad limit is refused rather than clamped
// so that a client bug shows up at once.
func PageParams(r *http.Request) (limit int, cursor string, err error) {
	return pageValues(r.URL.Query())
}

// pageValues is pageParams for a query already parsed, such as the listing a form
// post returns to.
func pageValues(q url.Values) (limit int, cursor string, err error) {
	f := FieldErrors{}
	limit = finhealth.DefaultPageSize
	if v := q.Get("limit"); v != "" || q.Has("limit") {
		n, perr := strconv.Atoi(v)
		if perr != nil || n < 1 || n > finhealth.MaxPageSize {
			f.Add("limit", "must be an integer from 1 to "+strconv.Itoa(finhealth.MaxPageSize))
		}
		limit = n
	}
	cursor = q.Get("cursor")
	if len(cursor) > maxCursorLen {
		f.Add("cursor", "is not a valid cursor")
	}
	return limit, cursor, f.Err()
}

// AuditFilter reads the audit-log query
// (?action=&organization_id=&actor=&from=&to=&limit=&cursor=). The actor is a user id
// or an email: an email also finds entries without a user, such as failed logins.
func AuditFilter(r *http.Request) (finhealth.AuditFilter, error) {
	limit, cursor, err := PageParams(r)
	if err != nil {
		return finhealth.AuditFilter{}, err
	}
	q := r.URL.Query()
	f := FieldErrors{}
	action := q.Get("action")
	if len(action) > 100 {
		f.Add("action", "must be at most 100 characters")
	}
	orgID := q.Get("organization_id")
	if orgID != "" && !ValidID(orgID) {
		f.Add("organization_id", "must be an organization id")
	}
	filter := finhealth.AuditFilter{OrganizationID: orgID, Action: action, Cursor: cursor, Limit: limit}
	switch actor := strings.TrimSpace(q.Get("actor")); {
	case actor == "":
	case ValidID(actor):
		filter.ActorID = actor
	case strings.Contains(actor, "@") && finhealth.TextProblem(actor, false, 254) == "":
		// Not checked as an address: a failed login records whatever was typed, and
		// that must stay findable.
		filter.ActorEmail = actor
	default:
		f.Add("actor", "must be a user id or an email address")
	}
	filter.From, filter.To, err = TimeRange(r, time.Time{})
	for field, problem := range finhealth.ErrorFields(err) {
		f.Add(field, problem)
	}
	return filter, f.Err()
}

// TimeRange reads ?from= and ?to=; a zero to is no upper bound.
func TimeRange(r *http.Request, defaultFrom time.Time) (from, to time.Time, err error) {
	f := FieldErrors{}
	from = parseTimeParam(r, f, "from", false)
	to = parseTimeParam(r, f, "to", true)
	if err := f.Err(); err != nil {
		return from, to, err
	}
	if from.IsZero() {
		from = defaultFrom
	}
	if !to.IsZero() && from.After(to) {
		f.Add("from", "must not be after to")
	}
	return from, to, f.Err()
}
