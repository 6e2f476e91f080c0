package api

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"finhealth"
	fhttp "finhealth/http"
	"finhealth/http/internal/servertest"
	"finhealth/scoring"
	"finhealth/store"
)

func TestHealth(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		if m := a.Get("/healthz", "").Expect(t, http.StatusOK).JSON(t); m["status"] != "ok" {
			t.Errorf("healthz %v", m)
		}
		a.Get("/readyz", "").Expect(t, http.StatusOK)

		down := newAPI(t, db, func(c *fhttp.Config) {
			c.Ready = func(context.Context) error { return errors.New("connection refused: secret-host:5432") }
		})
		res := down.Get("/readyz", "").Expect(t, http.StatusServiceUnavailable)
		if res.ErrorCode(t) != finhealth.EUNAVAILABLE || strings.Contains(string(res.Body), "secret-host") {
			t.Errorf("readyz body %s", res.Body)
		}
		if !strings.Contains(down.Logs.String(), "secret-host") {
			t.Error("the cause of unreadiness is not logged")
		}
		down.Get("/healthz", "").Expect(t, http.StatusOK)

		// A closed database is not ready through the default check.
		closed := newAPI(t, db)
		_ = db.Close()
		closed.Get("/readyz", "").Expect(t, http.StatusServiceUnavailable)
	})
}

func TestQuestionnaire(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		res := a.Get("/api/v1/questionnaire", "").Expect(t, http.StatusOK)
		var q struct {
			ID        string `json:"id"`
			Version   int    `json:"version"`
			Questions []struct {
				ID      string           `json:"id"`
				Options []map[string]any `json:"options"`
			} `json:"questions"`
		}
		res.Decode(t, &q)
		cur := scoring.Current()
		if q.ID != cur.ID || q.Version != cur.Version || len(q.Questions) != len(cur.Questions) {
			t.Fatalf("questionnaire %+v", q)
		}
		for _, qu := range q.Questions {
			for _, o := range qu.Options {
				if _, ok := o["points"]; ok {
					t.Fatalf("option points are exposed: %v", o)
				}
			}
		}
		etag := res.Header.Get("ETag")
		if !strings.HasPrefix(etag, `"`) || res.Header.Get("Cache-Control") != "public, max-age=3600" {
			t.Errorf("ETag %q, Cache-Control %q", etag, res.Header.Get("Cache-Control"))
		}
		for _, inm := range []string{etag, "W/" + etag, `"other", ` + etag, "*"} {
			r := a.Do(servertest.Request{Method: "GET", Path: "/api/v1/questionnaire", Header: map[string]string{"If-None-Match": inm}}).
				Expect(t, http.StatusNotModified)
			if len(r.Body) != 0 || r.Header.Get("ETag") != etag {
				t.Errorf("304 for %q: body %q, ETag %q", inm, r.Body, r.Header.Get("ETag"))
			}
		}
		a.Do(servertest.Request{Method: "GET", Path: "/api/v1/questionnaire", Header: map[string]string{"If-None-Match": `"stale"`}}).Expect(t, http.StatusOK)

		// Compressed once at start: the same bytes once decoded, under a tag of
		// their own, which revalidates too.
		r := httptest.NewRequest("GET", "/api/v1/questionnaire", nil)
		r.Header.Set("Accept-Encoding", "br, gzip")
		w := httptest.NewRecorder()
		a.Server.Handler().ServeHTTP(w, r)
		zipped := w.Body.Len()
		zr, err := gzip.NewReader(w.Body)
		if err != nil {
			t.Fatal(err)
		}
		plain, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(plain, res.Body) || w.Header().Get("Content-Encoding") != "gzip" || zipped*3 > len(plain) {
			t.Errorf("gzip questionnaire: %v, %d bytes for %d, headers %v", err, zipped, len(plain), w.Header())
		}
		zetag := w.Header().Get("ETag")
		if zetag == etag || w.Header().Get("Content-Length") != strconv.Itoa(zipped) {
			t.Errorf("gzip ETag %q (plain %q), Content-Length %q for %d bytes", zetag, etag, w.Header().Get("Content-Length"), zipped)
		}
		a.Do(servertest.Request{Method: "GET", Path: "/api/v1/questionnaire", Header: map[string]string{"If-None-Match": zetag}}).
			Expect(t, http.StatusNotModified)
		head := a.Do(servertest.Request{Method: "HEAD", Path: "/api/v1/questionnaire"}).Expect(t, http.StatusOK)
		if len(head.Body) != 0 {
			t.Error("HEAD has a body")
		}
		if a.Get("/api/v1/openapi.json", "").Expect(t, http.StatusOK).JSON(t)["openapi"] != "3.1.0" {
			t.Error("openapi.json is not served")
		}
	})
}

func TestSecurityHeaders(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		acc := a.RegisterDirect("Hal")
		for _, res := range []*servertest.Response{
			a.Get("/api/v1/me", acc.Token), a.Get("/api/v1/me", ""), a.Get("/api/v1/questionnaire", ""), a.Get("/api/v1/nope", ""),
		} {
			for h, want := range map[string]string{
				"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer",
			} {
				if got := res.Header.Get(h); got != want {
					t.Errorf("%s = %q, want %q", h, got, want)
				}
			}
			if res.Header.Get("X-Request-ID") == "" {
				t.Error("no X-Request-ID")
			}
		}
		if cc := a.Get("/api/v1/me", acc.Token).Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("authenticated Cache-Control %q", cc)
		}
		dev := newAPI(t, db, func(c *fhttp.Config) { c.Development = true })
		if h := dev.Get("/healthz", "").Header.Get("Strict-Transport-Security"); h != "" {
			t.Errorf("HSTS in development: %q", h)
		}
	})
}

func TestRequestID(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		res := a.Do(servertest.Request{Method: "GET", Path: "/healthz", Header: map[string]string{"X-Request-ID": "abc-123.x_y"}})
		if got := res.Header.Get("X-Request-ID"); got != "abc-123.x_y" {
			t.Errorf("kept id %q", got)
		}
		for _, bad := range []string{"has space", strings.Repeat("a", 65), "new\nline", "é"} {
			res := a.Do(servertest.Request{Method: "GET", Path: "/healthz", Header: map[string]string{"X-Request-ID": bad}})
			if got := res.Header.Get("X-Request-ID"); got == bad || len(got) != 24 {
				t.Errorf("%q became %q", bad, got)
			}
		}
		// Audit entries carry the request's address.
		acc := a.RegisterDirect("Rid")
		a.Patch("/api/v1/organizations/"+acc.OrgID, acc.Token, map[string]string{"name": "New"}).Expect(t, http.StatusOK)
		entries, _, err := db.ListAudit(context.Background(), finhealth.AuditFilter{Action: finhealth.AuditOrganizationUpdated, Limit: 1})
		if err != nil || len(entries) != 1 || entries[0].ActorID != acc.ID || entries[0].IP != "192.0.2.10" {
			t.Errorf("audit %+v %v", entries, err)
		}
	})
}

func TestCORS(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		const allowed, other = "https://app.finhealth.test", "https://evil.example"

		res := a.Do(servertest.Request{Method: "GET", Path: "/api/v1/questionnaire", Header: map[string]string{"Origin": allowed}})
		if res.Header.Get("Access-Control-Allow-Origin") != allowed || !strings.Contains(res.Header.Get("Vary"), "Origin") {
			t.Errorf("allowed origin: ACAO %q, Vary %q", res.Header.Get("Access-Control-Allow-Origin"), res.Header.Get("Vary"))
		}
		res = a.Do(servertest.Request{Method: "GET", Path: "/api/v1/questionnaire", Header: map[string]string{"Origin": other}})
		if res.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("disallowed origin got ACAO %q", res.Header.Get("Access-Control-Allow-Origin"))
		}

		pre := a.Do(servertest.Request{Method: "OPTIONS", Path: "/api/v1/assessments", Header: map[string]string{
			"Origin": allowed, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization, content-type",
		}}).Expect(t, http.StatusNoContent)
		if pre.Header.Get("Access-Control-Allow-Origin") != allowed || !strings.Contains(pre.Header.Get("Access-Control-Allow-Methods"), "POST") ||
			!strings.Contains(pre.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
			t.Errorf("preflight headers %v", pre.Header)
		}
		bad := a.Do(servertest.Request{Method: "OPTIONS", Path: "/api/v1/assessments", Header: map[string]string{
			"Origin": other, "Access-Control-Request-Method": "POST",
		}}).Expect(t, http.StatusForbidden)
		if bad.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Error("disallowed preflight got ACAO")
		}
		// No wildcard, ever, and a prefix of an allowed origin is not allowed.
		for _, o := range []string{"*", "null", allowed + ".evil.example", "http://app.finhealth.test"} {
			res := a.Do(servertest.Request{Method: "GET", Path: "/healthz", Header: map[string]string{"Origin": o}})
			if res.Header.Get("Access-Control-Allow-Origin") != "" {
				t.Errorf("origin %q got ACAO", o)
			}
		}
	})
}

func TestUnknownRoutesAndMethods(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		res := a.Get("/api/v1/nothing-here", "").Expect(t, http.StatusNotFound)
		if res.ErrorCode(t) != finhealth.ENOTFOUND {
			t.Errorf("code %q", res.ErrorCode(t))
		}
		a.Get("/api/v2/questionnaire", "").Expect(t, http.StatusNotFound)

		res = a.Do(servertest.Request{Method: "DELETE", Path: "/api/v1/questionnaire"}).Expect(t, http.StatusMethodNotAllowed)
		if res.Header.Get("Allow") != "GET" || res.ErrorCode(t) != "method_not_allowed" {
			t.Errorf("Allow %q, body %s", res.Header.Get("Allow"), res.Body)
		}
		res = a.Do(servertest.Request{Method: "PUT", Path: "/api/v1/organizations/01900000-0000-7000-8000-000000000000"}).Expect(t, http.StatusMethodNotAllowed)
		if res.Header.Get("Allow") != "GET, PATCH" {
			t.Errorf("Allow %q", res.Header.Get("Allow"))
		}
		a.Do(servertest.Request{Method: "GET", Path: "/api/v1/auth/login"}).Expect(t, http.StatusMethodNotAllowed)
	})
}

func TestInternalErrorsAreNotReturned(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		acc := a.RegisterDirect("Ian")
		_ = db.Close() // every query now fails with a driver error
		res := a.Get("/api/v1/me", acc.Token).Expect(t, http.StatusInternalServerError)
		if res.ErrorCode(t) != finhealth.EINTERNAL || strings.Contains(strings.ToLower(string(res.Body)), "sql") {
			t.Errorf("body %s", res.Body)
		}
		id := res.Header.Get("X-Request-ID")
		if !strings.Contains(a.Logs.String(), id) || !strings.Contains(a.Logs.String(), "internal error") {
			t.Errorf("internal error not logged with request id %s", id)
		}
	})
}

// TestLogsCarryNoSecrets runs the credential flows and searches the log for every
// secret that passed through them.
func TestLogsCarryNoSecrets(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		acc := a.Register("Sly")
		pair := a.LoginPair(acc.Email, servertest.Password)
		var next fhttp.TokenPair
		a.Post("/api/v1/auth/refresh", "", map[string]string{"refresh_token": pair.RefreshToken}).Expect(t, http.StatusOK).Decode(t, &next)
		a.Post("/api/v1/auth/login", "", map[string]string{"email": acc.Email, "password": "wrong password!!"}).Expect(t, http.StatusUnauthorized)
		var inv invitationCreatedBody
		a.Post("/api/v1/organizations/"+acc.OrgID+"/invitations", pair.AccessToken, map[string]string{"email": "x@example.com", "role": "viewer"}).
			Expect(t, http.StatusCreated).Decode(t, &inv)
		a.Post("/api/v1/auth/logout", "", map[string]string{"refresh_token": next.RefreshToken}).Expect(t, http.StatusNoContent)

		logs := a.Logs.String()
		for name, secret := range map[string]string{
			"password": servertest.Password, "wrong password": "wrong password!!", "access token": pair.AccessToken,
			"refresh token": pair.RefreshToken, "rotated refresh token": next.RefreshToken, "invitation token": inv.Token,
		} {
			if strings.Contains(logs, secret) {
				t.Errorf("the log contains the %s", name)
			}
		}
		if !strings.Contains(logs, `"route":"POST /api/v1/auth/login"`) || !strings.Contains(logs, `"user_id":"`+acc.ID+`"`) {
			t.Errorf("request log lacks route or user: %s", logs)
		}
	})
}

func TestAcceptsGzip(t *testing.T) {
	for header, want := range map[string]bool{
		"":                      false,
		"gzip":                  true,
		"GZIP;q=0.5":            true,
		"deflate, gzip;q=1.0":   true,
		"x-gzip":                true,
		"br":                    false,
		"gzip;q=0":              false,
		"gzip; q=0.000":         false,
		"*":                     true,
		"*, gzip;q=0":           false,
		"*;q=0":                 false,
		"br;q=1, *;q=0.1":       true,
		"identity, gzip;q=oops": false,
	} {
		if got := acceptsGzip([]string{header}); got != want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", header, got, want)
		}
	}
}
