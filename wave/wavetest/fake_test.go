package wavetest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"finhealth/wave"
	"finhealth/wave/wavetest"
)

var start = time.Date(2025, 6, 15, 12, 0, 0, 0, time.UTC)

func newServer(t *testing.T, opts wavetest.Options) (*wavetest.Server, *wavetest.Clock) {
	t.Helper()
	clock := wavetest.NewClock(start)
	opts.Now = clock.Now
	srv := wavetest.NewServer(opts)
	t.Cleanup(srv.Close)
	return srv, clock
}

var noFollow = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// login runs the authorization-code flow by hand and returns the token response.
func login(t testing.TB, base string, scope string) map[string]any {
	t.Helper()
	q := url.Values{"client_id": {wavetest.DefaultClientID}, "response_type": {"code"}, "scope": {scope}, "state": {"s"}}
	resp, err := noFollow.Get(base + "/oauth2/authorize/?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := resp.Location()
	if loc == nil || loc.Query().Get("code") == "" {
		t.Fatalf("authorize: %d %v", resp.StatusCode, loc)
	}
	status, body := form(t, base+"/oauth2/token/", url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")},
		"client_id": {wavetest.DefaultClientID}, "client_secret": {wavetest.DefaultClientSecret}})
	if status != 200 {
		t.Fatalf("token: %d %v", status, body)
	}
	return body
}

func form(t testing.TB, u string, v url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := http.PostForm(u, v)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

const allScopes = "user:read business:read account:read invoice:read customer:read"

func gql(t *testing.T, base, token, query string, vars map[string]any) (int, map[string]any, string) {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, base+"/graphql/public", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var body map[string]any
	_ = json.Unmarshal(raw, &body)
	return resp.StatusCode, body, string(raw)
}

func firstErrorCode(body map[string]any) string {
	errs, _ := body["errors"].([]any)
	if len(errs) == 0 {
		return ""
	}
	ext, _ := errs[0].(map[string]any)["extensions"].(map[string]any)
	code, _ := ext["code"].(string)
	return code
}

func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func TestValidationFailureLikeWave(t *testing.T) {
	for _, status := range []int{200, 400} {
		srv, _ := newServer(t, wavetest.Options{ValidationFailureStatus: status})
		tok := login(t, srv.URL, allScopes)["access_token"].(string)
		for _, q := range []string{
			`query { user { id balance } }`,
			`query { business(name: "x") { id } }`,
			`query { business { invoices { pageInfo { hasNextPage } } } }`,
			`mutation { moneyTransactionCreate { didSucceed } }`,
			`query {`,
		} {
			code, body, raw := gql(t, srv.URL, tok, q, nil)
			if code != status || !strings.Contains(firstErrorCode(body), "GRAPHQL_") || strings.Contains(raw, `"data"`) {
				t.Errorf("%s: %d %s", q, code, raw)
			}
		}
	}
}

func TestUnauthenticatedLikeWave(t *testing.T) {
	for _, status := range []int{200, 401} {
		srv, clock := newServer(t, wavetest.Options{AuthFailureStatus: status})
		code, body, raw := gql(t, srv.URL, "", `query { user { id } }`, nil)
		if code != status || firstErrorCode(body) != "UNAUTHENTICATED" || dig(body, "errors", 0, "path", 0) != "user" ||
			!strings.Contains(raw, `"data":{"user":null}`) {
			t.Fatalf("no token: %d %s", code, raw)
		}
		tok := login(t, srv.URL, allScopes)["access_token"].(string)
		if code, _, raw := gql(t, srv.URL, tok, `query { user { id } }`, nil); code != 200 || strings.Contains(raw, "errors") {
			t.Fatalf("valid token: %d %s", code, raw)
		}
		clock.Advance(2 * time.Hour)
		if _, body, _ := gql(t, srv.URL, tok, `query { me: user { id } }`, nil); firstErrorCode(body) != "UNAUTHENTICATED" || dig(body, "errors", 0, "path", 0) != "me" {
			t.Fatalf("expired token accepted: %v", body)
		}
	}
}

func TestNotFoundAndForbiddenLikeWave(t *testing.T) {
	srv, _ := newServer(t, wavetest.Options{})
	tok := login(t, srv.URL, "user:read business:read")["access_token"].(string)
	_, body, raw := gql(t, srv.URL, tok, `query { business(id: "BAD_ID") { id } }`, nil)
	if firstErrorCode(body) != "NOT_FOUND" || dig(body, "errors", 0, "message") != "Business 'BAD_ID' could not be found." ||
		!strings.Contains(raw, `"data":{"business":null}`) {
		t.Fatalf("not found: %s", raw)
	}
	acme := srv.Seed().AcmeBusinessID
	_, body, _ = gql(t, srv.URL, tok, `query($id: ID) { business(id: $id) { name invoices { pageInfo { totalCount } } } }`, map[string]any{"id": acme})
	if firstErrorCode(body) != "FORBIDDEN" || dig(body, "data", "business", "name") != "Acme Bakery" || dig(body, "data", "business", "invoices") != nil {
		t.Fatalf("missing scope: %v", body)
	}
	srv.Update(func(o *wavetest.Options) { o.ScopeDenialStatus = 403 })
	if code, _, _ := gql(t, srv.URL, tok, `query($id: ID) { business(id: $id) { invoices { pageInfo { totalCount } } } }`, map[string]any{"id": acme}); code != 403 {
		t.Fatalf("status %d, want 403", code)
	}
}

func TestPaginationAndArguments(t *testing.T) {
	srv, _ := newServer(t, wavetest.Options{})
	tok := login(t, srv.URL, allScopes)["access_token"].(string)
	acme := srv.Seed().AcmeBusinessID
	const q = `query($id: ID, $page: Int, $size: Int, $sort: [InvoiceSort!]!, $after: DateTime) {
	  business(id: $id) { invoices(page: $page, pageSize: $size, sort: $sort, modifiedAtAfter: $after) {
	    pageInfo { currentPage totalPages totalCount } edges { node { invoiceNumber modifiedAt status } } } } }`
	_, body, _ := gql(t, srv.URL, tok, q, map[string]any{"id": acme, "page": 3, "size": 50, "sort": []string{"MODIFIED_AT_ASC"}})
	if dig(body, "data", "business", "invoices", "pageInfo", "totalPages") != 3.0 || dig(body, "data", "business", "invoices", "pageInfo", "currentPage") != 3.0 ||
		len(dig(body, "data", "business", "invoices", "edges").([]any)) != 20 {
		t.Fatalf("page 3 of 50: %v", dig(body, "data", "business", "invoices", "pageInfo"))
	}
	_, body, _ = gql(t, srv.URL, tok, q, map[string]any{"id": acme, "page": 9, "size": 50, "sort": []string{"MODIFIED_AT_ASC"}})
	if len(dig(body, "data", "business", "invoices", "edges").([]any)) != 0 || dig(body, "data", "business", "invoices", "pageInfo", "totalCount") != 120.0 {
		t.Fatalf("page beyond the last: %v", body)
	}
	// Defaults: page 1, pageSize 10, sort INVOICE_DATE_DESC.
	_, body, _ = gql(t, srv.URL, tok, `query($id: ID) { business(id: $id) { invoices { edges { node { invoiceNumber } } } } }`, map[string]any{"id": acme})
	if e := dig(body, "data", "business", "invoices", "edges").([]any); len(e) != 10 || dig(e, 0, "node", "invoiceNumber") != "1120" {
		t.Fatalf("defaults: %v", e)
	}
	// modifiedAtAfter is strict.
	invs := srv.Invoices(acme)
	after := invs[99].ModifiedAt.Format(time.RFC3339Nano)
	_, body, _ = gql(t, srv.URL, tok, q, map[string]any{"id": acme, "page": 1, "size": 100, "sort": []string{"MODIFIED_AT_ASC"}, "after": after})
	if dig(body, "data", "business", "invoices", "pageInfo", "totalCount") != 20.0 {
		t.Fatalf("modifiedAtAfter: %v", dig(body, "data", "business", "invoices", "pageInfo"))
	}
	_, body, _ = gql(t, srv.URL, tok, q, map[string]any{"id": acme, "page": 1, "size": 101, "sort": []string{"MODIFIED_AT_ASC"}})
	if firstErrorCode(body) != "BAD_USER_INPUT" {
		t.Fatalf("pageSize 101: %v", body)
	}
	_, body, _ = gql(t, srv.URL, tok, q, map[string]any{"id": acme, "page": "one", "size": 10, "sort": []string{"MODIFIED_AT_ASC"}})
	if firstErrorCode(body) != "VARIABLE_VALUE" {
		t.Fatalf("bad variable: %v", body)
	}
	// An empty list reports one page by default, zero under EmptyTotalPages0.
	const cq = `query($id: ID) { business(id: $id) { customers { pageInfo { totalPages totalCount } } } }`
	personal := srv.Seed().PersonalBusinessID
	if _, body, _ = gql(t, srv.URL, tok, cq, map[string]any{"id": personal}); dig(body, "data", "business", "customers", "pageInfo", "totalPages") != 1.0 {
		t.Fatalf("empty: %v", body)
	}
	srv.Update(func(o *wavetest.Options) { o.EmptyTotalPages0 = true })
	if _, body, _ = gql(t, srv.URL, tok, cq, map[string]any{"id": personal}); dig(body, "data", "business", "customers", "pageInfo", "totalPages") != 0.0 {
		t.Fatalf("empty with EmptyTotalPages0: %v", body)
	}
}

func TestAliasesFragmentsDirectives(t *testing.T) {
	srv, _ := newServer(t, wavetest.Options{DecimalsAsNumbers: true})
	tok := login(t, srv.URL, allScopes)["access_token"].(string)
	q := `query Q($id: ID!, $withCurrency: Boolean!) {
	  biz: business(id: $id) { ...B  __typename }
	}
	fragment B on Business {
	  name
	  name
	  accounts(pageSize: 1) { edges { node { ... on Account { balance cur: currency @include(if: $withCurrency) { code } } } } }
	}`
	_, body, raw := gql(t, srv.URL, tok, q, map[string]any{"id": srv.Seed().AcmeBusinessID, "withCurrency": false})
	if dig(body, "data", "biz", "name") != "Acme Bakery" || dig(body, "data", "biz", "__typename") != "Business" ||
		dig(body, "data", "biz", "accounts", "edges", 0, "node", "balance") != 34900.0 || strings.Contains(raw, `"cur"`) ||
		strings.Count(raw, `"name"`) != 1 {
		t.Fatalf("%s", raw)
	}
	_, _, raw = gql(t, srv.URL, tok, q, map[string]any{"id": srv.Seed().AcmeBusinessID, "withCurrency": true})
	if !strings.Contains(raw, `"cur":{"code":"USD"}`) {
		t.Fatalf("@include(if: true): %s", raw)
	}
}

// TestAnswerFollowsQuery checks what the answer's encoding must keep: its keys in the
// query's order under their aliases, DateTime and Date as Wave writes them, and
// strings escaped as JSON.
func TestAnswerFollowsQuery(t *testing.T) {
	for _, zulu := range []bool{false, true} {
		srv, _ := newServer(t, wavetest.Options{DateTimeZulu: zulu})
		tok := login(t, srv.URL, allScopes)["access_token"].(string)
		q := `query Q($id: ID!) { business(id: $id) { name id created: createdAt cur: currency { exponent code } isArchived
		  invoices(pageSize: 1) { pageInfo { totalCount currentPage } edges { node { dueDate invoiceNumber } } } } }`
		_, body, raw := gql(t, srv.URL, tok, q, map[string]any{"id": srv.Seed().AcmeBusinessID})
		zone := `\+00:00`
		if zulu {
			zone = "Z"
		}
		want := regexp.MustCompile(`^\{"data":\{"business":\{"name":"Acme Bakery","id":"[^"]+","created":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}` + zone +
			`","cur":\{"exponent":2,"code":"USD"\},"isArchived":false,"invoices":\{"pageInfo":\{"totalCount":\d+,"currentPage":1\},` +
			`"edges":\[\{"node":\{"dueDate":"\d{4}-\d\d-\d\d","invoiceNumber":"[^"]+"\}\}\]\}\}\}\}\n$`)
		if !want.MatchString(raw) || dig(body, "errors") != nil {
			t.Errorf("zulu %v: %s", zulu, raw)
		}
	}
	srv, _ := newServer(t, wavetest.Options{})
	tok := login(t, srv.URL, allScopes)["access_token"].(string)
	name := "a\"b\\c\x01\t<&> caf\u00e9"
	if err := srv.AddCustomer(srv.Seed().AcmeBusinessID, wavetest.Customer{ID: "C-escape", Name: name}); err != nil {
		t.Fatal(err)
	}
	_, body, raw := gql(t, srv.URL, tok, `query Q($id: ID!) { business(id: $id) { customers(pageSize: 100) { edges { node { id name } } } } }`,
		map[string]any{"id": srv.Seed().AcmeBusinessID})
	edges, _ := dig(body, "data", "business", "customers", "edges").([]any)
	found := false
	for i := range edges {
		if dig(edges[i], "node", "id") == "C-escape" {
			found = dig(edges[i], "node", "name") == name
		}
	}
	if !found {
		t.Errorf("the name %q did not read back: %s", name, raw)
	}
}

func TestOAuthEndpoints(t *testing.T) {
	srv, clock := newServer(t, wavetest.Options{TokenResponseIDs: true})
	tok := login(t, srv.URL, allScopes)
	if tok["token_type"] != "Bearer" || tok["expires_in"] != 7200.0 || len(tok["access_token"].(string)) != 30 ||
		tok["userId"] != srv.Seed().UserID || tok["scope"] == "" {
		t.Fatalf("token response %v", tok)
	}
	base := url.Values{"client_id": {wavetest.DefaultClientID}, "client_secret": {wavetest.DefaultClientSecret}}
	with := func(kv ...string) url.Values {
		v := url.Values{}
		for k, vals := range base {
			v[k] = vals
		}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	// Rotation: the new refresh token works, the old one is dead.
	status, next := form(t, srv.URL+"/oauth2/token/", with("grant_type", "refresh_token", "refresh_token", tok["refresh_token"].(string)))
	if status != 200 || next["refresh_token"] == tok["refresh_token"] {
		t.Fatalf("refresh: %d %v", status, next)
	}
	if status, body := form(t, srv.URL+"/oauth2/token/", with("grant_type", "refresh_token", "refresh_token", tok["refresh_token"].(string))); status != 400 || body["error"] != "invalid_grant" {
		t.Fatalf("spent refresh token: %d %v", status, body)
	}
	if code, body, _ := gql(t, srv.URL, tok["access_token"].(string), `{ user { id } }`, nil); code != 200 || firstErrorCode(body) != "UNAUTHENTICATED" {
		t.Fatal("the old access token survived the refresh")
	}
	for _, c := range []struct {
		v      url.Values
		status int
		code   string
	}{
		{url.Values{"grant_type": {"refresh_token"}, "client_id": {wavetest.DefaultClientID}}, 401, "invalid_client"},
		{with("grant_type", "password"), 400, "unsupported_grant_type"},
		{with(), 400, "invalid_request"},
		{with("grant_type", "authorization_code", "code", "nope"), 400, "invalid_grant"},
	} {
		if status, body := form(t, srv.URL+"/oauth2/token/", c.v); status != c.status || body["error"] != c.code {
			t.Errorf("%v: %d %v", c.v, status, body)
		}
	}
	srv.Update(func(o *wavetest.Options) { o.SubscriptionLapsed = true })
	if status, _ := form(t, srv.URL+"/oauth2/token/", with("grant_type", "refresh_token", "refresh_token", next["refresh_token"].(string))); status != 403 {
		t.Fatalf("lapsed subscription: %d", status)
	}
	srv.Update(func(o *wavetest.Options) { o.SubscriptionLapsed = false })
	if status, _ := form(t, srv.URL+"/oauth2/token-revoke/", with("token", next["access_token"].(string))); status != 200 {
		t.Fatalf("revoke: %d", status)
	}
	if status, body := form(t, srv.URL+"/oauth2/token/", with("grant_type", "refresh_token", "refresh_token", next["refresh_token"].(string))); status != 400 || body["error"] != "invalid_grant" {
		t.Fatalf("refresh after revoke: %d %v", status, body)
	}
	// The slash-less paths Wave does not document are not served.
	for _, p := range []string{"/oauth2/token", "/oauth2/authorize", "/oauth2/token-revoke"} {
		resp, err := http.PostForm(srv.URL+p, base)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 404 {
			t.Errorf("%s: %d, want 404", p, resp.StatusCode)
		}
	}
	// Codes expire after 10 minutes.
	q := url.Values{"client_id": {wavetest.DefaultClientID}, "response_type": {"code"}, "scope": {"user:read"}}
	resp, _ := noFollow.Get(srv.URL + "/oauth2/authorize/?" + q.Encode())
	loc, _ := resp.Location()
	clock.Advance(10 * time.Minute)
	if status, body := form(t, srv.URL+"/oauth2/token/", with("grant_type", "authorization_code", "code", loc.Query().Get("code"))); status != 400 || body["error"] != "invalid_grant" {
		t.Fatalf("expired code: %d %v", status, body)
	}
	// Unknown scopes and redirect URIs are refused.
	q.Set("scope", "user.read")
	resp, _ = noFollow.Get(srv.URL + "/oauth2/authorize/?" + q.Encode())
	if loc, _ := resp.Location(); loc == nil || loc.Query().Get("error") != "invalid_scope" {
		t.Fatalf("REST-era scope accepted: %v", loc)
	}
	q.Set("scope", "user:read")
	q.Set("redirect_uri", "https://evil.example/cb")
	if resp, _ := noFollow.Get(srv.URL + "/oauth2/authorize/?" + q.Encode()); resp.StatusCode != 400 {
		t.Fatalf("unregistered redirect_uri: %d", resp.StatusCode)
	}
}

// TestOfflineAccess checks that offline_access is a known scope, and the two ways a
// server may tie the refresh token to it: always issued (Wave, the default) or only
// with offline_access (a standard OAuth 2.0 server).
func TestOfflineAccess(t *testing.T) {
	refresh := func(t *testing.T, base string, token any) int {
		t.Helper()
		rt, _ := token.(string)
		status, _ := form(t, base+"/oauth2/token/", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt},
			"client_id": {wavetest.DefaultClientID}, "client_secret": {wavetest.DefaultClientSecret}})
		return status
	}
	t.Run("wave_always_issues_one", func(t *testing.T) {
		srv, _ := newServer(t, wavetest.Options{})
		for _, scope := range []string{allScopes, allScopes + " offline_access"} {
			tok := login(t, srv.URL, scope)
			if _, ok := tok["refresh_token"].(string); !ok {
				t.Fatalf("scope %q: no refresh token in %v", scope, tok)
			}
			if status := refresh(t, srv.URL, tok["refresh_token"]); status != 200 {
				t.Errorf("scope %q: refresh %d", scope, status)
			}
		}
		if got := login(t, srv.URL, allScopes+" offline_access")["scope"]; !strings.Contains(got.(string), "offline_access") {
			t.Errorf("granted scope %q lacks offline_access", got)
		}
	})
	t.Run("standard_server_needs_offline_access", func(t *testing.T) {
		srv, _ := newServer(t, wavetest.Options{RefreshTokenNeedsOfflineAccess: true})
		tok := login(t, srv.URL, allScopes)
		if _, ok := tok["refresh_token"]; ok {
			t.Fatalf("a refresh token without offline_access: %v", tok)
		}
		// The access token alone works, until it is revoked.
		access := tok["access_token"].(string)
		if code, body, raw := gql(t, srv.URL, access, `{ user { id } }`, nil); code != 200 || firstErrorCode(body) != "" {
			t.Fatalf("the access token does not work: %d %s", code, raw)
		}
		if status, _ := form(t, srv.URL+"/oauth2/token-revoke/", url.Values{"token": {access},
			"client_id": {wavetest.DefaultClientID}, "client_secret": {wavetest.DefaultClientSecret}}); status != 200 {
			t.Fatalf("revoke: %d", status)
		}
		if _, body, _ := gql(t, srv.URL, access, `{ user { id } }`, nil); firstErrorCode(body) != "UNAUTHENTICATED" {
			t.Error("the revoked access token still works")
		}

		tok = login(t, srv.URL, allScopes+" offline_access")
		if _, ok := tok["refresh_token"].(string); !ok {
			t.Fatalf("no refresh token with offline_access: %v", tok)
		}
		if status := refresh(t, srv.URL, tok["refresh_token"]); status != 200 {
			t.Errorf("refresh %d", status)
		}
	})
}

func TestConsentPageAndMount(t *testing.T) {
	f := wavetest.New(wavetest.Options{ConsentPage: true})
	mux := http.NewServeMux()
	f.Mount(mux, "/simulated-wave/")
	ts := httptest.NewServer(mux)
	defer ts.Close()
	ep := wavetest.EndpointsAt(ts.URL + "/simulated-wave")
	q := url.Values{"client_id": {wavetest.DefaultClientID}, "response_type": {"code"}, "scope": {"user:read"}, "state": {"xyz"}}
	resp, err := http.Get(ep.AuthURL + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), "Simulated Wave") || !strings.Contains(string(page), `value="xyz"`) {
		t.Fatalf("consent page: %s", page)
	}
	for decision, want := range map[string]string{"approve": "code", "deny": "error"} {
		v := url.Values{}
		for k, vals := range q {
			v[k] = vals
		}
		v.Set("decision", decision)
		resp, err := noFollow.PostForm(ep.AuthURL, v)
		if err != nil {
			t.Fatal(err)
		}
		loc, _ := resp.Location()
		if loc == nil || loc.Query().Get(want) == "" || loc.Query().Get("state") != "xyz" {
			t.Fatalf("%s: %v", decision, loc)
		}
	}
	if resp, _ := http.Post(ep.GraphQLURL, "application/json", strings.NewReader(`{"query":"{ user { id } }"}`)); resp.StatusCode != 200 {
		t.Fatalf("mounted GraphQL: %d", resp.StatusCode)
	}
}

func TestErrorModes(t *testing.T) {
	srv, clock := newServer(t, wavetest.Options{RetryAfterHTTPDate: true})
	tok := login(t, srv.URL, allScopes)["access_token"].(string)
	call := func() (int, http.Header) {
		b := `{"query":"{ user { id } }"}`
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql/public", strings.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header
	}
	srv.RateLimitNext(1, 30*time.Second)
	if status, h := call(); status != 429 || h.Get("Retry-After") != start.Add(30*time.Second).Format(http.TimeFormat) {
		t.Fatalf("rate limit: %d %q", status, h.Get("Retry-After"))
	}
	srv.FailNext(2, 502)
	if s1, _ := call(); s1 != 502 {
		t.Fatal(s1)
	}
	if s2, _ := call(); s2 != 502 {
		t.Fatal(s2)
	}
	if s, _ := call(); s != 200 {
		t.Fatal(s)
	}
	srv.FailAfter(2, 500)
	for i, want := range []int{200, 200, 500, 500} {
		if s, _ := call(); s != want {
			t.Fatalf("fail after 2, request %d: %d", i, s)
		}
	}
	srv.FailAfter(-1, 0)
	srv.Throttle(2, time.Minute, 5*time.Second)
	for i, want := range []int{200, 200, 429} {
		if s, _ := call(); s != want {
			t.Fatalf("throttle, request %d: %d", i, s)
		}
	}
	clock.Advance(time.Minute)
	if s, _ := call(); s != 200 {
		t.Fatalf("after the window: %d", s)
	}
	st := srv.Stats()
	if st.RateLimited != 2 || st.InjectedErrors != 4 {
		t.Fatalf("stats %+v", st)
	}
}

func TestSeedData(t *testing.T) {
	srv, _ := newServer(t, wavetest.Options{})
	seed := srv.Seed()
	invs := srv.Invoices(seed.AcmeBusinessID)
	statuses, modified := map[string]int{}, map[time.Time]bool{}
	var jpy, partial int
	for _, inv := range invs {
		statuses[inv.Status]++
		modified[inv.ModifiedAt] = true
		if inv.Currency == "JPY" && inv.ExchangeRate != "" {
			jpy++
		}
		if inv.AmountPaid > 0 && inv.AmountPaid < inv.Total {
			partial++
		}
		if inv.Status == "OVERDUE" && !inv.DueDate.Before(start) {
			t.Errorf("invoice %s is OVERDUE but due %s", inv.Number, inv.DueDate)
		}
		if inv.ModifiedAt.After(start) {
			t.Errorf("invoice %s modified in the future", inv.Number)
		}
	}
	if len(invs) != 120 || len(statuses) != 9 || len(modified) != 120 || jpy != 1 || partial < 5 {
		t.Fatalf("%d invoices, statuses %v, %d distinct modifiedAt, %d JPY, %d partial", len(invs), statuses, len(modified), jpy, partial)
	}
	subtypes, types := map[string]bool{}, map[string]bool{}
	var archived, foreign bool
	for _, a := range srv.Accounts(seed.AcmeBusinessID) {
		subtypes[a.Subtype], types[a.Type] = true, true
		archived = archived || a.IsArchived
		foreign = foreign || a.Currency != "USD" && a.Balance != a.BalanceInBusinessCurrency
	}
	if len(types) != 5 || !subtypes["DEPRECIATION_AND_AMORTIZATION"] || !archived || !foreign {
		t.Fatalf("accounts: types %v subtypes %v archived %v foreign %v", types, subtypes, archived, foreign)
	}
	var outstanding, overdue int64
	for _, r := range srv.Receivables(seed.AcmeBusinessID) {
		if r.Currency == "USD" {
			outstanding += r.Outstanding
			overdue += r.Overdue
		}
	}
	var want int64
	for _, inv := range invs {
		if wavetest.IsReceivable(inv.Status) && inv.Currency == "USD" {
			want += inv.AmountDue()
		}
	}
	if outstanding != want || overdue == 0 || overdue >= outstanding {
		t.Fatalf("receivables %d (overdue %d), want %d", outstanding, overdue, want)
	}
	if b, _ := srv.Business(seed.PersonalBusinessID); !b.IsPersonal {
		t.Fatal("no personal business")
	}
	if b, _ := srv.Business(seed.LegacyBusinessID); !b.IsClassicInvoicing {
		t.Fatal("no classic-invoicing business")
	}
}

func TestGenerateBusinessIsDeterministicAndLazy(t *testing.T) {
	a, _ := newServer(t, wavetest.Options{NoSeed: true})
	b, _ := newServer(t, wavetest.Options{NoSeed: true})
	idA := a.GenerateBusiness(7, 50_000, 5_000, 300)
	idB := b.GenerateBusiness(7, 50_000, 5_000, 300)
	if idA != idB || idA == a.GenerateBusiness(8, 10, 1, 1) {
		t.Fatal("ids are not a function of the seed")
	}
	tok := login(t, a.URL, allScopes)["access_token"].(string)
	const q = `query($id: ID, $page: Int, $after: DateTime) { business(id: $id) {
	  invoices(page: $page, pageSize: 100, sort: [MODIFIED_AT_DESC], modifiedAtAfter: $after) {
	    pageInfo { totalPages totalCount } edges { node { id invoiceNumber modifiedAt total { raw } } } }
	  customers(page: 50, pageSize: 100) { pageInfo { totalCount } edges { node { name outstandingAmount { raw } } } }
	  accounts(pageSize: 100, page: 3) { pageInfo { totalCount } } } }`
	_, body, raw := gql(t, a.URL, tok, q, map[string]any{"id": idA, "page": 500})
	inv := dig(body, "data", "business", "invoices")
	if dig(inv, "pageInfo", "totalCount") != 50000.0 || dig(inv, "pageInfo", "totalPages") != 500.0 ||
		dig(inv, "edges", 99, "node", "invoiceNumber") != "G0000001" || dig(body, "data", "business", "customers", "pageInfo", "totalCount") != 5000.0 ||
		dig(body, "data", "business", "accounts", "pageInfo", "totalCount") != 300.0 {
		t.Fatalf("%.600s", raw)
	}
	tokB := login(t, b.URL, allScopes)["access_token"].(string)
	_, bodyB, _ := gql(t, b.URL, tokB, q, map[string]any{"id": idB, "page": 500})
	if dig(inv, "edges", 3) == nil || dig(bodyB, "data", "business", "invoices", "edges", 3, "node", "total", "raw") != dig(inv, "edges", 3, "node", "total", "raw") {
		t.Fatal("the same seed gave different invoices")
	}
	mid := a.Invoices(idA)[40_000].ModifiedAt.Format(time.RFC3339Nano)
	_, body, _ = gql(t, a.URL, tok, q, map[string]any{"id": idA, "page": 1, "after": mid})
	if dig(body, "data", "business", "invoices", "pageInfo", "totalCount") != 9999.0 {
		t.Fatalf("modifiedAtAfter on a generated business: %v", dig(body, "data", "business", "invoices", "pageInfo"))
	}
}

// BenchmarkServeInvoicePage answers one page of 100 generated invoices, as a sync asks
// for it, through the fake's handler without a network: the fake's share of a page.
func BenchmarkServeInvoicePage(b *testing.B) {
	srv := wavetest.NewServer(wavetest.Options{})
	b.Cleanup(srv.Close)
	biz := srv.GenerateBusiness(42, 50_000, 5_000, 300)
	tok := login(b, srv.URL, allScopes)["access_token"].(string)
	q, _ := json.Marshal(map[string]any{"query": wave.QueryDocuments()["ListInvoices"], "operationName": "ListInvoices",
		"variables": map[string]any{"businessId": biz, "page": 7, "pageSize": 100, "sort": []string{"MODIFIED_AT_ASC"}}})
	h := srv.Handler()
	b.ReportAllocs()
	cpu := processCPU()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/graphql/public", bytes.NewReader(q))
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || rec.Body.Len() < 50_000 {
			b.Fatalf("%d %.300s", rec.Code, rec.Body)
		}
	}
	b.ReportMetric(float64(processCPU()-cpu)/float64(b.N)/1e3, "cpu-us/op")
}

// processCPU is the CPU time (user and system) the process has used: on a shared
// machine a steadier figure than the wall time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
