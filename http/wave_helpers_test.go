package http

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"finhealth"
	"finhealth/internal/testdb"
	"finhealth/store"
	"finhealth/wave"
	"finhealth/wave/wavetest"
	"finhealth/worker"
)

// The Wave routes meet the real store, the real Wave client talking to the fake Wave,
// and the real worker on River here, wired as cmd/finhealth wires them. Tests may
// import other adapters; only the non-test code of http may not.

// waveEnv is a fake Wave, a Wave client configured for it, and a worker.
type waveEnv struct {
	fake   *wavetest.Server
	client *wave.Client
	gw     finhealth.WaveGateway
	worker *worker.Worker
	logs   *syncBuffer  // the Wave client's and the worker's
	writes *workerStore // the worker's store, which tells of its writes

	mu     sync.Mutex
	bodies []string // every response body the wave tests saw, for the leak check
}

type waveEnvOptions struct {
	// startWorker runs the worker's jobs; without it syncs are queued and stay so,
	// which is all the role matrix needs.
	startWorker bool
	// fake configures the fake Wave; client adjusts the Wave client's configuration.
	fake   wavetest.Options
	client func(*wave.Config)
}

// workerStore is the worker's store, which announces the writes that end a piece of
// background work (a sync run finished or abandoned, metrics or a score recorded), so
// that a test waits for them rather than polling against a deadline.
type workerStore struct {
	*store.DB
	mu   sync.Mutex
	next chan struct{} // closed at the next write
}

// written returns a channel closed at the next announced write. Take it before
// looking at what the write would change, so that a write in between is not missed.
func (s *workerStore) written() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.next == nil {
		s.next = make(chan struct{})
	}
	return s.next
}

func (s *workerStore) announce() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.next != nil {
		close(s.next)
		s.next = nil
	}
}

func (s *workerStore) FinishSyncRun(ctx context.Context, runID string, status finhealth.SyncStatus, p finhealth.SyncProgress, errMsg string, warnings ...string) (*finhealth.SyncRun, error) {
	defer s.announce()
	return s.DB.FinishSyncRun(ctx, runID, status, p, errMsg, warnings...)
}

func (s *workerStore) AbandonSyncRuns(ctx context.Context, before time.Time) (int, error) {
	defer s.announce()
	return s.DB.AbandonSyncRuns(ctx, before)
}

func (s *workerStore) InsertMetrics(ctx context.Context, orgID string, asOf time.Time, metrics []finhealth.MetricValue) error {
	defer s.announce()
	return s.DB.InsertMetrics(ctx, orgID, asOf, metrics)
}

func (s *workerStore) InsertHealthScore(ctx context.Context, orgID string, hs finhealth.HealthScore) error {
	defer s.announce()
	return s.DB.InsertHealthScore(ctx, orgID, hs)
}

// waitFor waits until done reports true, checking it at first and after every write
// the worker announces, until the test's deadline; what names the wait in the failure.
func (e *waveEnv) waitFor(t testing.TB, what string, done func() bool) {
	t.Helper()
	ctx := testContext(t)
	for {
		written := e.writes.written()
		if done() {
			return
		}
		select {
		case <-written:
		case <-ctx.Done():
			t.Fatalf("gave up waiting for %s at the test's deadline", what)
		}
	}
}

// newWaveEnv starts a fake Wave and a worker on db. The worker's clock is real, as
// are River's and the fake's (which dates its seed data from it).
func newWaveEnv(t testing.TB, db *store.DB, o waveEnvOptions) *waveEnv {
	t.Helper()
	srv := wavetest.NewServer(o.fake)
	t.Cleanup(srv.Close)
	logs := &syncBuffer{}
	logger := newJSONLogger(logs)

	wc := wave.DefaultConfig()
	wc.ClientID, wc.ClientSecret, wc.RedirectURI = wavetest.DefaultClientID, wavetest.DefaultClientSecret, wavetest.DefaultRedirectURI
	wc.SetOAuthBase(srv.Endpoints().OAuthBase)
	wc.GraphQLURL = srv.Endpoints().GraphQLURL
	wc.RequestsPerSecond, wc.MaxRetries, wc.RequestTimeout = 0, 1, 10*time.Second
	wc.Sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	wc.Logger = logger
	if o.client != nil {
		o.client(&wc)
	}
	client, err := wave.New(wc)
	if err != nil {
		t.Fatal(err)
	}
	gw := wave.NewGateway(client)

	rdb := riverDatabase(t, db)
	if err := worker.Migrate(context.Background(), rdb, logger); err != nil {
		t.Fatal(err)
	}
	writes := &workerStore{DB: db}
	w, err := worker.New(worker.Config{
		Store: writes, Gateway: gw, DB: rdb, Logger: logger,
		RetryBackoff: 10 * time.Millisecond, MaxRetryBackoff: 50 * time.Millisecond, MaxAttempts: 2,
		PollInterval: 20 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if o.startWorker {
		// Stopping waits for running jobs until the test's deadline, which is
		// taken now so that it outlives the cleanup below.
		stopCtx := testContext(t)
		ctx, cancel := context.WithCancel(context.Background())
		if err := w.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_ = w.Stop(stopCtx)
			cancel()
		})
	}
	return &waveEnv{fake: srv, client: client, gw: gw, worker: w, logs: logs, writes: writes}
}

// riverDatabase opens River's own handle on the test's database, as cmd/finhealth
// does on the application's: a one-connection handle on the SQLite file, or a pgx
// pool on the PostgreSQL database.
func riverDatabase(t testing.TB, db *store.DB) worker.Database {
	t.Helper()
	pg, lite := testdb.RiverHandles(t, db)
	return worker.Database{Postgres: pg, SQLite: lite}
}

// newWaveAPI is newAPI with Wave and the worker plugged in.
func newWaveAPI(t *testing.T, db *store.DB, o waveEnvOptions, tune ...func(*Config)) *testAPI {
	t.Helper()
	env := newWaveEnv(t, db, o)
	a := newAPI(t, db, append([]func(*Config){func(c *Config) {
		c.Wave, c.Sync = env.gw, env.worker
	}}, tune...)...)
	a.wave = env
	return a
}

// call sends a request and keeps the body for the leak check.
func (a *testAPI) call(method, path, token string, body any) *response {
	a.t.Helper()
	r := req{Method: method, Path: path, Token: token}
	if body != nil {
		r.Body = body
	}
	res := a.Do(r)
	if a.wave != nil {
		a.wave.mu.Lock()
		a.wave.bodies = append(a.wave.bodies, string(res.Body))
		a.wave.mu.Unlock()
	}
	return res
}

func orgPath(orgID, rest string) string { return "/api/v1/organizations/" + orgID + rest }

// startConnect asks for an authorize URL.
func (a *testAPI) startConnect(acc account, orgID string) connectStarted {
	a.t.Helper()
	var cs connectStarted
	a.call("POST", orgPath(orgID, "/wave/connect"), acc.Token, nil).Expect(a.t, http.StatusOK).Decode(a.t, &cs)
	return cs
}

var noFollow = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Timeout: 10 * time.Second}

// authorize visits the authorize URL as the owner's browser would and returns the
// query Wave redirects back with (code and state, or error and state).
func (a *testAPI) authorize(authorizeURL string) url.Values {
	a.t.Helper()
	resp, err := noFollow.Get(authorizeURL)
	if err != nil {
		a.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		a.t.Fatalf("authorize: status %d, want 302", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		a.t.Fatal(err)
	}
	if !strings.HasPrefix(loc.String(), wavetest.DefaultRedirectURI) {
		a.t.Fatalf("authorize redirected to %s, not the registered redirect URI", loc.Redacted())
	}
	return loc.Query()
}

// callback delivers Wave's redirect to the API.
func (a *testAPI) callback(token string, q url.Values) *response {
	a.t.Helper()
	return a.call("GET", "/api/v1/wave/callback?"+q.Encode(), token, nil)
}

// connectWave runs the whole authorization through the API and the fake.
func (a *testAPI) connectWave(acc account, orgID string) callbackResult {
	a.t.Helper()
	cs := a.startConnect(acc, orgID)
	var res callbackResult
	a.callback(acc.Token, a.authorize(cs.AuthorizeURL)).Expect(a.t, http.StatusOK).Decode(a.t, &res)
	return res
}

func (a *testAPI) chooseBusiness(acc account, orgID, businessID string) businessChosen {
	a.t.Helper()
	var res businessChosen
	a.call("POST", orgPath(orgID, "/wave/business"), acc.Token, map[string]string{"business_id": businessID}).
		Expect(a.t, http.StatusOK).Decode(a.t, &res)
	return res
}

// waitRun waits for the run to finish, reading it through the API at first and after
// every write that can end a run.
func (a *testAPI) waitRun(acc account, orgID, runID string) syncRunView {
	a.t.Helper()
	var run syncRunView
	a.wave.waitFor(a.t, "sync run "+runID+" to finish", func() bool {
		a.call("GET", orgPath(orgID, "/wave/sync-runs/"+runID), acc.Token, nil).Expect(a.t, http.StatusOK).Decode(a.t, &run)
		return !run.Status.Active()
	})
	return run
}

// connectAndSync connects the organization to a business of the fake and waits for
// its first sync to succeed.
func (a *testAPI) connectAndSync(acc account, orgID, businessID string) syncRunView {
	a.t.Helper()
	a.connectWave(acc, orgID)
	chosen := a.chooseBusiness(acc, orgID, businessID)
	if chosen.SyncRun == nil {
		a.t.Fatalf("no sync queued after choosing a business: %s", chosen.Warning)
	}
	run := a.waitRun(acc, orgID, chosen.SyncRun.ID)
	if run.Status != finhealth.SyncSucceeded {
		a.t.Fatalf("first sync %s: %s", run.Status, deref(run.Error))
	}
	return run
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// checkNoSecrets fails when any code, token or the client secret the fake issued
// appears in a response body or a log line (the API's, the Wave client's or the
// worker's).
func (a *testAPI) checkNoSecrets(t *testing.T) {
	t.Helper()
	env := a.wave
	env.mu.Lock()
	bodies := strings.Join(env.bodies, "\n")
	env.mu.Unlock()
	haystacks := map[string]string{"response bodies": bodies, "API log": a.logs.String(), "Wave and worker log": env.logs.String()}
	secrets := env.fake.IssuedSecrets()
	if len(secrets) < 3 {
		t.Fatalf("the fake issued only %d secrets; the check would prove nothing", len(secrets))
	}
	for where, text := range haystacks {
		for _, s := range secrets {
			if s != "" && strings.Contains(text, s) {
				t.Errorf("a Wave secret (%d chars) appears in the %s", len(s), where)
			}
		}
	}
}

// ErrorMessage returns the message of an error body.
func (r *response) ErrorMessage(t *testing.T) string {
	t.Helper()
	var e errorBody
	r.Decode(t, &e)
	return e.Error.Message
}

// accessTokenWorks asks the fake's GraphQL API who the token's user is: false when
// the fake answers UNAUTHENTICATED (revoked, expired or unknown token).
func (env *waveEnv) accessTokenWorks(t *testing.T, access string) bool {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, env.fake.Endpoints().GraphQLURL, strings.NewReader(`{"query":"{ user { id } }"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+access)
	resp, err := noFollow.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Errors []struct {
			Extensions struct {
				Code string `json:"code"`
			} `json:"extensions"`
		} `json:"errors"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("GraphQL answer: %v", err)
	}
	for _, e := range body.Errors {
		if e.Extensions.Code == "UNAUTHENTICATED" {
			return false
		}
	}
	if resp.StatusCode != http.StatusOK || len(body.Errors) > 0 {
		t.Fatalf("GraphQL answered %d with errors %+v", resp.StatusCode, body.Errors)
	}
	return true
}

// refreshError tries to refresh with the token at the fake and returns the OAuth
// error code, "" when the refresh succeeded. A success rotates the token, so call it
// only on a token expected to be dead.
func (env *waveEnv) refreshError(t *testing.T, refresh string) string {
	t.Helper()
	resp, err := noFollow.PostForm(env.fake.Endpoints().TokenURL, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh},
		"client_id": {wavetest.DefaultClientID}, "client_secret": {wavetest.DefaultClientSecret}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Error string `json:"error"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&body)
	if resp.StatusCode == http.StatusOK {
		return ""
	}
	return body.Error
}
