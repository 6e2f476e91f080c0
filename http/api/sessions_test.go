package api

import (
	"context"
	"net/http"
	"testing"
	"time"

	"finhealth"
	fhttp "finhealth/http"
	"finhealth/http/internal/servertest"
	"finhealth/store"
)

// loginAs logs in with a User-Agent, as a browser or an app on a device would.
func loginAs(a *servertest.API, email, password, agent string) fhttp.TokenPair {
	a.T.Helper()
	var p fhttp.TokenPair
	a.Do(servertest.Request{Method: "POST", Path: "/api/v1/auth/login", Header: map[string]string{"User-Agent": agent},
		Body: map[string]string{"email": email, "password": password}}).Expect(a.T, http.StatusOK).Decode(a.T, &p)
	return p
}

type sessionList struct {
	Sessions []fhttp.SessionView `json:"sessions"`
}

func TestSessionsListAndEnd(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		acc := a.Register("Sam")
		stranger := a.Register("Stranger")
		laptop := loginAs(a, acc.Email, servertest.Password,
			"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
		phone := loginAs(a, acc.Email, servertest.Password,
			"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")
		phoneID := sessionOf(t, phone.AccessToken)

		// The phone renews later: that is its last use.
		a.Clock.Advance(5 * time.Minute)
		var renewed fhttp.TokenPair
		a.Post("/api/v1/auth/refresh", "", map[string]string{"refresh_token": phone.RefreshToken}).
			Expect(t, http.StatusOK).Decode(t, &renewed)
		if sessionOf(t, renewed.AccessToken) != phoneID {
			t.Fatal("a refresh moved the token to another session")
		}

		var list sessionList
		a.Get("/api/v1/me/sessions", laptop.AccessToken).Expect(t, http.StatusOK).Decode(t, &list)
		if len(list.Sessions) != 3 { // registering logged in once too
			t.Fatalf("sessions = %+v, want 3", list.Sessions)
		}
		first, current := list.Sessions[0], 0
		if first.ID != phoneID || first.Device != "Safari on iPhone" || first.IP == "" ||
			!first.LastUsedAt.After(first.CreatedAt.Add(4*time.Minute)) || first.Current {
			t.Errorf("most recently used = %+v, want the phone", first)
		}
		for _, s := range list.Sessions {
			if s.Current {
				current++
				if s.ID != sessionOf(t, laptop.AccessToken) || s.Device != "Firefox on Linux" {
					t.Errorf("current session = %+v, want the laptop", s)
				}
			}
		}
		if current != 1 {
			t.Errorf("%d sessions marked current", current)
		}

		// Ending the phone's session refuses its access token at once, and its
		// refresh token; the laptop goes on.
		a.Delete("/api/v1/me/sessions/"+phoneID, laptop.AccessToken).Expect(t, http.StatusNoContent)
		a.Get("/api/v1/me", renewed.AccessToken).Expect(t, http.StatusUnauthorized)
		a.Post("/api/v1/auth/refresh", "", map[string]string{"refresh_token": renewed.RefreshToken}).Expect(t, http.StatusUnauthorized)
		a.Get("/api/v1/me", laptop.AccessToken).Expect(t, http.StatusOK)

		// Ended, unknown, malformed, or someone else's: 404 alike, and nothing ends.
		for _, id := range []string{phoneID, "01900000-0000-7000-8000-000000000000", "not-a-session", sessionOf(t, stranger.Token)} {
			a.Delete("/api/v1/me/sessions/"+id, laptop.AccessToken).Expect(t, http.StatusNotFound)
		}
		a.Get("/api/v1/me", stranger.Token).Expect(t, http.StatusOK)

		// Log out everywhere else: every other session ends, the caller's goes on.
		tablet := loginAs(a, acc.Email, servertest.Password, "")
		var ended map[string]int
		a.Post("/api/v1/me/sessions/end-others", laptop.AccessToken, nil).Expect(t, http.StatusOK).Decode(t, &ended)
		if ended["ended"] != 2 { // the registration's and the tablet's
			t.Errorf("ended = %v, want 2", ended)
		}
		a.Get("/api/v1/me", tablet.AccessToken).Expect(t, http.StatusUnauthorized)
		a.Get("/api/v1/me", acc.Token).Expect(t, http.StatusUnauthorized)
		a.Get("/api/v1/me", laptop.AccessToken).Expect(t, http.StatusOK)
		a.Get("/api/v1/me", stranger.Token).Expect(t, http.StatusOK)
		a.Get("/api/v1/me/sessions", laptop.AccessToken).Expect(t, http.StatusOK).Decode(t, &list)
		if len(list.Sessions) != 1 || !list.Sessions[0].Current {
			t.Errorf("after ending the others: %+v", list.Sessions)
		}

		// Ending the current session is a logout.
		a.Delete("/api/v1/me/sessions/"+sessionOf(t, laptop.AccessToken), laptop.AccessToken).Expect(t, http.StatusNoContent)
		a.Get("/api/v1/me", laptop.AccessToken).Expect(t, http.StatusUnauthorized)

		for action, want := range map[string]int{finhealth.AuditSessionEnded: 2, finhealth.AuditSessionsEnded: 1} {
			entries, _, err := db.ListAudit(context.Background(), finhealth.AuditFilter{Action: action, Limit: 10})
			if err != nil || len(entries) != want {
				t.Errorf("%s: %d audit entries (%v), want %d", action, len(entries), err, want)
			}
		}
	})
}

func TestChangePassword(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db, func(c *fhttp.Config) {
			c.LoginAccountLimit = fhttp.RateLimit{Count: 3, Per: 15 * time.Minute}
		})
		acc := a.Register("Pat")
		here := a.LoginPair(acc.Email, servertest.Password)
		there := a.LoginPair(acc.Email, servertest.Password)
		const next = "a brand new passphrase 7"
		change := func(current, next string) *servertest.Response {
			return a.Post("/api/v1/me/password", here.AccessToken, map[string]string{"current_password": current, "new_password": next})
		}

		// Bad input names its field and changes nothing.
		for name, tc := range map[string]struct{ current, next, field string }{
			"no current":     {"", next, "current_password"},
			"short new":      {servertest.Password, "short", "new_password"},
			"common new":     {servertest.Password, "password123", "new_password"},
			"new from email": {servertest.Password, acc.Email, "new_password"},
		} {
			t.Run(name, func(t *testing.T) {
				res := change(tc.current, tc.next).Expect(t, http.StatusUnprocessableEntity)
				if res.ErrorFields(t)[tc.field] == "" {
					t.Errorf("fields %v do not name %s", res.ErrorFields(t), tc.field)
				}
			})
		}
		a.Post("/api/v1/me/password", here.AccessToken, map[string]string{"new_password": next, "extra": "x"}).Expect(t, http.StatusBadRequest)
		a.Post("/api/v1/me/password", "", map[string]string{"current_password": servertest.Password, "new_password": next}).Expect(t, http.StatusUnauthorized)

		// A wrong current password is 422 naming it, counts like a failed login...
		res := change("not my password at all", next).Expect(t, http.StatusUnprocessableEntity)
		if res.ErrorFields(t)["current_password"] != "is wrong" {
			t.Errorf("fields %v", res.ErrorFields(t))
		}
		a.Get("/api/v1/me", there.AccessToken).Expect(t, http.StatusOK)

		// ...and the right one changes it, ending the other sessions at once.
		change(servertest.Password, next).Expect(t, http.StatusNoContent)
		a.Get("/api/v1/me", here.AccessToken).Expect(t, http.StatusOK)
		a.Get("/api/v1/me", there.AccessToken).Expect(t, http.StatusUnauthorized)
		a.Post("/api/v1/auth/refresh", "", map[string]string{"refresh_token": there.RefreshToken}).Expect(t, http.StatusUnauthorized)
		a.Post("/api/v1/auth/login", "", map[string]string{"email": acc.Email, "password": servertest.Password}).Expect(t, http.StatusUnauthorized)
		a.LoginPair(acc.Email, next)
		entries, _, err := db.ListAudit(context.Background(), finhealth.AuditFilter{Action: finhealth.AuditPasswordChanged, Limit: 10})
		if err != nil || len(entries) != 1 || entries[0].TargetID != acc.ID || entries[0].Details["sessions_ended"] != "2" {
			t.Errorf("password change audit: %+v %v", entries, err)
		}

		// Guessing the current password is rate-limited per account like a login
		// (the login just made reset the count): after 3 wrong tries even the right
		// one waits.
		for _, guess := range []string{"guess number one!!", "guess number two!!", "guess number three"} {
			change(guess, next).Expect(t, http.StatusUnprocessableEntity)
		}
		res = change(next, "yet another passphrase 8").Expect(t, http.StatusTooManyRequests)
		if res.Header.Get("Retry-After") == "" {
			t.Error("no Retry-After")
		}
	})
}
