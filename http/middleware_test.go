package http

import (
	"bytes"
	"encoding/json"
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
