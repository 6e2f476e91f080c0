package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	fhttp "finhealth/http"
	"finhealth/internal/metricstest"
	"finhealth/internal/testdb"
	"finhealth/wave/wavetest"
	"finhealth/worker"
)

// apiClient talks to a running server as an API client would.
type apiClient struct {
	t    *testing.T
	base string
}

// do sends a request and decodes a JSON answer into out (when not nil), failing the
// test unless the status is want.
func (c apiClient) do(method, path, token string, body any, want int, out any) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		c.t.Fatalf("%s %s: %d, want %d: %s", method, path, resp.StatusCode, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
}

// TestServeObservability runs the production server against a fake Wave through a
// realistic flow (sign-up, logins that succeed, fail and get throttled, a token
// refresh, connecting Wave and a sync), then checks what an operator sees: /metrics
// behind its token, with the counters moved under the right labels, and a JSON log
// line per request. Neither the log nor /metrics may contain any secret the flow
// handled: the configured keys, passwords, finhealth's and Wave's tokens.
func TestServeObservability(t *testing.T) {
	dir := chdirTemp(t)
	port := freePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	const (
		waveSecret   = "wave-client-secret-9f8e7d6c5b4a"
		metricsToken = "Zm9vYmFyYmF6cXV4LW1ldHJpY3MtdG9rZW4tOTk5"
		password     = "plum tractor velvet sunrise 42"
		wrongPass    = "guessing-wrong-password-77"
	)
	fake := wavetest.NewServer(wavetest.Options{
		ClientID: "finhealth-prod-client", ClientSecret: waveSecret,
		RedirectURIs: []string{base + "/api/v1/wave/callback"},
	})
	t.Cleanup(fake.Close)
	env := map[string]string{
		"APP_ENV": "production", "SECRET_KEY": strongA, "JWT_SECRET_KEY": strongB,
		"DATABASE_URL": filepath.Join(dir, "fh.db"), "AUTO_MIGRATE": "true",
		"PORT": fmt.Sprint(port), "BASE_URL": base, "LOG_LEVEL": "debug",
		"WAVE_CLIENT_ID": "finhealth-prod-client", "WAVE_CLIENT_SECRET": waveSecret,
		"WAVE_OAUTH_BASE": fake.Endpoints().OAuthBase, "WAVE_GRAPHQL_URL": fake.Endpoints().GraphQLURL,
		"METRICS_TOKEN": metricsToken,
		// The fake Wave listens on plain http, which production calls unsafe.
		"ALLOW_UNSAFE_CONFIG": "true",
		// This test drives the connect flow through the API, so Wave must send the
		// browser back to the API's callback rather than the UI's default.
		"WAVE_REDIRECT_URI": base + "/api/v1/wave/callback",
	}
	logs, stop := startServe(t, env)

	c := apiClient{t: t, base: base}
	var reg struct {
		ID             string `json:"id"`
		OrganizationID string `json:"organization_id"`
	}
	c.do("POST", "/api/v1/auth/register", "", map[string]string{"email": "ada@example.com", "password": password, "name": "Ada"}, 201, &reg)
	type pair struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	var first, second pair
	c.do("POST", "/api/v1/auth/login", "", map[string]string{"email": "ada@example.com", "password": password}, 200, &first)
	c.do("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": first.RefreshToken}, 200, &second)
	tok := second.AccessToken
	c.do("GET", "/api/v1/me", tok, nil, 200, nil)
	// The account limit allows 5 failures per 15 minutes; the sixth is throttled.
	for range 5 {
		c.do("POST", "/api/v1/auth/login", "", map[string]string{"email": "mallory@example.com", "password": wrongPass}, 401, nil)
	}
	c.do("POST", "/api/v1/auth/login", "", map[string]string{"email": "mallory@example.com", "password": wrongPass}, 429, nil)

	org := "/api/v1/organizations/" + reg.OrganizationID
	back := c.connectWave(tok, org)
	c.waitSync(logs, tok, org, c.chooseBusiness(tok, org, fake.Seed().AcmeBusinessID))

	// /metrics answers only with the token.
	scrape := func(auth string) (int, []byte) {
		req, _ := http.NewRequest("GET", base+"/metrics", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	if code, _ := scrape(""); code != http.StatusUnauthorized {
		t.Errorf("/metrics without the token: %d", code)
	}
	if code, _ := scrape("Bearer " + strongB); code != http.StatusUnauthorized {
		t.Errorf("/metrics with another secret: %d", code)
	}
	code, body := scrape("Bearer " + metricsToken)
	if code != http.StatusOK {
		t.Fatalf("/metrics with the token: %d %s", code, body)
	}
	page := metricstest.Parse(t, bytes.NewReader(body))
	for _, c := range []struct {
		name   string
		labels []string
		want   float64 // at least
	}{
		{"finhealth_http_requests_total", []string{"route", "POST /api/v1/auth/login", "status", "200"}, 1},
		{"finhealth_http_requests_total", []string{"route", "POST /api/v1/auth/login", "status", "401"}, 5},
		{"finhealth_http_requests_total", []string{"route", "POST /api/v1/auth/login", "status", "429"}, 1},
		{"finhealth_http_requests_total", []string{"route", "GET /api/v1/organizations/{id}/wave/sync-runs/{run_id}", "status", "200"}, 1},
		{"finhealth_http_requests_total", []string{"route", "GET /metrics", "status", "401"}, 2},
		{"finhealth_http_request_duration_seconds", []string{"route", "POST /api/v1/auth/register"}, 1},
		{"finhealth_login_failures_total", []string{"reason", "bad_credentials"}, 5},
		{"finhealth_login_failures_total", []string{"reason", "rate_limited"}, 1},
		{"finhealth_sync_runs_total", []string{"outcome", "succeeded"}, 1},
		{"finhealth_sync_run_duration_seconds", []string{"outcome", "succeeded"}, 1},
		{"finhealth_wave_requests_total", []string{"operation", "exchange", "outcome", "ok"}, 1},
		{"finhealth_wave_requests_total", []string{"operation", "graphql ListInvoices", "outcome", "ok"}, 1},
		{"finhealth_wave_request_duration_seconds", []string{"operation", "graphql ListAccounts"}, 1},
		{"finhealth_build_info", []string{"version", version}, 1},
		{"go_goroutines", nil, 1},
		{"process_resident_memory_bytes", nil, 1},
	} {
		if got := metricstest.Value(t, page, c.name, c.labels...); got < c.want {
			t.Errorf("%s%v = %v, want at least %v", c.name, c.labels, got, c.want)
		}
	}
	if n := metricstest.Series(t, page, "finhealth_jobs", "queue", "sync"); n == 0 {
		t.Error("no job queue depth for the sync queue")
	}
	if got := metricstest.Value(t, page, "finhealth_login_failures_total"); got != 6 {
		t.Errorf("login failures = %v, want 6", got)
	}
	stop()

	// One JSON object per line, and a request line carries what an operator needs.
	log := logs.String()
	var sawMe bool
	sc := bufio.NewScanner(strings.NewReader(log))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("a log line is not JSON: %q", sc.Text())
		}
		if line["msg"] == "request" && line["route"] == "GET /api/v1/me" {
			sawMe = true
			if line["user_id"] != reg.ID || line["status"] != float64(200) || line["request_id"] == "" || line["duration"] == nil {
				t.Errorf("request log line lacks request id, user id, status or duration: %v", line)
			}
		}
	}
	if !sawMe {
		t.Fatal("no request log line for GET /api/v1/me")
	}

	secrets := map[string]string{
		"SECRET_KEY": strongA, "JWT_SECRET_KEY": strongB, "WAVE_CLIENT_SECRET": waveSecret, "METRICS_TOKEN": metricsToken,
		"password": password, "wrong password": wrongPass,
		"access token": first.AccessToken, "refreshed access token": second.AccessToken,
		"refresh token": first.RefreshToken, "rotated refresh token": second.RefreshToken,
		"OAuth state": back.Query().Get("state"),
	}
	for i, s := range fake.IssuedSecrets() {
		secrets[fmt.Sprintf("Wave secret #%d", i)] = s
	}
	if len(fake.IssuedSecrets()) < 4 {
		t.Fatalf("the fake issued only %d secrets; the check would prove little", len(fake.IssuedSecrets()))
	}
	for name, s := range secrets {
		if s == "" {
			t.Fatalf("%s is empty; the check would prove nothing", name)
		}
		if strings.Contains(log, s) {
			t.Errorf("the %s appears in the log", name)
		}
		if bytes.Contains(body, []byte(s)) {
			t.Errorf("the %s appears in /metrics", name)
		}
	}
	if !strings.Contains(log, `"level":"DEBUG"`) || !strings.Contains(log, `"metrics_token":"(set)"`) {
		t.Error("the log lacks debug lines or the masked metrics token: the check proves less than it claims")
	}
}

// startServe runs `finhealth serve` with env until stop is called or the test ends,
// and returns once it listens. logs is what it has written so far, and tells when it
// says more; stop waits for serve to return and reports an error it returned.
// adjust, when given, changes the configuration read from env (settings no variable
// reaches).
func startServe(t *testing.T, env map[string]string, adjust ...func(*Config)) (logs *serveLog, stop func()) {
	t.Helper()
	return startServeAlso(t, nil, env, adjust...)
}

// startServeAlso is startServe that also writes serve's log to also (when not nil):
// one log shared by several instances says what any of them did.
func startServeAlso(t *testing.T, also io.Writer, env map[string]string, adjust ...func(*Config)) (logs *serveLog, stop func()) {
	t.Helper()
	logs, stopped := launchServeAlso(t, also, env, adjust...)
	stop = sync.OnceFunc(func() {
		if err := stopped(); err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	t.Cleanup(stop) // before launchServe's own, which would discard the error
	return logs, stop
}

// launchServe is startServe for a test that expects serve to fail: stop returns
// what serve returned.
func launchServe(t *testing.T, env map[string]string, adjust ...func(*Config)) (logs *serveLog, stop func() error) {
	t.Helper()
	return launchServeAlso(t, nil, env, adjust...)
}

func launchServeAlso(t *testing.T, also io.Writer, env map[string]string, adjust ...func(*Config)) (logs *serveLog, stop func() error) {
	t.Helper()
	logs = newServeLog()
	out := io.Writer(logs)
	if also != nil {
		out = io.MultiWriter(logs, also)
	}
	cfg, err := loadConfig(envOf(env))
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range adjust {
		a(cfg)
	}
	// Taken now, so that it outlives the cleanup below: stopping waits for serve
	// until the test's deadline, for it may take long under load, and a serve that
	// never returns fails the test.
	stopCtx := testContext(t)
	ctx, cancel := context.WithCancel(context.Background())
	var serveErr error
	exited := make(chan struct{})
	go func() {
		// What run does for `serve`, with the configuration adjusted.
		serveErr = serve(ctx, cfg, newLogger(cfg, out), out)
		logs.end()
		close(exited)
	}()
	stop = func() error {
		cancel()
		select {
		case <-exited:
			return serveErr
		case <-stopCtx.Done():
			return errors.New("serve did not stop by the test's deadline")
		}
	}
	t.Cleanup(func() { _ = stop() })
	logs.waitListening(t)
	return logs, stop
}

// TestMetricsWithoutToken: without METRICS_TOKEN, production keeps /metrics
// unrouted and says so at start; development serves it openly.
func TestMetricsWithoutToken(t *testing.T) {
	for _, c := range []struct {
		env  string
		want int
	}{{"production", http.StatusNotFound}, {"development", http.StatusOK}} {
		t.Run(c.env, func(t *testing.T) {
			dir := chdirTemp(t)
			port := freePort(t)
			base := fmt.Sprintf("http://127.0.0.1:%d", port)
			env := map[string]string{
				"APP_ENV": c.env, "SECRET_KEY": strongA, "JWT_SECRET_KEY": strongB,
				"DATABASE_URL": filepath.Join(dir, "fh.db"), "AUTO_MIGRATE": "true", "PORT": fmt.Sprint(port),
			}
			logs, _ := startServe(t, env)
			resp, err := http.Get(base + "/metrics")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != c.want {
				t.Errorf("/metrics: %d, want %d", resp.StatusCode, c.want)
			}
			if warned := strings.Contains(logs.String(), "without METRICS_TOKEN"); warned != (c.want == http.StatusNotFound) {
				t.Errorf("start-up warning about METRICS_TOKEN: %v", warned)
			}
		})
	}
}

// TestServeBindAddress: with BIND_ADDRESS serve listens on that address only, so the
// machine's other addresses refuse connections; without it, on every interface.
func TestServeBindAddress(t *testing.T) {
	// Another address of this machine than 127.0.0.1, to connect through.
	var others []string
	if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && !n.IP.Equal(net.IPv4(127, 0, 0, 1)) && !n.IP.IsLinkLocalUnicast() {
				others = append(others, n.IP.String())
			}
		}
	}
	if len(others) == 0 {
		t.Log("this machine has no address besides 127.0.0.1; only the listening address is checked")
	}
	// A dial is answered or refused at once by this machine's own addresses; the
	// test's deadline bounds it only in case one is not.
	dial := func(host string, port int) error {
		var d net.Dialer
		conn, err := d.DialContext(testContext(t), "tcp", net.JoinHostPort(host, fmt.Sprint(port)))
		if err == nil {
			conn.Close()
		}
		return err
	}
	for _, bind := range []string{"127.0.0.1", ""} {
		t.Run("bind="+bind, func(t *testing.T) {
			dir := chdirTemp(t)
			port := freePort(t)
			env := map[string]string{
				"APP_ENV": "development", "SECRET_KEY": strongA, "JWT_SECRET_KEY": strongB, "SIMULATED_WAVE": "false",
				"DATABASE_URL": filepath.Join(dir, "fh.db"), "PORT": fmt.Sprint(port), "LOG_FORMAT": "json",
			}
			if bind != "" {
				env["BIND_ADDRESS"] = bind
			}
			logs, stop := startServe(t, env)
			want := net.JoinHostPort(bind, fmt.Sprint(port))
			if bind == "" {
				want = fmt.Sprintf("[::]:%d", port)
			}
			if !strings.Contains(logs.String(), `"msg":"listening","addr":"`+want+`"`) {
				t.Errorf("not listening on %s:\n%s", want, logs)
			}
			for _, host := range others {
				err := dial(host, port)
				if bind != "" && !errors.Is(err, syscall.ECONNREFUSED) {
					t.Errorf("bound to %s, but %s answered: %v", bind, host, err)
				}
				if bind == "" && err != nil {
					t.Errorf("bound to every interface, but %s did not answer: %v", host, err)
				}
			}
			stop()
		})
	}
}

// TestReadyReflectsMigrations: /readyz is 503 while the application's or the job
// queue's schema is behind the build, and 200 once both are migrated.
func TestReadyReflectsMigrations(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			db := testdb.OpenEmpty(t, dialect)
			pg, lite := testdb.RiverHandles(t, db)
			d := &databases{db: db, river: worker.Database{Postgres: pg, SQLite: lite}}
			api := fhttp.NewServer(fhttp.Config{JWTSecret: []byte(strongB), Ready: d.ready}, db)
			readyz := func() int {
				rec := httptest.NewRecorder()
				api.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
				return rec.Code
			}
			if code := readyz(); code != http.StatusServiceUnavailable {
				t.Errorf("unmigrated: /readyz %d", code)
			}
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if err := d.ready(ctx); err == nil || !strings.Contains(err.Error(), "job queue") {
				t.Errorf("job queue unmigrated: ready = %v", err)
			}
			if code := readyz(); code != http.StatusServiceUnavailable {
				t.Errorf("job queue unmigrated: /readyz %d", code)
			}
			if err := worker.Migrate(ctx, d.river, nil); err != nil {
				t.Fatal(err)
			}
			if code := readyz(); code != http.StatusOK {
				t.Errorf("migrated: /readyz %d", code)
			}
		})
	}
}

// TestMetricsTokenConfig: METRICS_TOKEN is read like every secret, masked in the
// start-up log, and in production refused when weak or equal to another key.
func TestMetricsTokenConfig(t *testing.T) {
	dir := chdirTemp(t)
	prod := func(token string) map[string]string {
		return map[string]string{"APP_ENV": "production", "SECRET_KEY": strongA, "JWT_SECRET_KEY": strongB, "METRICS_TOKEN": token}
	}
	for token, want := range map[string]string{"short": "METRICS_TOKEN: is 5 characters", strongB: "METRICS_TOKEN must differ"} {
		if _, err := loadConfig(envOf(prod(token))); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("METRICS_TOKEN %.5s…: err = %v, want %q", token, err, want)
		}
	}
	const token = "Zm9vYmFyYmF6cXV4LW1ldHJpY3MtdG9rZW4tOTk5"
	path := filepath.Join(dir, "metrics-token")
	if err := os.WriteFile(path, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := prod("")
	env["METRICS_TOKEN_FILE"] = path
	c, err := loadConfig(envOf(env))
	if err != nil || c.MetricsToken != token {
		t.Fatalf("METRICS_TOKEN_FILE: %v", err)
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("start", "config", c)
	if strings.Contains(buf.String(), token) || !strings.Contains(buf.String(), `"metrics_token":"(set)"`) {
		t.Errorf("config log: %s", buf.String())
	}
}
