package main

import (
	"bufio"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"finhealth/mail"
)

// Config is the effective configuration. Names of the environment variables are kept
// from the Flask original so that existing deployments carry over.
type Config struct {
	Env             string // "development" or "production"
	DatabaseURL     string
	SecretKey       string
	JWTSecretKey    string
	WaveClientID    string
	WaveSecret      string
	WaveRedirectURI string
	WaveOAuthBase   string // overrides https://api.waveapps.com (tests, proxies)
	WaveGraphQLURL  string // overrides https://gql.waveapps.com/graphql/public
	// WaveOfflineAccess asks Wave for the offline_access scope (WAVE_OFFLINE_ACCESS,
	// default true), without which a standard OAuth server issues no refresh token.
	WaveOfflineAccess bool
	// SimulatedWave serves a labelled fake Wave from this binary so that the whole
	// connect-and-sync flow can be tried without a Wave account (development only).
	SimulatedWave bool
	CORSOrigins   []string
	Port          int
	// BindAddress is the IP address or host name serve listens on (BIND_ADDRESS),
	// e.g. 127.0.0.1 behind a reverse proxy on the same host; empty listens on every
	// interface, which containers and Railway need.
	BindAddress     string
	BaseURL         string
	TrustProxy      bool
	AutoMigrate     bool
	LogLevel        slog.Level
	LogFormat       string // "text" or "json"
	ShutdownTimeout time.Duration
	// SyncHeartbeatTimeout is how long a running sync may go unheard from before
	// another instance resumes it (SYNC_HEARTBEAT_TIMEOUT); 0 keeps the worker's
	// default of a minute.
	SyncHeartbeatTimeout time.Duration
	// DatabaseMaxConns sizes the store's connection pool; 0 keeps
	// store.DefaultMaxConns.
	DatabaseMaxConns int
	// MetricsToken guards /metrics (Authorization: Bearer). Production serves no
	// /metrics without one; development serves it openly.
	MetricsToken string

	// SMTP is the outgoing mail server; nil when none is configured (development
	// then captures mail for /dev/mail, production sends none).
	SMTP *mail.SMTP
	// MailFrom is the From of every message (MAIL_FROM).
	MailFrom string
	// InstanceName names the instance in messages (INSTANCE_NAME).
	InstanceName string

	// Generated lists the secrets that were generated for this process because none
	// were configured (development only).
	Generated []string
}

// Development reports whether the app runs in development mode.
func (c *Config) Development() bool { return c.Env == "development" }

// minSecretBytes is the shortest secret accepted in production: HS256 keys shorter
// than the hash output weaken the MAC, and a 32-byte secret is what `openssl rand
// -base64 32` gives.
const minSecretBytes = 32

// weakSecrets are values seen in tutorials and in the original app's defaults; a
// production instance started with one of them is trivially forgeable.
var weakSecrets = map[string]bool{
	"secret": true, "changeme": true, "change-me": true, "dev": true, "development": true,
	"dev-secret-key": true, "jwt-secret-key": true, "your-secret-key": true,
	"super-secret-key": true, "your-secret-key-here": true, "your-jwt-secret-key": true,
	"dev-secret-key-change-in-production": true, "jwt-secret-change-in-production": true,
	"password": true, "test": true, "default": true,
}

// loadConfig reads the configuration from getenv. A `.env` file in the working
// directory is read first in development; real environment variables win over it.
func loadConfig(getenv func(string) string) (*Config, error) {
	env := canonicalEnv(getenv("APP_ENV"))
	if env == "" {
		env = canonicalEnv(getenv("FLASK_ENV")) // the original app's name
	}
	// Every spelling of production skips .env alike: a file left in the working
	// directory must never override a production deployment's settings.
	if env != "production" {
		dotenv, err := readDotenv(".env")
		if err != nil {
			return nil, err
		}
		getenv = layered(getenv, dotenv)
		if env == "" {
			env = canonicalEnv(getenv("APP_ENV"))
		}
	}
	switch env {
	case "":
		env = "development"
	case "development", "production":
	default:
		return nil, fmt.Errorf("APP_ENV: %q is not one of development, production", env)
	}

	c := &Config{Env: env, LogFormat: "text", ShutdownTimeout: 20 * time.Second}
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	// DATABASE_URL carries a password in production, so it is read like a secret.
	dbURL, err := secret(getenv, "DATABASE_URL")
	if err != nil {
		bad("%v", err)
	}
	c.DatabaseURL = or(dbURL, "./data/finhealth.db")
	if c.SecretKey, err = secret(getenv, "SECRET_KEY"); err != nil {
		bad("%v", err)
	}
	if c.JWTSecretKey, err = secret(getenv, "JWT_SECRET_KEY"); err != nil {
		bad("%v", err)
	}
	if c.WaveSecret, err = secret(getenv, "WAVE_CLIENT_SECRET"); err != nil {
		bad("%v", err)
	}
	if c.MetricsToken, err = secret(getenv, "METRICS_TOKEN"); err != nil {
		bad("%v", err)
	}
	c.WaveClientID = strings.TrimSpace(getenv("WAVE_CLIENT_ID"))
	c.WaveRedirectURI = strings.TrimSpace(getenv("WAVE_REDIRECT_URI"))
	c.WaveOAuthBase = strings.TrimRight(strings.TrimSpace(getenv("WAVE_OAUTH_BASE")), "/")
	c.WaveGraphQLURL = strings.TrimSpace(getenv("WAVE_GRAPHQL_URL"))
	c.WaveOfflineAccess = true
	if v := strings.TrimSpace(getenv("WAVE_OFFLINE_ACCESS")); v != "" {
		if b, err := strconv.ParseBool(v); err != nil {
			bad("WAVE_OFFLINE_ACCESS: %q is not true or false", v)
		} else {
			c.WaveOfflineAccess = b
		}
	}

	if c.Port, err = port(getenv); err != nil {
		bad("%v", err)
	}
	if c.BindAddress, err = bindAddress(getenv); err != nil {
		bad("%v", err)
	}
	if v := strings.TrimSpace(getenv("DATABASE_MAX_CONNS")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			bad("DATABASE_MAX_CONNS: %q is not a number of connections (1-1000)", v)
		} else {
			c.DatabaseMaxConns = n
		}
	}
	if v := strings.TrimSpace(getenv("SYNC_HEARTBEAT_TIMEOUT")); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second || d > time.Hour {
			bad("SYNC_HEARTBEAT_TIMEOUT: %q is not a duration between 1s and 1h (such as 60s)", v)
		} else {
			c.SyncHeartbeatTimeout = d
		}
	}
	c.BaseURL = strings.TrimRight(strings.TrimSpace(getenv("BASE_URL")), "/")
	if c.BaseURL == "" {
		c.BaseURL = fmt.Sprintf("http://localhost:%d", c.Port)
	} else if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("BASE_URL: %q is not an absolute http(s) URL", c.BaseURL)
	}

	for _, o := range strings.Split(getenv("CORS_ORIGINS"), ",") {
		o = strings.TrimRight(strings.TrimSpace(o), "/")
		if o == "" {
			continue
		}
		if strings.Contains(o, "*") {
			// The origin check compares exact strings: a pattern would be accepted
			// here and then never match anything.
			bad("CORS_ORIGINS: %q: patterns and \"*\" are not allowed; list the exact origins (scheme://host[:port]) that may call the API", o)
			continue
		}
		if u, err := url.Parse(o); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			bad("CORS_ORIGINS: %q is not an origin like https://app.example.com", o)
			continue
		}
		c.CORSOrigins = append(c.CORSOrigins, o)
	}

	if c.WaveClientID != "" && c.WaveSecret == "" {
		bad("WAVE_CLIENT_SECRET: required when WAVE_CLIENT_ID is set")
	}
	if c.WaveRedirectURI == "" {
		c.WaveRedirectURI = c.BaseURL + "/wave/callback"
	}
	c.SimulatedWave = c.Development() && c.WaveClientID == ""
	if v := strings.TrimSpace(getenv("SIMULATED_WAVE")); v != "" {
		b, err := strconv.ParseBool(v)
		switch {
		case err != nil:
			bad("SIMULATED_WAVE: %q is not true or false", v)
		case b && !c.Development():
			bad("SIMULATED_WAVE: the simulated Wave is for development only")
		case b && c.WaveClientID != "":
			bad("SIMULATED_WAVE: cannot be combined with a real WAVE_CLIENT_ID")
		default:
			c.SimulatedWave = b
		}
	}

	readMailConfig(getenv, c, bad)

	c.AutoMigrate = c.Development()
	if v := strings.TrimSpace(getenv("AUTO_MIGRATE")); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			bad("AUTO_MIGRATE: %q is not true or false", v)
		}
		c.AutoMigrate = b
	}
	if v := strings.TrimSpace(getenv("TRUST_PROXY")); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			bad("TRUST_PROXY: %q is not true or false", v)
		}
		c.TrustProxy = b
	}
	if v := strings.TrimSpace(getenv("LOG_LEVEL")); v != "" {
		if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
			bad("LOG_LEVEL: %q is not one of debug, info, warn, error", v)
		}
	}
	c.LogFormat = or(strings.ToLower(strings.TrimSpace(getenv("LOG_FORMAT"))), map[bool]string{true: "text", false: "json"}[c.Development()])
	if c.LogFormat != "text" && c.LogFormat != "json" {
		bad("LOG_FORMAT: %q is not text or json", c.LogFormat)
	}

	if c.Development() {
		// A newcomer must be able to start the app with no setup, so development makes
		// throwaway secrets; sessions then end when the process restarts.
		for _, s := range []struct {
			name string
			v    *string
		}{{"SECRET_KEY", &c.SecretKey}, {"JWT_SECRET_KEY", &c.JWTSecretKey}} {
			if *s.v == "" {
				*s.v = randomSecret()
				c.Generated = append(c.Generated, s.name)
			}
		}
	} else {
		for _, s := range []struct{ name, v string }{{"SECRET_KEY", c.SecretKey}, {"JWT_SECRET_KEY", c.JWTSecretKey}} {
			if msg := weakness(s.v); msg != "" {
				bad("%s: %s (generate one with: openssl rand -base64 48)", s.name, msg)
			}
		}
		if c.SecretKey != "" && c.SecretKey == c.JWTSecretKey {
			bad("SECRET_KEY and JWT_SECRET_KEY must differ, so that leaking one does not give away the other")
		}
		// The monitoring system holds the metrics token, so it must be strong on its
		// own and must not double as a key that signs sessions.
		if c.MetricsToken != "" {
			if msg := weakness(c.MetricsToken); msg != "" {
				bad("METRICS_TOKEN: %s (generate one with: openssl rand -base64 48)", msg)
			}
			if c.MetricsToken == c.SecretKey || c.MetricsToken == c.JWTSecretKey {
				bad("METRICS_TOKEN must differ from SECRET_KEY and JWT_SECRET_KEY")
			}
		}
	}
	if len(problems) > 0 {
		return nil, &configError{problems: problems, config: c}
	}
	return c, nil
}

// port reads PORT, which Railway sets; it is 5000 when unset or unusable.
func port(getenv func(string) string) (int, error) {
	p := strings.TrimSpace(getenv("PORT"))
	if p == "" {
		return 5000, nil
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 1 || n > 65535 {
		return 5000, fmt.Errorf("PORT: %q is not a port number (1-65535)", p)
	}
	return n, nil
}

// bindAddress reads BIND_ADDRESS: an IP address (IPv6 with or without brackets) or
// a host name to listen on, without a port (that is PORT). Empty means every
// interface.
func bindAddress(getenv func(string) string) (string, error) {
	v := strings.TrimSpace(getenv("BIND_ADDRESS"))
	if v == "" {
		return "", nil
	}
	host := v
	if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		host = host[1 : len(host)-1]
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return ip.String(), nil
	}
	if isHostName(host) {
		return strings.ToLower(host), nil
	}
	if h, p, err := net.SplitHostPort(v); err == nil {
		_, ipErr := netip.ParseAddr(h)
		if _, perr := strconv.ParseUint(p, 10, 16); perr == nil && (ipErr == nil || isHostName(h)) {
			return "", fmt.Errorf("BIND_ADDRESS: %q has a port; give only the address (the port is PORT)", v)
		}
	}
	return "", fmt.Errorf("BIND_ADDRESS: %q is not an IP address or a host name, e.g. 127.0.0.1 or ::1 (empty listens on every interface)", v)
}

// isHostName reports whether s is a DNS host name: dot-separated labels of letters,
// digits and inner hyphens.
func isHostName(s string) bool {
	if len(s) == 0 || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(strings.TrimSuffix(s, "."), ".") {
		if len(label) == 0 || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
				return false
			}
		}
	}
	return true
}

// configError lists every configuration problem at once, so an operator fixes them
// in one go rather than one restart per mistake.
type configError struct {
	problems []string
	config   *Config // as far as it could be read, for check-config's further checks
}

func (e *configError) Error() string {
	return "configuration is not valid:\n  - " + strings.Join(e.problems, "\n  - ")
}

// weakness explains why a production secret is unacceptable, or returns "".
func weakness(v string) string {
	switch {
	case v == "":
		return "is not set"
	case weakSecrets[strings.ToLower(v)]:
		return "is a well-known default value"
	case len(v) < minSecretBytes:
		return fmt.Sprintf("is %d characters; at least %d are required", len(v), minSecretBytes)
	case distinctBytes(v) < 8:
		return "has too little variety to be random"
	case periodic(v):
		return "repeats a shorter value, so it is not random"
	}
	return ""
}

// canonicalEnv is APP_ENV's one spelling of each mode ("prod" is "production").
func canonicalEnv(v string) string {
	switch v = strings.ToLower(strings.TrimSpace(v)); v {
	case "dev":
		return "development"
	case "prod":
		return "production"
	}
	return v
}

// periodic reports whether s is a shorter string repeated ("abcdefgh" four times):
// such a value has many distinct characters yet only a fraction of its length in
// randomness.
func periodic(s string) bool {
	for p := 1; p <= len(s)/2; p++ {
		if len(s)%p == 0 && strings.Repeat(s[:p], len(s)/p) == s {
			return true
		}
	}
	return false
}

func distinctBytes(s string) int {
	seen := map[byte]bool{}
	for i := 0; i < len(s); i++ {
		seen[s[i]] = true
	}
	return len(seen)
}

// secret reads NAME, or the file named by NAME_FILE (Docker and Kubernetes secrets);
// setting both is ambiguous and refused.
func secret(getenv func(string) string, name string) (string, error) {
	v, file := getenv(name), strings.TrimSpace(getenv(name+"_FILE"))
	if file == "" {
		return strings.TrimSpace(v), nil
	}
	if v != "" {
		return "", fmt.Errorf("%s and %s_FILE are both set; set only one", name, name)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("%s_FILE: cannot read %q: %v", name, file, errors.Unwrap(err))
	}
	return strings.TrimSpace(string(b)), nil
}

func randomSecret() string {
	b := make([]byte, 48)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return base64.RawStdEncoding.EncodeToString(b)
}

func or(v, def string) string {
	if strings.TrimSpace(v) == "" {
		return def
	}
	return strings.TrimSpace(v)
}

// layered returns a getenv that prefers the real environment and falls back to the
// .env file's values.
func layered(getenv func(string) string, file map[string]string) func(string) string {
	return func(k string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return file[k]
	}
}

// readDotenv parses a .env file: KEY=VALUE lines, # comments, optional `export `,
// values optionally in single or double quotes. A missing file is not an error.
func readDotenv(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	defer f.Close()
	vals := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		k, v, ok := strings.Cut(line, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, fmt.Errorf("%s:%d: expected KEY=VALUE", path, n)
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		} else if i := strings.Index(v, " #"); i >= 0 {
			v = strings.TrimSpace(v[:i])
		}
		vals[k] = v
	}
	return vals, sc.Err()
}

// LogValue renders the configuration for the start-up log with every secret masked:
// only whether it is set, generated or read from a file is shown.
func (c *Config) LogValue() slog.Value {
	mask := func(name, v string) string {
		for _, g := range c.Generated {
			if g == name {
				return "(generated for this process)"
			}
		}
		if v == "" {
			return "(not set)"
		}
		return "(set)"
	}
	return slog.GroupValue(
		slog.String("env", c.Env),
		slog.String("database", redactURL(c.DatabaseURL)),
		slog.Int("database_max_conns", c.DatabaseMaxConns),
		slog.Int("port", c.Port),
		slog.String("bind_address", or(c.BindAddress, "(all interfaces)")),
		slog.String("base_url", c.BaseURL),
		slog.String("secret_key", mask("SECRET_KEY", c.SecretKey)),
		slog.String("jwt_secret_key", mask("JWT_SECRET_KEY", c.JWTSecretKey)),
		slog.String("wave_client_id", or(c.WaveClientID, "(not set)")),
		slog.String("wave_client_secret", mask("WAVE_CLIENT_SECRET", c.WaveSecret)),
		slog.String("wave_redirect_uri", or(c.WaveRedirectURI, "(not set)")),
		slog.Bool("wave_offline_access", c.WaveOfflineAccess),
		slog.String("metrics_token", mask("METRICS_TOKEN", c.MetricsToken)),
		slog.Bool("simulated_wave", c.SimulatedWave),
		slog.Any("cors_origins", c.CORSOrigins),
		slog.Bool("trust_proxy", c.TrustProxy),
		slog.Bool("auto_migrate", c.AutoMigrate),
		slog.String("log_level", c.LogLevel.String()),
		slog.Any("mail", c.mailLogValue()),
	)
}

// redactURL hides the password of a database URL, whether in the user part or in
// a password parameter (which PostgreSQL URLs also accept). A PostgreSQL URL too
// malformed to parse is hidden whole, since where its password is cannot be known.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil && isPostgres(s) {
		return "(a malformed URL, not shown)"
	}
	if err != nil || u.Scheme == "" {
		return s
	}
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}
