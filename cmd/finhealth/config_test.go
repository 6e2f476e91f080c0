package main

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

const (
	strongA = "k3J9x!vQ2m#Lp8Zr4T@w6Yb1Nc7Hd0Fs5Ge"
	strongB = "Q8w#E2r!T6y@U4i$O0p%A9s^D3f&G7h*J1k"
)

func TestProductionRefusesMissingAndWeakSecrets(t *testing.T) {
	chdirTemp(t)
	cases := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"missing", map[string]string{"APP_ENV": "production"}, []string{"SECRET_KEY: is not set", "JWT_SECRET_KEY: is not set"}},
		{"well-known", map[string]string{"APP_ENV": "production", "SECRET_KEY": "dev-secret-key", "JWT_SECRET_KEY": "changeme"}, []string{"SECRET_KEY: is a well-known default", "JWT_SECRET_KEY: is a well-known default"}},
		{"short", map[string]string{"APP_ENV": "production", "SECRET_KEY": "abc123", "JWT_SECRET_KEY": strongB}, []string{"SECRET_KEY: is 6 characters"}},
		{"repetitive", map[string]string{"APP_ENV": "production", "SECRET_KEY": strings.Repeat("ab", 20), "JWT_SECRET_KEY": strongB}, []string{"too little variety"}},
		{"same", map[string]string{"APP_ENV": "production", "SECRET_KEY": strongA, "JWT_SECRET_KEY": strongA}, []string{"must differ"}},
		{"cors wildcard", map[string]string{"APP_ENV": "production", "SECRET_KEY": strongA, "JWT_SECRET_KEY": strongB, "CORS_ORIGINS": "*"}, []string{"CORS_ORIGINS"}},
		{"cors pattern", map[string]string{"APP_ENV": "production", "SECRET_KEY": strongA, "JWT_SECRET_KEY": strongB, "CORS_ORIGINS": "https://*.example.com"}, []string{"CORS_ORIGINS", "patterns"}},
		// Eight distinct characters, but "abcdefgh" four times over.
		{"periodic", map[string]string{"APP_ENV": "production", "SECRET_KEY": strings.Repeat("abcdefgh", 4), "JWT_SECRET_KEY": strongB}, []string{"SECRET_KEY: repeats a shorter value"}},
		{"bad port", map[string]string{"SECRET_KEY": strongA, "PORT": "http"}, []string{"PORT"}},
		{"bad pool size", map[string]string{"SECRET_KEY": strongA, "DATABASE_MAX_CONNS": "0"}, []string{"DATABASE_MAX_CONNS"}},
		{"bad env", map[string]string{"APP_ENV": "staging"}, []string{"APP_ENV"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := loadConfig(envOf(tc.env))
			if err == nil {
				t.Fatal("loadConfig accepted the configuration")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestProductionAcceptsStrongSecrets(t *testing.T) {
	chdirTemp(t)
	c, err := loadConfig(envOf(map[string]string{
		"APP_ENV": "production", "SECRET_KEY": strongA, "JWT_SECRET_KEY": strongB,
		"CORS_ORIGINS": "https://app.example.com, https://admin.example.com/", "PORT": "8080",
		"DATABASE_MAX_CONNS": "12",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.DatabaseMaxConns != 12 {
		t.Errorf("DatabaseMaxConns = %d", c.DatabaseMaxConns)
	}
	if c.AutoMigrate {
		t.Error("production must not auto-migrate by default")
	}
	if c.Port != 8080 || c.LogFormat != "json" || len(c.Generated) != 0 {
		t.Errorf("unexpected config: port %d format %s generated %v", c.Port, c.LogFormat, c.Generated)
	}
	if got := strings.Join(c.CORSOrigins, " "); got != "https://app.example.com https://admin.example.com" {
		t.Errorf("CORS origins = %q", got)
	}
}

func TestDevelopmentGeneratesSecretsAndDefaults(t *testing.T) {
	chdirTemp(t)
	c, err := loadConfig(envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Development() || c.Port != 5000 || c.DatabaseURL != "./data/finhealth.db" || !c.AutoMigrate {
		t.Errorf("unexpected defaults: %+v", c)
	}
	if len(c.SecretKey) < minSecretBytes || len(c.JWTSecretKey) < minSecretBytes || c.SecretKey == c.JWTSecretKey {
		t.Error("development did not generate two distinct strong secrets")
	}
	if len(c.Generated) != 2 {
		t.Errorf("Generated = %v", c.Generated)
	}
}

func TestSecretFromFile(t *testing.T) {
	dir := chdirTemp(t)
	path := filepath.Join(dir, "jwt")
	if err := os.WriteFile(path, []byte(strongB+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := loadConfig(envOf(map[string]string{"APP_ENV": "production", "SECRET_KEY": strongA, "JWT_SECRET_KEY_FILE": path}))
	if err != nil {
		t.Fatal(err)
	}
	if c.JWTSecretKey != strongB {
		t.Errorf("JWT secret from file = %q", c.JWTSecretKey)
	}
	_, err = loadConfig(envOf(map[string]string{"APP_ENV": "production", "SECRET_KEY": strongA, "JWT_SECRET_KEY": strongB, "JWT_SECRET_KEY_FILE": path}))
	if err == nil || !strings.Contains(err.Error(), "both set") {
		t.Errorf("both NAME and NAME_FILE: err = %v", err)
	}
	_, err = loadConfig(envOf(map[string]string{"SECRET_KEY_FILE": filepath.Join(dir, "missing")}))
	if err == nil || !strings.Contains(err.Error(), "SECRET_KEY_FILE") {
		t.Errorf("missing file: err = %v", err)
	}
}

func TestDotenvInDevelopmentOnly(t *testing.T) {
	dir := chdirTemp(t)
	dotenv := "# comment\nexport PORT=6001\nSECRET_KEY=\"" + strongA + "\"\nDATABASE_URL=./x.db # trailing comment\n"
	if err := os.WriteFile(filepath.Join(dir, ".env"), []byte(dotenv), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := loadConfig(envOf(map[string]string{"DATABASE_URL": "./real.db"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != 6001 || c.SecretKey != strongA {
		t.Errorf(".env not applied: port %d", c.Port)
	}
	if c.DatabaseURL != "./real.db" {
		t.Errorf("the real environment must win over .env; DatabaseURL = %q", c.DatabaseURL)
	}
	// Every spelling of production ignores .env alike.
	for _, env := range []string{"production", "prod", " PROD "} {
		c, err = loadConfig(envOf(map[string]string{"APP_ENV": env, "SECRET_KEY": strongB, "JWT_SECRET_KEY": strongA}))
		if err != nil {
			t.Fatal(err)
		}
		if c.Port != 5000 || c.Env != "production" {
			t.Errorf("APP_ENV=%q: port %d, env %s: production must ignore .env", env, c.Port, c.Env)
		}
	}
}

func TestConfigLogMasksSecrets(t *testing.T) {
	chdirTemp(t)
	c, err := loadConfig(envOf(map[string]string{
		"APP_ENV": "production", "SECRET_KEY": strongA, "JWT_SECRET_KEY": strongB,
		"WAVE_CLIENT_SECRET": "wave-secret-value-123", "DATABASE_URL": "postgres://app:hunter2pw@db:5432/fin",
	}))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("start", "config", c)
	out := buf.String()
	for _, s := range []string{strongA, strongB, "wave-secret-value-123", "hunter2pw"} {
		if strings.Contains(out, s) {
			t.Errorf("a secret appears in the config log: %s", out)
		}
	}
	if !strings.Contains(out, `"secret_key":"(set)"`) || !strings.Contains(out, "db:5432/fin") {
		t.Errorf("config log lacks expected fields: %s", out)
	}
}

// chdirTemp runs the test in an empty directory so that a developer's own .env does
// not leak into it.
func chdirTemp(t *testing.T) string {
	dir := t.TempDir()
	t.Chdir(dir)
	return dir
}

// TestWaveOfflineAccessSetting: WAVE_OFFLINE_ACCESS (default true) decides whether the
// Wave client asks for offline_access, for the real Wave and the simulated one, and
// the start-up log says which.
func TestWaveOfflineAccessSetting(t *testing.T) {
	chdirTemp(t)
	scopes := func(t *testing.T, env map[string]string) []string {
		t.Helper()
		c, err := loadConfig(envOf(env))
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		slog.New(slog.NewJSONHandler(&buf, nil)).Info("start", "config", c)
		if want := fmt.Sprintf(`"wave_offline_access":%t`, c.WaveOfflineAccess); !strings.Contains(buf.String(), want) {
			t.Errorf("config log lacks %s: %s", want, buf.String())
		}
		gw, _, err := newWave(c, slog.New(slog.DiscardHandler), nil)
		if err != nil || gw == nil {
			t.Fatalf("newWave: %v", err)
		}
		u, err := url.Parse(gw.AuthorizeURL("state", "challenge"))
		if err != nil {
			t.Fatal(err)
		}
		return strings.Fields(u.Query().Get("scope"))
	}
	real := map[string]string{"WAVE_CLIENT_ID": "client", "WAVE_CLIENT_SECRET": "wave-secret-value-123"}
	for name, env := range map[string]map[string]string{"real Wave": real, "simulated Wave": {}} {
		t.Run(name, func(t *testing.T) {
			if got := scopes(t, env); !slices.Contains(got, "offline_access") || slices.Contains(got, "vendor:read") || slices.Contains(got, "product:read") {
				t.Errorf("default scopes %v", got)
			}
			if got := scopes(t, with(env, map[string]string{"WAVE_OFFLINE_ACCESS": "false"})); slices.Contains(got, "offline_access") || !slices.Contains(got, "invoice:read") {
				t.Errorf("scopes with WAVE_OFFLINE_ACCESS=false: %v", got)
			}
			if got := scopes(t, with(env, map[string]string{"WAVE_OFFLINE_ACCESS": "true"})); !slices.Contains(got, "offline_access") {
				t.Errorf("scopes with WAVE_OFFLINE_ACCESS=true: %v", got)
			}
		})
	}
	if _, err := loadConfig(envOf(map[string]string{"WAVE_OFFLINE_ACCESS": "maybe"})); err == nil || !strings.Contains(err.Error(), "WAVE_OFFLINE_ACCESS") {
		t.Errorf("a bad WAVE_OFFLINE_ACCESS: err = %v", err)
	}
}

// TestBindAddressSetting: BIND_ADDRESS takes an IP address (IPv6 with or without
// brackets) or a host name, without a port; empty means every interface, and the
// start-up log says which.
func TestBindAddressSetting(t *testing.T) {
	chdirTemp(t)
	for in, want := range map[string]string{
		"": "", "127.0.0.1": "127.0.0.1", " ::1 ": "::1", "[::1]": "::1", "0.0.0.0": "0.0.0.0",
		"fd00::2": "fd00::2", "LocalHost": "localhost", "app.internal": "app.internal",
	} {
		c, err := loadConfig(envOf(map[string]string{"BIND_ADDRESS": in}))
		if err != nil || c.BindAddress != want {
			t.Errorf("BIND_ADDRESS=%q: %q, %v; want %q", in, c.BindAddress, err, want)
		}
	}
	for in, want := range map[string]string{
		"127.0.0.1:5000": "has a port", "[::1]:5000": "has a port", "localhost:80": "has a port",
		"http://127.0.0.1": "not an IP address", "not an address": "not an IP address", "-bad-.example": "not an IP address",
	} {
		if _, err := loadConfig(envOf(map[string]string{"BIND_ADDRESS": in})); err == nil || !strings.Contains(err.Error(), "BIND_ADDRESS") ||
			!strings.Contains(err.Error(), want) {
			t.Errorf("BIND_ADDRESS=%q: err = %v, want %q", in, err, want)
		}
	}
	for env, want := range map[string]string{"": `"bind_address":"(all interfaces)"`, "::1": `"bind_address":"::1"`} {
		c, err := loadConfig(envOf(map[string]string{"BIND_ADDRESS": env}))
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		slog.New(slog.NewJSONHandler(&buf, nil)).Info("start", "config", c)
		if !strings.Contains(buf.String(), want) {
			t.Errorf("config log lacks %s: %s", want, buf.String())
		}
	}
}
