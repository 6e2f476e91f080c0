package worker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"finhealth"
	"finhealth/internal/testdb"
	"finhealth/store"
	"finhealth/wave"
	"finhealth/wave/wavetest"
)

// syncBuffer collects log lines from concurrent goroutines.
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

// hookStore lets a test act in the middle of a sync (expire tokens, crash, stop)
// by running a function before the nth page of invoices is written.
type hookStore struct {
	*store.DB
	mu            sync.Mutex
	invoicePages  int
	beforeInvoice map[int]func()
	scoring       [2]time.Time // the first LedgerSummary and the last InsertHealthScore
	invoicing     [2]time.Time // the first and the last UpsertInvoices
	// afterHealth runs once, after the next Health: every input of a score has been
	// read, and the score is stored once it returns.
	afterHealth func()
}

func (h *hookStore) Health(ctx context.Context, orgID string, now time.Time) (*finhealth.HealthReport, error) {
	r, err := h.DB.Health(ctx, orgID, now)
	h.mu.Lock()
	fn := h.afterHealth
	h.afterHealth = nil
	h.mu.Unlock()
	if fn != nil {
		fn()
	}
	return r, err
}

// onHealthRead runs fn once, after the next health computation has read its inputs.
func (h *hookStore) onHealthRead(fn func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.afterHealth = fn
}

func (h *hookStore) LedgerSummary(ctx context.Context, orgID string, asOf time.Time) (*finhealth.LedgerSnapshot, error) {
	h.mu.Lock()
	if h.scoring[0].IsZero() {
		h.scoring[0] = time.Now()
	}
	h.mu.Unlock()
	return h.DB.LedgerSummary(ctx, orgID, asOf)
}

func (h *hookStore) InsertHealthScore(ctx context.Context, orgID string, s finhealth.HealthScore) error {
	err := h.DB.InsertHealthScore(ctx, orgID, s)
	h.mu.Lock()
	h.scoring[1] = time.Now()
	h.mu.Unlock()
	return err
}

func (h *hookStore) UpsertInvoices(ctx context.Context, orgID string, invs []finhealth.Invoice) (int, error) {
	h.mu.Lock()
	h.invoicePages++
	fn := h.beforeInvoice[h.invoicePages]
	h.mu.Unlock()
	if fn != nil {
		fn()
	}
	h.mu.Lock()
	if h.invoicing[0].IsZero() {
		h.invoicing[0] = time.Now()
	}
	h.mu.Unlock()
	n, err := h.DB.UpsertInvoices(ctx, orgID, invs)
	h.mu.Lock()
	h.invoicing[1] = time.Now()
	h.mu.Unlock()
	return n, err
}

// onInvoicePage runs fn before the nth write of invoices from now on.
func (h *hookStore) onInvoicePage(n int, fn func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.beforeInvoice == nil {
		h.beforeInvoice = map[int]func(){}
	}
	h.beforeInvoice[h.invoicePages+n] = fn
}

// requestHooks runs functions before given GraphQL requests of the Wave client, so
// that a test can act at an exact point of a sync's reads (which run ahead of its
// writes). Retries count as requests.
type requestHooks struct {
	base  http.RoundTripper
	mu    sync.Mutex
	n     int
	hooks map[int]func()
}

func (h *requestHooks) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/graphql/public") {
		h.mu.Lock()
		h.n++
		fn := h.hooks[h.n]
		h.mu.Unlock()
		if fn != nil {
			fn()
		}
	}
	return h.base.RoundTrip(r)
}

type env struct {
	t      testing.TB
	reqs   *requestHooks
	db     *store.DB
	store  *hookStore
	srv    *wavetest.Server
	clock  *wavetest.Clock
	client *wave.Client
	gw     wave.Gateway
	river  Database
	logs   *syncBuffer
	cfg    Config
	w      *Worker
	owners map[string]string // organization id -> owner's user id
}

// newEnv starts a fake Wave and a Wave client sharing a manual clock, so that
// backoff and Retry-After cost no time. The clock starts at the real time because
// the store stamps rows with the real clock, and pruning and scheduling compare the
// two.
func newEnv(t testing.TB, db *store.DB, pageSize int, configure func(*Config)) *env {
	t.Helper()
	clock := wavetest.NewClock(time.Now().UTC().Truncate(time.Second))
	srv := wavetest.NewServer(wavetest.Options{Now: clock.Now})
	t.Cleanup(srv.Close)
	wc := wave.DefaultConfig()
	wc.ClientID, wc.ClientSecret, wc.RedirectURI = wavetest.DefaultClientID, wavetest.DefaultClientSecret, wavetest.DefaultRedirectURI
	wc.SetOAuthBase(srv.Endpoints().OAuthBase)
	wc.GraphQLURL = srv.Endpoints().GraphQLURL
	wc.RequestsPerSecond, wc.PageSize, wc.MaxRetries = 0, pageSize, 4
	wc.RequestTimeout = 10 * time.Second
	wc.Now, wc.Sleep = clock.Now, clock.Sleep
	logs := &syncBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	wc.Logger = logger
	reqs := &requestHooks{base: http.DefaultTransport.(*http.Transport).Clone(), hooks: map[int]func(){}}
	wc.HTTPClient = &http.Client{Transport: reqs, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	client, err := wave.New(wc)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, reqs: reqs, db: db, store: &hookStore{DB: db}, srv: srv, clock: clock, client: client,
		gw: wave.NewGateway(client), river: riverDatabase(t, db), logs: logs, owners: map[string]string{}}
	if err := Migrate(context.Background(), e.river, logger); err != nil {
		t.Fatal(err)
	}
	e.cfg = Config{
		Store: e.store, Gateway: e.gw, DB: e.river, Logger: logger, Now: clock.Now,
		RetryBackoff: 10 * time.Millisecond, MaxRetryBackoff: 50 * time.Millisecond,
		PollInterval: 50 * time.Millisecond, riverTestOnly: true,
	}
	if configure != nil {
		configure(&e.cfg)
	}
	e.w = e.newWorker()
	return e
}

// onRequest runs fn before the nth GraphQL request to Wave from now on. For the
// seeded business at page size 10, a full sync makes request 1 for the account
// subtypes, 2-4 for the accounts, 5-16 for the invoices and 17-18 for the customers.
func (e *env) onRequest(n int, fn func()) {
	e.reqs.mu.Lock()
	defer e.reqs.mu.Unlock()
	e.reqs.hooks[e.reqs.n+n] = fn
}

func (e *env) newWorker() *Worker {
	e.t.Helper()
	w, err := New(e.cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	return w
}

// riverDatabase opens River's own handle on the test's database, as cmd/finhealth
// does on the application's.
func riverDatabase(t testing.TB, db *store.DB) Database {
	t.Helper()
	pg, lite := testdb.RiverHandles(t, db)
	return Database{Postgres: pg, SQLite: lite}
}

var userSeq sync.Mutex
var userN int

// connect registers an owner and an organization and connects it to the fake's
// business through the real OAuth flow, as the HTTP layer would.
func (e *env) connect(businessID string) string {
	e.t.Helper()
	ctx := context.Background()
	userSeq.Lock()
	userN++
	n := userN
	userSeq.Unlock()
	email := fmt.Sprintf("owner%d@example.com", n)
	u, org, err := e.db.Register(ctx, finhealth.NewUser{Email: email, Name: "Owner", PasswordHash: "argon2id$x", Role: finhealth.RoleUser},
		finhealth.NewOrganization{Name: "Bakery", Industry: "food", CompanySize: "1-10"})
	if err != nil {
		e.t.Fatal(err)
	}
	e.owners[org.ID] = u.ID
	ctx = finhealth.WithActor(ctx, finhealth.Actor{UserID: u.ID, Email: u.Email})

	verifier, challenge, _ := e.gw.NewPKCE()
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(e.gw.AuthorizeURL("state", challenge))
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		e.t.Fatal(err)
	}
	tok, err := e.gw.Exchange(ctx, loc.Query().Get("code"), verifier)
	if err != nil {
		e.t.Fatal(err)
	}
	s := e.gw.Session(org.ID, staticTokens{tok})
	user, err := s.User(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.db.SaveWaveConnection(ctx, finhealth.WaveConnection{OrganizationID: org.ID, WaveUserID: user.WaveID, WaveUserEmail: user.Email}, tok); err != nil {
		e.t.Fatal(err)
	}
	biz, err := s.Business(ctx, businessID)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.db.ChooseWaveBusiness(ctx, org.ID, biz); err != nil {
		e.t.Fatal(err)
	}
	e.gw.Forget(org.ID) // the session above held the token outside the store
	return org.ID
}

type staticTokens struct{ tok finhealth.OAuthToken }

func (s staticTokens) Load(context.Context) (finhealth.OAuthToken, error) { return s.tok, nil }
func (s staticTokens) Save(context.Context, finhealth.OAuthToken) error   { return nil }

func (e *env) acme() string { return e.srv.Seed().AcmeBusinessID }

// enqueue queues a sync through the worker (which inserts its River job) and returns
// the run.
func (e *env) enqueue(orgID string, kind finhealth.SyncKind) *finhealth.SyncRun {
	e.t.Helper()
	run, err := e.w.EnqueueSync(context.Background(), orgID, kind, finhealth.SyncManual)
	if err != nil {
		e.t.Fatal(err)
	}
	return run
}

// work runs one attempt of the run's job as River would, without River.
func (e *env) work(run *finhealth.SyncRun, attempt, maxAttempts int) error {
	return e.w.runSync(context.Background(), syncArgs{OrganizationID: run.OrganizationID, RunID: run.ID}, attempt, maxAttempts)
}

func (e *env) run(orgID, runID string) *finhealth.SyncRun {
	e.t.Helper()
	r, err := e.db.SyncRun(context.Background(), orgID, runID)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// syncOnce queues and works a sync to the end, failing the test unless it succeeds.
func (e *env) syncOnce(orgID string, kind finhealth.SyncKind) *finhealth.SyncRun {
	e.t.Helper()
	run := e.enqueue(orgID, kind)
	if err := e.work(run, 1, 1); err != nil {
		e.t.Fatalf("sync: %v", err)
	}
	got := e.run(orgID, run.ID)
	if got.Status != finhealth.SyncSucceeded {
		e.t.Fatalf("sync run %s: %s %q", got.ID, got.Status, got.Error)
	}
	return got
}

// ledger summarizes the stored books, to compare two syncs of the same business.
type ledger struct {
	Accounts, Invoices, Customers int
	Balances, Totals, Due, Owed   int64
}

func (e *env) ledger(orgID string) ledger {
	e.t.Helper()
	snap, err := e.db.LedgerSnapshot(context.Background(), orgID, e.clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	l := ledger{Accounts: len(snap.Accounts), Invoices: len(snap.Invoices), Customers: len(snap.Customers)}
	for _, a := range snap.Accounts {
		l.Balances += a.Balance.Minor
	}
	for _, inv := range snap.Invoices {
		l.Totals += inv.Total.Minor
		l.Due += inv.AmountDue.Minor
	}
	for _, c := range snap.Customers {
		l.Owed += c.Outstanding.Minor
	}
	return l
}

// testContext ends shortly before the test binary's -timeout would. Waits for jobs
// use it rather than deadlines of their own: under load (the race detector, a few
// shared cores) a job may take many times longer than usual, and only one that never
// ends should fail the test, with a message rather than the binary's panic.
func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	if d, ok := t.Deadline(); ok {
		ctx, cancel = context.WithDeadline(context.Background(), d.Add(-5*time.Second))
	}
	t.Cleanup(cancel)
	return ctx
}

// subscribe returns the job events of w's River client from now on: subscribe
// before starting the worker so that none is missed.
func subscribe(t *testing.T, w *Worker) <-chan *river.Event {
	t.Helper()
	sub, ok := w.client.(interface {
		Subscribe(kinds ...river.EventKind) (<-chan *river.Event, func())
	})
	if !ok {
		t.Fatalf("the River client %T cannot subscribe", w.client)
	}
	events, cancel := sub.Subscribe(river.EventKindJobCompleted, river.EventKindJobCancelled,
		river.EventKindJobFailed, river.EventKindJobSnoozed)
	t.Cleanup(cancel)
	return events
}

// waitJob waits for an event about a job of kind that match accepts.
func waitJob(t *testing.T, events <-chan *river.Event, kind string, match func(*river.Event) bool) *river.Event {
	t.Helper()
	ctx := testContext(t)
	for {
		select {
		case ev := <-events:
			if ev.Job.Kind == kind && match(ev) {
				return ev
			}
		case <-ctx.Done():
			t.Fatalf("no matching %s job event before the test's deadline", kind)
		}
	}
}

// jobDone reports whether the event ends its job for good: completed, cancelled, or
// failed with no retry left.
func jobDone(ev *river.Event) bool {
	return ev.Kind == river.EventKindJobCompleted || ev.Kind == river.EventKindJobCancelled ||
		(ev.Kind == river.EventKindJobFailed && ev.Job.State == rivertype.JobStateDiscarded)
}

// syncRunOf is the run a sync job works.
func syncRunOf(t *testing.T, ev *river.Event) string {
	t.Helper()
	var a syncArgs
	if err := json.Unmarshal(ev.Job.EncodedArgs, &a); err != nil {
		t.Fatal(err)
	}
	return a.RunID
}

// waitRun waits for the job of the run to end and returns the run, which its job
// finishes before it ends.
func (e *env) waitRun(t *testing.T, events <-chan *river.Event, orgID, runID string) *finhealth.SyncRun {
	t.Helper()
	waitJob(t, events, syncArgs{}.Kind(), func(ev *river.Event) bool { return jobDone(ev) && syncRunOf(t, ev) == runID })
	return e.run(orgID, runID)
}

// scores counts the organization's recorded health scores: one per computation.
func (e *env) scores(orgID string) int {
	e.t.Helper()
	hs, _, err := e.db.HealthHistory(context.Background(), orgID, time.Time{}, time.Time{}, "", finhealth.MaxPageSize)
	if err != nil {
		e.t.Fatal(err)
	}
	return len(hs)
}

// isCancel reports whether err tells River not to retry.
func isCancel(err error) bool {
	var c *rivertype.JobCancelError
	return errors.As(err, &c)
}
