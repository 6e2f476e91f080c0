package http

import (
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// uiClient is a browser without the browser: a cookie jar in front of the server's
// handler, for UI tests where Chromium would be overkill (authorization, CSRF,
// sessions, validation). Requests look same-origin, as a browser's would.
type uiClient struct {
	t       *testing.T
	api     *testAPI
	cookies map[string]*http.Cookie
	csrf    string // the token of the last page read
}

func newUIClient(a *testAPI) *uiClient {
	return &uiClient{t: a.t, api: a, cookies: map[string]*http.Cookie{}}
}

// uiResponse is a recorded UI response.
type uiResponse struct {
	Status   int
	Header   http.Header
	Body     string
	Location string
}

// do sends a request with the jar's cookies and keeps what the response sets.
func (c *uiClient) do(r *http.Request) *uiResponse {
	c.t.Helper()
	for _, ck := range c.cookies {
		r.AddCookie(ck)
	}
	r.RemoteAddr = "192.0.2.20:40000"
	if r.Header.Get("Sec-Fetch-Site") == "" {
		r.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	rec := httptest.NewRecorder()
	c.api.srv.Handler().ServeHTTP(rec, r)
	res := rec.Result()
	for _, ck := range res.Cookies() {
		if ck.MaxAge < 0 {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = &http.Cookie{Name: ck.Name, Value: ck.Value}
		}
	}
	out := &uiResponse{Status: rec.Code, Header: rec.Header(), Body: rec.Body.String(), Location: rec.Header().Get("Location")}
	if m := csrfInput.FindStringSubmatch(out.Body); m != nil {
		c.csrf = html.UnescapeString(m[1])
	}
	return out
}

var csrfInput = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// Get loads a page.
func (c *uiClient) Get(path string) *uiResponse {
	c.t.Helper()
	return c.do(httptest.NewRequest(http.MethodGet, path, nil))
}

// Post submits a form with the CSRF token of the last page read (load a page
// first); PostWithoutToken leaves it out.
func (c *uiClient) Post(path string, values url.Values) *uiResponse {
	c.t.Helper()
	if c.csrf == "" {
		c.Get("/login")
	}
	v := url.Values{}
	for k, vs := range values {
		v[k] = vs
	}
	v.Set(csrfField, c.csrf)
	return c.post(path, v)
}

func (c *uiClient) PostWithoutToken(path string, values url.Values) *uiResponse {
	c.t.Helper()
	return c.post(path, values)
}

func (c *uiClient) post(path string, values url.Values) *uiResponse {
	c.t.Helper()
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(values.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(r)
}

// LogIn logs in through the login form and fails the test unless it succeeds.
func (c *uiClient) LogIn(email string) {
	c.t.Helper()
	c.Get("/login")
	res := c.Post("/login", url.Values{"email": {email}, "password": {testPassword}})
	if res.Status != http.StatusSeeOther {
		c.t.Fatalf("login as %s: status %d, body %s", email, res.Status, res.Body)
	}
}

// cookie returns the jar's value for a cookie base name, with or without the
// __Host- prefix.
func (c *uiClient) cookie(base string) string {
	for _, name := range []string{"__Host-" + base, base} {
		if ck, ok := c.cookies[name]; ok {
			return ck.Value
		}
	}
	return ""
}

// Expect fails the test unless the response has the status.
func (r *uiResponse) Expect(t *testing.T, status int) *uiResponse {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body: %.2000s", r.Status, status, r.Body)
	}
	return r
}
