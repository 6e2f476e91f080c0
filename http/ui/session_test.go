package ui

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"finhealth"
	fhttp "finhealth/http"
	"finhealth/http/internal/servertest"
	"finhealth/store"
)

// sessionCookie is the value of a session cookie in the client's jar ("" if none).
func sessionCookie(c *servertest.Browser, base string) string {
	for _, ck := range c.Jar.Cookies(servertest.UIOrigin) {
		if ck.Name == base || ck.Name == "__Host-"+base {
			return ck.Value
		}
	}
	return ""
}

// withCookies is a new browser holding exactly these cookies.
func withCookies(a *servertest.API, cookies []*http.Cookie) *servertest.Browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		a.T.Fatal(err)
	}
	jar.SetCookies(servertest.UIOrigin, cookies)
	return &servertest.Browser{T: a.T, API: a, Jar: jar}
}

func setCookies(res *servertest.Response) []*http.Cookie {
	return (&http.Response{Header: res.Header}).Cookies()
}

func TestUISessionCookies(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		acc := a.Register("Cookie")
		c := a.UIAnonymous()
		res := c.Post("/login", url.Values{"email": {acc.Email}, "password": {servertest.Password}})
		if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/app" {
			t.Fatalf("login: %d to %q", res.Status, res.Header.Get("Location"))
		}
		// Outside development every session cookie is Secure, HttpOnly, SameSite=Lax
		// and __Host- prefixed (so Path=/ and no Domain).
		seen := map[string]bool{}
		for _, ck := range setCookies(res) {
			seen[ck.Name] = true
			if !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Domain != "" ||
				!strings.HasPrefix(ck.Name, "__Host-") {
				t.Errorf("cookie %s: secure=%v httponly=%v samesite=%v path=%q domain=%q", ck.Name, ck.Secure, ck.HttpOnly, ck.SameSite, ck.Path, ck.Domain)
			}
		}
		for _, name := range []string{"__Host-fh_access", "__Host-fh_refresh", "__Host-fh_csrf"} {
			if !seen[name] {
				t.Errorf("login did not set %s (set: %v)", name, seen)
			}
		}
	})
}

func TestUISessionCookiesInDevelopment(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db, func(c *fhttp.Config) { c.Development = true })
		acc := a.Register("Dev")
		c := a.UIAnonymous()
		res := c.Post("/login", url.Values{"email": {acc.Email}, "password": {servertest.Password}})
		// Plain http on localhost: no Secure, so no __Host- prefix either.
		names := map[string]bool{}
		for _, ck := range setCookies(res) {
			names[ck.Name] = true
			if ck.Secure {
				t.Errorf("development cookie %s is Secure", ck.Name)
			}
		}
		if !names["fh_access"] || !names["fh_refresh"] {
			t.Fatalf("development session cookies: %v", names)
		}
	})
}

// An expired access cookie is renewed from the refresh cookie; concurrent requests
// presenting the same refresh token all succeed (the grace window), but the spent
// token cannot be replayed after the window: that still revokes the session.
func TestUISessionRenewal(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		acc := a.Register("Renew")
		c := a.UILogin(acc.Email)
		oldAccess, oldRefresh := sessionCookie(c, fhttp.CookieAccess), sessionCookie(c, fhttp.CookieRefresh)
		dashboard := "/orgs/" + acc.OrgID

		a.Clock.Advance(16 * time.Minute) // past the 15-minute access token
		const n = 4
		var wg sync.WaitGroup
		statuses := make([]int, n)
		for i := range n {
			tab := withCookies(a, c.Jar.Cookies(servertest.UIOrigin))
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = tab.Send("GET", dashboard, nil, false).Status
			}()
		}
		wg.Wait()
		for i, st := range statuses {
			if st != http.StatusOK {
				t.Fatalf("concurrent renewal %d: status %d", i, st)
			}
		}
		res := c.Get(dashboard)
		if res.Status != http.StatusOK || !strings.Contains(string(res.Body), `action="/logout"`) {
			t.Fatalf("the renewed page is not signed in: %d", res.Status)
		}
		if sessionCookie(c, fhttp.CookieAccess) == oldAccess || sessionCookie(c, fhttp.CookieRefresh) == oldRefresh {
			t.Fatal("the session was not renewed")
		}
		if res := c.Get(dashboard); res.Status != http.StatusOK {
			t.Fatalf("the renewed session stopped working: %d", res.Status)
		}

		// Replaying the spent refresh token after the grace window revokes the family.
		a.Clock.Advance(fhttp.RefreshGrace + time.Second)
		thief := withCookies(a, []*http.Cookie{{Name: "__Host-" + fhttp.CookieRefresh, Value: oldRefresh}})
		if res := thief.Get("/app"); res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
			t.Fatalf("replayed refresh token: %d to %q", res.Status, res.Header.Get("Location"))
		}
		a.Clock.Advance(16 * time.Minute)
		if res := c.Get("/app"); !strings.HasPrefix(res.Header.Get("Location"), "/login") {
			t.Fatalf("after reuse was detected the session still renews: %d to %q", res.Status, res.Header.Get("Location"))
		}
	})
}

func TestUILogoutEndsTheSession(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		acc := a.Register("Leaver")
		c := a.UILogin(acc.Email)
		other := a.UILogin(acc.Email)
		refresh := sessionCookie(c, fhttp.CookieRefresh)
		access := sessionCookie(c, fhttp.CookieAccess)
		res := c.Post("/logout", nil)
		if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/login" ||
			sessionCookie(c, fhttp.CookieAccess) != "" || sessionCookie(c, fhttp.CookieRefresh) != "" {
			t.Fatalf("logout: %d to %q, cookies left %v", res.Status, res.Header.Get("Location"), c.Jar.Cookies(servertest.UIOrigin))
		}
		// The refresh token was revoked, not only forgotten by the browser.
		again := withCookies(a, []*http.Cookie{{Name: "__Host-" + fhttp.CookieRefresh, Value: refresh}})
		if res := again.Get("/app"); !strings.HasPrefix(res.Header.Get("Location"), "/login") {
			t.Fatalf("a logged-out refresh token still works: %d to %q", res.Status, res.Header.Get("Location"))
		}
		// Nor does its access token, still unexpired (the clock has not moved), in a
		// browser or as a bearer token; the user's other browser stays signed in.
		stolen := withCookies(a, []*http.Cookie{{Name: "__Host-" + fhttp.CookieAccess, Value: access}})
		if res := stolen.Get("/app"); !strings.HasPrefix(res.Header.Get("Location"), "/login") {
			t.Fatalf("a logged-out access token still works: %d to %q", res.Status, res.Header.Get("Location"))
		}
		a.Get("/api/v1/me", access).Expect(t, http.StatusUnauthorized)
		if res := other.Get("/app"); strings.HasPrefix(res.Header.Get("Location"), "/login") {
			t.Fatalf("the other browser was logged out too: %d to %q", res.Status, res.Header.Get("Location"))
		}
	})
}

func TestUICSRF(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		victim, attacker := a.Register("Victim"), a.Register("Attacker")
		c := a.UILogin(victim.Email)
		refused := func(name string, res *servertest.Response) {
			t.Helper()
			if res.Status != http.StatusForbidden || !strings.Contains(string(res.Body), "did not come from finhealth") {
				t.Errorf("%s: status %d, want the 403 CSRF page", name, res.Status)
			}
		}
		refused("no token", c.Send("POST", "/logout", nil, false))

		// A token from another session (the attacker's own) does not work here.
		ac := a.UILogin(attacker.Email)
		refused("another session's token", c.Send("POST", "/logout", url.Values{fhttp.CSRFField: {ac.CSRF}}, false))

		// A cross-site request is refused even with the right token.
		r := httptest.NewRequest(http.MethodPost, servertest.UIOrigin.String()+"/logout", strings.NewReader(url.Values{fhttp.CSRFField: {c.CSRF}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Sec-Fetch-Site", "cross-site")
		for _, ck := range c.Jar.Cookies(servertest.UIOrigin) {
			r.AddCookie(ck)
		}
		rec := httptest.NewRecorder()
		a.Server.Handler().ServeHTTP(rec, r)
		refused("cross-site", &servertest.Response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()})

		// None of that logged the victim out; the real form does.
		if res := c.Get("/orgs/" + victim.OrgID); res.Status != http.StatusOK {
			t.Fatalf("the victim was logged out: %d", res.Status)
		}
		if res := c.Post("/logout", nil); res.Status != http.StatusSeeOther {
			t.Fatalf("logout with the token: %d", res.Status)
		}
	})
}

func TestUILoginRedirectsOnlyWithinTheSite(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		acc := a.Register("Nexter")
		for next, want := range map[string]string{
			"/orgs/" + acc.OrgID:         "/orgs/" + acc.OrgID,
			"//evil.example/steal":       "/app",
			"/\\evil.example":            "/app",
			"https://evil.example/steal": "/app",
			"javascript:alert(1)":        "/app",
		} {
			c := a.UIAnonymous()
			res := c.Post("/login", url.Values{"email": {acc.Email}, "password": {servertest.Password}, "next": {next}})
			if res.Status != http.StatusSeeOther || res.Header.Get("Location") != want {
				t.Errorf("next=%q: %d to %q, want %q", next, res.Status, res.Header.Get("Location"), want)
			}
		}
		// Anonymous visitors are sent to log in and back.
		res := a.UIAnonymous().Get("/orgs/" + acc.OrgID)
		if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/login?next="+url.QueryEscape("/orgs/"+acc.OrgID) {
			t.Fatalf("anonymous dashboard: %d to %q", res.Status, res.Header.Get("Location"))
		}
	})
}

func TestUIHeadersAndAssets(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		c := a.UIAnonymous()
		res := c.Get("/")
		body := string(res.Body)
		csp := res.Header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "form-action 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("CSP %q lacks %q", csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(body, "<script>") || strings.Contains(body, "style=") {
			t.Error("inline script or style on the landing page")
		}
		if ct := res.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("content type %q", ct)
		}
		m := regexpAsset.FindString(body)
		if m == "" {
			t.Fatal("the page links no versioned stylesheet")
		}
		css := c.Get(m)
		if cc := css.Header.Get("Cache-Control"); css.Status != http.StatusOK || !strings.Contains(cc, "immutable") {
			t.Errorf("asset: %d, cache control %q", css.Status, cc)
		}
		nf := c.Get("/no/such/page")
		if nf.Status != http.StatusNotFound || !strings.Contains(string(nf.Body), "We could not find that page") ||
			nf.Header.Get("Content-Security-Policy") != csp {
			t.Error("the 404 page is not the UI's")
		}
		// API paths keep their JSON errors.
		api := c.Get("/api/v1/nope")
		if api.Status != http.StatusNotFound || !strings.HasPrefix(api.Header.Get("Content-Type"), "application/json") {
			t.Errorf("unknown API path: %d %s", api.Status, api.Header.Get("Content-Type"))
		}
	})
}

var regexpAsset = regexp.MustCompile(`/static/app\.css\?v=[0-9a-f]+`)

// An invitee who signs up from the invitation page comes back to it.
func TestUISignupReturnsToNext(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		c := a.UIAnonymous()
		page := c.Get("/signup?next=" + url.QueryEscape("/invitations/accept?token=abc"))
		if !strings.Contains(string(page.Body), `name="next" value="/invitations/accept?token=abc"`) {
			t.Fatal("the signup form does not carry next")
		}
		res := c.Post("/signup", url.Values{"name": {"Ivy"}, "email": {servertest.UniqueEmail("ivy")}, "password": {servertest.Password},
			"next": {"/invitations/accept?token=abc"}})
		if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/invitations/accept?token=abc" {
			t.Fatalf("signup with next: %d to %q", res.Status, res.Header.Get("Location"))
		}
		res = a.UIAnonymous().Post("/signup", url.Values{"name": {"Eve"}, "email": {servertest.UniqueEmail("eve")}, "password": {servertest.Password},
			"next": {"//evil.example"}})
		if res.Header.Get("Location") != "/app" {
			t.Fatalf("signup with a foreign next went to %q", res.Header.Get("Location"))
		}
	})
}

// The signup form applies the API's rules: names and emails in NFC, an invisible
// character is a 422 naming its field, a password of spaces is refused; what was
// typed (never the password) is kept.
func TestUISignupNormalizesAndRefusesInvisibleCharacters(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		for _, tc := range []struct {
			form  url.Values
			field string
			want  string
		}{
			{url.Values{"name": {"I\u200bvy"}, "email": {"ivy@example.com"}, "password": {servertest.Password}}, "name", "must not contain invisible formatting characters"},
			{url.Values{"name": {"\u202eyvI"}, "email": {"ivy@example.com"}, "password": {servertest.Password}}, "name", "must not contain invisible formatting characters"},
			{url.Values{"name": {"Ivy"}, "email": {"\ufeffivy@example.com"}, "password": {servertest.Password}}, "email", "must not contain invisible formatting characters"},
			{url.Values{"name": {"Ivy"}, "email": {"ivy@example.com"}, "password": {servertest.Password}, "organization_name": {"Ivy\u200d Co"}},
				"organization_name", "must not contain invisible formatting characters"},
			{url.Values{"name": {"Ivy"}, "email": {"ivy@example.com"}, "password": {"            "}}, "password", "must not be only spaces"},
		} {
			res := a.UIAnonymous().Post("/signup", tc.form).Expect(t, http.StatusUnprocessableEntity)
			res.Has(t, `id="f-`+tc.field+`-err">`+tc.want)
			res.HasNot(t, servertest.Password)
		}
		if _, err := db.UserByEmail(context.Background(), "ivy@example.com"); finhealth.ErrorCode(err) != finhealth.ENOTFOUND {
			t.Fatalf("a refused signup made an account: %v", err)
		}

		email := strings.TrimSuffix(servertest.UniqueEmail("jose"), "@example.com") + "-jose\u0301@example.com"
		res := a.UIAnonymous().Post("/signup", url.Values{"name": {"Jose\u0301"}, "email": {email}, "password": {servertest.Password},
			"organization_name": {"Cafe\u0301"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("signup in NFD: %d\n%s", res.Status, res.Body)
		}
		u, err := db.UserByEmail(context.Background(), strings.Replace(email, "e\u0301", "\u00e9", 1))
		if err != nil || u.Name != "Jos\u00e9" {
			t.Fatalf("stored user %+v, %v", u, err)
		}
		ms, err := db.MembershipsForUser(context.Background(), u.ID)
		if err != nil || len(ms) != 1 || ms[0].OrganizationName != "Caf\u00e9" {
			t.Fatalf("memberships %+v, %v", ms, err)
		}
		// Either form logs in; bytes that are not UTF-8 are refused by signup and are
		// an unknown account to login, never a database error.
		if res := a.UIAnonymous().Post("/login", url.Values{"email": {email}, "password": {servertest.Password}}); res.Status != http.StatusSeeOther {
			t.Fatalf("login in NFD: %d", res.Status)
		}
		a.UIAnonymous().Post("/signup", url.Values{"name": {"I\xffvy"}, "email": {"iv\xffy@example.com"}, "password": {servertest.Password}}).
			Expect(t, http.StatusUnprocessableEntity).Has(t, `id="f-name-err">must be valid UTF-8`, `id="f-email-err">must be valid UTF-8`)
		a.UIAnonymous().Post("/login", url.Values{"email": {"iv\xffy@example.com"}, "password": {servertest.Password}}).
			Expect(t, http.StatusUnauthorized)
	})
}
