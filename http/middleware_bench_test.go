package http

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// discardWriter is a ResponseWriter that keeps nothing but its header map, so that
// the benchmarks below count the middleware's work rather than a recorder's.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(int)             {}

// BenchmarkMiddleware serves a fixed public body, as GET /api/v1/questionnaire does,
// through the whole chain and through the chain without each layer in turn; the
// difference from "all" is what that layer costs per request.
func BenchmarkMiddleware(b *testing.B) {
	body := bytes.Repeat([]byte("x"), 8400)
	fixed := func(w http.ResponseWriter, _ *http.Request) {
		w.Header()["Content-Type"] = JSONContentType
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body)
	}
	route := []Route{{Method: "GET", Path: "/api/v1/fixed", Access: Public, Status: http.StatusOK,
		Handle: func(w http.ResponseWriter, r *http.Request, _ *Call) error { fixed(w, r); return nil }}}
	withMetrics := NewServer(Config{JWTSecret: testSecret, Argon2: testArgon2, Metrics: prometheus.NewRegistry()}, nil)
	withMetrics.HandleRoutes(route)
	plain := NewServer(Config{JWTSecret: testSecret, Argon2: testArgon2}, nil)
	plain.HandleRoutes(route)
	s := withMetrics
	for _, c := range []struct {
		name string
		h    http.Handler
	}{
		{"all", s.Handler()},
		{"without-metrics", plain.Handler()},
		{"without-base", s.headers(s.mux)},
		{"without-headers", s.base(s.mux)},
		{"without-routing", s.base(s.headers(http.HandlerFunc(fixed)))},
		{"bare", http.HandlerFunc(fixed)},
	} {
		b.Run(c.name, func(b *testing.B) {
			r := httptest.NewRequest("GET", "/api/v1/fixed", nil)
			w := &discardWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				c.h.ServeHTTP(w, r)
			}
		})
	}
}
