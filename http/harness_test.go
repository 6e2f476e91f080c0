package http

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"finhealth"
	"finhealth/identity"
	"finhealth/internal/testdb"
	"finhealth/scoring"
	"finhealth/store"
)

// testSecret is long enough for NewServer and used to forge tokens in JWT tests.
var testSecret = []byte("test-secret-0123456789abcdefghijklmnopqrstuvwxyz")

// testArgon2 keeps hashing in tests to well under a millisecond; production uses the
// OWASP defaults, which the password tests also exercise.
var testArgon2 = identity.Argon2Params{Memory: 64, Iterations: 1, Parallelism: 1}

// testPassword satisfies the policy and is used for every fixture account.
const testPassword = "correct horse battery staple"

// testClock is an adjustable clock, which the server and its store share (eachDB,
// newAPI), as they share the real one in production. It starts at the real time
// because River and the fake Wave, which tests do not set, read the real one.
type testClock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}

// testAPI is a Server over a real database, with helpers to call it.
type testAPI struct {
	t     *testing.T
	db    *store.DB
	srv   *Server
	clock *testClock
	logs  *syncBuffer
	wave  *waveEnv // set by newWaveAPI
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newJSONLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// clocks holds the clock each database of eachDB reads, for newAPI to give the
// server built on it.
var clocks sync.Map // *store.DB -> *testClock

// eachDB runs fn against a fresh, migrated database of every configured kind, each
// on a testClock of its own.
func eachDB(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			clock := &testClock{}
			db := testdb.Open(t, dialect, store.WithClock(clock.Now))
			clocks.Store(db, clock)
			t.Cleanup(func() { clocks.Delete(db) })
			ctx := context.Background()
			for _, q := range scoring.Questionnaires() {
				if err := db.EnsureQuestionnaire(ctx, q); err != nil {
					t.Fatalf("ensure questionnaire: %v", err)
				}
			}
			fn(t, db)
		})
	}
}

// clockOf is the clock db reads, or a new one for a database eachDB did not open.
func clockOf(db *store.DB) *testClock {
	if c, ok := clocks.Load(db); ok {
		return c.(*testClock)
	}
	return &testClock{}
}

// testContext ends shortly before the test binary's -timeout would. Waits for
// background work (a sync, a rescore) use it rather than deadlines of their own:
// under load (the race detector, a few shared cores) the work may take many times
// longer than usual, and only work that never ends should fail the test, with a
// message rather than the binary's panic. Unlike t.Context it is still live in
// cleanups.
func testContext(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	if d, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if deadline, ok := d.Deadline(); ok {
			ctx, cancel = context.WithDeadline(context.Background(), deadline.Add(-5*time.Second))
		}
	}
	t.Cleanup(cancel)
	return ctx
}

// newAPI builds a Server with fast hashing and generous login limits, reading the
// clock its database reads; tune changes the config further.
func newAPI(t *testing.T, db *store.DB, tune ...func(*Config)) *testAPI {
	t.Helper()
	clock := clockOf(db)
	logs := &syncBuffer{}
	cfg := Config{
		JWTSecret:         testSecret,
		BaseURL:           "https://finhealth.test",
		CORSOrigins:       []string{"https://app.finhealth.test"},
		Logger:            newJSONLogger(logs),
		Argon2:            testArgon2,
		LoginIPLimit:      RateLimit{Count: 1000, Per: time.Minute},
		LoginAccountLimit: RateLimit{Count: 1000, Per: time.Minute},
		Now:               clock.Now,
	}
	for _, f := range tune {
		f(&cfg)
	}
	return &testAPI{t: t, db: db, srv: NewServer(cfg, db), clock: clock, logs: logs}
}

// response is a recorded response.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into a generic value.
func (r *response) JSON(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("response is not a JSON object: %v\n%s", err, r.Body)
	}
	return m
}

// Decode decodes the body into v.
func (r *response) Decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode response: %v\n%s", err, r.Body)
	}
}

// ErrorCode returns the code of an error body.
func (r *response) ErrorCode(t *testing.T) string {
	t.Helper()
	var e errorBody
	r.Decode(t, &e)
	return e.Error.Code
}

// ErrorFields returns the fields of an error body.
func (r *response) ErrorFields(t *testing.T) map[string]string {
	t.Helper()
	var e errorBody
	r.Decode(t, &e)
	return e.Error.Fields
}

// req describes one call. Body is marshalled as JSON unless it is a string or
// []byte, which are sent as they are.
type req struct {
	Method string
	Path   string
	Body   any
	Token  string
	Header map[string]string
	Remote string
}

// Do sends r through the full handler and checks the response against the OpenAPI
// document, so that every API test also tests the document.
func (a *testAPI) Do(r req) *response {
	a.t.Helper()
	var body io.Reader
	switch b := r.Body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	case []byte:
		body = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			a.t.Fatalf("marshal request: %v", err)
		}
		body = bytes.NewReader(j)
	}
	hr := httptest.NewRequest(r.Method, r.Path, body)
	if r.Body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	if r.Token != "" {
		hr.Header.Set("Authorization", "Bearer "+r.Token)
	}
	for k, v := range r.Header {
		if v == "" {
			hr.Header.Del(k)
		} else {
			hr.Header.Set(k, v)
		}
	}
	hr.RemoteAddr = "192.0.2.10:40000"
	if r.Remote != "" {
		hr.RemoteAddr = r.Remote
	}
	rec := httptest.NewRecorder()
	a.srv.Handler().ServeHTTP(rec, hr)
	res := &response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
	checkAgainstSpec(a.t, a.srv, hr, res)
	return res
}

// Expect fails the test unless the response has the status.
func (res *response) Expect(t *testing.T, status int) *response {
	t.Helper()
	if res.Status != status {
		t.Fatalf("status %d, want %d; body: %s", res.Status, status, res.Body)
	}
	return res
}

func (a *testAPI) Get(path, token string) *response {
	a.t.Helper()
	return a.Do(req{Method: "GET", Path: path, Token: token})
}

func (a *testAPI) Post(path, token string, body any) *response {
	a.t.Helper()
	if body == nil {
		return a.Do(req{Method: "POST", Path: path, Token: token})
	}
	return a.Do(req{Method: "POST", Path: path, Token: token, Body: body})
}

func (a *testAPI) Patch(path, token string, body any) *response {
	a.t.Helper()
	return a.Do(req{Method: "PATCH", Path: path, Token: token, Body: body})
}

func (a *testAPI) Delete(path, token string) *response {
	a.t.Helper()
	return a.Do(req{Method: "DELETE", Path: path, Token: token})
}

var emailSeq atomic.Int64

// uniqueEmail returns a fresh address; tests share one database per subtest.
func uniqueEmail(prefix string) string {
	return fmt.Sprintf("%s-%d@example.com", prefix, emailSeq.Add(1))
}

// account is a user with a token, made through the API or the store.
type account struct {
	ID    string
	Email string
	Token string
	OrgID string // the default organization, "" for none
}

// register signs a user up through the API and logs them in.
func (a *testAPI) register(name string) account {
	a.t.Helper()
	email := uniqueEmail(strings.ToLower(name))
	res := a.Post("/api/v1/auth/register", "", map[string]any{"email": email, "password": testPassword, "name": name}).
		Expect(a.t, http.StatusCreated)
	var reg registered
	res.Decode(a.t, &reg)
	return account{ID: reg.ID, Email: email, Token: a.login(email, testPassword), OrgID: reg.OrganizationID}
}

// login returns an access token.
func (a *testAPI) login(email, password string) string {
	a.t.Helper()
	var p tokenPair
	a.Post("/api/v1/auth/login", "", map[string]string{"email": email, "password": password}).
		Expect(a.t, http.StatusOK).Decode(a.t, &p)
	return p.AccessToken
}

// loginPair returns both tokens.
func (a *testAPI) loginPair(email, password string) tokenPair {
	a.t.Helper()
	var p tokenPair
	a.Post("/api/v1/auth/login", "", map[string]string{"email": email, "password": password}).
		Expect(a.t, http.StatusOK).Decode(a.t, &p)
	return p
}

var fixtureHash = func() string {
	h, err := identity.HashPassword(testPassword, testArgon2)
	if err != nil {
		panic(err)
	}
	return h
}()

// createUser makes an account through the store (no organization), with a token
// minted by the server, which is much faster than logging in.
func (a *testAPI) createUser(name string, role finhealth.Role) account {
	a.t.Helper()
	email := uniqueEmail(strings.ToLower(name))
	u, err := a.db.CreateUser(context.Background(), finhealth.NewUser{Email: email, Name: name, PasswordHash: fixtureHash, Role: role})
	if err != nil {
		a.t.Fatalf("create user: %v", err)
	}
	return account{ID: u.ID, Email: email, Token: a.token(u.ID)}
}

// registerDirect makes an account with its own organization through the store.
func (a *testAPI) registerDirect(name string) account {
	a.t.Helper()
	email := uniqueEmail(strings.ToLower(name))
	u, o, err := a.db.Register(context.Background(),
		finhealth.NewUser{Email: email, Name: name, PasswordHash: fixtureHash, Role: finhealth.RoleUser},
		finhealth.NewOrganization{Name: name + "'s business"})
	if err != nil {
		a.t.Fatalf("register: %v", err)
	}
	return account{ID: u.ID, Email: email, Token: a.token(u.ID), OrgID: o.ID}
}

func (a *testAPI) token(userID string) string {
	a.t.Helper()
	tok, err := a.srv.tokens.issue(userID)
	if err != nil {
		a.t.Fatalf("issue token: %v", err)
	}
	return tok
}

// addMember invites acc to the organization with role and accepts, through the
// store, acting as the inviter.
func (a *testAPI) addMember(orgID, inviterID string, acc *account, role finhealth.OrgRole) {
	a.t.Helper()
	token := a.invite(orgID, inviterID, acc.Email, role)
	ctx := finhealth.WithActor(context.Background(), finhealth.Actor{UserID: acc.ID, Email: acc.Email})
	if _, err := a.db.AcceptInvitation(ctx, hashToken(token), acc.ID); err != nil {
		a.t.Fatalf("accept invitation: %v", err)
	}
	if acc.OrgID == "" {
		acc.OrgID = orgID
	}
}

// invite creates an invitation through the store and returns its token.
func (a *testAPI) invite(orgID, inviterID, email string, role finhealth.OrgRole) string {
	a.t.Helper()
	token, _ := a.newInvitation(orgID, inviterID, email, role)
	return token
}

// newInvitation creates an invitation through the store and returns its token and
// the stored invitation, whose id revoking needs.
func (a *testAPI) newInvitation(orgID, inviterID, email string, role finhealth.OrgRole) (string, *finhealth.Invitation) {
	a.t.Helper()
	token, hash, err := newOpaqueToken()
	if err != nil {
		a.t.Fatal(err)
	}
	ctx := finhealth.WithActor(context.Background(), finhealth.Actor{UserID: inviterID})
	inv, err := a.db.CreateInvitation(ctx, finhealth.Invitation{
		OrganizationID: orgID, Email: email, Role: role, InvitedBy: inviterID, TokenHash: hash,
		ExpiresAt: time.Now().Add(time.Hour),
	})
	if err != nil {
		a.t.Fatalf("create invitation: %v", err)
	}
	return token, inv
}

// answers returns a complete, valid set of answers to the current questionnaire,
// choosing option pick (modulo the option count) for every question.
func answers(pick int) []map[string]string {
	q := scoring.Current()
	out := make([]map[string]string, 0, len(q.Questions))
	for _, qu := range q.Questions {
		out = append(out, map[string]string{"question_id": qu.ID, "value": qu.Options[pick%len(qu.Options)].Value})
	}
	return out
}

// createAssessment stores an assessment for the organization through the store.
func (a *testAPI) createAssessment(orgID, userID string) *finhealth.Assessment {
	a.t.Helper()
	var in []finhealth.Answer
	for _, m := range answers(0) {
		in = append(in, finhealth.Answer{QuestionID: m["question_id"], Value: m["value"]})
	}
	scored, err := scoring.Score(scoring.Current(), in)
	if err != nil {
		a.t.Fatal(err)
	}
	scored.OrganizationID, scored.UserID = orgID, userID
	ctx := finhealth.WithActor(context.Background(), finhealth.Actor{UserID: userID})
	stored, err := a.db.CreateAssessment(ctx, scored)
	if err != nil {
		a.t.Fatalf("create assessment: %v", err)
	}
	return stored
}
