// Package servertest is the test server that the tests of http's sub-packages
// share: a Server over a real database of every configured kind, with what the
// calling package mounts on it, fixture accounts and organizations, a client for
// the JSON API and one for the web UI (a browser's cookie jar and CSRF tokens), and
// a fake Wave with a real worker. No production package may import it.
package servertest

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
	fhttp "finhealth/http"
	"finhealth/identity"
	"finhealth/internal/testdb"
	"finhealth/scoring"
	"finhealth/store"
)

// Secret is long enough for NewServer and used to forge tokens in JWT tests.
var Secret = []byte("test-secret-0123456789abcdefghijklmnopqrstuvwxyz")

// Argon2 keeps hashing in tests to well under a millisecond; production uses the
// OWASP defaults, which the password tests also exercise.
var Argon2 = identity.Argon2Params{Memory: 64, Iterations: 1, Parallelism: 1}

// Password satisfies the policy and is used for every fixture account.
const Password = "correct horse battery staple"

// Clock is an adjustable clock, which the server and its store share (EachDB,
// New), as they share the real one in production. It starts at the real time
// because River and the fake Wave, which tests do not set, read the real one.
type Clock struct {
	mu  sync.Mutex
	off time.Duration
}

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

// Advance moves the clock by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}

// API is a Server over a real database, with helpers to call it.
type API struct {
	T      *testing.T
	DB     *store.DB
	Server *fhttp.Server
	Clock  *Clock
	Logs   *SyncBuffer
	Wave   *WaveEnv // set by NewWave
	// Check, when set, sees every response that Do receives: the API tests check
	// each against the OpenAPI document.
	Check func(t testing.TB, srv *fhttp.Server, r *http.Request, res *Response)
}

// SyncBuffer is a buffer that a logger and the test can use at once.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String is what was written.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newJSONLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// clocks holds the clock each database of EachDB reads, for New to give the
// server built on it.
var clocks sync.Map // *store.DB -> *Clock

// EachDB runs fn against a fresh, migrated database of every configured kind, each
// on a Clock of its own.
func EachDB(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			clock := &Clock{}
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

// ClockOf is the clock db reads, or a new one for a database EachDB did not open.
func ClockOf(db *store.DB) *Clock {
	if c, ok := clocks.Load(db); ok {
		return c.(*Clock)
	}
	return &Clock{}
}

// Context ends shortly before the test binary's -timeout would. Waits for
// background work (a sync, a rescore) use it rather than deadlines of their own:
// under load (the race detector, a few shared cores) the work may take many times
// longer than usual, and only work that never ends should fail the test, with a
// message rather than the binary's panic. Unlike t.Context it is still live in
// cleanups.
func Context(t testing.TB) context.Context {
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

// New builds a Server with fast hashing and generous login limits, and mounts
// on it what mount mounts (each test package passes the packages it tests, mounted
// as cmd/finhealth mounts them), reading the clock its database reads; tune
// changes the config further.
func New(t *testing.T, db *store.DB, mount func(*fhttp.Server), tune ...func(*fhttp.Config)) *API {
	t.Helper()
	clock := ClockOf(db)
	logs := &SyncBuffer{}
	cfg := fhttp.Config{
		JWTSecret:         Secret,
		BaseURL:           "https://finhealth.test",
		CORSOrigins:       []string{"https://app.finhealth.test"},
		Logger:            newJSONLogger(logs),
		Argon2:            Argon2,
		LoginIPLimit:      fhttp.RateLimit{Count: 1000, Per: time.Minute},
		LoginAccountLimit: fhttp.RateLimit{Count: 1000, Per: time.Minute},
		Now:               clock.Now,
	}
	for _, f := range tune {
		f(&cfg)
	}
	srv := fhttp.NewServer(cfg, db)
	mount(srv)
	return &API{T: t, DB: db, Server: srv, Clock: clock, Logs: logs}
}

// Response is a recorded response.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into a generic value.
func (r *Response) JSON(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("response is not a JSON object: %v\n%s", err, r.Body)
	}
	return m
}

// Decode decodes the body into v.
func (r *Response) Decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode response: %v\n%s", err, r.Body)
	}
}

// ErrorCode returns the code of an error body.
func (r *Response) ErrorCode(t *testing.T) string {
	t.Helper()
	var e fhttp.ErrorBody
	r.Decode(t, &e)
	return e.Error.Code
}

// ErrorFields returns the fields of an error body.
func (r *Response) ErrorFields(t *testing.T) map[string]string {
	t.Helper()
	var e fhttp.ErrorBody
	r.Decode(t, &e)
	return e.Error.Fields
}

// Request describes one call. Body is marshalled as JSON unless it is a string or
// []byte, which are sent as they are.
type Request struct {
	Method string
	Path   string
	Body   any
	Token  string
	Header map[string]string
	Remote string
}

// Do sends r through the full handler, and shows the response to check.
func (a *API) Do(r Request) *Response {
	a.T.Helper()
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
			a.T.Fatalf("marshal request: %v", err)
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
	a.Server.Handler().ServeHTTP(rec, hr)
	res := &Response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
	if a.Check != nil {
		a.Check(a.T, a.Server, hr, res)
	}
	return res
}

// Expect fails the test unless the response has the status.
func (res *Response) Expect(t *testing.T, status int) *Response {
	t.Helper()
	if res.Status != status {
		t.Fatalf("status %d, want %d; body: %s", res.Status, status, res.Body)
	}
	return res
}

// Get sends a GET with the access token.
func (a *API) Get(path, token string) *Response {
	a.T.Helper()
	return a.Do(Request{Method: "GET", Path: path, Token: token})
}

// Post sends a POST with the access token and body as JSON (none when nil).
func (a *API) Post(path, token string, body any) *Response {
	a.T.Helper()
	if body == nil {
		return a.Do(Request{Method: "POST", Path: path, Token: token})
	}
	return a.Do(Request{Method: "POST", Path: path, Token: token, Body: body})
}

// Patch sends a PATCH with the access token and body as JSON.
func (a *API) Patch(path, token string, body any) *Response {
	a.T.Helper()
	return a.Do(Request{Method: "PATCH", Path: path, Token: token, Body: body})
}

// Delete sends a DELETE with the access token.
func (a *API) Delete(path, token string) *Response {
	a.T.Helper()
	return a.Do(Request{Method: "DELETE", Path: path, Token: token})
}

var emailSeq atomic.Int64

// UniqueEmail returns a fresh address; tests share one database per subtest.
func UniqueEmail(prefix string) string {
	return fmt.Sprintf("%s-%d@example.com", prefix, emailSeq.Add(1))
}

// Account is a user with a token, made through the API or the store.
type Account struct {
	ID    string
	Email string
	Token string
	OrgID string // the default organization, "" for none
}

// Register signs a user up through the API and logs them in.
func (a *API) Register(name string) Account {
	a.T.Helper()
	email := UniqueEmail(strings.ToLower(name))
	res := a.Post("/api/v1/auth/register", "", map[string]any{"email": email, "password": Password, "name": name}).
		Expect(a.T, http.StatusCreated)
	var reg struct {
		ID             string `json:"id"`
		OrganizationID string `json:"organization_id"`
	}
	res.Decode(a.T, &reg)
	return Account{ID: reg.ID, Email: email, Token: a.Login(email, Password), OrgID: reg.OrganizationID}
}

// Login returns an access token.
func (a *API) Login(email, password string) string {
	a.T.Helper()
	var p fhttp.TokenPair
	a.Post("/api/v1/auth/login", "", map[string]string{"email": email, "password": password}).
		Expect(a.T, http.StatusOK).Decode(a.T, &p)
	return p.AccessToken
}

// LoginPair returns both tokens.
func (a *API) LoginPair(email, password string) fhttp.TokenPair {
	a.T.Helper()
	var p fhttp.TokenPair
	a.Post("/api/v1/auth/login", "", map[string]string{"email": email, "password": password}).
		Expect(a.T, http.StatusOK).Decode(a.T, &p)
	return p
}

// FixtureHash is the hash of Password, for accounts made through the store.
var FixtureHash = func() string {
	h, err := identity.HashPassword(Password, Argon2)
	if err != nil {
		panic(err)
	}
	return h
}()

// CreateUser makes an account through the store (no organization), with a token
// minted by the server, which is much faster than logging in.
func (a *API) CreateUser(name string, role finhealth.Role) Account {
	a.T.Helper()
	email := UniqueEmail(strings.ToLower(name))
	u, err := a.DB.CreateUser(context.Background(), finhealth.NewUser{Email: email, Name: name, PasswordHash: FixtureHash, Role: role})
	if err != nil {
		a.T.Fatalf("create user: %v", err)
	}
	return Account{ID: u.ID, Email: email, Token: a.Token(u.ID)}
}

// RegisterDirect makes an account with its own organization through the store.
func (a *API) RegisterDirect(name string) Account {
	a.T.Helper()
	email := UniqueEmail(strings.ToLower(name))
	u, o, err := a.DB.Register(context.Background(),
		finhealth.NewUser{Email: email, Name: name, PasswordHash: FixtureHash, Role: finhealth.RoleUser},
		finhealth.NewOrganization{Name: name + "'s business"})
	if err != nil {
		a.T.Fatalf("register: %v", err)
	}
	return Account{ID: u.ID, Email: email, Token: a.Token(u.ID), OrgID: o.ID}
}

// Token is an access token for the user, minted by the server without a login.
func (a *API) Token(userID string) string {
	a.T.Helper()
	tok, err := fhttp.Accounts{Server: a.Server}.AccessToken(context.Background(), userID)
	if err != nil {
		a.T.Fatalf("issue token: %v", err)
	}
	return tok
}

// AddMember invites acc to the organization with role and accepts, through the
// store, acting as the inviter.
func (a *API) AddMember(orgID, inviterID string, acc *Account, role finhealth.OrgRole) {
	a.T.Helper()
	token := a.Invite(orgID, inviterID, acc.Email, role)
	ctx := finhealth.WithActor(context.Background(), finhealth.Actor{UserID: acc.ID, Email: acc.Email})
	if _, err := a.DB.AcceptInvitation(ctx, fhttp.HashToken(token), acc.ID); err != nil {
		a.T.Fatalf("accept invitation: %v", err)
	}
	if acc.OrgID == "" {
		acc.OrgID = orgID
	}
}

// Invite creates an invitation through the store and returns its token.
func (a *API) Invite(orgID, inviterID, email string, role finhealth.OrgRole) string {
	a.T.Helper()
	token, _ := a.NewInvitation(orgID, inviterID, email, role)
	return token
}

// NewInvitation creates an invitation through the store and returns its token and
// the stored invitation, whose id revoking needs.
func (a *API) NewInvitation(orgID, inviterID, email string, role finhealth.OrgRole) (string, *finhealth.Invitation) {
	a.T.Helper()
	token, hash, err := fhttp.NewOpaqueToken()
	if err != nil {
		a.T.Fatal(err)
	}
	ctx := finhealth.WithActor(context.Background(), finhealth.Actor{UserID: inviterID})
	inv, err := a.DB.CreateInvitation(ctx, finhealth.Invitation{
		OrganizationID: orgID, Email: email, Role: role, InvitedBy: inviterID, TokenHash: hash,
		ExpiresAt: time.Now().Add(time.Hour),
	})
	if err != nil {
		a.T.Fatalf("create invitation: %v", err)
	}
	return token, inv
}

// Answers returns a complete, valid set of answers to the current questionnaire,
// choosing option pick (modulo the option count) for every question.
func Answers(pick int) []map[string]string {
	q := scoring.Current()
	out := make([]map[string]string, 0, len(q.Questions))
	for _, qu := range q.Questions {
		out = append(out, map[string]string{"question_id": qu.ID, "value": qu.Options[pick%len(qu.Options)].Value})
	}
	return out
}

// CreateAssessment stores an assessment for the organization through the store.
func (a *API) CreateAssessment(orgID, userID string) *finhealth.Assessment {
	a.T.Helper()
	var in []finhealth.Answer
	for _, m := range Answers(0) {
		in = append(in, finhealth.Answer{QuestionID: m["question_id"], Value: m["value"]})
	}
	scored, err := scoring.Score(scoring.Current(), in)
	if err != nil {
		a.T.Fatal(err)
	}
	scored.OrganizationID, scored.UserID = orgID, userID
	ctx := finhealth.WithActor(context.Background(), finhealth.Actor{UserID: userID})
	stored, err := a.DB.CreateAssessment(ctx, scored)
	if err != nil {
		a.T.Fatalf("create assessment: %v", err)
	}
	return stored
}
