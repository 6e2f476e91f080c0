package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// finding is one thing check-config has to say about the configuration.
type finding struct {
	unsafe  bool   // false: questionable, worth a look, but not a reason to fail
	setting string // the environment variable concerned
	problem string
	fix     string
}

// checkConfig reads the configuration as serve does and explains every setting that
// is unsafe or questionable, and how to fix it. It fails (exit status 1) when any is
// unsafe, so that a deploy pipeline can run it first. It never prints a secret: only
// whether one is weak, and URLs with their passwords masked.
func checkConfig(getenv func(string) string, stdout io.Writer) error {
	c, findings := inspectConfig(getenv)
	if c != nil {
		fmt.Fprintf(stdout, "finhealth check-config: APP_ENV=%s, DATABASE_URL=%s\n", c.Env, redactURL(c.DatabaseURL))
	}
	unsafe := 0
	for _, pass := range []bool{true, false} { // the unsafe findings first
		for _, f := range findings {
			if f.unsafe != pass {
				continue
			}
			label := "WARNING"
			if f.unsafe {
				label, unsafe = "UNSAFE ", unsafe+1
			}
			fmt.Fprintf(stdout, "%s %s: %s\n        fix: %s\n", label, f.setting, f.problem, f.fix)
		}
	}
	if len(findings) == 0 {
		fmt.Fprintln(stdout, "No problems found.")
		return nil
	}
	fmt.Fprintf(stdout, "%d unsafe, %d questionable.\n", unsafe, len(findings)-unsafe)
	if unsafe > 0 {
		return fmt.Errorf("check-config: %d unsafe setting(s)", unsafe)
	}
	return nil
}

// allowUnsafe names the override that lets serve start in production with settings
// check-config calls unsafe (a try-out behind a trusted network, a test rig).
const allowUnsafe = "ALLOW_UNSAFE_CONFIG"

// refuseUnsafe stops serve in production on what check-config calls unsafe, so that
// the check is not advice a deploy can skip; ALLOW_UNSAFE_CONFIG=true starts it
// anyway, with a warning per setting.
func refuseUnsafe(c *Config, getenv func(string) string, logger *slog.Logger) error {
	if c.Development() {
		return nil
	}
	var unsafe []finding
	for _, f := range productionFindings(c, getenv) {
		if f.unsafe {
			unsafe = append(unsafe, f)
		}
	}
	if len(unsafe) == 0 {
		return nil
	}
	if allowed, _ := strconv.ParseBool(strings.TrimSpace(getenv(allowUnsafe))); allowed {
		for _, f := range unsafe {
			logger.Warn("unsafe setting allowed by "+allowUnsafe, "setting", f.setting, "problem", f.problem)
		}
		return nil
	}
	msg := make([]string, len(unsafe))
	for i, f := range unsafe {
		msg[i] = f.setting + ": " + f.problem
	}
	return fmt.Errorf("refusing to serve in production with %d unsafe setting(s) (run finhealth check-config; %s=true overrides): %s",
		len(unsafe), allowUnsafe, strings.Join(msg, "; "))
}

// inspectConfig loads the configuration and returns it, as far as it could be read,
// with what is wrong with it. The problems loadConfig itself refuses come first.
func inspectConfig(getenv func(string) string) (*Config, []finding) {
	c, err := loadConfig(getenv)
	var fs []finding
	var ce *configError
	switch {
	case errors.As(err, &ce):
		c = ce.config
		for _, p := range ce.problems {
			setting, problem, ok := strings.Cut(p, ": ")
			if !ok || strings.Contains(setting, " ") {
				setting, problem = "config", p
			}
			fs = append(fs, finding{true, setting, problem, "correct it as described; serve refuses to start until then"})
		}
	case err != nil:
		return nil, []finding{{true, "config", err.Error(), "correct it; nothing else can be checked until then"}}
	}
	if c.Development() {
		return c, append(fs, developmentFindings(c)...)
	}
	return c, append(fs, productionFindings(c, getenv)...)
}

func developmentFindings(c *Config) []finding {
	var fs []finding
	if u, err := url.Parse(c.BaseURL); err == nil && !isLoopback(u.Hostname()) {
		fs = append(fs, finding{true, "APP_ENV",
			fmt.Sprintf("development mode (the default when APP_ENV is unset) on the public address %s: it accepts weak secrets or generates throwaway ones, reads .env, may serve a simulated Wave and sends no HSTS", redactURL(c.BaseURL)),
			"set APP_ENV=production on every instance that others can reach"})
	}
	for _, s := range []struct{ name, v string }{{"SECRET_KEY", c.SecretKey}, {"JWT_SECRET_KEY", c.JWTSecretKey}} {
		if msg := weakness(s.v); msg != "" && !slices.Contains(c.Generated, s.name) {
			fs = append(fs, finding{false, s.name, msg + "; production would refuse it", "generate one with: openssl rand -base64 48"})
		}
	}
	if c.SecretKey == c.JWTSecretKey {
		fs = append(fs, finding{false, "JWT_SECRET_KEY", "equals SECRET_KEY; production would refuse it", "give each its own random value"})
	}
	return fs
}

func productionFindings(c *Config, getenv func(string) string) []finding {
	var fs []finding
	add := func(unsafe bool, setting, problem, fix string) {
		fs = append(fs, finding{unsafe, setting, problem, fix})
	}

	if strings.TrimSpace(getenv("BASE_URL")) == "" {
		add(false, "BASE_URL", "not set, so invitation links (and the default Wave redirect) point at "+c.BaseURL,
			"set BASE_URL to the public https URL of this instance, e.g. https://finhealth.example.com")
	} else if u, err := url.Parse(c.BaseURL); err == nil && u.Scheme != "https" {
		add(!isLoopback(u.Hostname()), "BASE_URL", redactURL(c.BaseURL)+" is plain http: links the app sends open unencrypted, and browsers withhold Secure cookies from it",
			"serve the app over https (Railway and most reverse proxies terminate TLS for you) and set BASE_URL to that https URL; plain http is only for a try-out on localhost")
	}

	for _, o := range c.CORSOrigins {
		if u, err := url.Parse(o); err == nil && u.Scheme != "https" {
			add(true, "CORS_ORIGINS", redactURL(o)+" is not https: a page served over plain http can be altered in transit and then call the API as the signed-in user",
				"list only https origins; the app's own pages are same-origin and need no entry")
		}
	}

	if !isPostgres(c.DatabaseURL) {
		add(false, "DATABASE_URL", "SQLite in production: a single instance only, and its file must be on a persistent volume (a container's filesystem, Railway's included, is replaced at every deploy)",
			"use PostgreSQL (DATABASE_URL=postgres://...); docs/operations.md explains moving the data")
	} else if u, err := url.Parse(c.DatabaseURL); err == nil && u.Query().Get("sslmode") == "disable" && !isLoopback(u.Hostname()) && u.Hostname() != "" {
		add(false, "DATABASE_URL", "the connection to PostgreSQL at "+u.Hostname()+" is not encrypted (sslmode=disable)",
			"use sslmode=require or verify-full, unless the database is on a private network (Docker Compose's, Railway's private network)")
	}

	if !c.TrustProxy {
		add(false, "TRUST_PROXY", "off: behind a reverse proxy every client appears at the proxy's address (one login rate limit for everyone, the proxy in audit entries) and the app cannot tell that requests came over https, so it sends no HSTS",
			"set TRUST_PROXY=true when a proxy that sets X-Forwarded-For and X-Forwarded-Proto is in front (Railway's is); leave it off only when clients connect to the app directly")
	}

	if c.WaveClientID == "" {
		add(false, "WAVE_CLIENT_ID", "not set: connecting Wave is disabled, so scores use the questionnaire only",
			"register an application with Wave and set WAVE_CLIENT_ID, WAVE_CLIENT_SECRET and WAVE_REDIRECT_URI")
	} else if u, err := url.Parse(c.WaveRedirectURI); err == nil && u.Scheme != "https" {
		add(true, "WAVE_REDIRECT_URI", redactURL(c.WaveRedirectURI)+" is not https: Wave sends the authorization code for a business's books to it in clear",
			"use https://<your host>/wave/callback, registered identically with Wave")
	}
	if c.WaveClientID != "" && !c.WaveOfflineAccess {
		add(false, "WAVE_OFFLINE_ACCESS", "false: finhealth does not ask Wave for offline_access, and an OAuth server that follows the standard then issues no refresh token, so every connection is refused at the callback (finhealth cannot keep a grant that dies within hours)",
			"unset it (the default is true) unless Wave rejects the offline_access scope")
	}
	for _, o := range []struct{ name, v string }{{"WAVE_OAUTH_BASE", c.WaveOAuthBase}, {"WAVE_GRAPHQL_URL", c.WaveGraphQLURL}} {
		if o.v == "" {
			continue
		}
		u, err := url.Parse(o.v)
		secure := err == nil && u.Scheme == "https"
		add(!secure, o.name, redactURL(o.v)+" replaces Wave's own address: the client secret and every business's Wave tokens go there",
			"unset it in production, unless it is a proxy you operate, over https")
	}

	if c.MetricsToken == "" {
		add(false, "METRICS_TOKEN", "not set: production serves no /metrics, so Prometheus sees nothing of requests, syncs or logins",
			"set METRICS_TOKEN (openssl rand -base64 48) and give it to Prometheus as a bearer token")
	}

	fs = append(fs, mailFindings(c)...)

	if c.AutoMigrate {
		add(false, "AUTO_MIGRATE", "on: every start may change the shared schema, with no chance to back up first and while older instances still run",
			"unset it and run `finhealth migrate` once per deploy (railway.toml's preDeployCommand, the Compose file's migrate service)")
	}
	if c.LogLevel <= slog.LevelDebug {
		add(false, "LOG_LEVEL", "debug in production: verbose, and slower under load",
			"use info (the default) unless you are chasing a problem")
	}
	return fs
}

// isLoopback reports whether host names this machine, where plain http and
// development mode harm no one else.
func isLoopback(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
