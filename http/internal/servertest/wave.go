package servertest

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
	fhttp "finhealth/http"
	"finhealth/internal/testdb"
	"finhealth/store"
	"finhealth/wave"
	"finhealth/wave/wavetest"
	"finhealth/worker"
)

// The Wave routes meet the real store, the real Wave client talking to the fake Wave,
// and the real worker on River here, wired as cmd/finhealth wires them. Tests may
// import other adapters; only the non-test code of http may not.

// WaveEnv is a fake Wave, a Wave client configured for it, and a worker.
type WaveEnv struct {
	Fake    *wavetest.Server
	Client  *wave.Client
	Gateway finhealth.WaveGateway
	worker  *worker.Worker
	logs    *SyncBuffer  // the Wave client's and the worker's
	writes  *workerStore // the worker's store, which tells of its writes

	mu     sync.Mutex
	bodies []string // every response body the wave tests saw, for the leak check
}

// WaveOptions configure NewWave's fake Wave, Wave client and worker.
type WaveOptions struct {
	// StartWorker runs the worker's jobs; without it syncs are queued and stay so,
	// which is all the role matrix needs.
	StartWorker bool
	// Fake configures the fake Wave; Client adjusts the Wave client's configuration.
	Fake   wavetest.Options
	Client func(*wave.Config)
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

// WaitFor waits until done reports true, checking it at first and after every write
// the worker announces, until the test's deadline; what names the wait in the failure.
func (e *WaveEnv) WaitFor(t testing.TB, what string, done func() bool) {
	t.Helper()
	ctx := Context(t)
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
func newWaveEnv(t testing.TB, db *store.DB, o WaveOptions) *WaveEnv {
	t.Helper()
	srv := wavetest.NewServer(o.Fake)
	t.Cleanup(srv.Close)
	logs := &SyncBuffer{}
	logger := newJSONLogger(logs)

	wc := wave.DefaultConfig()
	wc.ClientID, wc.ClientSecret, wc.RedirectURI = wavetest.DefaultClientID, wavetest.DefaultClientSecret, wavetest.DefaultRedirectURI
	wc.SetOAuthBase(srv.Endpoints().OAuthBase)
	wc.GraphQLURL = srv.Endpoints().GraphQLURL
	wc.RequestsPerSecond, wc.MaxRetries, wc.RequestTimeout = 0, 1, 10*time.Second
	wc.Sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	wc.Logger = logger
	if o.Client != nil {
		o.Client(&wc)
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
	if o.StartWorker {
		// Stopping waits for running jobs until the test's deadline, which is
		// taken now so that it outlives the cleanup below.
		stopCtx := Context(t)
		ctx, cancel := context.WithCancel(context.Background())
		if err := w.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_ = w.Stop(stopCtx)
			cancel()
		})
	}
	return &WaveEnv{Fake: srv, Client: client, Gateway: gw, worker: w, logs: logs, writes: writes}
}

// riverDatabase opens River's own handle on the test's database, as cmd/finhealth
// does on the application's: a one-connection handle on the SQLite file, or a pgx
// pool on the PostgreSQL database.
func riverDatabase(t testing.TB, db *store.DB) worker.Database {
	t.Helper()
	pg, lite := testdb.RiverHandles(t, db)
	return worker.Database{Postgres: pg, SQLite: lite}
}

// NewWave is New with Wave and the worker plugged in; the worker also takes the
// mail, which it captures (no mail server).
func NewWave(t *testing.T, db *store.DB, o WaveOptions, mount func(*fhttp.Server), tune ...func(*fhttp.Config)) *API {
	t.Helper()
	env := newWaveEnv(t, db, o)
	a := New(t, db, mount, append([]func(*fhttp.Config){func(c *fhttp.Config) {
		c.Wave, c.Sync, c.Mail = env.Gateway, env.worker, env.worker
	}}, tune...)...)
	a.Wave = env
	return a
}

// Call sends a request and keeps the body for the leak check.
func (a *API) Call(method, path, token string, body any) *Response {
	a.T.Helper()
	r := Request{Method: method, Path: path, Token: token}
	if body != nil {
		r.Body = body
	}
	res := a.Do(r)
	if a.Wave != nil {
		a.Wave.mu.Lock()
		a.Wave.bodies = append(a.Wave.bodies, string(res.Body))
		a.Wave.mu.Unlock()
	}
	return res
}

// OrgPath is the API path of the organization, followed by rest.
func OrgPath(orgID, rest string) string { return "/api/v1/organizations/" + orgID + rest }

// StartConnect asks for an authorize URL.
func (a *API) StartConnect(acc Account, orgID string) fhttp.ConnectStarted {
	a.T.Helper()
	var cs fhttp.ConnectStarted
	a.Call("POST", OrgPath(orgID, "/wave/connect"), acc.Token, nil).Expect(a.T, http.StatusOK).Decode(a.T, &cs)
	return cs
}

var noFollow = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Timeout: 10 * time.Second}

// Authorize visits the authorize URL as the owner's browser would and returns the
// query Wave redirects back with (code and state, or error and state).
func (a *API) Authorize(authorizeURL string) url.Values {
	a.T.Helper()
	resp, err := noFollow.Get(authorizeURL)
	if err != nil {
		a.T.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		a.T.Fatalf("authorize: status %d, want 302", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		a.T.Fatal(err)
	}
	if !strings.HasPrefix(loc.String(), wavetest.DefaultRedirectURI) {
		a.T.Fatalf("authorize redirected to %s, not the registered redirect URI", loc.Redacted())
	}
	return loc.Query()
}

// Callback delivers Wave's redirect to the API.
func (a *API) Callback(token string, q url.Values) *Response {
	a.T.Helper()
	return a.Call("GET", "/api/v1/wave/callback?"+q.Encode(), token, nil)
}

// ConnectWave runs the whole authorization through the API and the fake.
func (a *API) ConnectWave(acc Account, orgID string) fhttp.CallbackResult {
	a.T.Helper()
	cs := a.StartConnect(acc, orgID)
	var res fhttp.CallbackResult
	a.Callback(acc.Token, a.Authorize(cs.AuthorizeURL)).Expect(a.T, http.StatusOK).Decode(a.T, &res)
	return res
}

// ChooseBusiness chooses the business of the organization's connection through the API.
func (a *API) ChooseBusiness(acc Account, orgID, businessID string) fhttp.BusinessChosen {
	a.T.Helper()
	var res fhttp.BusinessChosen
	a.Call("POST", OrgPath(orgID, "/wave/business"), acc.Token, map[string]string{"business_id": businessID}).
		Expect(a.T, http.StatusOK).Decode(a.T, &res)
	return res
}

// WaitRun waits for the run to finish, reading it through the API at first and after
// every write that can end a run.
func (a *API) WaitRun(acc Account, orgID, runID string) fhttp.SyncRunView {
	a.T.Helper()
	var run fhttp.SyncRunView
	a.Wave.WaitFor(a.T, "sync run "+runID+" to finish", func() bool {
		a.Call("GET", OrgPath(orgID, "/wave/sync-runs/"+runID), acc.Token, nil).Expect(a.T, http.StatusOK).Decode(a.T, &run)
		return !run.Status.Active()
	})
	return run
}

// ConnectAndSync connects the organization to a business of the fake and waits for
// its first sync to succeed.
func (a *API) ConnectAndSync(acc Account, orgID, businessID string) fhttp.SyncRunView {
	a.T.Helper()
	a.ConnectWave(acc, orgID)
	chosen := a.ChooseBusiness(acc, orgID, businessID)
	if chosen.SyncRun == nil {
		a.T.Fatalf("no sync queued after choosing a business: %s", chosen.Warning)
	}
	run := a.WaitRun(acc, orgID, chosen.SyncRun.ID)
	if run.Status != finhealth.SyncSucceeded {
		a.T.Fatalf("first sync %s: %s", run.Status, Deref(run.Error))
	}
	return run
}

// Deref is *s, "" for nil.
func Deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// CheckNoSecrets fails when any code, token or the client secret the fake issued
// appears in a response body or a log line (the API's, the Wave client's or the
// worker's).
func (a *API) CheckNoSecrets(t *testing.T) {
	t.Helper()
	env := a.Wave
	env.mu.Lock()
	bodies := strings.Join(env.bodies, "\n")
	env.mu.Unlock()
	haystacks := map[string]string{"response bodies": bodies, "API log": a.Logs.String(), "Wave and worker log": env.logs.String()}
	secrets := env.Fake.IssuedSecrets()
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
func (r *Response) ErrorMessage(t *testing.T) string {
	t.Helper()
	var e fhttp.ErrorBody
	r.Decode(t, &e)
	return e.Error.Message
}

// AccessTokenWorks asks the fake's GraphQL API who the token's user is: false when
// the fake answers UNAUTHENTICATED (revoked, expired or unknown token).
func (env *WaveEnv) AccessTokenWorks(t *testing.T, access string) bool {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, env.Fake.Endpoints().GraphQLURL, strings.NewReader(`{"query":"{ user { id } }"}`))
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

// RefreshError tries to refresh with the token at the fake and returns the OAuth
// error code, "" when the refresh succeeded. A success rotates the token, so call it
// only on a token expected to be dead.
func (env *WaveEnv) RefreshError(t *testing.T, refresh string) string {
	t.Helper()
	resp, err := noFollow.PostForm(env.Fake.Endpoints().TokenURL, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh},
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
