package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"finhealth"
	"finhealth/http/internal/servertest"
	"finhealth/internal/testdb"
	"finhealth/store"
)

// TestFullDatabaseIs503AndRecovers: while SQLite cannot grow (a real SQLITE_FULL,
// from max_page_count at the file's size) a write answers 503 "unavailable" with
// Retry-After, readiness fails, the log tells the outage in one ERROR instead of one
// per request, and once the database has room again the same requests succeed.
func TestFullDatabaseIs503AndRecovers(t *testing.T) {
	ctx := context.Background()
	// One connection, so that lifting the limit below reaches the only one there is.
	db := testdb.OpenFullSQLite(t, store.WithMaxConns(1))
	a := newAPI(t, db)

	register := func(i int) *servertest.Response {
		return a.Post("/api/v1/auth/register", "", map[string]string{
			"email": fmt.Sprintf("full%d@example.com", i), "password": servertest.Password, "name": "Full",
		})
	}
	// Registrations fill the database until it is full.
	i := 0
	for ; i < 10000; i++ {
		if res := register(i); res.Status != http.StatusCreated {
			break
		}
	}
	for n := range 20 {
		res := register(i+n).Expect(t, http.StatusServiceUnavailable)
		if got := res.ErrorCode(t); got != finhealth.EUNAVAILABLE {
			t.Fatalf("error code %q, want %q", got, finhealth.EUNAVAILABLE)
		}
		if res.Header.Get("Retry-After") == "" {
			t.Fatal("503 without Retry-After")
		}
	}
	a.Get("/readyz", "").Expect(t, http.StatusServiceUnavailable)
	logs := a.Logs.String()
	if n := strings.Count(logs, `"level":"ERROR"`); n != 1 {
		t.Fatalf("%d ERROR lines during the outage, want 1:\n%s", n, logs)
	}

	if _, err := db.SQL().ExecContext(ctx, `PRAGMA max_page_count = 1000000`); err != nil {
		t.Fatal(err)
	}
	a.Get("/readyz", "").Expect(t, http.StatusOK)
	register(i+100).Expect(t, http.StatusCreated)
	// 21 registrations failed; the readiness probe's own failure is its WARN line,
	// not a request the outage failed.
	if logs := a.Logs.String(); !strings.Contains(logs, "database available again after 21 failures") {
		t.Fatalf("no recovery line:\n%s", logs)
	}
}
