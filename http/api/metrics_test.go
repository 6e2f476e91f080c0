package api

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"finhealth"
	fhttp "finhealth/http"
	"finhealth/http/internal/servertest"
	"finhealth/internal/metricstest"
	"finhealth/store"
)

// withMetrics gives a test API its own registry, served at /metrics behind token
// (none when empty).
func withMetrics(reg *prometheus.Registry, token string) func(*fhttp.Config) {
	return func(c *fhttp.Config) {
		c.Metrics = reg
		c.MetricsHandler = promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
		c.MetricsToken = token
	}
}

// scrape reads /metrics through the full handler, as Prometheus would. It bypasses
// Do, whose OpenAPI check does not apply: /metrics is not part of the JSON API.
func scrape(a *servertest.API, token string) *httptest.ResponseRecorder {
	a.T.Helper()
	r := httptest.NewRequest("GET", "/metrics", nil)
	if token != "" {
		r.Header.Set("Authorization", token)
	}
	rec := httptest.NewRecorder()
	a.Server.Handler().ServeHTTP(rec, r)
	return rec
}

// TestMetricsCountRequestsAndLoginFailures drives requests, failed and throttled
// logins and unrouted paths, then scrapes /metrics and checks the counters by route
// pattern and status, the latency histograms and the login failures.
func TestMetricsCountRequestsAndLoginFailures(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		reg := prometheus.NewRegistry()
		a := newAPI(t, db, withMetrics(reg, ""), func(c *fhttp.Config) {
			c.LoginAccountLimit = fhttp.RateLimit{Count: 2, Per: time.Hour}
		})
		owner := a.Register("Owner")
		a.Get("/api/v1/organizations/"+owner.OrgID, owner.Token).Expect(t, http.StatusOK)
		a.Get("/api/v1/organizations/"+owner.OrgID, "").Expect(t, http.StatusUnauthorized)
		a.Get("/api/v1/no-such-route", "").Expect(t, http.StatusNotFound)
		bad := map[string]string{"email": "mallory@example.com", "password": "guess"}
		a.Post("/api/v1/auth/login", "", bad).Expect(t, http.StatusUnauthorized)
		a.Post("/api/v1/auth/login", "", bad).Expect(t, http.StatusUnauthorized)
		a.Post("/api/v1/auth/login", "", bad).Expect(t, http.StatusTooManyRequests)

		res := scrape(a, "")
		if res.Code != http.StatusOK || !strings.HasPrefix(res.Header().Get("Content-Type"), "text/plain") {
			t.Fatalf("/metrics: %d %s", res.Code, res.Header().Get("Content-Type"))
		}
		body := res.Body.String()
		page := metricstest.Parse(t, bytes.NewReader(res.Body.Bytes()))
		requests := func(route, status string) float64 {
			return metricstest.Value(t, page, "finhealth_http_requests_total", "route", route, "status", status)
		}
		for _, c := range []struct {
			route, status string
			want          float64
		}{
			{"POST /api/v1/auth/register", "201", 1},
			{"POST /api/v1/auth/login", "200", 1},
			{"POST /api/v1/auth/login", "401", 2},
			{"POST /api/v1/auth/login", "429", 1},
			{"GET /api/v1/organizations/{id}", "200", 1},
			{"GET /api/v1/organizations/{id}", "401", 1},
			{"unmatched", "404", 1},
		} {
			if got := requests(c.route, c.status); got != c.want {
				t.Errorf("requests{route=%q,status=%s} = %v, want %v", c.route, c.status, got, c.want)
			}
		}
		if got := metricstest.Value(t, page, "finhealth_http_request_duration_seconds", "route", "POST /api/v1/auth/login"); got != 4 {
			t.Errorf("login latencies observed = %v, want 4", got)
		}
		bc := metricstest.Value(t, page, "finhealth_login_failures_total", "reason", "bad_credentials")
		rl := metricstest.Value(t, page, "finhealth_login_failures_total", "reason", "rate_limited")
		if bc != 2 || rl != 1 {
			t.Errorf("login failures: bad_credentials %v, rate_limited %v; want 2 and 1", bc, rl)
		}
		// Labels are route patterns, never URLs: no id, email or token in the page.
		for _, s := range []string{owner.OrgID, owner.ID, owner.Email, owner.Token, "mallory", "no-such-route"} {
			if strings.Contains(body, s) {
				t.Errorf("/metrics contains %q", s)
			}
		}

		// The scrape itself is counted, under its own route.
		page = metricstest.Parse(t, scrape(a, "").Body)
		if got := metricstest.Value(t, page, "finhealth_http_requests_total", "route", fhttp.MetricsRoute, "status", "200"); got != 1 {
			t.Errorf("/metrics scrapes counted = %v, want 1", got)
		}
	})
}

// TestMetricsToken: with a token configured, /metrics answers 401 (as JSON, with a
// challenge) to every caller without exactly that bearer token.
func TestMetricsToken(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		const token = "metrics-token-0123456789-abcdefghijklmnop"
		a := newAPI(t, db, withMetrics(prometheus.NewRegistry(), token))
		for _, h := range []string{"", "Bearer", "Bearer wrong", "Bearer " + token + "x", "Basic " + token, token} {
			res := scrape(a, h)
			if res.Code != http.StatusUnauthorized || res.Header().Get("WWW-Authenticate") == "" ||
				!strings.Contains(res.Body.String(), finhealth.EUNAUTHORIZED) {
				t.Errorf("Authorization %q: %d %s", h, res.Code, res.Body)
			}
		}
		for _, h := range []string{"Bearer " + token, "bearer  " + token} {
			if res := scrape(a, h); res.Code != http.StatusOK || !strings.Contains(res.Body.String(), "finhealth_http_requests_total") {
				t.Errorf("Authorization %q: %d", h, res.Code)
			}
		}
		page := metricstest.Parse(t, scrape(a, "Bearer "+token).Body)
		if got := metricstest.Value(t, page, "finhealth_http_requests_total", "route", fhttp.MetricsRoute, "status", "401"); got != 6 {
			t.Errorf("refused scrapes counted = %v, want 6", got)
		}
	})
}

// TestMetricsOff: without a handler /metrics is not routed, and without a registry
// nothing is recorded, while the API works as before.
func TestMetricsOff(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		if res := scrape(a, ""); res.Code != http.StatusNotFound {
			t.Errorf("/metrics without a handler: %d", res.Code)
		}
		a.Register("Owner")
	})
}
