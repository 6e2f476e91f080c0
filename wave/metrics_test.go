package wave_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"finhealth"
	"finhealth/internal/metricstest"
	"finhealth/wave"
	"finhealth/wave/wavetest"
)

// TestMetricsCountRequestsByOperationAndOutcome drives successes, a rate-limit storm,
// an outage, a rejected token and a dead grant, and reads the counters as Prometheus
// would: every attempt is counted under its operation with its error class.
func TestMetricsCountRequestsByOperationAndOutcome(t *testing.T) {
	reg := prometheus.NewRegistry()
	e := newEnv(t, wavetest.Options{}, func(c *wave.Config) { c.Metrics = reg })
	ctx := context.Background()
	requests := func(op, outcome string) float64 {
		return metricstest.Value(t, reg, "finhealth_wave_requests_total", "operation", op, "outcome", outcome)
	}

	cn, store := e.connect(t)
	if got := requests("exchange", "ok"); got != 1 {
		t.Errorf("exchange ok = %v, want 1", got)
	}
	if _, err := cn.Businesses(ctx); err != nil {
		t.Fatal(err)
	}
	if got := requests("graphql ListBusinesses", "ok"); got != 1 {
		t.Errorf("ListBusinesses ok = %v, want 1", got)
	}

	acme := e.srv.Seed().AcmeBusinessID
	e.srv.RateLimitNext(2, time.Second)
	if _, err := cn.Customers(ctx, acme, wave.CustomerQuery{}); err != nil {
		t.Fatal(err)
	}
	if got, ok := requests("graphql ListCustomers", "rate_limited"), requests("graphql ListCustomers", "ok"); got != 2 || ok != 1 {
		t.Errorf("ListCustomers: rate_limited = %v, ok = %v; want 2 and 1", got, ok)
	}

	e.srv.FailNext(10, 503)
	if _, err := cn.Accounts(ctx, acme, wave.AccountQuery{}); !errors.Is(err, wave.ErrUnavailable) {
		t.Fatalf("accounts during an outage: %v", err)
	}
	e.srv.FailNext(0, 0)
	if got := requests("graphql ListAccounts", "unavailable"); got != float64(e.cfg.MaxRetries+1) {
		t.Errorf("ListAccounts unavailable = %v, want %d (every attempt)", got, e.cfg.MaxRetries+1)
	}

	e.srv.ExpireAccessTokens() // rejected, refreshed, retried
	if _, err := cn.User(ctx); err != nil {
		t.Fatal(err)
	}
	if requests("graphql CurrentUser", "unauthenticated") != 1 || requests("refresh", "ok") != 1 || requests("graphql CurrentUser", "ok") != 1 {
		t.Errorf("token rejection: unauthenticated %v, refresh ok %v, ok %v; want 1 each",
			requests("graphql CurrentUser", "unauthenticated"), requests("refresh", "ok"), requests("graphql CurrentUser", "ok"))
	}

	e.srv.RevokeGrants()
	_, err := e.client.Refresh(ctx, store.token().RefreshToken)
	var re *finhealth.WaveReconnectError
	if !errors.As(err, &re) {
		t.Fatalf("refresh of a revoked grant: %v", err)
	}
	if got := requests("refresh", "invalid_grant"); got != 1 {
		t.Errorf("refresh invalid_grant = %v, want 1", got)
	}

	// A caller giving up (a sync stopping) is not Wave failing.
	cn2, _ := e.connect(t)
	e.srv.Update(func(o *wavetest.Options) { o.Latency = 300 * time.Millisecond })
	cctx, cancel := context.WithCancel(ctx)
	time.AfterFunc(50*time.Millisecond, cancel)
	if _, err := cn2.User(cctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled call: %v", err)
	}
	e.srv.Update(func(o *wavetest.Options) { o.Latency = 0 })
	if got := requests("graphql CurrentUser", "canceled"); got != 1 {
		t.Errorf("CurrentUser canceled = %v, want 1", got)
	}

	if got := metricstest.Value(t, reg, "finhealth_wave_request_duration_seconds", "operation", "graphql ListCustomers"); got != 3 {
		t.Errorf("ListCustomers durations observed = %v, want 3", got)
	}
}

// TestMetricsRegistrationConflict: two clients on one registry would double-count,
// so the second is refused at construction rather than panicking later.
func TestMetricsRegistrationConflict(t *testing.T) {
	reg := prometheus.NewRegistry()
	cfg := wave.DefaultConfig()
	cfg.Metrics = reg
	if _, err := wave.New(cfg); err != nil {
		t.Fatal(err)
	}
	if _, err := wave.New(cfg); err == nil {
		t.Fatal("a second client registered the same metrics")
	}
}
