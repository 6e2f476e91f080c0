package http

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"finhealth/store"
)

func TestUISessionCookies(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		acc := a.register("Cookie")
		c := newUIClient(a)
		c.Get("/login")
		r := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(url.Values{
			"email": {acc.Email}, "password": {testPassword}, csrfField: {c.csrf},
		}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for _, ck := range c.cookies {
			r.AddCookie(ck)
		}
		r.Header.Set("Sec-Fetch-Site", "same-origin")
		rec := httptest.NewRecorder()
		a.srv.Handler().ServeHTTP(rec, r)
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/app" {
			t.Fatalf("login: %d to %q", rec.Code, rec.Header().Get("Location"))
		}
		// Outside development every session cookie is Secure, HttpOnly, SameSite=Lax
		// and __Host- prefixed (so Path=/ and no Domain).
		seen := map[string]bool{}
		for _, ck := range rec.Result().Cookies() {
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
	eachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db, func(c *Config) { c.Development = true })
		acc := a.register("Dev")
		c := newUIClient(a)
		c.LogIn(acc.Email)
		// Plain http on localhost: no Secure, so no __Host- prefix either.
		if c.cookie("fh_access") == "" || c.cookies["fh_access"] == nil {
			t.Fatalf("development session cookies: %v", c.cookies)
		}
		c.Get("/app").Expect(t, http.StatusSeeOther)
	})
}

// An expired access cookie is renewed from the refresh cookie; concurrent requests
// presenting the same refresh token all succeed (the grace window), but the spent
// token cannot be replayed after the window: that still revokes the session.
func TestUISessionRenewal(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		acc := a.register("Renew")
		c := newUIClient(a)
		c.LogIn(acc.Email)
		oldAccess, oldRefresh := c.cookie("fh_access"), c.cookie("fh_refresh")

		a.clock.Advance(16 * time.Minute) // past the 15-minute access token
		jar := map[string]*http.Cookie{}
		for k, v := range c.cookies {
			jar[k] = v
		}
		const n = 4
		var wg sync.WaitGroup
		statuses := make([]int, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cc := &uiClient{t: t, api: a, cookies: map[string]*http.Cookie{}}
				for k, v := range jar {
					cc.cookies[k] = v
				}
				statuses[i] = cc.Get("/orgs/" + acc.OrgID).Status
			}()
		}
		wg.Wait()
		for i, st := range statuses {
			if st != http.StatusOK {
				t.Fatalf("concurrent renewal %d: status %d", i, st)
			}
		}
		res := c.Get("/orgs/"+acc.OrgID).Expect(t, http.StatusOK)
		if !strings.Contains(res.Body, `action="/logout"`) {
			t.Fatal("the renewed page is not signed in")
		}
		if c.cookie("fh_access") == oldAccess || c.cookie("fh_refresh") == oldRefresh {
			t.Fatal("the session was not renewed")
		}
		// The renewed session keeps working.
		c.Get("/orgs/"+acc.OrgID).Expect(t, http.StatusOK)

		// Replaying the spent refresh token after the grace window revokes the family.
		a.clock.Advance(refreshGrace + time.Second)
		thief := &uiClient{t: t, api: a, cookies: map[string]*http.Cookie{
			"__Host-fh_refresh": {Name: "__Host-fh_refresh", Value: oldRefresh},
		}}
		if res := thief.Get("/app"); res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location, "/login") {
			t.Fatalf("replayed refresh token: %d to %q", res.Status, res.Location)
		}
		a.clock.Advance(16 * time.Minute)
		if res := c.Get("/app"); !strings.HasPrefix(res.Location, "/login") {
			t.Fatalf("after reuse was detected the session still renews: %d to %q", res.Status, res.Location)
		}
	})
}

func TestUILogoutEndsTheSession(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		acc := a.register("Leaver")
		c := newUIClient(a)
		c.LogIn(acc.Email)
		refresh := c.cookie("fh_refresh")
		c.Get("/orgs/"+acc.OrgID).Expect(t, http.StatusOK)
		res := c.Post("/logout", nil).Expect(t, http.StatusSeeOther)
		if res.Location != "/login" || c.cookie("fh_access") != "" || c.cookie("fh_refresh") != "" {
			t.Fatalf("logout: to %q, cookies left %v", res.Location, c.cookies)
		}
		// The refresh token was revoked, not only forgotten by the browser.
		again := &uiClient{t: t, api: a, cookies: map[string]*http.Cookie{
			"__Host-fh_refresh": {Name: "__Host-fh_refresh", Value: refresh},
		}}
		if res := again.Get("/app"); !strings.HasPrefix(res.Location, "/login") {
			t.Fatalf("a logged-out refresh token still works: %d to %q", res.Status, res.Location)
		}
	})
}

func TestUICSRF(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		victim, attacker := a.register("Victim"), a.register("Attacker")
		c := newUIClient(a)
		c.LogIn(victim.Email)
		c.Get("/orgs/" + victim.OrgID)

		refused := func(name string, res *uiResponse) {
			t.Helper()
			if res.Status != http.StatusForbidden || !strings.Contains(res.Body, "did not come from finhealth") {
				t.Errorf("%s: status %d, want the 403 CSRF page", name, res.Status)
			}
		}
		refused("no token", c.PostWithoutToken("/logout", nil))

		// A token from another session (the attacker's own) does not work here.
		ac := newUIClient(a)
		ac.LogIn(attacker.Email)
		ac.Get("/orgs/" + attacker.OrgID)
		refused("another session's token", c.PostWithoutToken("/logout", url.Values{csrfField: {ac.csrf}}))

		// A cross-site request is refused even with the right token.
		r := httptest.NewRequest(http.MethodPost, "/logout", strings.NewReader(url.Values{csrfField: {c.csrf}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Sec-Fetch-Site", "cross-site")
		refused("cross-site", c.do(r))

		// None of that logged the victim out; the real form does.
		c.Get("/orgs/"+victim.OrgID).Expect(t, http.StatusOK)
		c.Post("/logout", nil).Expect(t, http.StatusSeeOther)
	})
}

func TestUILoginRedirectsOnlyWithinTheSite(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		acc := a.register("Nexter")
		for next, want := range map[string]string{
			"/orgs/" + acc.OrgID:         "/orgs/" + acc.OrgID,
			"//evil.example/steal":       "/app",
			"/\\evil.example":            "/app",
			"https://evil.example/steal": "/app",
			"javascript:alert(1)":        "/app",
		} {
			c := newUIClient(a)
			c.Get("/login?next=" + url.QueryEscape(next))
			res := c.Post("/login", url.Values{"email": {acc.Email}, "password": {testPassword}, "next": {next}})
			if res.Status != http.StatusSeeOther || res.Location != want {
				t.Errorf("next=%q: %d to %q, want %q", next, res.Status, res.Location, want)
			}
		}
		// Anonymous visitors are sent to log in and back.
		res := newUIClient(a).Get("/orgs/" + acc.OrgID)
		if res.Status != http.StatusSeeOther || res.Location != "/login?next="+url.QueryEscape("/orgs/"+acc.OrgID) {
			t.Fatalf("anonymous dashboard: %d to %q", res.Status, res.Location)
		}
	})
}

func TestUIHeadersAndAssets(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		c := newUIClient(a)
		res := c.Get("/").Expect(t, http.StatusOK)
		csp := res.Header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "form-action 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("CSP %q lacks %q", csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(res.Body, "<script>") || strings.Contains(res.Body, "style=") {
			t.Error("inline script or style on the landing page")
		}
		if ct := res.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("content type %q", ct)
		}
		m := regexpAsset.FindStringSubmatch(res.Body)
		if m == nil {
			t.Fatal("the page links no versioned stylesheet")
		}
		css := c.Get(m[0]).Expect(t, http.StatusOK)
		if cc := css.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
			t.Errorf("asset cache control %q", cc)
		}
		nf := c.Get("/no/such/page").Expect(t, http.StatusNotFound)
		if !strings.Contains(nf.Body, "We could not find that page") || nf.Header.Get("Content-Security-Policy") != csp {
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
