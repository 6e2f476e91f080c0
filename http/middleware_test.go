package http

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"finhealth"
)

func TestRecoverFromPanic(t *testing.T) {
	srv := NewServer(Config{JWTSecret: testSecret, Argon2: testArgon2, Logger: nil}, nil)
	logs := &bytes.Buffer{}
	srv.log = slog.New(slog.NewJSONHandler(logs, nil))
	h := srv.base(srv.headers(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("boom: password=hunter2")
	})))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/anything", nil))
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status %d", rec.Code)
	}
	var body ErrorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error.Code != finhealth.EINTERNAL ||
		strings.Contains(rec.Body.String(), "boom") {
		t.Errorf("body %s", rec.Body)
	}
	if !strings.Contains(logs.String(), "boom") || !strings.Contains(logs.String(), rec.Header().Get("X-Request-ID")) {
		t.Errorf("panic not logged with the request id: %s", logs)
	}
}

func TestGeneratedRequestIDsAreUnique(t *testing.T) {
	seen := map[string]bool{}
	for range 10000 {
		id := newRequestID()
		if len(id) != 24 || strings.Trim(id, "0123456789abcdef") != "" {
			t.Fatalf("request id %q is not 24 lowercase hex digits", id)
		}
		if seen[id] {
			t.Fatalf("request id %q repeats", id)
		}
		seen[id] = true
	}
}

// TestClientGoneIsNotAServerError: a handler failing because its client
// disconnected (the request's context canceled) is a 499 logged at INFO as "client
// went away", never a 500 at ERROR.
func TestClientGoneIsNotAServerError(t *testing.T) {
	srv := NewServer(Config{JWTSecret: testSecret, Argon2: testArgon2}, nil)
	logs := &bytes.Buffer{}
	srv.log = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h := srv.base(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		srv.writeError(w, r, fmt.Errorf("store: user by id: %w", r.Context().Err()))
	}))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/me", nil).WithContext(ctx))
	if rec.Code != statusClientClosed {
		t.Fatalf("status %d, want %d", rec.Code, statusClientClosed)
	}
	if strings.Contains(logs.String(), `"level":"ERROR"`) || !strings.Contains(logs.String(), `"msg":"client went away"`) ||
		!strings.Contains(logs.String(), `"status":499`) {
		t.Fatalf("log:\n%s", logs)
	}
}
