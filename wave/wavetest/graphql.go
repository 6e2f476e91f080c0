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

	e := &executor{f: f, opts: opts, grant: at.grant, vars: vars, doc: pd.doc, now: now, today: midnight(now)}
	data := e.object(op.SelectionSet, "Query", e.queryField)
	status := http.StatusOK
	if e.forbidden && opts.ScopeDenialStatus == http.StatusForbidden {
		status = http.StatusForbidden
	}
	resp := object{{"data", data}}
	if len(e.errs) > 0 {
		resp = append(resp, member{"errors", e.errs})
	}
	body, err := appendJSON(nil, resp)
	if err != nil {
		http.Error(w, "encoding the answer: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
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

// executor builds one response's data. It resolves only the fields of schema.graphql,
// over the parsed query (selection sets, aliases, fragments, @skip/@include, arguments
// and variables). Each resolver returns the field's value: nil for null, a string,
// bool, integer or json.Number for a scalar, an object, or a []any for a list.
type executor struct {
	f          *Fake
	opts       Options
	grant      *grant
	vars       map[string]any
	doc        *ast.QueryDocument
	now, today time.Time
	path       []pathElem
	errs       []respError
	forbidden  bool
	// nullNode is set by a field error inside a list node whose type makes the
	// null propagate (a non-null field such as Money.raw or Invoice.total): the
	// node is then null, as a GraphQL server answers (spec 6.4.4).
	nullNode bool
}

// object is a JSON object whose members keep the order of the query's fields, as a
// GraphQL response's must; encoding/json would sort a map's keys.
type object []member

type member struct {
	key   string
	value any
}

// appendJSON appends the encoding of v to buf: objects and lists are walked here, and
// every key and scalar is encoded by encoding/json. (Had object been a json.Marshaler,
// encoding/json would scan each level's output again at every level above it, eight
// deep on an invoice page, which took 3.5 times as long.)
func appendJSON(buf []byte, v any) ([]byte, error) {
	var err error
	switch v := v.(type) {
	case object:
		buf = append(buf, '{')
		for i, m := range v {
			if i > 0 {
				buf = append(buf, ',')
			}
			if buf, err = appendJSON(buf, m.key); err != nil {
				return nil, err
			}
			buf = append(buf, ':')
			if buf, err = appendJSON(buf, m.value); err != nil {
				return nil, err
			}
		}
		return append(buf, '}'), nil
	case []any:
		buf = append(buf, '[')
		for i, x := range v {
			if i > 0 {
				buf = append(buf, ',')
			}
			if buf, err = appendJSON(buf, x); err != nil {
				return nil, err
			}
		}
		return append(buf, ']'), nil
	}
	b, err := json.Marshal(v)
	return append(buf, b...), err
}

// fieldGroup is one response key with all the fields merged into it.
type fieldGroup struct {
	key   string
	field *ast.Field
	sub   ast.SelectionSet
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

// object resolves the fields of set that apply to typeName, in the query's order.
func (e *executor) object(set ast.SelectionSet, typeName string, resolve func(fg *fieldGroup) any) object {
	groups := e.collect(set, typeName)
	obj := make(object, 0, len(groups))
	for i := range groups {
		fg := &groups[i]
		if fg.field.Name == "__typename" {
			obj = append(obj, member{fg.key, typeName})
			continue
		}
		e.path = append(e.path, pathElem{key: fg.key})
		obj = append(obj, member{fg.key, resolve(fg)})
		e.path = e.path[:len(e.path)-1]
	}
	return obj
}

// list resolves n items, keeping the path's index current for errors.
func (e *executor) list(n int, item func(i int) any) []any {
	out := make([]any, n)
	for i := range out {
		e.path = append(e.path, pathElem{index: i, isIndex: true})
		out[i] = item(i)
		e.path = e.path[:len(e.path)-1]
	}
	return out
}

// fail records a field error and returns the field's null.
func (e *executor) fail(fg *fieldGroup, code, msg string) any {
	e.fieldError(fg, nil, code, msg)
	return nil
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

// optStr is a nullable String: null when empty.
func optStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// dateTime is a DateTime in UTC with microseconds, "+00:00" or, with DateTimeZulu,
// "Z"; null when zero.
func (e *executor) dateTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	zone := "+00:00"
	if e.opts.DateTimeZulu {
		zone = "Z"
	}
	return t.UTC().Format("2006-01-02T15:04:05.000000") + zone
}

// date is a Date; null when zero.
func date(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.DateOnly)
}

// decimal is a Decimal scalar as a string ("34900.00") or, with DecimalsAsNumbers, as
// a bare JSON number.
func (e *executor) decimal(text string) any {
	if e.opts.DecimalsAsNumbers {
		return json.Number(text)
	}
	return text
}

// formatMinor renders minor units with exactly exp decimals.
func formatMinor(minor int64, exp int) string {
	u := uint64(minor)
	sign := ""
	if minor < 0 {
		sign, u = "-", uint64(-minor) // two's complement: right for math.MinInt64 too
	}
	digits := strconv.FormatUint(u, 10)
	if exp <= 0 {
		return sign + digits
	}
	if len(digits) <= exp {
		digits = strings.Repeat("0", exp-len(digits)+1) + digits
	}
	return sign + digits[:len(digits)-exp] + "." + digits[len(digits)-exp:]
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

// connection resolves { pageInfo, edges } for items [offset, offset+n) of total.
func (e *executor) connection(sub ast.SelectionSet, typ string, total, page, size, n int, node func(k int, sub ast.SelectionSet) any) any {
	if e.opts.PageHook != nil {
		n = max(0, min(n, e.opts.PageHook(typ, page, n)))
	}
	return e.object(sub, typ+"Connection", func(fg *fieldGroup) any {
		switch fg.field.Name {
		case "pageInfo":
			pages := (total + size - 1) / size
			if total == 0 && !e.opts.EmptyTotalPages0 {
				pages = 1
			}
			return e.object(fg.sub, "OffsetPageInfo", func(fg *fieldGroup) any {
				switch fg.field.Name {
				case "currentPage":
					return page
				case "totalPages":
					return pages
				case "totalCount":
					return total
				}
				return nil
			})
		case "edges":
			edge := typ + "Edge"
			return e.list(n, func(k int) any {
				return e.object(fg.sub, edge, func(fg *fieldGroup) any {
					v := node(k, fg.sub)
					if e.nullNode {
						e.nullNode = false
						return nil
					}
					return v
				})
			})
		}
		return nil
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

func (e *executor) queryField(fg *fieldGroup) any {
	f := e.f
	switch fg.field.Name {
	case "user":
		if !e.scope("user", fg) {
			return nil
		}
		u := f.users[e.grant.userID]
		return e.object(fg.sub, "User", func(fg *fieldGroup) any {
			switch fg.field.Name {
			case "id":
				return u.ID
			case "defaultEmail":
				return optStr(u.Email)
			case "firstName":
				return optStr(u.FirstName)
			case "lastName":
				return optStr(u.LastName)
			case "createdAt":
				return e.dateTime(u.CreatedAt)
			case "modifiedAt":
				return e.dateTime(u.ModifiedAt)
			}
			return nil
		})
	case "businesses":
		if !e.scope("business", fg) {
			return nil
		}
		_, page, size, ok := e.pageArgs(fg)
		if !ok {
			return nil
		}
		list := e.reachable()
		off, n := pageWindow(len(list), page, size)
		return e.connection(fg.sub, "Business", len(list), page, size, n, func(k int, sub ast.SelectionSet) any {
			return e.business(list[off+k], sub)
		})
	case "business":
		if !e.scope("business", fg) {
			return nil
		}
		id := argString(fg.field.ArgumentMap(e.vars), "id")
		var b *bizData
		for _, c := range e.reachable() {
			if c.ID == id || id == "" {
				b = c
				break
			}
		}
		if b == nil {
			return e.fail(fg, "NOT_FOUND", fmt.Sprintf("Business '%s' could not be found.", id))
		}
		return e.business(b, fg.sub)
	case "accountTypes":
		return e.list(len(accountTypes), func(i int) any { return e.accountType(fg.sub, accountTypes[i].Value) })
	case "accountSubtypes":
		return e.list(len(accountSubtypes), func(i int) any { return e.accountSubtype(fg.sub, accountSubtypes[i].Value) })
	}
	return nil
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

func (e *executor) currency(sub ast.SelectionSet, code string) any {
	c := currencyOf(code)
	return e.object(sub, "Currency", func(fg *fieldGroup) any {
		switch fg.field.Name {
		case "code":
			return c.Code
		case "symbol":
			return c.Symbol
		case "name":
			return c.Name
		case "plural":
			return c.Plural
		case "exponent":
			return c.Exponent
		}
		return nil
	})
}

func (e *executor) money(sub ast.SelectionSet, minor int64, code string) any {
	exp := currencyOf(code).Exponent
	return e.object(sub, "Money", func(fg *fieldGroup) any {
		switch fg.field.Name {
		case "value":
			return formatMinor(minor, exp)
		case "raw":
			if minor > math.MaxInt32 || minor < math.MinInt32 {
				// GraphQL's Int is 32 bits: a server cannot serialize this amount
				// and answers the field with an error, nulling the record.
				e.fieldError(fg, nil, "INTERNAL_SERVER_ERROR", fmt.Sprintf("Int cannot represent non 32-bit signed integer value: %d", minor))
				e.nullNode = true
				return nil
			}
			return minor
		case "currency":
			return e.currency(fg.sub, code)
		}
		return nil
	})
}

func (e *executor) nameValue(sub ast.SelectionSet, typ, name, value string) any {
	if value == "" {
		return nil
	}
	return e.object(sub, typ, func(fg *fieldGroup) any {
		switch fg.field.Name {
		case "name":
			return name
		case "value":
			return value
		}
		return nil
	})
}

func (e *executor) business(b *bizData, sub ast.SelectionSet) any {
	return e.object(sub, "Business", func(fg *fieldGroup) any {
		switch fg.field.Name {
		case "id":
			return b.ID
		case "name":
			return b.Name
		case "isPersonal":
			return b.IsPersonal
		case "organizationalType":
			return optStr(b.OrganizationalType)
		case "type":
			return e.nameValue(fg.sub, "BusinessType", b.TypeName, b.TypeValue)
		case "subtype":
			return e.nameValue(fg.sub, "BusinessSubtype", b.SubtypeName, b.SubtypeValue)
		case "currency":
			return e.currency(fg.sub, b.Currency)
		case "timezone":
			return optStr(b.Timezone)
		case "isClassicAccounting":
			return b.IsClassicAccounting
		case "isClassicInvoicing":
			return b.IsClassicInvoicing
		case "isArchived":
			return b.IsArchived
		case "createdAt":
			return e.dateTime(b.CreatedAt)
		case "modifiedAt":
			return e.dateTime(b.ModifiedAt)
		case "accounts":
			return e.accounts(b, fg)
		case "invoices":
			return e.invoices(b, fg)
		case "customers":
			return e.customers(b, fg)
		}
		return nil
	})
}

func (e *executor) accountType(sub ast.SelectionSet, value string) any {
	name, normal := accountTypeName(value)
	return e.object(sub, "AccountType", func(fg *fieldGroup) any {
		switch fg.field.Name {
		case "name":
			return name
		case "value":
			return value
		case "normalBalanceType":
			return normal
		}
		return nil
	})
}

func (e *executor) accountSubtype(sub ast.SelectionSet, value string) any {
	name, typ := subtypeInfo(value)
	return e.object(sub, "AccountSubtype", func(fg *fieldGroup) any {
		switch fg.field.Name {
		case "name":
			return name
		case "value":
			return value
		case "type":
			return e.accountType(fg.sub, typ)
		case "archivable":
			return value != "RECEIVABLE_INVOICES" && value != "PAYABLE_BILLS" && value != "SALES_TAX"
		case "systemCreated":
			return value == "RECEIVABLE_INVOICES" || value == "PAYABLE_BILLS" || value == "SYSTEM_CUSTOMER_CREDITS"
		case "description":
			return name + " accounts."
		}
		return nil
	})
}

func (e *executor) accounts(b *bizData, fg *fieldGroup) any {
	if !e.scope("account", fg) {
		return nil
	}
	args, page, size, ok := e.pageArgs(fg)
	if !ok {
		return nil
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
	return e.connection(fg.sub, "Account", len(list), page, size, n, func(k int, sub ast.SelectionSet) any {
		return e.account(b, list[off+k], sub)
	})
}

// balance is an amount of a as served: a contra account's under the fake's sign
// convention, any other as recorded.
func (e *executor) balance(a *Account, v int64) int64 {
	if isContraSubtype(a.Subtype) {
		return e.opts.ContraBalances.signed(v)
	}
	return v
}

func (e *executor) account(b *bizData, a *Account, sub ast.SelectionSet) any {
	cur := a.Currency
	if cur == "" {
		cur = b.Currency
	}
	return e.object(sub, "Account", func(fg *fieldGroup) any {
		switch fg.field.Name {
		case "id":
			return a.ID
		case "name":
			return a.Name
		case "description":
			return optStr(a.Description)
		case "displayId":
			return optStr(a.DisplayID)
		case "currency":
			return e.currency(fg.sub, cur)
		case "type":
			return e.accountType(fg.sub, a.Type)
		case "subtype":
			return e.accountSubtype(fg.sub, a.Subtype)
		case "normalBalanceType":
			return a.NormalBalance
		case "isArchived":
			return a.IsArchived
		case "sequence":
			return a.Sequence
		case "balance":
			return e.decimal(formatMinor(e.balance(a, a.Balance), currencyOf(cur).Exponent))
		case "balanceInBusinessCurrency":
			return e.decimal(formatMinor(e.balance(a, a.BalanceInBusinessCurrency), currencyOf(b.Currency).Exponent))
		case "business":
			return e.business(b, fg.sub)
		}
		return nil
	})
}
