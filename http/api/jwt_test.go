package api

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"finhealth"
	fhttp "finhealth/http"
	"finhealth/http/internal/servertest"
	"finhealth/store"
)

// forge signs claims with the method and key, bypassing the server's issuer.
func forge(t *testing.T, method jwt.SigningMethod, key any, claims jwt.Claims) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	return tok
}

// sessionClaims are the claims of an access token, which names its session.
type sessionClaims struct {
	jwt.RegisteredClaims
	SessionID string `json:"sid"`
}

// sessionOf reads the session id out of an access token the server issued.
func sessionOf(t *testing.T, token string) string {
	t.Helper()
	var c sessionClaims
	if _, _, err := jwt.NewParser().ParseUnverified(token, &c); err != nil || c.SessionID == "" {
		t.Fatalf("token without a session: %v", err)
	}
	return c.SessionID
}

func TestAccessTokens(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		acc := a.Register("Jay")
		victim := a.Register("Vic")
		now := a.Clock.Now()
		sid := sessionOf(t, acc.Token)
		valid := func() sessionClaims {
			return sessionClaims{RegisteredClaims: jwt.RegisteredClaims{
				Issuer: "finhealth", Audience: jwt.ClaimStrings{"finhealth-api"}, Subject: acc.ID,
				IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(10 * time.Minute)), ID: "jti-1",
			}, SessionID: sid}
		}
		with := func(f func(*jwt.RegisteredClaims)) sessionClaims {
			c := valid()
			f(&c.RegisteredClaims)
			return c
		}
		withSession := func(id string) sessionClaims {
			c := valid()
			c.SessionID = id
			return c
		}

		good := forge(t, jwt.SigningMethodHS256, servertest.Secret, valid())
		a.Get("/api/v1/me", good).Expect(t, http.StatusOK)

		// Swap the payload for one naming another user, keeping the signature.
		parts := strings.Split(good, ".")
		payload, _ := json.Marshal(with(func(c *jwt.RegisteredClaims) { c.Subject = victim.ID }))
		tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString(payload) + "." + parts[2]

		noneToken := forge(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, valid())

		cases := map[string]string{
			"expired":         forge(t, jwt.SigningMethodHS256, servertest.Secret, with(func(c *jwt.RegisteredClaims) { c.ExpiresAt = jwt.NewNumericDate(now.Add(-time.Minute)) })),
			"wrong signature": forge(t, jwt.SigningMethodHS256, []byte("another-secret-0123456789abcdefghijkl"), valid()),
			"alg none":        noneToken,
			"HS512":           forge(t, jwt.SigningMethodHS512, servertest.Secret, valid()),
			"wrong audience":  forge(t, jwt.SigningMethodHS256, servertest.Secret, with(func(c *jwt.RegisteredClaims) { c.Audience = jwt.ClaimStrings{"other-api"} })),
			"no audience":     forge(t, jwt.SigningMethodHS256, servertest.Secret, with(func(c *jwt.RegisteredClaims) { c.Audience = nil })),
			"wrong issuer":    forge(t, jwt.SigningMethodHS256, servertest.Secret, with(func(c *jwt.RegisteredClaims) { c.Issuer = "evil" })),
			"missing exp":     forge(t, jwt.SigningMethodHS256, servertest.Secret, with(func(c *jwt.RegisteredClaims) { c.ExpiresAt = nil })),
			"issued in the future": forge(t, jwt.SigningMethodHS256, servertest.Secret, with(func(c *jwt.RegisteredClaims) {
				c.IssuedAt = jwt.NewNumericDate(now.Add(time.Hour))
			})),
			"missing subject":        forge(t, jwt.SigningMethodHS256, servertest.Secret, with(func(c *jwt.RegisteredClaims) { c.Subject = "" })),
			"unknown subject":        forge(t, jwt.SigningMethodHS256, servertest.Secret, with(func(c *jwt.RegisteredClaims) { c.Subject = "01900000-0000-7000-8000-000000000000" })),
			"tampered claims":        tampered,
			"no session":             forge(t, jwt.SigningMethodHS256, servertest.Secret, withSession("")),
			"unknown session":        forge(t, jwt.SigningMethodHS256, servertest.Secret, withSession("01900000-0000-7000-8000-000000000000")),
			"another user's session": forge(t, jwt.SigningMethodHS256, servertest.Secret, withSession(sessionOf(t, victim.Token))),
			"garbage":                "not.a.jwt",
			"oversized":              strings.Repeat("a", fhttp.MaxTokenLen+1),
		}
		for name, tok := range cases {
			t.Run(name, func(t *testing.T) {
				res := a.Get("/api/v1/me", tok).Expect(t, http.StatusUnauthorized)
				if !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("WWW-Authenticate = %q", res.Header.Get("WWW-Authenticate"))
				}
				if res.ErrorCode(t) != finhealth.EUNAUTHORIZED {
					t.Errorf("code %q", res.ErrorCode(t))
				}
			})
		}

		t.Run("expiry follows the clock", func(t *testing.T) {
			tok := a.Token(acc.ID)
			a.Get("/api/v1/me", tok).Expect(t, http.StatusOK)
			a.Clock.Advance(16 * time.Minute)
			defer a.Clock.Advance(-16 * time.Minute)
			a.Get("/api/v1/me", tok).Expect(t, http.StatusUnauthorized)
		})

		t.Run("deactivation is immediate", func(t *testing.T) {
			u := a.Register("Short")
			a.Get("/api/v1/me", u.Token).Expect(t, http.StatusOK)
			admin := a.CreateUser("Root", finhealth.RoleAdmin)
			a.Post("/api/v1/admin/users/"+u.ID+"/deactivate", admin.Token, nil).Expect(t, http.StatusOK)
			a.Get("/api/v1/me", u.Token).Expect(t, http.StatusUnauthorized)
		})

		t.Run("header forms", func(t *testing.T) {
			for _, h := range []string{"", "Bearer", "Bearer ", "Basic " + good, good, "Token " + good} {
				res := a.Do(servertest.Request{Method: "GET", Path: "/api/v1/me", Header: map[string]string{"Authorization": h}})
				res.Expect(t, http.StatusUnauthorized)
			}
			a.Do(servertest.Request{Method: "GET", Path: "/api/v1/me", Header: map[string]string{"Authorization": "bearer " + good}}).Expect(t, http.StatusOK)
		})
	})
}
