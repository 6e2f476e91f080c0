package http

import (
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// uiOrigin is where the test browser believes the UI is served. It is HTTPS because
// the test server's cookies are Secure (it is not in development mode).
var uiOrigin = &url.URL{Scheme: "https", Host: "finhealth.test"}

// uiClient is a browser for handler tests: a cookie jar and the CSRF token of its
// current session, sending requests straight to the server's handler and never
// following redirects, so tests see each answer.
type uiClient struct {
	t    *testing.T
	a    *testAPI
	jar  *cookiejar.Jar
	csrf string
}

// uiAnonymous is a browser that has opened the home page and so holds a CSRF cookie
// and the token that goes with it, but no session.
func (a *testAPI) uiAnonymous() *uiClient {
	a.t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		a.t.Fatal(err)
	}
	c := &uiClient{t: a.t, a: a, jar: jar}
	c.refreshCSRF()
	return c
}

// uiLogin logs in through the login form, as a person would.
func (a *testAPI) uiLogin(email string) *uiClient {
	a.t.Helper()
	c := a.uiAnonymous()
	res := c.post("/login", url.Values{"email": {email}, "password": {testPassword}})
	if res.Status != http.StatusSeeOther || strings.HasPrefix(res.Header.Get("Location"), "/login") {
		a.t.Fatalf("logging in %s through the form: status %d, location %q\n%s", email, res.Status, res.Header.Get("Location"), res.Body)
	}
	// Logging in replaces the CSRF cookie, so the forms of the session carry a new token.
	c.refreshCSRF()
	return c
}

var csrfInput = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// refreshCSRF reads the token the session's forms carry from a page that has one.
func (c *uiClient) refreshCSRF() {
	c.t.Helper()
	page := "/login"
	if c.loggedIn() {
		page = "/" // the layout's logout form carries it
	}
	res := c.get(page)
	m := csrfInput.FindSubmatch(res.Body)
	if m == nil {
		c.t.Fatalf("no CSRF token on %s (status %d)", page, res.Status)
	}
	c.csrf = string(m[1])
}

func (c *uiClient) loggedIn() bool {
	for _, ck := range c.jar.Cookies(uiOrigin) {
		if strings.HasSuffix(ck.Name, cookieAccess) || strings.HasSuffix(ck.Name, cookieRefresh) {
			return true
		}
	}
	return false
}

func (c *uiClient) get(path string) *response {
	c.t.Helper()
	return c.send("GET", path, nil, false)
}

// post sends a form with the session's CSRF token.
func (c *uiClient) post(path string, form url.Values) *response {
	c.t.Helper()
	return c.send("POST", path, form, true)
}

// send sends a request as the browser would: its cookies, and for a form the
// token when withCSRF (tests of the CSRF check leave it out).
func (c *uiClient) send(method, path string, form url.Values, withCSRF bool) *response {
	c.t.Helper()
	path, _, _ = strings.Cut(path, "#") // a browser never sends the fragment
	body := url.Values{}
	for k, v := range form {
		body[k] = v
	}
	if withCSRF && method != "GET" {
		body.Set(csrfField, c.csrf)
	}
	var hr *http.Request
	if method == "GET" {
		hr = httptest.NewRequest(method, uiOrigin.String()+path, nil)
	} else {
		hr = httptest.NewRequest(method, uiOrigin.String()+path, strings.NewReader(body.Encode()))
		hr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, ck := range c.jar.Cookies(hr.URL) {
		hr.AddCookie(ck)
	}
	rec := httptest.NewRecorder()
	c.a.srv.Handler().ServeHTTP(rec, hr)
	c.jar.SetCookies(hr.URL, rec.Result().Cookies())
	return &response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

// has fails unless the page contains every snippet.
func (r *response) has(t *testing.T, snippets ...string) {
	t.Helper()
	for _, s := range snippets {
		if !strings.Contains(string(r.Body), s) {
			t.Errorf("the page lacks %q", s)
		}
	}
}

// hasNot fails if the page contains any of the snippets.
func (r *response) hasNot(t *testing.T, snippets ...string) {
	t.Helper()
	for _, s := range snippets {
		if strings.Contains(string(r.Body), s) {
			t.Errorf("the page has %q, which it must not", s)
		}
	}
}
