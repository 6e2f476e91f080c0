package http

import (
	"net/http"
	"net/url"
	"strconv"

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

// auditFilter reads the audit-log query (?action=&organization_id=&limit=&cursor=).
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
	return finhealth.AuditFilter{OrganizationID: orgID, Action: action, Cursor: cursor, Limit: limit}, f.err()
}
