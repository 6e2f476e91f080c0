package ui

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	fhttp "finhealth/http"
	"finhealth/http/internal/servertest"
	"finhealth/store"
)

// endButtons finds the end-session forms of the account page, by session id.
var endButtons = regexp.MustCompile(`action="/account/sessions/([0-9a-f-]{36})/end"`)

func TestUIAccountSessions(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		acc := a.Register("Ada") // logged in once through the API too
		here := a.UILogin(acc.Email)
		there := a.UILogin(acc.Email)

		page := here.Get("/account").Expect(t, http.StatusOK)
		page.Has(t, "Where you are signed in", "This browser", "Log out everywhere else", `name="current_password"`)
		if n := len(endButtons.FindAllStringSubmatch(string(page.Body), -1)); n != 3 {
			t.Fatalf("%d sessions listed, want 3", n)
		}
		// Without the CSRF token the button does nothing.
		if res := here.Send("POST", "/account/sessions/end-others", nil, false); res.Status != http.StatusForbidden {
			t.Fatalf("end others without CSRF: %d", res.Status)
		}
		if res := there.Get("/app"); strings.HasPrefix(res.Header.Get("Location"), "/login") {
			t.Fatal("a refused form ended a session")
		}

		// Log out everywhere else: the other browser and the API token are out at
		// once; this browser stays.
		res := here.Post("/account/sessions/end-others", nil)
		if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/account") {
			t.Fatalf("end others: %d to %q", res.Status, res.Header.Get("Location"))
		}
		if res := there.Get("/app"); !strings.HasPrefix(res.Header.Get("Location"), "/login") {
			t.Fatalf("the other browser is still signed in: %d to %q", res.Status, res.Header.Get("Location"))
		}
		a.Get("/api/v1/me", acc.Token).Expect(t, http.StatusUnauthorized)
		here.Get("/account").Expect(t, http.StatusOK).Has(t, noticeMessages["sessions_ended"])
		if n := len(endButtons.FindAllStringSubmatch(string(here.Get("/account").Body), -1)); n != 1 {
			t.Fatalf("%d sessions left, want 1", n)
		}

		// Ending one other session by its button.
		third := a.UILogin(acc.Email)
		var otherID string
		// The newest login is listed first (ties go to the newer id).
		if m := endButtons.FindStringSubmatch(string(here.Get("/account").Body)); m != nil {
			otherID = m[1]
		}
		here.Post("/account/sessions/"+otherID+"/end", nil).Expect(t, http.StatusSeeOther)
		if res := third.Get("/app"); !strings.HasPrefix(res.Header.Get("Location"), "/login") {
			t.Fatalf("the ended session's browser is still signed in: %d to %q", res.Status, res.Header.Get("Location"))
		}

		// Ending the browser's own session is a logout.
		own := endButtons.FindStringSubmatch(string(here.Get("/account").Body))[1]
		res = here.Post("/account/sessions/"+own+"/end", nil)
		if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/login" || sessionCookie(here, fhttp.CookieRefresh) != "" {
			t.Fatalf("ending the own session: %d to %q", res.Status, res.Header.Get("Location"))
		}
	})
}

func TestUIChangePassword(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		acc := a.Register("Bea")
		here := a.UILogin(acc.Email)
		there := a.UILogin(acc.Email)
		const next = "a fresh passphrase 42"

		res := here.Post("/account/password", url.Values{"current_password": {"not the password"}, "new_password": {next}}).
			Expect(t, http.StatusUnprocessableEntity)
		res.Has(t, "is wrong")
		res.HasNot(t, "not the password", next) // passwords are never shown again
		here.Post("/account/password", url.Values{"current_password": {servertest.Password}, "new_password": {"short"}}).
			Expect(t, http.StatusUnprocessableEntity)

		res = here.Post("/account/password", url.Values{"current_password": {servertest.Password}, "new_password": {next}})
		if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/account" {
			t.Fatalf("change: %d to %q", res.Status, res.Header.Get("Location"))
		}
		here.Get("/account").Expect(t, http.StatusOK).Has(t, noticeMessages["password_changed"])
		if res := there.Get("/app"); !strings.HasPrefix(res.Header.Get("Location"), "/login") {
			t.Fatalf("the other browser is still signed in: %d to %q", res.Status, res.Header.Get("Location"))
		}
		a.LoginPair(acc.Email, next)
	})
}
