package http

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"finhealth/internal/metricstest"
)

// TestMetricsCountPanicsAndUnknownStatuses: a panic is counted as the 500 it is
// answered with, and a status outside the pre-resolved set is still counted.
func TestMetricsCountPanicsAndUnknownStatuses(t *testing.T) {
	reg := prometheus.NewRegistry()
	srv := NewServer(Config{JWTSecret: testSecret, Argon2: testArgon2, Metrics: reg}, nil)
	h := srv.base(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		stateFrom(r.Context()).route = "GET /teapot" // a route that resolved no instruments
		if r.URL.Query().Get("panic") != "" {
			panic("boom")
		}
		w.WriteHeader(http.StatusTeapot)
	}))
	for _, path := range []string{"/teapot", "/teapot?panic=1"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", path, nil))
	}
	for status, want := range map[string]float64{"418": 1, "500": 1} {
		if got := metricstest.Value(t, reg, "finhealth_http_requests_total", "route", "GET /teapot", "status", status); got != want {
			t.Errorf("status %s counted %v times, want %v", status, got, want)
		}
	}
}

// BenchmarkRequestMetrics is the instrumentation alone: what the request middleware
// adds per request with metrics on, measurable where a whole request is lost in the
// noise of a shared machine.
func BenchmarkRequestMetrics(b *testing.B) {
	m := newAPIMetrics(prometheus.NewRegistry())
	st := &requestState{route: "GET /api/v1/questionnaire"}
	st.metrics = m.forRoute(st.route)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.observe(st, http.StatusOK, 250*time.Microsecond)
		}
	})
}
