package wave_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"finhealth"
	"finhealth/wave"
	"finhealth/wave/wavetest"
)

// start is the fixed "now" of every test, so that overdue amounts and expiries are
// the same on every run.
var start = time.Date(2025, 6, 15, 12, 0, 0, 0, time.UTC)

// memStore is a TokenStore in memory that records every save.
type memStore struct {
	mu     sync.Mutex
	tok    finhealth.OAuthToken
	saves  []finhealth.OAuthToken
	loads  int
	onSave func(finhealth.OAuthToken) error
}

func (s *memStore) Load(context.Context) (finhealth.OAuthToken, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loads++
	return s.tok, nil
}

func (s *memStore) Save(_ context.Context, t finhealth.OAuthToken) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.onSave != nil {
		if err := s.onSave(t); err != nil {
			return err
		}
	}
	s.tok = t
	s.saves = append(s.saves, t)
	return nil
}

func (s *memStore) token() finhealth.OAuthToken {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tok
}

func (s *memStore) saveCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.saves)
}

// syncBuffer collects log output from concurrent goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

type env struct {
	srv    *wavetest.Server
	clock  *wavetest.Clock
	client *wave.Client
	cfg    wave.Config
	logs   *syncBuffer
}

// newEnv starts a fake Wave and a client sharing one manual clock, so that backoff,
// Retry-After and token expiry cost no real time. The client logs at debug level into
// env.logs.
func newEnv(t testing.TB, opts wavetest.Options, configure func(*wave.Config)) *env {
	t.Helper()
	clock := wavetest.NewClock(start)
	opts.Now = clock.Now
	srv := wavetest.NewServer(opts)
	t.Cleanup(srv.Close)
	logs := &syncBuffer{}
	ep := srv.Endpoints()
	cfg := wave.DefaultConfig()
	cfg.ClientID = wavetest.DefaultClientID
	cfg.ClientSecret = wavetest.DefaultClientSecret
	cfg.RedirectURI = wavetest.DefaultRedirectURI
	cfg.SetOAuthBase(ep.OAuthBase)
	cfg.GraphQLURL = ep.GraphQLURL
	cfg.RequestsPerSecond = 0
	cfg.MaxRetries = 4
	cfg.RequestTimeout = 5 * time.Second
	cfg.Now = clock.Now
	cfg.Sleep = clock.Sleep
	cfg.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if configure != nil {
		configure(&cfg)
	}
	c, err := wave.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &env{srv: srv, clock: clock, client: c, cfg: cfg, logs: logs}
}

// authorize follows the authorize URL like a browser that stops at the redirect back
// to the app, and returns the callback's query.
func (e *env) authorize(t testing.TB, state, challenge string, opts ...wave.AuthorizeOption) url.Values {
	t.Helper()
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(e.client.AuthorizeURL(state, challenge, opts...))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize: status %d, want 302", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return loc.Query()
}

// connect runs the whole OAuth flow and returns a Conn over a fresh memStore.
func (e *env) connect(t testing.TB) (*wave.Conn, *memStore) {
	t.Helper()
	verifier, challenge := wave.NewPKCE()
	code, state, err := wave.ParseCallback(e.authorize(t, "state-1", challenge))
	if err != nil || state != "state-1" {
		t.Fatalf("callback: state %q, err %v", state, err)
	}
	tok, err := e.client.Exchange(context.Background(), code, verifier)
	if err != nil {
		t.Fatal(err)
	}
	store := &memStore{tok: tok}
	return e.client.Conn(t.Name(), store), store
}
