package api

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"finhealth"
	fhttp "finhealth/http"
	"finhealth/http/internal/servertest"
	"finhealth/internal/testdb"
	"finhealth/scoring"
	"finhealth/store"
)

// The hot paths' targets (2 cores): questionnaire 30k req/s, latest 15k req/s, POST
// assessment 5k req/s. These benchmarks measure the handler stack in process, without
// the network; scripts/loadtest.sh measures the real server.

func BenchmarkQuestionnaire(b *testing.B) {
	benchQuestionnaire(b, fhttp.Config{JWTSecret: servertest.Secret, Argon2: servertest.Argon2})
}

// BenchmarkQuestionnaireWithMetrics is BenchmarkQuestionnaire with the Prometheus
// instruments on: the difference is what counting a request costs on the hottest
// route.
func BenchmarkQuestionnaireWithMetrics(b *testing.B) {
	benchQuestionnaire(b, fhttp.Config{JWTSecret: servertest.Secret, Argon2: servertest.Argon2, Metrics: prometheus.NewRegistry()})
}

func benchQuestionnaire(b *testing.B, cfg fhttp.Config) {
	srv := fhttp.NewServer(cfg, nil)
	Mount(srv)
	h := srv.Handler()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		r := httptest.NewRequest("GET", "/api/v1/questionnaire", nil)
		for pb.Next() {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != http.StatusOK {
				b.Fatalf("status %d", w.Code)
			}
		}
	})
}

func BenchmarkQuestionnaireNotModified(b *testing.B) {
	srv := fhttp.NewServer(fhttp.Config{JWTSecret: servertest.Secret, Argon2: servertest.Argon2}, nil)
	api := Mount(srv)
	h := srv.Handler()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		r := httptest.NewRequest("GET", "/api/v1/questionnaire", nil)
		r.Header.Set("If-None-Match", api.questionnaire.plain.etag)
		for pb.Next() {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != http.StatusNotModified {
				b.Fatalf("status %d", w.Code)
			}
		}
	})
}

// benchAPI is a server over a fresh database of the dialect with one owner whose
// organization has an assessment.
func benchAPI(b *testing.B, dialect string) (http.Handler, string) {
	db := testdb.Open(b, dialect)
	ctx := context.Background()
	for _, q := range scoring.Questionnaires() {
		if err := db.EnsureQuestionnaire(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	srv := fhttp.NewServer(fhttp.Config{JWTSecret: servertest.Secret, Argon2: servertest.Argon2}, db)
	Mount(srv)
	u, o, err := db.Register(ctx, finhealth.NewUser{Email: "bench@example.com", Name: "Bench", PasswordHash: servertest.FixtureHash, Role: finhealth.RoleUser},
		finhealth.NewOrganization{Name: "Bench"})
	if err != nil {
		b.Fatal(err)
	}
	servertest.StoreAssessment(b, db, o.ID, u.ID, 1)
	tok, err := fhttp.Accounts{Server: srv}.AccessToken(ctx, u.ID)
	if err != nil {
		b.Fatal(err)
	}
	return srv.Handler(), tok
}

// benchParallelism keeps several requests in flight per core, as a loaded server
// does, so that database round trips overlap instead of serializing the benchmark.
const benchParallelism = 8

func eachBenchDB(b *testing.B, fn func(b *testing.B, dialect string)) {
	for _, d := range []string{store.DialectSQLite, store.DialectPostgres} {
		b.Run(d, func(b *testing.B) { fn(b, d) })
	}
}

func BenchmarkLatestAssessment(b *testing.B) {
	eachBenchDB(b, func(b *testing.B, dialect string) {
		h, tok := benchAPI(b, dialect)
		b.ReportAllocs()
		b.SetParallelism(benchParallelism)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			r := httptest.NewRequest("GET", "/api/v1/assessments/latest", nil)
			r.Header.Set("Authorization", "Bearer "+tok)
			for pb.Next() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					b.Fatalf("status %d: %s", w.Code, w.Body)
				}
			}
		})
	})
}

func BenchmarkCreateAssessment(b *testing.B) {
	eachBenchDB(b, func(b *testing.B, dialect string) {
		h, tok := benchAPI(b, dialect)
		body, _ := json.Marshal(map[string]any{"answers": servertest.Answers(2)})
		b.ReportAllocs()
		b.SetParallelism(benchParallelism)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				r := httptest.NewRequest("POST", "/api/v1/assessments", bytes.NewReader(body))
				r.Header.Set("Authorization", "Bearer "+tok)
				r.Header.Set("Content-Type", "application/json")
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != http.StatusCreated {
					b.Fatalf("status %d: %s", w.Code, w.Body)
				}
			}
		})
	})
}

// BenchmarkDecodeAssessmentRequest measures the strict decoding of a complete
// submission, the largest piece of POST /assessments' own work.
func BenchmarkDecodeAssessmentRequest(b *testing.B) {
	body, _ := json.Marshal(map[string]any{"answers": servertest.Answers(2)})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeAssessmentRequest(bytes.NewReader(body)); err != nil {
			b.Fatal(err)
		}
	}
}
