package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"finhealth"
	"finhealth/internal/testdb"
	"finhealth/store"
	"finhealth/wave"
	"finhealth/wave/wavetest"
)

// What a SIGTERM does to `finhealth serve` is cancel its context (main's
// signal.NotifyContext); these tests cancel it while finhealth waits on Wave, at a
// moment chosen by holding that very request in front of the fake Wave.

// TestShutdownFinishesInFlightRequests: a request that is waiting on Wave when the
// shutdown begins still gets its whole answer, while new connections are refused from
// then on, and serve returns nil once the request is done.
func TestShutdownFinishesInFlightRequests(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel() // the time goes to waiting on Wave's pace, one request a second
			e := newShutdownEnv(t, dialect)
			logs, stop := startServe(t, e.env)
			c := apiClient{t: t, base: e.base}
			tok, _, org := c.connectedOwner()

			held, _, release := e.gate.hold("ListBusinesses", 0)
			type answer struct {
				status int
				body   []byte
				err    error
			}
			answered := make(chan answer, 1)
			go func() {
				req, _ := http.NewRequest("GET", e.base+org+"/wave/businesses", nil)
				req.Header.Set("Authorization", "Bearer "+tok)
				// A client of its own: the keep-alive connections of the shared one are
				// the server's to close when it shuts down.
				client := &http.Client{Transport: &http.Transport{}}
				resp, err := client.Do(req)
				if err != nil {
					answered <- answer{err: err}
					return
				}
				defer resp.Body.Close()
				b, err := io.ReadAll(resp.Body)
				answered <- answer{resp.StatusCode, b, err}
			}()
			waitFor(t, held, "the businesses request to reach Wave")

			stopped := make(chan struct{})
			go func() { stop(); close(stopped) }()
			// The listener closes as the shutdown begins, and serve says so.
			logs.waitMsg(t, "stopped accepting connections; finishing the requests in flight")
			if conn, err := net.Dial("tcp", strings.TrimPrefix(e.base, "http://")); !errors.Is(err, syscall.ECONNREFUSED) {
				if err == nil {
					conn.Close()
				}
				t.Fatalf("a new connection once the shutdown began: %v, want it refused", err)
			}
			select {
			case a := <-answered:
				t.Fatalf("the in-flight request ended before Wave answered it: %d %v %s", a.status, a.err, a.body)
			case <-stopped:
				t.Fatal("serve returned while a request was still in flight")
			default:
			}

			release()
			var a answer
			select {
			case a = <-answered:
			case <-testContext(t).Done():
				t.Fatal("the in-flight request got no answer by the test's deadline")
			}
			if a.err != nil || a.status != http.StatusOK || !bytes.Contains(a.body, []byte(e.fake.Seed().AcmeBusinessID)) {
				t.Fatalf("the in-flight request: %d %v %s", a.status, a.err, a.body)
			}
			// stop reports an error serve returned.
			waitFor(t, stopped, "serve to return")
		})
	}
}

// TestShutdownInterruptsSyncSafely: a shutdown in the middle of a sync stops it at a
// page boundary without waiting for the Wave request in flight, records the run as
// interrupted with the pages already written, and queues a follow-up; the next start
// runs it to the end, and the warehouse then holds exactly the business's records.
func TestShutdownInterruptsSyncSafely(t *testing.T) {
	const invoices, customers, accounts = 250, 120, 6 // 3 pages of invoices, 2 of customers
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel() // the time goes to waiting on Wave's pace, one request a second
			e := newShutdownEnv(t, dialect)
			business := e.fake.GenerateBusiness(11, invoices, customers, accounts)
			logs, stop := startServe(t, e.env)
			c := apiClient{t: t, base: e.base}
			tok, orgID, org := c.connectedOwner()

			held, abandoned, _ := e.gate.hold("ListInvoices", 1) // the second page
			runID := c.chooseBusiness(tok, org, business)
			waitFor(t, held, "the sync to ask for the second page of invoices")

			// Within its shutdown timeout: serve would return the deadline's error
			// (which stop reports), and say that the jobs did not stop cleanly.
			stop()
			if strings.Contains(logs.String(), "background jobs did not stop cleanly") {
				t.Errorf("the sync did not stop within the shutdown timeout:\n%s", logs)
			}
			waitFor(t, abandoned, "the sync to abandon its Wave request")

			next := e.interrupted(t, orgID, runID, wavePageSize) // the first page is kept

			logs, _ = startServe(t, e.env)
			done := c.waitSync(logs, tok, org, next.ID)
			if done.Progress.Invoices.Seen != invoices || done.Progress.Customers.Seen != customers {
				t.Errorf("the resumed sync read %+v, want %d invoices and %d customers", done.Progress, invoices, customers)
			}
			if got := e.count(t, "invoices"); got != invoices {
				t.Errorf("%d invoices stored, want %d", got, invoices)
			}
			if got := e.count(t, "customers"); got != customers {
				t.Errorf("%d customers stored, want %d", got, customers)
			}
		})
	}
}

// TestShutdownDeadlineStillStopsSync: when a request outlasts the shutdown deadline,
// serve says so, but a sync that could not reach a page boundary in time is still
// stopped, recorded as interrupted and re-queued before the database is closed: the
// jobs stop beside the HTTP drain, not after it. A lock on the invoices keeps the
// sync from stopping on its own; PostgreSQL only, since SQLite has no such lock.
// The sync writes every page it has read, and reads ahead of its writes: once it
// asks for the second page, the first is bound for the locked table. (The second
// is let through: a held request would hold the connection's one request slot, and
// the businesses request below would wait behind it.)
func TestShutdownDeadlineStillStopsSync(t *testing.T) {
	testdb.SkipIfUnavailable(t, store.DialectPostgres)
	ctx := context.Background()
	e := newShutdownEnv(t, store.DialectPostgres)
	business := e.fake.GenerateBusiness(12, 250, 20, 6)
	_, stop := launchServe(t, e.env, func(c *Config) { c.ShutdownTimeout = time.Second })
	c := apiClient{t: t, base: e.base}
	tok, orgID, org := c.connectedOwner()

	held, _, release := e.gate.hold("ListInvoices", 0)
	runID := c.chooseBusiness(tok, org, business)
	waitFor(t, held, "the sync to ask for the first page of invoices")
	lock, err := e.db.SQL().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Rollback()
	if _, err := lock.ExecContext(ctx, `LOCK TABLE invoices IN EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	second, _, letThrough := e.gate.hold("ListInvoices", 0)
	letThrough()
	release()
	waitFor(t, second, "the sync to ask for the second page of invoices, the first read")

	inFlight, _, _ := e.gate.hold("ListBusinesses", 0)
	go func() {
		req, _ := http.NewRequest("GET", e.base+org+"/wave/businesses", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	waitFor(t, inFlight, "the businesses request to reach Wave")

	if err := stop(); err == nil || !strings.Contains(err.Error(), "graceful shutdown") {
		t.Fatalf("serve returned %v, want the graceful shutdown's deadline", err)
	}
	e.interrupted(t, orgID, runID, 0)
}

// wavePageSize is the page size finhealth asks Wave for.
var wavePageSize = wave.DefaultConfig().PageSize

// shutdownEnv is a production configuration of serve against a fake Wave behind a
// gate, on a database of the dialect that the test can read too.
type shutdownEnv struct {
	env  map[string]string
	base string
	fake *wavetest.Fake
	gate *waveGate
	db   *store.DB // the test's own handle on serve's database
}

func newShutdownEnv(t *testing.T, dialect string) *shutdownEnv {
	t.Helper()
	db := testdb.OpenEmpty(t, dialect)
	port := freePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	const clientID, secret = "finhealth-prod-client", "wave-client-secret-5e4d3c2b1a09"
	fake := wavetest.New(wavetest.Options{ClientID: clientID, ClientSecret: secret, RedirectURIs: []string{base + "/api/v1/wave/callback"}})
	gate := &waveGate{wave: fake.Handler()}
	waveSrv := httptest.NewServer(gate)
	t.Cleanup(waveSrv.Close)
	t.Cleanup(gate.releaseAll) // runs first: Close waits for the requests held
	ends := wavetest.EndpointsAt(waveSrv.URL)
	return &shutdownEnv{
		env: map[string]string{
			"APP_ENV": "production", "SECRET_KEY": strongA, "JWT_SECRET_KEY": strongB,
			"DATABASE_URL": testdb.DSN(t, db), "AUTO_MIGRATE": "true",
			"PORT": fmt.Sprint(port), "BASE_URL": base,
			"WAVE_CLIENT_ID": clientID, "WAVE_CLIENT_SECRET": secret,
			"WAVE_OAUTH_BASE": ends.OAuthBase, "WAVE_GRAPHQL_URL": ends.GraphQLURL,
			// The connect flow is driven through the API, so Wave returns to its callback.
			"WAVE_REDIRECT_URI": base + "/api/v1/wave/callback",
			// The fake Wave listens on plain http, which production calls unsafe.
			"ALLOW_UNSAFE_CONFIG": "true",
		},
		base: base, fake: fake, gate: gate, db: db,
	}
}

// interrupted checks what a shutdown leaves of the run: failed as interrupted, with
// the invoices it wrote (and nothing more) kept, and a full sync queued to resume it,
// which it returns.
func (e *shutdownEnv) interrupted(t *testing.T, orgID, runID string, written int) *finhealth.SyncRun {
	t.Helper()
	runs, _, err := e.db.ListSyncRuns(context.Background(), orgID, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 {
		t.Fatalf("%d sync runs after the shutdown, want the interrupted one and its follow-up", len(runs))
	}
	stopped, next := runs[1], runs[0]
	if stopped.ID != runID || stopped.Status != finhealth.SyncFailed || !strings.Contains(stopped.Error, "interrupted") ||
		stopped.Invoices.Upserted != written || stopped.Customers.Seen != 0 {
		t.Errorf("interrupted run: %s %q, %+v; want failed as interrupted with %d invoices written", stopped.Status, stopped.Error, stopped.SyncProgress, written)
	}
	if got := e.count(t, "invoices"); got != written {
		t.Errorf("%d invoices stored after the shutdown, want the %d written", got, written)
	}
	if next.Status != finhealth.SyncQueued || next.Kind != finhealth.SyncFull {
		t.Fatalf("follow-up run: %s %s, want a queued full sync", next.Status, next.Kind)
	}
	return next
}

// count is the number of rows in table: the test's database holds one organization.
func (e *shutdownEnv) count(t *testing.T, table string) int {
	t.Helper()
	var n int
	if err := e.db.SQL().QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// waveGate stands in front of the fake Wave and holds one chosen GraphQL request
// until the test lets it through or finhealth gives up on it, so that a test can act
// while finhealth waits on Wave without guessing how long that takes.
type waveGate struct {
	wave http.Handler

	mu        sync.Mutex
	op        string // the operation to hold; "" holds none
	skip      int    // requests of op to let through first
	held      chan struct{}
	abandoned chan struct{}
	release   chan struct{}
	releases  []func()
}

// hold arms the gate for the request of operation op that follows skip others. held
// is closed when that request arrives, abandoned when finhealth cancels it while it
// is held; release lets it through.
func (g *waveGate) hold(op string, skip int) (held, abandoned <-chan struct{}, release func()) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.op, g.skip = op, skip
	g.held, g.abandoned, g.release = make(chan struct{}), make(chan struct{}), make(chan struct{})
	r := g.release
	release = sync.OnceFunc(func() { close(r) })
	g.releases = append(g.releases, release)
	return g.held, g.abandoned, release
}

func (g *waveGate) releaseAll() {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, r := range g.releases {
		r()
	}
}

func (g *waveGate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// The fake reads the body again; one that is not JSON is the fake's to refuse.
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	var req struct {
		OperationName string `json:"operationName"`
	}
	_ = json.Unmarshal(body, &req)
	g.mu.Lock()
	var held, abandoned, release chan struct{}
	if g.op != "" && g.op == req.OperationName {
		if g.skip > 0 {
			g.skip--
		} else {
			held, abandoned, release = g.held, g.abandoned, g.release
			g.op = ""
		}
	}
	g.mu.Unlock()
	if held != nil {
		close(held)
		select {
		case <-release:
		case <-r.Context().Done():
			close(abandoned)
			return
		}
	}
	g.wave.ServeHTTP(w, r)
}

// connectedOwner signs an owner up and connects Wave for the owner's organization,
// whose API path is org.
func (c apiClient) connectedOwner() (token, orgID, org string) {
	c.t.Helper()
	const email, password = "ada@example.com", "plum tractor velvet sunrise 42"
	var reg struct {
		OrganizationID string `json:"organization_id"`
	}
	c.do("POST", "/api/v1/auth/register", "", map[string]string{"email": email, "password": password, "name": "Ada"}, 201, &reg)
	var pair struct {
		AccessToken string `json:"access_token"`
	}
	c.do("POST", "/api/v1/auth/login", "", map[string]string{"email": email, "password": password}, 200, &pair)
	org = "/api/v1/organizations/" + reg.OrganizationID
	c.connectWave(pair.AccessToken, org)
	return pair.AccessToken, reg.OrganizationID, org
}

// chooseBusiness chooses the Wave business to sync and returns the first sync's run.
func (c apiClient) chooseBusiness(token, org, businessID string) (runID string) {
	c.t.Helper()
	var chosen struct {
		SyncRun struct {
			ID string `json:"id"`
		} `json:"sync_run"`
	}
	c.do("POST", org+"/wave/business", token, map[string]string{"business_id": businessID}, 200, &chosen)
	if chosen.SyncRun.ID == "" {
		c.t.Fatal("choosing the business queued no sync")
	}
	return chosen.SyncRun.ID
}

// connectWave takes the owner through Wave's consent and finhealth's callback, and
// returns the callback URL Wave redirected to. The connection is pending: no
// business is chosen yet.
func (c apiClient) connectWave(token, org string) *url.URL {
	c.t.Helper()
	var started struct {
		AuthorizeURL string `json:"authorize_url"`
	}
	c.do("POST", org+"/wave/connect", token, nil, 200, &started)
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(started.AuthorizeURL)
	if err != nil {
		c.t.Fatal(err)
	}
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || back.Query().Get("code") == "" {
		c.t.Fatalf("authorize redirected to %q (%v)", resp.Header.Get("Location"), err)
	}
	c.do("GET", back.Path+"?"+back.RawQuery, token, nil, 200, nil)
	return back
}

// syncRun is a sync run as the API shows it.
type syncRun struct {
	Status   finhealth.SyncStatus   `json:"status"`
	Error    string                 `json:"error"`
	Progress finhealth.SyncProgress `json:"progress"`
}

// waitSync waits for serve to say that the sync run's job has ended, and returns the
// run, failing the test unless it succeeded.
func (c apiClient) waitSync(logs *serveLog, token, org, runID string) syncRun {
	c.t.Helper()
	end := logs.waitSyncEnd(c.t, runID)
	var run syncRun
	c.do("GET", org+"/wave/sync-runs/"+runID, token, nil, 200, &run)
	if run.Status != finhealth.SyncSucceeded {
		c.t.Fatalf("sync run %s: %s %q (%s)", runID, run.Status, run.Error, end.text)
	}
	return run
}
