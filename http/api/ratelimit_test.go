package api

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	fhttp "finhealth/http"
	"finhealth/http/internal/servertest"
	"finhealth/store"
)

func TestLoginRateLimitPerIP(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db, func(c *fhttp.Config) {
			c.LoginIPLimit = fhttp.RateLimit{Count: 3, Per: time.Minute}
		})
		acc := a.Register("Ivy")
		login := func(remote, password string) *servertest.Response {
			return a.Do(servertest.Request{Method: "POST", Path: "/api/v1/auth/login", Remote: remote,
				Body: map[string]string{"email": acc.Email, "password": password}})
		}
		// register logged in once from the default address; use fresh ones here.
		const ip = "198.51.100.7:5000"
		login(ip, servertest.Password).Expect(t, http.StatusOK)
		login(ip, "wrong password!!").Expect(t, http.StatusUnauthorized)
		login(ip, servertest.Password).Expect(t, http.StatusOK)
		res := login(ip, servertest.Password).Expect(t, http.StatusTooManyRequests)
		if res.ErrorCode(t) != "rate_limited" {
			t.Errorf("code %q", res.ErrorCode(t))
		}
		secs, err := strconv.Atoi(res.Header.Get("Retry-After"))
		if err != nil || secs < 1 || secs > 60 {
			t.Errorf("Retry-After %q", res.Header.Get("Retry-After"))
		}
		// Another address is not affected.
		login("198.51.100.8:5000", servertest.Password).Expect(t, http.StatusOK)
		// After Retry-After the address may try again.
		a.Clock.Advance(time.Duration(secs) * time.Second)
		login(ip, servertest.Password).Expect(t, http.StatusOK)
	})
}

func TestLoginRateLimitPerAccount(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db, func(c *fhttp.Config) {
			c.LoginAccountLimit = fhttp.RateLimit{Count: 2, Per: 15 * time.Minute}
		})
		acc := a.Register("Ann")
		other := a.Register("Ned")
		login := func(remote, email, password string) *servertest.Response {
			return a.Do(servertest.Request{Method: "POST", Path: "/api/v1/auth/login", Remote: remote,
				Body: map[string]string{"email": email, "password": password}})
		}
		// Failures from different addresses still count against the account.
		login("203.0.113.1:1", acc.Email, "wrong password!!").Expect(t, http.StatusUnauthorized)
		login("203.0.113.2:1", acc.Email, "wrong password!!").Expect(t, http.StatusUnauthorized)
		// Locked: even the right password is refused, so guessing cannot continue.
		res := login("203.0.113.3:1", acc.Email, servertest.Password).Expect(t, http.StatusTooManyRequests)
		secs, err := strconv.Atoi(res.Header.Get("Retry-After"))
		if err != nil || secs < 1 || secs > 15*60 {
			t.Errorf("Retry-After %q", res.Header.Get("Retry-After"))
		}
		// Other accounts are unaffected.
		login("203.0.113.3:1", other.Email, servertest.Password).Expect(t, http.StatusOK)
		// Unknown emails are throttled the same way, so lockout does not reveal accounts.
		ghost := "ghost-" + acc.Email
		login("203.0.113.4:1", ghost, "wrong password!!").Expect(t, http.StatusUnauthorized)
		login("203.0.113.4:1", ghost, "wrong password!!").Expect(t, http.StatusUnauthorized)
		login("203.0.113.4:1", ghost, "wrong password!!").Expect(t, http.StatusTooManyRequests)

		a.Clock.Advance(time.Duration(secs) * time.Second)
		login("203.0.113.3:1", acc.Email, servertest.Password).Expect(t, http.StatusOK)
		// Success resets the count: two more failures are allowed again.
		login("203.0.113.3:1", acc.Email, "wrong password!!").Expect(t, http.StatusUnauthorized)
		login("203.0.113.3:1", acc.Email, "wrong password!!").Expect(t, http.StatusUnauthorized)
		login("203.0.113.3:1", acc.Email, servertest.Password).Expect(t, http.StatusTooManyRequests)
	})
}

func TestTrustProxy(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		for _, trust := range []bool{false, true} {
			a := newAPI(t, db, func(c *fhttp.Config) {
				c.TrustProxy = trust
				c.LoginIPLimit = fhttp.RateLimit{Count: 1, Per: time.Minute}
			})
			acc := a.RegisterDirect("Pia")
			login := func(xff string) *servertest.Response {
				return a.Do(servertest.Request{Method: "POST", Path: "/api/v1/auth/login", Remote: "10.0.0.1:1",
					Header: map[string]string{"X-Forwarded-For": xff},
					Body:   map[string]string{"email": acc.Email, "password": servertest.Password}})
			}
			login("192.0.2.1").Expect(t, http.StatusOK)
			// Behind a trusted proxy the right-most entry is the client, whatever the
			// client put further left; without trust the header is ignored.
			want := http.StatusOK
			if !trust {
				want = http.StatusTooManyRequests
			}
			login("192.0.2.1, 192.0.2.2").Expect(t, want)
			login("192.0.2.2").Expect(t, http.StatusTooManyRequests)
		}
	})
}
