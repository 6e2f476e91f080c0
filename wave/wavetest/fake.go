package wavetest

import (
	"context"
	"crypto/rand"
	_ "embed"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

//go:embed schema.graphql
var schemaSDL string

// Options are the fake's settings. Every field may be changed while the fake runs,
// through Update.
type Options struct {
	// The registered OAuth application. Empty fields get fixed test values
	// (DefaultClientID, DefaultClientSecret, DefaultRedirectURI).
	ClientID, ClientSecret string
	RedirectURIs           []string // the first is used when the authorize request has none

	// Now is the fake's clock (token and code expiry, overdue amounts, seed dates);
	// nil is time.Now. A *Clock shared with the client makes retries instant.
	Now func() time.Time

	AccessTokenTTL time.Duration // zero means 2 hours, Wave's reported lifetime
	Latency        time.Duration // added to every GraphQL response, for timeout tests

	// DenyAuthorization makes the authorize endpoint redirect with error=access_denied,
	// as when the user clicks "Deny".
	DenyAuthorization bool
	// ConsentPage shows an approve/deny page instead of approving at once: for the
	// simulated Wave that a person clicks through in development.
	ConsentPage bool
	// RequirePKCE rejects an authorization-code exchange without a code_verifier.
	// Off by default because Wave may not verify PKCE (wave-api.md section 2.9); a
	// challenge that was sent is always verified.
	RequirePKCE bool
	// SubscriptionLapsed makes every refresh fail with HTTP 403, as Wave does when the
	// business's Pro or Advisor subscription has lapsed.
	SubscriptionLapsed bool
	// TokenResponseIDs adds userId and businessId to token responses, which some
	// recollections say Wave does (unverified).
	TokenResponseIDs bool
	// RefreshTokenNeedsOfflineAccess issues a refresh token only to a grant that
	// includes the offline_access scope, as a standard OAuth 2.0 server does. Off by
	// default: Wave seems to issue one always (wave-api.md section 2.6).
	RefreshTokenNeedsOfflineAccess bool

	// AuthFailureStatus is the HTTP status of an UNAUTHENTICATED response: 200 (the
	// default) or 401; both are reported in the wild.
	AuthFailureStatus int
	// ValidationFailureStatus is the status of a GRAPHQL_VALIDATION_FAILED response:
	// 200 (default) or 400.
	ValidationFailureStatus int
	// ScopeDenialStatus 0 answers a field outside the grant's scopes with null plus a
	// FORBIDDEN error; 403 answers the whole request with HTTP 403.
	ScopeDenialStatus int
	// ClassicInvoicingEmpty makes invoices of a classic-invoicing business an empty
	// list instead of a BAD_REQUEST error (Wave's real behaviour is unverified).
	ClassicInvoicingEmpty bool
	// NoModifiedAtAfter removes the invoices(modifiedAtAfter:) argument from the schema,
	// as Wave would if it never had it (no official page documents it).
	NoModifiedAtAfter bool

	DecimalsAsNumbers  bool // encode Decimal fields as JSON numbers instead of strings
	DateTimeZulu       bool // "…Z" instead of "…+00:00"
	EmptyTotalPages0   bool // an empty list reports totalPages 0 instead of 1
	RetryAfterHTTPDate bool // send Retry-After as an HTTP date instead of seconds
	// MaxPageSize rejects larger pageSize arguments, standing in for Wave's
	// undocumented query-cost limit; zero means 100, negative means no limit.
	MaxPageSize int
	// CapPageSize, when positive, serves larger pageSize arguments as this size
	// instead of rejecting them (pageInfo counts pages of this size), as a server
	// with a silent maximum would.
	CapPageSize int

	// NoSeed starts the fake with only the user: no seeded businesses.
	NoSeed bool

	// ContraBalances is the sign convention of contra accounts' balances (accumulated
	// depreciation, discounts), which Wave does not document (wave-api.md section
	// 3.8). The fake serves a contra account's size with the sign the convention
	// gives, and the same normalBalanceType (opposite to its type's) under both.
	ContraBalances ContraSign

	// PageHook, when set, decides how many of the n records a list page would hold
	// are served; pageInfo still announces them all. It stands in for a page that
	// Wave answers short or empty before the last one. typ is the record type
	// ("Invoice", "Customer", "Account", "Business"). It runs with the fake
	// locked and must not call the fake's methods.
	PageHook func(typ string, page, n int) int
	// BeforeRequest, when set, is called with each GraphQL request's operation name
	// and variables before it is served, outside the fake's lock: it may change the
	// books (PutInvoice, DeleteInvoice), as someone editing them in Wave during a
	// sync would.
	BeforeRequest func(operation string, variables map[string]any)
}

// Fixed credentials of the fake's default application.
const (
	DefaultClientID     = "finhealth-test-client"
	DefaultClientSecret = "finhealth-test-secret-6b1f0c2e"
	DefaultRedirectURI  = "http://localhost:5000/wave/callback"
)

// Fake is an in-memory Wave. It is safe for concurrent use.
type Fake struct {
	mu        sync.Mutex // guards everything below
	opts      Options
	schema    *ast.Schema
	schemaNo  *ast.Schema // without invoices(modifiedAtAfter:)
	docs      map[string]*parsedDoc
	collected map[collectKey][]fieldGroup
	seedIDs   Seed

	users    map[string]*User
	approver string
	biz      map[string]*bizData
	bizOrder []string

	grants  []*grant
	codes   map[string]*authCode
	access  map[string]*accessToken
	refresh map[string]*refreshToken
	issued  []string // every code and token ever issued, for leak tests

	stats       Stats
	tokenUses   map[string]int
	rateLimitN  int
	rateLimitRA time.Duration
	failN       int
	failStatus  int
	failAfterN  int // -1: off
	failAfterSt int
	throttle    struct {
		limit      int
		window     time.Duration
		retryAfter time.Duration
		hits       []time.Time
	}
	errSeq   int
	inFlight int
	// broken maps invoice ids to the error Wave answers them with (BreakInvoice).
	broken map[string]string
}

// Stats counts the requests the fake has served.
type Stats struct {
	Authorize       int
	TokenExchanges  int
	TokenRefreshes  int
	TokenErrors     int
	Revokes         int
	GraphQL         int            // every request to the GraphQL endpoint
	Operations      map[string]int // GraphQL requests by operation name
	RateLimited     int            // 429s served
	InjectedErrors  int            // 5xx served by FailNext and FailAfter
	Unauthenticated int
	ValidationFails int
	// MaxInFlight is the most GraphQL requests seen at once, to check a client's
	// concurrency bound (observable while Latency holds requests open).
	MaxInFlight int
}

// New returns a fake Wave with the seed data of wave-api.md section 6.3 (unless
// opts.NoSeed).
func New(opts Options) *Fake {
	f := &Fake{
		docs:       map[string]*parsedDoc{},
		collected:  map[collectKey][]fieldGroup{},
		users:      map[string]*User{},
		biz:        map[string]*bizData{},
		codes:      map[string]*authCode{},
		access:     map[string]*accessToken{},
		refresh:    map[string]*refreshToken{},
		tokenUses:  map[string]int{},
		broken:     map[string]string{},
		failAfterN: -1,
	}
	f.opts = normalize(opts)
	f.stats.Operations = map[string]int{}
	var err error
	if f.schema, err = gqlparser.LoadSchema(&ast.Source{Name: "schema.graphql", Input: schemaSDL}); err != nil {
		panic("wavetest: schema.graphql: " + err.Error())
	}
	f.schemaNo, _ = gqlparser.LoadSchema(&ast.Source{Name: "schema.graphql", Input: schemaSDL})
	inv := f.schemaNo.Types["Business"].Fields.ForName("invoices")
	args := inv.Arguments[:0:0]
	for _, a := range inv.Arguments {
		if a.Name != "modifiedAtAfter" {
			args = append(args, a)
		}
	}
	inv.Arguments = args

	now := f.now()
	if opts.NoSeed {
		id := globalID("User:874e4075-f78a-4d79-88e3-52c51a9b18db")
		f.users[id] = &User{ID: id, Email: "ada@acme-bakery.example", FirstName: "Ada", LastName: "Baker", CreatedAt: now, ModifiedAt: now}
		f.approver = id
		f.seedIDs = Seed{UserID: id}
	} else {
		f.seedIDs = f.seed(now)
	}
	return f
}

func normalize(o Options) Options {
	if o.ClientID == "" {
		o.ClientID = DefaultClientID
	}
	if o.ClientSecret == "" {
		o.ClientSecret = DefaultClientSecret
	}
	if len(o.RedirectURIs) == 0 {
		o.RedirectURIs = []string{DefaultRedirectURI}
	}
	if o.AccessTokenTTL == 0 {
		o.AccessTokenTTL = 2 * time.Hour
	}
	if o.MaxPageSize == 0 {
		o.MaxPageSize = 100
	}
	if o.AuthFailureStatus == 0 {
		o.AuthFailureStatus = http.StatusOK
	}
	if o.ValidationFailureStatus == 0 {
		o.ValidationFailureStatus = http.StatusOK
	}
	return o
}

// Update changes options while the fake runs.
func (f *Fake) Update(change func(*Options)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	change(&f.opts)
	f.opts = normalize(f.opts)
}

// now reads the clock; callers hold f.mu or run before f is shared.
func (f *Fake) now() time.Time {
	if f.opts.Now != nil {
		return f.opts.Now()
	}
	return time.Now()
}

// Seed returns the ids of the seeded records.
func (f *Fake) Seed() Seed { return f.seedIDs }

// Handler serves Wave's routes at their real paths: /oauth2/authorize/,
// /oauth2/token/, /oauth2/token-revoke/ and /graphql/public. The slash-less OAuth
// paths are 404, so that an app that drifts from the documented URLs fails here.
func (f *Fake) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/oauth2/authorize/{$}", f.serveAuthorize)
	mux.HandleFunc("/oauth2/token/{$}", f.serveToken)
	mux.HandleFunc("/oauth2/token-revoke/{$}", f.serveRevoke)
	mux.HandleFunc("/graphql/public", f.serveGraphQL)
	// ServeMux would otherwise redirect the slash-less forms to the real endpoints.
	for _, p := range []string{"/oauth2/authorize", "/oauth2/token", "/oauth2/token-revoke"} {
		mux.Handle(p, http.NotFoundHandler())
	}
	return mux
}

// Mount serves the fake under prefix on mux (e.g. "/simulated-wave"), so that the app
// can offer a simulated Wave from its own binary in development. Point the client's
// OAuth base at <app URL><prefix> and its GraphQL URL at <app URL><prefix>/graphql/public.
func (f *Fake) Mount(mux *http.ServeMux, prefix string) {
	prefix = "/" + strings.Trim(prefix, "/")
	mux.Handle(prefix+"/", http.StripPrefix(prefix, f.Handler()))
}

// Server is a fake Wave listening on a loopback port.
type Server struct {
	*Fake
	*httptest.Server
}

// NewServer starts a fake Wave on a loopback port; Close stops it.
func NewServer(opts Options) *Server {
	f := New(opts)
	return &Server{Fake: f, Server: httptest.NewServer(f.Handler())}
}

// Endpoints are the URLs of a running fake, for the client's configuration.
type Endpoints struct {
	OAuthBase, AuthURL, TokenURL, RevokeURL, GraphQLURL string
}

// Endpoints returns the server's URLs.
func (s *Server) Endpoints() Endpoints { return EndpointsAt(s.URL) }

// EndpointsAt returns the URLs of a fake served at base (a server URL, or an app URL
// plus the prefix given to Mount).
func EndpointsAt(base string) Endpoints {
	base = strings.TrimRight(base, "/")
	return Endpoints{
		OAuthBase:  base,
		AuthURL:    base + "/oauth2/authorize/",
		TokenURL:   base + "/oauth2/token/",
		RevokeURL:  base + "/oauth2/token-revoke/",
		GraphQLURL: base + "/graphql/public",
	}
}

// Clock is a manual clock to share between the fake and the client under test:
// Sleep advances it instead of sleeping, so backoff and Retry-After cost no time.
type Clock struct {
	mu    sync.Mutex
	t     time.Time
	slept []time.Duration
}

// NewClock returns a clock reading t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now reads the clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Sleep advances the clock by d and records it; it has the signature of the
// client's Config.Sleep.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if d > 0 {
		c.t = c.t.Add(d)
	}
	c.slept = append(c.slept, d)
	return nil
}

// Slept returns every duration passed to Sleep, in order.
func (c *Clock) Slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.slept...)
}

// --- switches for error modes ---

// RateLimitNext answers the next n GraphQL requests with 429 and, if retryAfter > 0,
// a Retry-After header (a rate-limit storm).
func (f *Fake) RateLimitNext(n int, retryAfter time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rateLimitN, f.rateLimitRA = n, retryAfter
}

// Throttle answers 429 to GraphQL requests beyond limit per window of the fake's
// clock, like a real per-token limit; limit 0 turns it off.
func (f *Fake) Throttle(limit int, window, retryAfter time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.throttle.limit, f.throttle.window, f.throttle.retryAfter, f.throttle.hits = limit, window, retryAfter, nil
}

// FailNext answers the next n GraphQL requests with status (e.g. 502, 503).
func (f *Fake) FailNext(n, status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failN, f.failStatus = n, status
}

// FailAfter lets n more GraphQL requests through and answers every later one with
// status, until FailAfter(-1, 0).
func (f *Fake) FailAfter(n, status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failAfterN, f.failAfterSt = n, status
}

// ExpireAccessTokens makes every access token issued so far expire now, as if hours
// had passed, while the client still believes them valid.
func (f *Fake) ExpireAccessTokens() {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	for _, a := range f.access {
		if a.expires.After(now) {
			a.expires = now
		}
	}
}

// RevokeGrants revokes every grant, as a user pressing "Revoke" in Wave would: access
// tokens stop working and refreshes fail with invalid_grant.
func (f *Fake) RevokeGrants() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, g := range f.grants {
		g.revoked = true
	}
}

// SetApprover chooses which user approves authorize requests.
func (f *Fake) SetApprover(userID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.users[userID] == nil {
		return fmt.Errorf("wavetest: no user %s", userID)
	}
	f.approver = userID
	return nil
}

// AddUser adds a user (who owns no business until one is added for it).
func (f *Fake) AddUser(u User) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.users[u.ID] = &u
}

// Stats returns the request counts so far.
func (f *Fake) Stats() Stats {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.stats
	s.Operations = make(map[string]int, len(f.stats.Operations))
	for k, v := range f.stats.Operations {
		s.Operations[k] = v
	}
	return s
}

// ResetStats zeroes the request counts.
func (f *Fake) ResetStats() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stats = Stats{Operations: map[string]int{}}
}

// TokenUses returns how many GraphQL requests were authenticated with accessToken,
// so that a test can prove a token was saved before it was used.
func (f *Fake) TokenUses(accessToken string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tokenUses[accessToken]
}

// IssuedSecrets returns every authorization code, access token and refresh token the
// fake has issued, plus the client secret: what a leak test searches logs for.
func (f *Fake) IssuedSecrets() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append(append([]string(nil), f.issued...), f.opts.ClientSecret)
}

// IssuedAccessTokens returns every access token the fake has issued, oldest first,
// so that a test can check what became of one the app never stored.
func (f *Fake) IssuedAccessTokens() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, s := range f.issued {
		if f.access[s] != nil {
			out = append(out, s)
		}
	}
	return out
}

// --- data access and mutation for tests ---

// Business returns a business record.
func (f *Fake) Business(id string) (Business, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b := f.biz[id]
	if b == nil {
		return Business{}, false
	}
	return b.Business, true
}

// Accounts returns a business's accounts.
func (f *Fake) Accounts(businessID string) []Account {
	f.mu.Lock()
	defer f.mu.Unlock()
	if b := f.biz[businessID]; b != nil {
		return append([]Account(nil), b.accounts...)
	}
	return nil
}

// Invoices returns all of a business's invoices (generated ones are computed).
func (f *Fake) Invoices(businessID string) []Invoice {
	f.mu.Lock()
	defer f.mu.Unlock()
	b := f.biz[businessID]
	if b == nil {
		return nil
	}
	out := make([]Invoice, b.invoiceCount())
	for i := range out {
		out[i] = b.invoiceAt(i)
	}
	return out
}

// Customers returns a business's customers.
func (f *Fake) Customers(businessID string) []Customer {
	f.mu.Lock()
	defer f.mu.Unlock()
	if b := f.biz[businessID]; b != nil {
		return append([]Customer(nil), b.customers...)
	}
	return nil
}

// Receivables returns each customer's outstanding and overdue amounts as the
// GraphQL API would report them now.
func (f *Fake) Receivables(businessID string) map[string]Receivables {
	f.mu.Lock()
	defer f.mu.Unlock()
	b := f.biz[businessID]
	if b == nil {
		return nil
	}
	out := map[string]Receivables{}
	for id, r := range b.receivables(midnight(f.now())) {
		out[id] = *r
	}
	return out
}

// AddBusiness adds or replaces a business (owned by b.UserID, or the approver).
func (f *Fake) AddBusiness(b Business) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if b.UserID == "" {
		b.UserID = f.approver
	}
	if old := f.biz[b.ID]; old != nil {
		old.Business = b
		old.invalidate()
		return
	}
	f.addBiz(&bizData{Business: b})
}

// AddAccount adds an account to a business.
func (f *Fake) AddAccount(businessID string, a Account) error {
	return f.mutate(businessID, func(b *bizData) error {
		b.accounts = append(b.accounts, a)
		return nil
	})
}

// AddCustomer adds a customer to a business.
func (f *Fake) AddCustomer(businessID string, c Customer) error {
	return f.mutate(businessID, func(b *bizData) error {
		b.custIndex[c.ID] = len(b.customers)
		b.customers = append(b.customers, c)
		return nil
	})
}

// PutInvoice adds an invoice to a business, or replaces the one with the same id
// (to simulate a payment or an edit). Generated businesses are read-only.
func (f *Fake) PutInvoice(businessID string, inv Invoice) error {
	return f.mutate(businessID, func(b *bizData) error {
		if b.gen != nil {
			return fmt.Errorf("wavetest: generated business %s is read-only", businessID)
		}
		for i := range b.invoices {
			if b.invoices[i].ID == inv.ID {
				b.invoices[i] = inv
				return nil
			}
		}
		b.invoices = append(b.invoices, inv)
		return nil
	})
}

// BreakInvoice makes Wave answer the invoice with a field error (message) that nulls
// it in every list, as a server does when one of its non-null fields cannot be
// resolved; an empty message mends it.
func (f *Fake) BreakInvoice(invoiceID, message string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if message == "" {
		delete(f.broken, invoiceID)
		return
	}
	f.broken[invoiceID] = message
}

// DeleteInvoice removes an invoice from a business, as deleting it in Wave would.
func (f *Fake) DeleteInvoice(businessID, invoiceID string) error {
	return f.mutate(businessID, func(b *bizData) error {
		if b.gen != nil {
			return fmt.Errorf("wavetest: generated business %s is read-only", businessID)
		}
		for i := range b.invoices {
			if b.invoices[i].ID == invoiceID {
				b.invoices = append(b.invoices[:i], b.invoices[i+1:]...)
				return nil
			}
		}
		return fmt.Errorf("wavetest: no invoice %s", invoiceID)
	})
}

func (f *Fake) mutate(businessID string, fn func(*bizData) error) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	b := f.biz[businessID]
	if b == nil {
		return fmt.Errorf("wavetest: no business %s", businessID)
	}
	if err := fn(b); err != nil {
		return err
	}
	b.invalidate()
	return nil
}

// randomToken returns a 30-character opaque token, the length of Wave's tokens.
func randomToken() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 30)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

func (f *Fake) errorID() string {
	f.errSeq++
	return uuidFrom(uint64(f.errSeq) * 7919)
}
