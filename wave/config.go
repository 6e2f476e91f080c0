package wave

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/oauth2"
)

// Wave's production endpoints (wave-api.md section 2.1). The trailing slashes are part
// of the documented OAuth URLs.
const (
	DefaultOAuthBase  = "https://api.waveapps.com"
	DefaultAuthURL    = DefaultOAuthBase + "/oauth2/authorize/"
	DefaultTokenURL   = DefaultOAuthBase + "/oauth2/token/"
	DefaultRevokeURL  = DefaultOAuthBase + "/oauth2/token-revoke/"
	DefaultGraphQLURL = "https://gql.waveapps.com/graphql/public"
)

// MaxPageSize is the largest page this package asks for. Wave does not publish a
// maximum but rejects queries whose cost (page size times nesting) is too high, and
// 100 is what working clients use.
const MaxPageSize = 100

// OfflineAccessScope asks the OAuth server for a refresh token. It is not on Wave's
// official scope list, but integrators request it in production (so Wave tolerates
// it), and a standard OAuth 2.0 server issues no refresh token without it
// (wave-api.md sections 2.6 and 2.8). Without a refresh token a connection dies with
// its first access token, so Exchange refuses such a grant.
const OfflineAccessScope = "offline_access"

// ReadScopes returns the read-only scopes of what finhealth reads: the Wave user, their
// businesses, the chart of accounts, invoices and customers. Wave grants each
// operation separately, so write scopes would not help reading and are never
// requested; vendors and products are never read, so vendor:read and product:read
// are not asked for either.
func ReadScopes() []string {
	return []string{"user:read", "business:read", "account:read", "invoice:read", "customer:read"}
}

// Scopes returns the scopes finhealth asks for by default: ReadScopes plus
// offline_access.
func Scopes() []string {
	return append(ReadScopes(), OfflineAccessScope)
}

// Config is finhealth's registration with Wave and the client's behaviour. Start from
// DefaultConfig: a zero field means what it says (no retries, no rate limit), except
// where noted.
type Config struct {
	ClientID     string
	ClientSecret string // never logged: Config's String, Format and LogValue mask it
	RedirectURI  string

	// Endpoints; empty means Wave's production URLs. SetOAuthBase sets the three OAuth
	// URLs at once, e.g. to the simulated Wave.
	AuthURL, TokenURL, RevokeURL, GraphQLURL string

	// Scopes to request; nil means Scopes(), or ReadScopes() with OmitOfflineAccess.
	Scopes []string
	// OmitOfflineAccess leaves offline_access out of the default scopes
	// (WAVE_OFFLINE_ACCESS=false), for an OAuth server that refuses the scope. A
	// server that then issues no refresh token makes every connection fail at the
	// code exchange.
	OmitOfflineAccess bool

	// HTTPClient sends every request; nil means a client with sane timeouts that does
	// not follow redirects (a redirected POST silently becomes a GET).
	HTTPClient *http.Client
	// RequestTimeout bounds one attempt; zero means 30 seconds.
	RequestTimeout time.Duration

	// RequestsPerSecond is the client-side rate limit per connection (Wave publishes
	// none; third parties quote about 60 a minute). 0 means unlimited.
	RequestsPerSecond float64
	// Burst is how many requests may go at once before the limit applies; zero means 1.
	Burst int
	// MaxInFlight bounds concurrent requests per connection (Wave's cost limits are
	// undocumented, so DefaultConfig allows one at a time). 0 means unbounded.
	MaxInFlight int

	// MaxRetries bounds retries after the first attempt on 429, 5xx, timeouts and
	// connection errors. 0 means no retries.
	MaxRetries int
	// RetryBaseDelay and RetryMaxDelay shape the exponential backoff (full jitter);
	// zero means 500 ms and 30 s.
	RetryBaseDelay, RetryMaxDelay time.Duration
	// MaxRetryAfter is the longest Retry-After this client waits in-process; a longer
	// one ends the call with ErrRateLimited so that the job can be rescheduled. Zero
	// means 2 minutes.
	MaxRetryAfter time.Duration

	// PageSize for list queries; zero means MaxPageSize, and it may not exceed it.
	PageSize int

	// Logger receives debug lines per request and warnings per retry, never a secret;
	// nil discards.
	Logger *slog.Logger
	// Metrics receives the client's instruments (requests to Wave by operation and
	// outcome, their durations); nil records none.
	Metrics prometheus.Registerer
	// Now is the clock (token expiry, Retry-After dates, rate limit); nil is time.Now.
	Now func() time.Time
	// Sleep waits between attempts and for the rate limiter; nil sleeps for real.
	// Tests inject one that advances a fake clock.
	Sleep func(ctx context.Context, d time.Duration) error
	// Jitter returns a random duration in [0, d) for backoff; nil uses math/rand.
	Jitter func(d time.Duration) time.Duration
}

// DefaultConfig returns the settings for talking to the real Wave: 1 request per
// second per connection, 4 retries, page size 100.
func DefaultConfig() Config {
	return Config{
		RequestsPerSecond: 1,
		Burst:             1,
		MaxInFlight:       1,
		MaxRetries:        4,
		RetryBaseDelay:    500 * time.Millisecond,
		RetryMaxDelay:     30 * time.Second,
		MaxRetryAfter:     2 * time.Minute,
		RequestTimeout:    30 * time.Second,
		PageSize:          MaxPageSize,
	}
}

// SetOAuthBase points the three OAuth URLs at base (WAVE_OAUTH_BASE, e.g.
// "https://api.waveapps.com" or the simulated Wave's URL).
func (c *Config) SetOAuthBase(base string) {
	base = strings.TrimRight(base, "/")
	c.AuthURL = base + "/oauth2/authorize/"
	c.TokenURL = base + "/oauth2/token/"
	c.RevokeURL = base + "/oauth2/token-revoke/"
}

// scopes are the scopes the configuration asks for.
func (c Config) scopes() []string {
	switch {
	case c.Scopes != nil:
		return c.Scopes
	case c.OmitOfflineAccess:
		return ReadScopes()
	}
	return Scopes()
}

func (c Config) masked() string {
	secret := "none"
	if c.ClientSecret != "" {
		secret = "redacted"
	}
	return fmt.Sprintf("wave.Config{ClientID:%q ClientSecret:%s RedirectURI:%q Scopes:%q GraphQLURL:%q TokenURL:%q RequestsPerSecond:%g MaxRetries:%d PageSize:%d}",
		c.ClientID, secret, c.RedirectURI, strings.Join(c.scopes(), " "), c.GraphQLURL, c.TokenURL, c.RequestsPerSecond, c.MaxRetries, c.PageSize)
}

// String masks the client secret.
func (c Config) String() string { return c.masked() }

// GoString masks the client secret in %#v.
func (c Config) GoString() string { return c.masked() }

// Format masks the client secret under every fmt verb.
func (c Config) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.masked()) }

// LogValue masks the client secret in slog records.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("client_id", c.ClientID),
		slog.Bool("client_secret_set", c.ClientSecret != ""),
		slog.String("redirect_uri", c.RedirectURI),
		slog.String("scopes", strings.Join(c.scopes(), " ")),
		slog.String("graphql_url", c.GraphQLURL),
		slog.String("token_url", c.TokenURL),
		slog.Float64("requests_per_second", c.RequestsPerSecond),
	)
}

// Client is finhealth's registration with Wave. It is safe for concurrent use and
// meant to live as long as the process: it keeps the per-connection state (token lock,
// rate limiter) that every Conn for the same connection shares.
type Client struct {
	cfg   Config
	http  *http.Client
	log   *slog.Logger
	oauth oauth2.Config
	// metrics is nil when Config.Metrics is.
	metrics *clientMetrics

	mu    sync.Mutex
	conns map[string]*connState

	// modifiedAtAfterUnsupported is set once Wave rejects the invoices filter
	// modifiedAtAfter (which no official page documents), so that every later
	// incremental read filters on our side instead of failing again.
	modifiedAtAfterUnsupported atomic.Bool
}

// New validates cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	if cfg.AuthURL == "" {
		cfg.AuthURL = DefaultAuthURL
	}
	if cfg.TokenURL == "" {
		cfg.TokenURL = DefaultTokenURL
	}
	if cfg.RevokeURL == "" {
		cfg.RevokeURL = DefaultRevokeURL
	}
	if cfg.GraphQLURL == "" {
		cfg.GraphQLURL = DefaultGraphQLURL
	}
	for name, u := range map[string]string{"AuthURL": cfg.AuthURL, "TokenURL": cfg.TokenURL, "RevokeURL": cfg.RevokeURL, "GraphQLURL": cfg.GraphQLURL} {
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return nil, fmt.Errorf("wave: %s %q is not an absolute http(s) URL", name, u)
		}
	}
	if cfg.PageSize == 0 {
		cfg.PageSize = MaxPageSize
	}
	if cfg.PageSize < 1 || cfg.PageSize > MaxPageSize {
		return nil, fmt.Errorf("wave: PageSize %d is outside 1..%d", cfg.PageSize, MaxPageSize)
	}
	if cfg.RequestsPerSecond < 0 || cfg.MaxRetries < 0 || cfg.Burst < 0 || cfg.MaxInFlight < 0 {
		return nil, errors.New("wave: RequestsPerSecond, Burst, MaxInFlight and MaxRetries may not be negative")
	}
	if cfg.Burst == 0 {
		cfg.Burst = 1
	}
	if cfg.RetryBaseDelay == 0 {
		cfg.RetryBaseDelay = 500 * time.Millisecond
	}
	if cfg.RetryMaxDelay == 0 {
		cfg.RetryMaxDelay = 30 * time.Second
	}
	if cfg.MaxRetryAfter == 0 {
		cfg.MaxRetryAfter = 2 * time.Minute
	}
	if cfg.RequestTimeout == 0 {
		cfg.RequestTimeout = 30 * time.Second
	}
	cfg.Scopes = cfg.scopes()
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleep
	}
	if cfg.Jitter == nil {
		cfg.Jitter = func(d time.Duration) time.Duration {
			if d <= 0 {
				return 0
			}
			return rand.N(d)
		}
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = defaultHTTPClient(cfg.RequestTimeout)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var metrics *clientMetrics
	if cfg.Metrics != nil {
		var err error
		if metrics, err = newClientMetrics(cfg.Metrics); err != nil {
			return nil, err
		}
	}
	return &Client{
		cfg:     cfg,
		http:    hc,
		log:     log,
		metrics: metrics,
		oauth: oauth2.Config{
			ClientID:    cfg.ClientID,
			RedirectURL: cfg.RedirectURI,
			Scopes:      cfg.Scopes,
			Endpoint:    oauth2.Endpoint{AuthURL: cfg.AuthURL, TokenURL: cfg.TokenURL, AuthStyle: oauth2.AuthStyleInParams},
		},
		conns: map[string]*connState{},
	}, nil
}

func defaultHTTPClient(timeout time.Duration) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	tr.TLSHandshakeTimeout = 10 * time.Second
	tr.ResponseHeaderTimeout = timeout
	tr.MaxIdleConnsPerHost = 16
	return &http.Client{
		Transport: tr,
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (c *Client) now() time.Time { return c.cfg.Now() }
