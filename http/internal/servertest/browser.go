package servertest

import (
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	fhttp "finhealth/http"
)

// UIOrigin is where the test browser believes the UI is served. It is HTTPS because
// the test server's cookies are Secure (it is not in development mode).
var UIOrigin = &url.URL{Scheme: "https", Host: "finhealth.test"}

// Browser is a browser for handler tests: a cookie jar and the CSRF token of its
// current session, sending requests straight to the server's handler and never
// following redirects, so tests see each answer.
type Browser struct {
	T    *testing.T
	API  *API
	Jar  *cookiejar.Jar
	CSRF string
}

// UIAnonymous is a browser that has opened the home page and so holds a CSRF cookie
// and the token that goes with it, but no session.
func (a *API) UIAnonymous() *Browser {
	a.T.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		a.T.Fatal(err)
	}
	c := &Browser{T: a.T, API: a, Jar: jar}
	c.refreshCSRF()
	return c
}

// UILogin logs in through the login form, as a person would.
func (a *API) UILogin(email string) *Browser {
	a.T.Helper()
	c := a.UIAnonymous()
	res := c.Post("/login", url.Values{"email": {email}, "password": {Password}})
	if res.Status != http.StatusSeeOther || strings.HasPrefix(res.Header.Get("Location"), "/login") {
		a.T.Fatalf("logging in %s through the form: status %d, location %q\n%s", email, res.Status, res.Header.Get("Location"), res.Body)
	}
	// Logging in replaces the CSRF cookie, so the forms of the session carry a new token.
	c.refreshCSRF()
	return c
}

var csrfInput = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// refreshCSRF reads the token the session's forms carry from a page that has one.
func (c *Browser) refreshCSRF() {
	c.T.Helper()
	page := "/login"
	if c.loggedIn() {
		page = "/" // the layout's logout form carries it
	}
	res := c.Get(page)
	m := csrfInput.FindSubmatch(res.Body)
	if m == nil {
		c.T.Fatalf("no CSRF token on %s (status %d)", page, res.Status)
	}
	c.CSRF = string(m[1])
}

func (c *Browser) loggedIn() bool {
	for _, ck := range c.Jar.Cookies(UIOrigin) {
		if strings.HasSuffix(ck.Name, fhttp.CookieAccess) || strings.HasSuffix(ck.Name, fhttp.CookieRefresh) {
			return true
		}
	}
	return false
}

// Get loads a page.
func (c *Browser) Get(path string) *Response {
	c.T.Helper()
	return c.Send("GET", path, nil, false)
}

// Post sends a form with the session's CSRF token.
func (c *Browser) Post(path string, form url.Values) *Response {
	c.T.Helper()
	return c.Send("POST", path, form, true)
}

// Send sends a request as the browser would: its cookies, and for a form the
// token when withCSRF (tests of the CSRF check leave it out).
func (c *Browser) Send(method, path string, form url.Values, withCSRF bool) *Response {
	c.T.Helper()
	path, _, _ = strings.Cut(path, "#") // a browser never sends the fragment
	body := url.Values{}
	for k, v := range form {
		body[k] = v
	}
	if withCSRF && method != "GET" {
		body.Set(fhttp.CSRFField, c.CSRF)
	}
	var hr *http.Request
	if method == "GET" {
		hr = httptest.NewRequest(method, UIOrigin.String()+path, nil)
	} else {
		hr = httptest.NewRequest(method, UIOrigin.String()+path, strings.NewReader(body.Encode()))
		hr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, ck := range c.Jar.Cookies(hr.URL) {
		hr.AddCookie(ck)
	}
	rec := httptest.NewRecorder()
	c.API.Server.Handler().ServeHTTP(rec, hr)
	c.Jar.SetCookies(hr.URL, rec.Result().Cookies())
	return &Response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

// Has fails unless the page contains every snippet.
func (r *Response) Has(t *testing.T, snippets ...string) {
	t.Helper()
	for _, s := range snippets {
		if !strings.Contains(string(r.Body), s) {
			t.Errorf("the page lacks %q", s)
		}
	}
}

// HasNot fails if the page contains any of the snippets.
func (r *Response) HasNot(t *testing.T, snippets ...string) {
	t.Helper()
	for _, s := range snippets {
		if strings.Contains(string(r.Body), s) {
			t.Errorf("the page has %q, which it must not", s)
		}
	}
}
