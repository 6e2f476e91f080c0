// Package http is the HTTP layer that finhealth's JSON API (package http/api) and
// its server-rendered web UI (package http/ui) share: the router and its route
// table, the middleware (request ids, request logs and metrics, security headers,
// CORS), the probes /healthz and /readyz, and /metrics. It authenticates API callers
// with short-lived HS256 JWTs and rotated refresh tokens, and browsers with the same
// tokens in session cookies and a CSRF token on every unsafe request; it authorizes
// every route by the permission it declares, from the role table in the root
// package; it maps finhealth.Error codes to status codes, decodes JSON strictly, and
// limits login attempts. The operations that the API and the UI both perform live
// here too (Accounts, Organizations, Insights, Wave, and the live health score), so
// that both are held to the same checks.
//
// It depends on the root package, scoring and identity only; the store arrives as
// the finhealth.Store interface so that cmd/finhealth alone wires adapters together.
// cmd/finhealth builds a Server and mounts the API and the UI on it (api.Mount,
// ui.Mount); the sub-packages import this one, never each other.
package http

import (
	"context"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/semaphore"

	"finhealth"
	"finhealth/identity"
)

// Config is everything the HTTP layer, API and UI, needs from the outside. Zero
// fields take the defaults documented on each; JWTSecret is the only field without
// one.
type Config struct {
	// JWTSecret signs access tokens (HS256). It must be at least 32 bytes.
	JWTSecret []byte
	Issuer    string // default "finhealth"
	Audience  string // default "finhealth-api"

	AccessTTL     time.Duration // default 15 minutes
	RefreshTTL    time.Duration // default 30 days
	InvitationTTL time.Duration // default 7 days

	// BaseURL is the public origin used to build invitation links, e.g.
	// "https://finhealth.example.com". Default "http://localhost:5000".
	BaseURL string
	// CORSOrigins is the exact list of browser origins allowed to call the API. There
	// is deliberately no wildcard.
	CORSOrigins []string
	// Development relaxes production-only headers (HSTS).
	Development bool
	// TrustProxy makes the client IP come from X-Forwarded-For, and HSTS follow
	// X-Forwarded-Proto. Only set it behind a proxy that appends to the one and sets
	// the other, or clients choose their own rate-limit key.
	TrustProxy bool
	// MaxBodyBytes bounds JSON request bodies; default 1 MiB.
	MaxBodyBytes int64
	// Logger receives request logs and internal errors; default discards.
	Logger *slog.Logger

	// LoginIPLimit bounds login attempts per client IP; default 20 per minute.
	LoginIPLimit RateLimit
	// LoginAccountLimit bounds failed logins per email; default 5 per 15 minutes.
	LoginAccountLimit RateLimit

	// AssessmentCacheSize bounds how many encoded assessments are kept in memory
	// by id for GET .../assessments/latest (each about 3 KB); default 4096, and a
	// negative value disables the cache.
	AssessmentCacheSize int

	// Argon2 sets the password hashing cost for new hashes; default
	// identity.DefaultArgon2Params (OWASP). Tests lower Memory to stay fast.
	Argon2 identity.Argon2Params
	// HashConcurrency bounds how many password hashes (signup, login) run at once,
	// since each holds Argon2.Memory (19 MiB by default); default the number of CPUs.
	// HashWait is how long a request waits for a slot before it is shed with 503
	// and Retry-After; default 3 s, and a negative value means not at all.
	HashConcurrency int
	HashWait        time.Duration

	// Wave connects organizations to their books; nil makes the routes that talk to
	// Wave answer 503. Sync queues syncs and rescores; nil makes POST .../wave/sync
	// answer 503 and skips the rescore after a mapping change or an assessment.
	Wave finhealth.WaveGateway
	Sync finhealth.SyncQueue
	// SimulatedWave says that Wave is the simulated one served in development, so
	// that the UI labels it clearly.
	SimulatedWave bool

	// Mail sends stored messages in the background; nil sends none (production
	// without SMTP), and invitations are then links to copy only. InstanceName
	// names the instance in messages; default "finhealth".
	Mail         finhealth.MailQueue
	InstanceName string

	// Now is the clock for tokens, invitations and rate limits; default time.Now.
	Now func() time.Time
	// Ready backs /readyz; default the store's Ping.
	Ready func(ctx context.Context) error

	// Metrics receives the API's instruments (requests by route and status, latency
	// by route, login failures); nil records none.
	Metrics prometheus.Registerer
	// MetricsHandler is served at GET /metrics (cmd/finhealth passes its registry's
	// handler); nil leaves /metrics unrouted.
	MetricsHandler http.Handler
	// MetricsToken, when set, must be sent as "Authorization: Bearer <token>" to read
	// /metrics; other callers get 401.
	MetricsToken string
}

// RateLimit allows Count events per Per, refilled continuously (a token bucket of
// size Count). A zero value means the default; Disabled turns the limit off, which
// load benchmarks that log many users in from one address need.
type RateLimit struct {
	Count    int
	Per      time.Duration
	Disabled bool
}

// Server is the HTTP layer that the JSON API and the web UI share: the router and
// its route table, the middleware, authentication and authorization, and the state
// of sessions and rate limits. Create it with NewServer, then mount the API
// (http/api) and the UI (http/ui) on it.
type Server struct {
	cfg     Config
	st      finhealth.Store
	log     *slog.Logger
	outage  *outageLog // tells a database outage in a few lines
	now     func() time.Time
	routes  []Route
	mux     *http.ServeMux
	handler http.Handler

	tokens       *tokenIssuer
	dummyHash    string
	hashing      *semaphore.Weighted
	loginIP      *limiter
	loginAccount *limiter
	assessments  assessmentCache
	corsOrigins  map[string]bool
	metrics      *apiMetrics // nil without Config.Metrics

	// Browser sessions: their cookies, the CSRF key, and the renewals that keep
	// concurrent page loads from spending one refresh token twice.
	cookies     Cookies
	csrfKey     []byte
	crossOrigin *http.CrossOriginProtection
	renewals    renewals
}

// NewServer builds the shared layer: the probes (/healthz, /readyz), /metrics, and
// the JSON answer to /api paths that no route claims. The API and the UI add their
// routes to it. It panics when JWTSecret is shorter than 32 bytes: a start-up
// configuration error that cmd/finhealth validates first, and no request could be
// served correctly anyway.
func NewServer(cfg Config, st finhealth.Store) *Server {
	cfg = withDefaults(cfg, st)
	if len(cfg.JWTSecret) < 32 {
		panic("http: Config.JWTSecret must be at least 32 bytes")
	}
	s := &Server{
		cfg:         cfg,
		st:          st,
		log:         cfg.Logger,
		now:         cfg.Now,
		corsOrigins: make(map[string]bool, len(cfg.CORSOrigins)),
	}
	for _, o := range cfg.CORSOrigins {
		s.corsOrigins[strings.TrimRight(o, "/")] = true
	}
	s.tokens = newTokenIssuer(cfg)
	s.outage = newOutageLog(cfg.Logger, cfg.Now, outageLogEvery)
	s.loginIP = newLimiter(cfg.LoginIPLimit)
	s.loginAccount = newLimiter(cfg.LoginAccountLimit)

	// Unknown emails are checked against this hash so that a login for a missing
	// account costs the same argon2 time as one with a wrong password.
	dummy, err := identity.HashPassword("not a real password, only burns time", cfg.Argon2)
	if err != nil {
		panic("http: cannot hash the dummy password: " + err.Error())
	}
	s.dummyHash = dummy
	s.hashing = semaphore.NewWeighted(int64(cfg.HashConcurrency))
	s.assessments = newAssessmentCache(cfg.AssessmentCacheSize)

	s.metrics = newAPIMetrics(cfg.Metrics)
	s.cookies = newSessionCookies(cfg)
	s.csrfKey = newCSRFKey(cfg.JWTSecret)
	s.crossOrigin = http.NewCrossOriginProtection()

	s.mux = http.NewServeMux()
	s.HandleRoutes(s.probeRoutes())
	s.mux.Handle("/api/", http.HandlerFunc(s.unmatched))
	if cfg.MetricsHandler != nil {
		// Beside the route table: it is Prometheus text for operators, not part of
		// the JSON API or its OpenAPI document.
		s.mux.Handle(MetricsRoute, s.serveMetrics(cfg.MetricsHandler))
	}
	s.handler = s.base(compress(s.headers(s.mux)))
	return s
}

// Handler returns the handler of every mounted route, with all middleware applied.
func (s *Server) Handler() http.Handler { return s.handler }

// HandleRoutes adds rows to the route table and serves each under its pattern: its
// access rule first (authorize), then its handler, whose error becomes the JSON
// error body.
func (s *Server) HandleRoutes(routes []Route) {
	for _, rt := range routes {
		s.mux.Handle(rt.Pattern(), s.wrap(rt))
	}
	s.routes = append(s.routes, routes...)
}

// Routes is the route table: every route that HandleRoutes added, with its access
// rule and success status.
func (s *Server) Routes() []Route { return s.routes }

// Handle serves h under a ServeMux pattern outside the route table: the web UI's
// pages, which authorize themselves (AuthorizeSession), and its assets.
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// Pattern is the pattern of the route that would serve r, "" when none would.
func (s *Server) Pattern(r *http.Request) string {
	_, pattern := s.mux.Handler(r)
	return pattern
}

// Store is the store the server was built with.
func (s *Server) Store() finhealth.Store { return s.st }

// Config is the server's configuration, with the defaults filled in.
func (s *Server) Config() Config { return s.cfg }

func withDefaults(cfg Config, st finhealth.Store) Config {
	if cfg.Issuer == "" {
		cfg.Issuer = "finhealth"
	}
	if cfg.Audience == "" {
		cfg.Audience = "finhealth-api"
	}
	if cfg.AccessTTL <= 0 {
		cfg.AccessTTL = 15 * time.Minute
	}
	if cfg.RefreshTTL <= 0 {
		cfg.RefreshTTL = 30 * 24 * time.Hour
	}
	if cfg.InvitationTTL <= 0 {
		cfg.InvitationTTL = 7 * 24 * time.Hour
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = "http://localhost:5000"
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.LoginIPLimit.Count <= 0 || cfg.LoginIPLimit.Per <= 0 {
		cfg.LoginIPLimit = RateLimit{Count: 20, Per: time.Minute, Disabled: cfg.LoginIPLimit.Disabled}
	}
	if cfg.LoginAccountLimit.Count <= 0 || cfg.LoginAccountLimit.Per <= 0 {
		cfg.LoginAccountLimit = RateLimit{Count: 5, Per: 15 * time.Minute, Disabled: cfg.LoginAccountLimit.Disabled}
	}
	if cfg.AssessmentCacheSize == 0 {
		cfg.AssessmentCacheSize = 4096
	}
	if cfg.Argon2 == (identity.Argon2Params{}) {
		cfg.Argon2 = identity.DefaultArgon2Params
	}
	if cfg.HashConcurrency <= 0 {
		cfg.HashConcurrency = runtime.GOMAXPROCS(0)
	}
	if cfg.HashWait == 0 {
		cfg.HashWait = 3 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Ready == nil {
		cfg.Ready = func(ctx context.Context) error { return st.Ping(ctx) }
	}
	return cfg
}

// AccessKind says where a route's authority comes from.
type AccessKind int

const (
	// AccessPublic needs no credentials.
	AccessPublic AccessKind = iota
	// AccessUser needs any signed-in, active user.
	AccessUser
	// AccessPlatform needs a platform permission from the user's Role.
	AccessPlatform
	// AccessOrg needs an organization permission in the organization named by the
	// {id} path segment; non-members get 404 so that existence is not revealed.
	AccessOrg
	// AccessDefaultOrg is accessOrg applied to the caller's default organization.
	AccessDefaultOrg
)

// Access is what a route requires.
type Access struct {
	Kind AccessKind
	Perm finhealth.Permission
	// SelfParam names a path value that, when it equals the caller's id, waives perm
	// (a member may always leave an organization).
	SelfParam string
	// preload names data the handler needs that authorization reads in the same
	// query as the caller's access, saving the hottest routes a round trip.
	preload preload
}

// preload is what authorization reads for the handler besides the caller's access.
type preload int

const (
	preloadNothing preload = iota
	// preloadLatestAssessment reads the id of the organization's newest
	// assessment (call.latestID).
	preloadLatestAssessment
)

// WithLatestAssessment makes authorization also read the id of the organization's
// newest assessment.
func WithLatestAssessment(a Access) Access {
	a.preload = preloadLatestAssessment
	return a
}

// The access rules of the route tables: Public needs nothing, AnyUser any signed-in,
// active user, Platform a platform permission, Org an organization permission in
// the organization of the {id} path segment, and DefaultOrg one in the caller's
// default organization.
var (
	Public  = Access{Kind: AccessPublic}
	AnyUser = Access{Kind: AccessUser}
)

// Platform needs the platform permission p (AccessPlatform).
func Platform(p finhealth.Permission) Access { return Access{Kind: AccessPlatform, Perm: p} }

// Org needs the organization permission p in the organization of the path (AccessOrg).
func Org(p finhealth.Permission) Access { return Access{Kind: AccessOrg, Perm: p} }

// DefaultOrg needs the organization permission p in the caller's default
// organization (AccessDefaultOrg).
func DefaultOrg(p finhealth.Permission) Access {
	return Access{Kind: AccessDefaultOrg, Perm: p}
}

// Route is one row of the route table. status is the success status, which the
// role matrix and the OpenAPI coverage test rely on.
type Route struct {
	Method string
	Path   string
	Access Access
	Status int
	Handle HandlerFunc
}

// Pattern is the ServeMux pattern and the name routes are logged under.
func (rt Route) Pattern() string { return rt.Method + " " + rt.Path }

// HandlerFunc is a route handler. Returning an error writes it as the JSON error
// body, so handlers never format errors themselves.
type HandlerFunc func(w http.ResponseWriter, r *http.Request, c *Call) error

// Call is what authorization established about the request.
type Call struct {
	User  *finhealth.User // nil on public routes
	OrgID string          // set on organization routes
	Role  finhealth.OrgRole
	// SessionID is the session of the caller's access token (the refresh-token
	// family), so that a route can tell the caller's own session from the others.
	SessionID string

	preloaded bool   // the route's preload was read
	latestID  string // preloadLatestAssessment: "" when there is no assessment

	// CSRF is the token that the forms of a web UI page must carry
	// (Accounts.AuthorizeSession); API calls have none.
	CSRF string
}
