package ui

import (
	"cmp"
	"maps"
	"net/url"
	"slices"

	"finhealth"
)

// The portfolio and the admin pages are lists selected by a GET query: filters, a
// sort, a cursor. A bad query is shown, never refused: the page names every invalid
// parameter and lists what it can without it.

// listProblems is what a list page shows for an invalid query: the values with
// their field errors for the inputs, and a sentence per invalid parameter, since
// some (the cursor, the sort) have no input to show theirs by. Any error but
// invalid input is the error page's.
func listProblems(values url.Values, err error, labels map[string]string) (form, []string, error) {
	if finhealth.ErrorCode(err) != finhealth.EINVALID {
		return form{}, nil, err
	}
	fields := finhealth.ErrorFields(err)
	f := form{Values: values, Errors: fields}
	if len(fields) == 0 {
		return f, []string{finhealth.ErrorMessage(err)}, nil
	}
	out := make([]string, 0, len(fields))
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		out = append(out, cmp.Or(labels[k], k)+": "+fields[k]+".")
	}
	return f, out, nil
}

// pager links a cursor-paginated list onwards, and back to its first page (the
// store's cursors only go forwards).
type pager struct {
	First, Next string
}

// newPager builds the links of the list at path selected by filter, from this
// page's cursor and the store's next one.
func newPager(path string, filter url.Values, cursor, next string) pager {
	var p pager
	if cursor != "" {
		p.First = listLink(path, filter, "")
	}
	if next != "" {
		p.Next = listLink(path, filter, next)
	}
	return p
}

// listLink is the address of a list page: path with the non-empty filter values
// and the cursor.
func listLink(path string, filter url.Values, cursor string) string {
	v := url.Values{}
	for k := range filter {
		if filter.Get(k) != "" {
			v.Set(k, filter.Get(k))
		}
	}
	if cursor != "" {
		v.Set("cursor", cursor)
	}
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}
