package wavetest

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
)

// parsedDoc caches a query's parse and validation: clients send the same few
// documents thousands of times.
type parsedDoc struct {
	doc  *ast.QueryDocument
	errs gqlerror.List
}

type respError struct {
	Message    string         `json:"message"`
	Locations  []respLocation `json:"locations,omitempty"`
	Path       []any          `json:"path,omitempty"`
	Extensions map[string]any `json:"extensions"`
}

type respLocation struct {
	Line   int `json:"line"`
	Column int `json:"column"`
}

// serveGraphQL mimics POST /graphql/public: error-mode switches first (as a proxy in
// front of Wave would apply them), then authentication, validation against the SDL,
// and execution against the in-memory books.
func (f *Fake) serveGraphQL(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	f.mu.Lock()
	f.stats.GraphQL++
	f.inFlight++
	f.stats.MaxInFlight = max(f.stats.MaxInFlight, f.inFlight)
	opts := f.opts
	latency := opts.Latency
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.inFlight--
		f.mu.Unlock()
	}()
	if latency > 0 {
		t := time.NewTimer(latency)
		select {
		case <-r.Context().Done():
			t.Stop()
			return
		case <-t.C:
		}
	}

	var req struct {
		Query         string         `json:"query"`
		Variables     map[string]any `json:"variables"`
		OperationName string         `json:"operationName"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.UseNumber()
	bad := dec.Decode(&req) != nil || req.Query == ""
	if !bad && opts.BeforeRequest != nil {
		// Outside the lock, so that the hook may change the books (PutInvoice) as
		// a user editing them in Wave during a sync would.
		opts.BeforeRequest(req.OperationName, req.Variables)
	}

	f.mu.Lock()
	defer f.mu.Unlock()
	if bad {
		writeJSON(w, http.StatusBadRequest, map[string]any{"errors": []respError{{Message: "POST body must be JSON with a query.", Extensions: map[string]any{"code": "BAD_REQUEST", "id": f.errorID()}}}})
		return
	}
	now := f.now()
	if status, ra := f.injectedFailure(now); status != 0 {
		if status == http.StatusTooManyRequests {
			f.stats.RateLimited++
			if ra > 0 {
				if opts.RetryAfterHTTPDate {
					w.Header().Set("Retry-After", now.Add(ra).UTC().Format(http.TimeFormat))
				} else {
					w.Header().Set("Retry-After", strconv.Itoa(int((ra+time.Second-1)/time.Second)))
				}
			}
			writeJSON(w, status, map[string]any{"errors": []respError{{Message: "Too many requests.", Extensions: map[string]any{"code": "RATE_LIMITED", "id": f.errorID()}}}})
			return
		}
		f.stats.InjectedErrors++
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, "<html><body><h1>"+http.StatusText(status)+"</h1></body></html>")
		return
	}

	tok := strings.TrimSpace(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
	at := f.access[tok]
	if tok == "" || at == nil || at.dead || at.grant.revoked || !now.Before(at.expires) {
		f.stats.Unauthenticated++
		root := firstRootField(req.Query)
		writeJSON(w, opts.AuthFailureStatus, map[string]any{
			"errors": []respError{{Message: "You must be logged in to access this resource.", Locations: []respLocation{{1, 3}},
				Path: []any{root}, Extensions: map[string]any{"code": "UNAUTHENTICATED", "id": f.errorID()}}},
			"data": map[string]any{root: nil},
		})
		return
	}
	f.tokenUses[tok]++

	schema := f.schema
	if opts.NoModifiedAtAfter {
		schema = f.schemaNo
	}
	pd := f.parse(schema, req.Query, opts.NoModifiedAtAfter)
	var op *ast.OperationDefinition
	if pd.doc != nil {
		switch {
		case req.OperationName != "":
			op = pd.doc.Operations.ForName(req.OperationName)
		case len(pd.doc.Operations) == 1:
			op = pd.doc.Operations[0]
		}
	}
	if op != nil {
		name := op.Name
		if name == "" {
			name = "anonymous"
		}
		f.stats.Operations[name]++
	}
	if len(pd.errs) > 0 {
		f.stats.ValidationFails++
		var errs []respError
		for _, ge := range pd.errs {
			code := "GRAPHQL_VALIDATION_FAILED"
			if ge.Rule == "" && pd.doc == nil {
				code = "GRAPHQL_PARSE_FAILED"
			}
			re := respError{Message: ge.Message, Extensions: map[string]any{"code": code, "id": f.errorID()}}
			for _, l := range ge.Locations {
				re.Locations = append(re.Locations, respLocation{l.Line, l.Column})
			}
			errs = append(errs, re)
		}
		writeJSON(w, opts.ValidationFailureStatus, map[string]any{"errors": errs})
		return
	}
	if op == nil {
		f.stats.ValidationFails++
		writeJSON(w, opts.ValidationFailureStatus, map[string]any{"errors": []respError{{Message: "Unknown operation named \"" + req.OperationName + "\".",
			Extensions: map[string]any{"code": "GRAPHQL_VALIDATION_FAILED", "id": f.errorID()}}}})
		return
	}
	vars, err := validator.VariableValues(schema, op, req.Variables)
	if err != nil {
		writeJSON(w, http.StatusOK, map[string]any{"errors": []respError{{Message: err.Error(),
			Extensions: map[string]any{"code": "VARIABLE_VALUE", "id": f.errorID()}}}})
		return
	}

	// The output buffer is reused across requests (they run one at a time under f.mu),
	// so that a page does not regrow it from nothing.
	e := &executor{f: f, opts: opts, grant: at.grant, vars: vars, doc: pd.doc, now: now, today: midnight(now), buf: f.out[:0]}
	defer func() { f.out = e.buf[:0] }()
	e.buf = append(e.buf, `{"data":`...)
	e.object(op.SelectionSet, "Query", e.queryField)
	if len(e.errs) > 0 {
		errs, _ := json.Marshal(e.errs)
		e.buf = append(e.buf, `,"errors":`...)
		e.buf = append(e.buf, errs...)
	}
	e.buf = append(e.buf, '}', '\n')
	status := http.StatusOK
	if e.forbidden && opts.ScopeDenialStatus == http.StatusForbidden {
		status = http.StatusForbidden
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(e.buf)
}

// injectedFailure applies the error-mode switches and returns the status to fail
// with (0 for none) and, for a 429, the Retry-After to send. f.mu is held.
func (f *Fake) injectedFailure(now time.Time) (int, time.Duration) {
	if f.failAfterN == 0 && f.failAfterSt != 0 {
		return f.failAfterSt, 0
	}
	if f.failAfterN > 0 {
		f.failAfterN--
	}
	if f.failN > 0 {
		f.failN--
		return f.failStatus, 0
	}
	if f.rateLimitN > 0 {
		f.rateLimitN--
		return http.StatusTooManyRequests, f.rateLimitRA
	}
	if t := &f.throttle; t.limit > 0 {
		kept := t.hits[:0]
		for _, h := range t.hits {
			if now.Sub(h) < t.window {
				kept = append(kept, h)
			}
		}
		t.hits = kept
		if len(t.hits) >= t.limit {
			return http.StatusTooManyRequests, t.retryAfter
		}
		t.hits = append(t.hits, now)
	}
	return 0, 0
}

func (f *Fake) parse(schema *ast.Schema, query string, variant bool) *parsedDoc {
	key := query
	if variant {
		key = "\x00" + query
	}
	if pd := f.docs[key]; pd != nil {
		return pd
	}
	pd := &parsedDoc{}
	doc, err := parser.ParseQuery(&ast.Source{Input: query})
	if err != nil {
		if ge, ok := err.(*gqlerror.Error); ok {
			pd.errs = gqlerror.List{ge}
		} else {
			pd.errs = gqlerror.List{gqlerror.Wrap(err)}
		}
	} else if errs := validator.ValidateWithRules(schema, doc, nil); len(errs) > 0 {
		pd.doc, pd.errs = doc, errs
	} else {
		pd.doc = doc
	}
	if len(f.docs) > 1000 {
		// A client generating documents should not grow the fake forever.
		clear(f.docs)
		clear(f.collected)
	}
	f.docs[key] = pd
	return pd
}

// firstRootField names the first field of a query for an UNAUTHENTICATED answer's
// path, as Wave's documented example does; "user" when the query does not parse.
func firstRootField(query string) string {
	doc, err := parser.ParseQuery(&ast.Source{Input: query})
	if err != nil || len(doc.Operations) == 0 {
		return "user"
	}
	for _, s := range doc.Operations[0].SelectionSet {
		if fl, ok := s.(*ast.Field); ok {
			if fl.Alias != "" {
				return fl.Alias
			}
			return fl.Name
		}
	}
	return "user"
}

// executor writes one response. It resolves only the fields of schema.graphql, over
// the parsed query (selection sets, aliases, fragments, @skip/@include, arguments and
// variables), straight into a byte buffer so that a page of 100 invoices costs
// little.
type executor struct {
	f          *Fake
	opts       Options
	grant      *grant
	vars       map[string]any
	doc        *ast.QueryDocument
	now, today time.Time
	buf        []byte
	path       []pathElem
	errs       []respError
	forbidden  bool
	// nullNode is set by a field error inside a list node whose type makes the
	// null propagate (a non-null field such as Money.raw or Invoice.total): the
	// node is then written as null, as a GraphQL server does (spec 6.4.4).
	nullNode bool
}

// fieldGroup is one response key with all the fields merged into it.
type fieldGroup struct {
	key     string
	jsonKey []byte // `"key":`, ready to copy into the response
	field   *ast.Field
	sub     ast.SelectionSet
}

type pathElem struct {
	key     string
	index   int
	isIndex bool
}

// collectKey identifies a selection set of a cached document: its first selection
// and length (merged sets are built once and then reused, so they are stable too).
type collectKey struct {
	first ast.Selection
	n     int
	typ   string
}

// collect returns the fields of set that apply to typeName, merged by response key.
// The result is cached per document unless a directive makes it depend on variables,
// so that a page of 100 invoices does not re-collect the same selection 100 times.
func (e *executor) collect(set ast.SelectionSet, typeName string) []fieldGroup {
	if len(set) == 0 {
		return nil
	}
	key := collectKey{set[0], len(set), typeName}
	if groups, ok := e.f.collected[key]; ok {
		return groups
	}
	dynamic := false
	groups := e.gather(set, typeName, nil, &dynamic)
	for i := range groups {
		groups[i].jsonKey = append(appendJSONString(nil, groups[i].key), ':')
	}
	if !dynamic {
		e.f.collected[key] = groups
	}
	return groups
}

func (e *executor) gather(set ast.SelectionSet, typeName string, out []fieldGroup, dynamic *bool) []fieldGroup {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if !e.included(s.Directives, dynamic) {
				continue
			}
			key := s.Alias
			if key == "" {
				key = s.Name
			}
			merged := false
			for i := range out {
				if out[i].key == key {
					out[i].sub = append(out[i].sub[:len(out[i].sub):len(out[i].sub)], s.SelectionSet...)
					merged = true
					break
				}
			}
			if !merged {
				out = append(out, fieldGroup{key: key, field: s, sub: s.SelectionSet})
			}
		case *ast.InlineFragment:
			if e.included(s.Directives, dynamic) && (s.TypeCondition == "" || s.TypeCondition == typeName) {
				out = e.gather(s.SelectionSet, typeName, out, dynamic)
			}
		case *ast.FragmentSpread:
			if fr := e.doc.Fragments.ForName(s.Name); fr != nil && e.included(s.Directives, dynamic) && fr.TypeCondition == typeName {
				out = e.gather(fr.SelectionSet, typeName, out, dynamic)
			}
		}
	}
	return out
}

func (e *executor) included(dirs ast.DirectiveList, dynamic *bool) bool {
	for _, d := range dirs {
		if d.Name != "skip" && d.Name != "include" {
			continue
		}
		*dynamic = true
		v, _ := d.Arguments.ForName("if").Value.Value(e.vars)
		b, _ := v.(bool)
		if d.Name == "skip" && b || d.Name == "include" && !b {
			return false
		}
	}
	return true
}

func (e *executor) object(set ast.SelectionSet, typeName string, resolve func(fg *fieldGroup)) {
	e.buf = append(e.buf, '{')
	groups := e.collect(set, typeName)
	for i := range groups {
		fg := &groups[i]
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.buf = append(e.buf, fg.jsonKey...)
		if fg.field.Name == "__typename" {
			e.str(typeName)
			continue
		}
		e.path = append(e.path, pathElem{key: fg.key})
		resolve(fg)
		e.path = e.path[:len(e.path)-1]
	}
	e.buf = append(e.buf, '}')
}

// list writes a JSON array of n items, keeping the path's index current for errors.
func (e *executor) list(n int, item func(i int)) {
	e.buf = append(e.buf, '[')
	for i := 0; i < n; i++ {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.path = append(e.path, pathElem{index: i, isIndex: true})
		item(i)
		e.path = e.path[:len(e.path)-1]
	}
	e.buf = append(e.buf, ']')
}

func (e *executor) fail(fg *fieldGroup, code, msg string) {
	e.fieldError(fg, nil, code, msg)
	e.null()
}

// fieldError records an error at the current path plus extra.
func (e *executor) fieldError(fg *fieldGroup, extra []string, code, msg string) {
	path := make([]any, len(e.path), len(e.path)+len(extra))
	for i, p := range e.path {
		if p.isIndex {
			path[i] = p.index
		} else {
			path[i] = p.key
		}
	}
	for _, k := range extra {
		path = append(path, k)
	}
	re := respError{Message: msg, Path: path, Extensions: map[string]any{"code": code, "id": e.f.errorID()}}
	if fg != nil {
		if p := fg.field.Position; p != nil {
			re.Locations = []respLocation{{p.Line, p.Column}}
		}
	}
	e.errs = append(e.errs, re)
}

// scope checks the grant for resource:read; a field outside it is null plus FORBIDDEN.
func (e *executor) scope(resource string, fg *fieldGroup) bool {
	if e.grant.allows(resource) {
		return true
	}
	e.forbidden = true
	e.fail(fg, "FORBIDDEN", fmt.Sprintf("The token lacks the %s:read scope.", resource))
	return false
}

// --- scalars ---

func (e *executor) null() { e.buf = append(e.buf, "null"...) }

func (e *executor) str(s string) { e.buf = appendJSONString(e.buf, s) }

func (e *executor) optStr(s string) {
	if s == "" {
		e.null()
		return
	}
	e.str(s)
}

func (e *executor) boolean(b bool) { e.buf = strconv.AppendBool(e.buf, b) }

func (e *executor) integer(n int64) { e.buf = strconv.AppendInt(e.buf, n, 10) }

func (e *executor) dateTime(t time.Time) {
	if t.IsZero() {
		e.null()
		return
	}
	e.buf = append(e.buf, '"')
	e.buf = appendDateTime(e.buf, t)
	if e.opts.DateTimeZulu {
		e.buf = append(e.buf, 'Z')
	} else {
		e.buf = append(e.buf, "+00:00"...)
	}
	e.buf = append(e.buf, '"')
}

func (e *executor) date(t time.Time) {
	if t.IsZero() {
		e.null()
		return
	}
	e.buf = append(e.buf, '"')
	e.buf = appendDate(e.buf, t.UTC())
	e.buf = append(e.buf, '"')
}

// appendDateTime appends t in UTC as "2006-01-02T15:04:05.000000", written out by
// hand because a page of 100 invoices has 600 dates and time.Format's layout
// interpretation was a tenth of the fake's time.
func appendDateTime(buf []byte, t time.Time) []byte {
	t = t.UTC()
	buf = appendDate(buf, t)
	h, m, s := t.Clock()
	buf = append(buf, 'T')
	buf = appendDigits(buf, h, 2)
	buf = append(buf, ':')
	buf = appendDigits(buf, m, 2)
	buf = append(buf, ':')
	buf = appendDigits(buf, s, 2)
	buf = append(buf, '.')
	return appendDigits(buf, t.Nanosecond()/1000, 6)
}

// appendDate appends t's calendar date as "2006-01-02"; years outside 0-9999 are
// left to time.Format.
func appendDate(buf []byte, t time.Time) []byte {
	y, m, d := t.Date()
	if y < 0 || y > 9999 {
		return t.AppendFormat(buf, time.DateOnly)
	}
	buf = appendDigits(buf, y, 4)
	buf = append(buf, '-')
	buf = appendDigits(buf, int(m), 2)
	buf = append(buf, '-')
	return appendDigits(buf, d, 2)
}

// appendDigits appends n >= 0 zero-padded to width digits.
func appendDigits(buf []byte, n, width int) []byte {
	var d [20]byte
	i := len(d)
	for ; n > 0 || len(d)-i < width; n /= 10 {
		i--
		d[i] = byte('0' + n%10)
	}
	return append(buf, d[i:]...)
}

// decimal writes a Decimal scalar as a string ("34900.00") or, with
// DecimalsAsNumbers, as a bare JSON number.
func (e *executor) decimal(text string) {
	if e.opts.DecimalsAsNumbers {
		e.buf = append(e.buf, text...)
		return
	}
	e.str(text)
}

// formatMinor renders minor units with exactly exp decimals.
func formatMinor(minor int64, exp int) string { return string(appendMinor(nil, minor, exp)) }

func appendMinor(buf []byte, minor int64, exp int) []byte {
	u := uint64(minor)
	if minor < 0 {
		buf = append(buf, '-')
		u = uint64(-minor) // two's complement: right for math.MinInt64 too
	}
	var d [24]byte
	digits := strconv.AppendUint(d[:0], u, 10)
	if exp <= 0 {
		return append(buf, digits...)
	}
	if len(digits) <= exp {
		buf = append(buf, '0', '.')
		for range exp - len(digits) {
			buf = append(buf, '0')
		}
		return append(buf, digits...)
	}
	buf = append(buf, digits[:len(digits)-exp]...)
	buf = append(buf, '.')
	return append(buf, digits[len(digits)-exp:]...)
}

func appendJSONString(buf []byte, s string) []byte {
	const hex = "0123456789abcdef"
	buf = append(buf, '"')
	plain := 0 // s[plain:i] needs no escaping and is copied at once
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '"' && c != '\\' && c >= 0x20 {
			continue
		}
		buf = append(buf, s[plain:i]...)
		plain = i + 1
		if c < 0x20 {
			buf = append(buf, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		} else {
			buf = append(buf, '\\', c)
		}
	}
	buf = append(buf, s[plain:]...)
	return append(buf, '"')
}

// --- arguments ---

func argInt(args map[string]any, name string, def int) int {
	switch v := args[name].(type) {
	case int64:
		return int(v)
	case int:
		return v
	case float64:
		return int(v)
	case json.Number:
		if n, err := v.Int64(); err == nil {
			return int(n)
		}
	}
	return def
}

func argString(args map[string]any, name string) string {
	switch v := args[name].(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	}
	return ""
}

func argStrings(args map[string]any, name string) []string {
	var out []string
	switch v := args[name].(type) {
	case []any:
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
	case []string:
		out = v
	case string:
		out = []string{v}
	}
	return out
}

func argBool(args map[string]any, name string) (value, set bool) {
	b, ok := args[name].(bool)
	return b, ok
}

// argTime reads a DateTime or Date argument; ok is false when it is malformed.
func argTime(args map[string]any, name string) (t time.Time, set, ok bool) {
	s := argString(args, name)
	if s == "" {
		return time.Time{}, false, true
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true, true
		}
	}
	return time.Time{}, true, false
}

func (e *executor) pageArgs(fg *fieldGroup) (args map[string]any, page, size int, ok bool) {
	args = fg.field.ArgumentMap(e.vars)
	page, size = argInt(args, "page", 1), argInt(args, "pageSize", 10)
	if c := e.opts.CapPageSize; c > 0 && size > c {
		size = c
	}
	switch {
	case page < 1 || size < 1:
		e.fail(fg, "BAD_USER_INPUT", "page and pageSize must be positive.")
		return nil, 0, 0, false
	case e.opts.MaxPageSize > 0 && size > e.opts.MaxPageSize:
		e.fail(fg, "BAD_USER_INPUT", fmt.Sprintf("pageSize may be at most %d.", e.opts.MaxPageSize))
		return nil, 0, 0, false
	}
	return args, page, size, true
}

// connection writes { pageInfo, edges } for items [offset, offset+n) of total.
func (e *executor) connection(sub ast.SelectionSet, typ string, total, page, size, n int, node func(k int, sub ast.SelectionSet)) {
	if e.opts.PageHook != nil {
		n = max(0, min(n, e.opts.PageHook(typ, page, n)))
	}
	e.object(sub, typ+"Connection", func(fg *fieldGroup) {
		switch fg.field.Name {
		case "pageInfo":
			pages := (total + size - 1) / size
			if total == 0 && !e.opts.EmptyTotalPages0 {
				pages = 1
			}
			e.object(fg.sub, "OffsetPageInfo", func(fg *fieldGroup) {
				switch fg.field.Name {
				case "currentPage":
					e.integer(int64(page))
				case "totalPages":
					e.integer(int64(pages))
				case "totalCount":
					e.integer(int64(total))
				default:
					e.null()
				}
			})
		case "edges":
			edge := typ + "Edge"
			e.list(n, func(k int) {
				e.object(fg.sub, edge, func(fg *fieldGroup) {
					start := len(e.buf)
					node(k, fg.sub)
					if e.nullNode {
						e.buf = e.buf[:start]
						e.null()
						e.nullNode = false
					}
				})
			})
		default:
			e.null()
		}
	})
}

// pageWindow returns the offset and length of page within total items.
func pageWindow(total, page, size int) (offset, n int) {
	offset = (page - 1) * size
	if offset >= total || offset < 0 {
		return 0, 0
	}
	return offset, min(size, total-offset)
}

// --- Query ---

func (e *executor) queryField(fg *fieldGroup) {
	f := e.f
	switch fg.field.Name {
	case "user":
		if !e.scope("user", fg) {
			return
		}
		u := f.users[e.grant.userID]
		e.object(fg.sub, "User", func(fg *fieldGroup) {
			switch fg.field.Name {
			case "id":
				e.str(u.ID)
			case "defaultEmail":
				e.optStr(u.Email)
			case "firstName":
				e.optStr(u.FirstName)
			case "lastName":
				e.optStr(u.LastName)
			case "createdAt":
				e.dateTime(u.CreatedAt)
			case "modifiedAt":
				e.dateTime(u.ModifiedAt)
			default:
				e.null()
			}
		})
	case "businesses":
		if !e.scope("business", fg) {
			return
		}
		_, page, size, ok := e.pageArgs(fg)
		if !ok {
			return
		}
		list := e.reachable()
		off, n := pageWindow(len(list), page, size)
		e.connection(fg.sub, "Business", len(list), page, size, n, func(k int, sub ast.SelectionSet) {
			e.business(list[off+k], sub)
		})
	case "business":
		if !e.scope("business", fg) {
			return
		}
		id := argString(fg.field.ArgumentMap(e.vars), "id")
		list := e.reachable()
		var b *bizData
		for _, c := range list {
			if c.ID == id || id == "" {
				b = c
				break
			}
		}
		if b == nil {
			e.fail(fg, "NOT_FOUND", fmt.Sprintf("Business '%s' could not be found.", id))
			return
		}
		e.business(b, fg.sub)
	case "accountTypes":
		e.list(len(accountTypes), func(i int) { e.accountType(fg.sub, accountTypes[i].Value) })
	case "accountSubtypes":
		e.list(len(accountSubtypes), func(i int) { e.accountSubtype(fg.sub, accountSubtypes[i].Value) })
	default:
		e.null()
	}
}

// reachable lists the businesses the grant reaches: the one it is restricted to, or
// all of its user's.
func (e *executor) reachable() []*bizData {
	all := e.f.businessesOf(e.grant.userID)
	if e.grant.businessID == "" {
		return all
	}
	for _, b := range all {
		if b.ID == e.grant.businessID {
			return []*bizData{b}
		}
	}
	return nil
}

// --- objects ---

func (e *executor) currency(sub ast.SelectionSet, code string) {
	c := currencyOf(code)
	e.object(sub, "Currency", func(fg *fieldGroup) {
		switch fg.field.Name {
		case "code":
			e.str(c.Code)
		case "symbol":
			e.str(c.Symbol)
		case "name":
			e.str(c.Name)
		case "plural":
			e.str(c.Plural)
		case "exponent":
			e.integer(int64(c.Exponent))
		default:
			e.null()
		}
	})
}

func (e *executor) money(sub ast.SelectionSet, minor int64, code string) {
	exp := currencyOf(code).Exponent
	e.object(sub, "Money", func(fg *fieldGroup) {
		switch fg.field.Name {
		case "value":
			e.buf = append(e.buf, '"')
			e.buf = appendMinor(e.buf, minor, exp)
			e.buf = append(e.buf, '"')
		case "raw":
			if minor > math.MaxInt32 || minor < math.MinInt32 {
				// GraphQL's Int is 32 bits: a server cannot serialize this amount
				// and answers the field with an error, nulling the record.
				e.fieldError(fg, nil, "INTERNAL_SERVER_ERROR", fmt.Sprintf("Int cannot represent non 32-bit signed integer value: %d", minor))
				e.null()
				e.nullNode = true
				return
			}
			e.integer(minor)
		case "currency":
			e.currency(fg.sub, code)
		default:
			e.null()
		}
	})
}

func (e *executor) nameValue(sub ast.SelectionSet, typ, name, value string) {
	if value == "" {
		e.null()
		return
	}
	e.object(sub, typ, func(fg *fieldGroup) {
		switch fg.field.Name {
		case "name":
			e.str(name)
		case "value":
			e.str(value)
		default:
			e.null()
		}
	})
}

func (e *executor) business(b *bizData, sub ast.SelectionSet) {
	e.object(sub, "Business", func(fg *fieldGroup) {
		switch fg.field.Name {
		case "id":
			e.str(b.ID)
		case "name":
			e.str(b.Name)
		case "isPersonal":
			e.boolean(b.IsPersonal)
		case "organizationalType":
			e.optStr(b.OrganizationalType)
		case "type":
			e.nameValue(fg.sub, "BusinessType", b.TypeName, b.TypeValue)
		case "subtype":
			e.nameValue(fg.sub, "BusinessSubtype", b.SubtypeName, b.SubtypeValue)
		case "currency":
			e.currency(fg.sub, b.Currency)
		case "timezone":
			e.optStr(b.Timezone)
		case "isClassicAccounting":
			e.boolean(b.IsClassicAccounting)
		case "isClassicInvoicing":
			e.boolean(b.IsClassicInvoicing)
		case "isArchived":
			e.boolean(b.IsArchived)
		case "createdAt":
			e.dateTime(b.CreatedAt)
		case "modifiedAt":
			e.dateTime(b.ModifiedAt)
		case "accounts":
			e.accounts(b, fg)
		case "invoices":
			e.invoices(b, fg)
		case "customers":
			e.customers(b, fg)
		default:
			e.null()
		}
	})
}

func (e *executor) accountType(sub ast.SelectionSet, value string) {
	name, normal := accountTypeName(value)
	e.object(sub, "AccountType", func(fg *fieldGroup) {
		switch fg.field.Name {
		case "name":
			e.str(name)
		case "value":
			e.str(value)
		case "normalBalanceType":
			e.str(normal)
		default:
			e.null()
		}
	})
}

func (e *executor) accountSubtype(sub ast.SelectionSet, value string) {
	name, typ := subtypeInfo(value)
	e.object(sub, "AccountSubtype", func(fg *fieldGroup) {
		switch fg.field.Name {
		case "name":
			e.str(name)
		case "value":
			e.str(value)
		case "type":
			e.accountType(fg.sub, typ)
		case "archivable":
			e.boolean(value != "RECEIVABLE_INVOICES" && value != "PAYABLE_BILLS" && value != "SALES_TAX")
		case "systemCreated":
			e.boolean(value == "RECEIVABLE_INVOICES" || value == "PAYABLE_BILLS" || value == "SYSTEM_CUSTOMER_CREDITS")
		case "description":
			e.str(name + " accounts.")
		default:
			e.null()
		}
	})
}

func (e *executor) accounts(b *bizData, fg *fieldGroup) {
	if !e.scope("account", fg) {
		return
	}
	args, page, size, ok := e.pageArgs(fg)
	if !ok {
		return
	}
	types, subtypes := argStrings(args, "types"), argStrings(args, "subtypes")
	archived, archivedSet := argBool(args, "isArchived")
	var list []*Account
	for i := range b.accounts {
		a := &b.accounts[i]
		if len(types) > 0 && !contains(types, a.Type) || len(subtypes) > 0 && !contains(subtypes, a.Subtype) ||
			archivedSet && a.IsArchived != archived {
			continue
		}
		list = append(list, a)
	}
	off, n := pageWindow(len(list), page, size)
	e.connection(fg.sub, "Account", len(list), page, size, n, func(k int, sub ast.SelectionSet) {
		e.account(b, list[off+k], sub)
	})
}

func (e *executor) account(b *bizData, a *Account, sub ast.SelectionSet) {
	cur := a.Currency
	if cur == "" {
		cur = b.Currency
	}
	e.object(sub, "Account", func(fg *fieldGroup) {
		switch fg.field.Name {
		case "id":
			e.str(a.ID)
		case "name":
			e.str(a.Name)
		case "description":
			e.optStr(a.Description)
		case "displayId":
			e.optStr(a.DisplayID)
		case "currency":
			e.currency(fg.sub, cur)
		case "type":
			e.accountType(fg.sub, a.Type)
		case "subtype":
			e.accountSubtype(fg.sub, a.Subtype)
		case "normalBalanceType":
			e.str(a.NormalBalance)
		case "isArchived":
			e.boolean(a.IsArchived)
		case "sequence":
			e.integer(int64(a.Sequence))
		case "balance":
			e.decimal(formatMinor(a.Balance, currencyOf(cur).Exponent))
		case "balanceInBusinessCurrency":
			e.decimal(formatMinor(a.BalanceInBusinessCurrency, currencyOf(b.Currency).Exponent))
		case "business":
			e.business(b, fg.sub)
		default:
			e.null()
		}
	})
}
