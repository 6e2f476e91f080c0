package main

import (
	"context"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"testing"
)

// safeProduction is a production configuration check-config has nothing to say about.
var safeProduction = map[string]string{
	"APP_ENV": "production", "SECRET_KEY": strongA, "JWT_SECRET_KEY": strongB,
	"DATABASE_URL":       "postgres://app:db-password-4821@db.internal:5432/fin?sslmode=require",
	"BASE_URL":           "https://finhealth.example.com",
	"CORS_ORIGINS":       "https://app.example.com",
	"TRUST_PROXY":        "true",
	"WAVE_CLIENT_ID":     "wave-client",
	"WAVE_CLIENT_SECRET": "wave-secret-value-123",
	"WAVE_REDIRECT_URI":  "https://finhealth.example.com/wave/callback",
	"METRICS_TOKEN":      "m3tr1cs-T0ken-for-Prometheus-0nly-9xQ",
}

// with returns base with the changes applied; an empty value unsets the variable.
func with(base map[string]string, changes map[string]string) map[string]string {
	env := maps.Clone(base)
	for k, v := range changes {
		if v == "" {
			delete(env, k)
		} else {
			env[k] = v
		}
	}
	return env
}

func TestCheckConfigFindings(t *testing.T) {
	chdirTemp(t)
	cases := []struct {
		name         string
		env          map[string]string
		unsafe, warn []string // the settings named, in any order
	}{
		{"safe production", safeProduction, nil, nil},
		{"development on localhost", nil, nil, nil},
		{"refused by serve", with(safeProduction, map[string]string{"SECRET_KEY": "", "JWT_SECRET_KEY": "changeme", "CORS_ORIGINS": "*"}),
			[]string{"SECRET_KEY", "JWT_SECRET_KEY", "CORS_ORIGINS"}, nil},
		{"equal secrets", with(safeProduction, map[string]string{"JWT_SECRET_KEY": strongA}), []string{"config"}, nil},
		{"unknown APP_ENV", map[string]string{"APP_ENV": "staging"}, []string{"config"}, nil},
		{"plain http in production", with(safeProduction, map[string]string{
			"BASE_URL": "http://finhealth.example.com", "CORS_ORIGINS": "https://ok.example.com, http://app.example.com",
			"WAVE_REDIRECT_URI": "http://finhealth.example.com/api/v1/wave/callback",
		}), []string{"BASE_URL", "CORS_ORIGINS", "WAVE_REDIRECT_URI"}, nil},
		{"http on localhost is only questionable", with(safeProduction, map[string]string{
			"BASE_URL": "http://localhost:5000", "WAVE_CLIENT_ID": "", "WAVE_CLIENT_SECRET": "", "WAVE_REDIRECT_URI": "",
		}), nil, []string{"BASE_URL", "WAVE_CLIENT_ID"}},
		{"Wave redirect defaults to an unset BASE_URL", with(safeProduction, map[string]string{"BASE_URL": "", "WAVE_REDIRECT_URI": ""}),
			[]string{"WAVE_REDIRECT_URI"}, []string{"BASE_URL"}},
		{"Wave elsewhere", with(safeProduction, map[string]string{"WAVE_GRAPHQL_URL": "http://wave.example.net/graphql", "WAVE_OAUTH_BASE": "https://wave-proxy.example.com"}),
			[]string{"WAVE_GRAPHQL_URL"}, []string{"WAVE_OAUTH_BASE"}},
		{"questionable operations", with(safeProduction, map[string]string{
			"DATABASE_URL": "./data/finhealth.db", "TRUST_PROXY": "", "AUTO_MIGRATE": "true", "LOG_LEVEL": "debug",
		}), nil, []string{"DATABASE_URL", "TRUST_PROXY", "AUTO_MIGRATE", "LOG_LEVEL"}},
		{"unencrypted database connection", with(safeProduction, map[string]string{"DATABASE_URL": "postgres://app:pw-1234@db.example.com/fin?sslmode=disable"}),
			nil, []string{"DATABASE_URL"}},
		{"sslmode=disable over a unix socket is fine", with(safeProduction, map[string]string{"DATABASE_URL": "postgres://app@/fin?host=/run/postgresql&sslmode=disable"}),
			nil, nil},
		{"no metrics token", with(safeProduction, map[string]string{"METRICS_TOKEN": ""}), nil, []string{"METRICS_TOKEN"}},
		{"Wave without offline_access", with(safeProduction, map[string]string{"WAVE_OFFLINE_ACCESS": "false"}), nil, []string{"WAVE_OFFLINE_ACCESS"}},
		{"offline_access set without Wave", with(safeProduction, map[string]string{"WAVE_OFFLINE_ACCESS": "false", "WAVE_CLIENT_ID": "", "WAVE_CLIENT_SECRET": ""}),
			nil, []string{"WAVE_CLIENT_ID"}},
		{"offline_access not a boolean", with(safeProduction, map[string]string{"WAVE_OFFLINE_ACCESS": "sometimes"}), []string{"WAVE_OFFLINE_ACCESS"}, nil},
		{"development on a public address", map[string]string{"BASE_URL": "https://finhealth.example.com", "SECRET_KEY": "dev", "JWT_SECRET_KEY": "dev"},
			[]string{"APP_ENV"}, []string{"SECRET_KEY", "JWT_SECRET_KEY", "JWT_SECRET_KEY"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, findings := inspectConfig(envOf(tc.env))
			var unsafe, warn []string
			for _, f := range findings {
				if f.problem == "" || f.fix == "" {
					t.Errorf("finding without a problem or a fix: %+v", f)
				}
				if f.unsafe {
					unsafe = append(unsafe, f.setting)
				} else {
					warn = append(warn, f.setting)
				}
			}
			for _, s := range [][]string{unsafe, warn, tc.unsafe, tc.warn} {
				slices.Sort(s)
			}
			if !slices.Equal(unsafe, tc.unsafe) || !slices.Equal(warn, tc.warn) {
				t.Errorf("unsafe %v, questionable %v; want %v, %v\n%+v", unsafe, warn, tc.unsafe, tc.warn, findings)
			}
		})
	}
}

// TestCheckConfigCommand runs the command: its exit status says whether anything is
// unsafe, and nothing it prints contains a secret, however the secret was set.
func TestCheckConfigCommand(t *testing.T) {
	chdirTemp(t)
	ctx := context.Background()

	out, err := runCmd(t, ctx, safeProduction, "", "check-config")
	if err != nil || !strings.Contains(out, "No problems found.") {
		t.Fatalf("safe configuration: %q %v", out, err)
	}
	out, err = runCmd(t, ctx, with(safeProduction, map[string]string{"TRUST_PROXY": ""}), "", "check-config")
	if err != nil || !strings.Contains(out, "WARNING TRUST_PROXY: ") || !strings.Contains(out, "0 unsafe, 1 questionable") {
		t.Fatalf("a questionable setting only: %q %v", out, err)
	}

	secrets := []string{"hunter2-weak", "another-weak-one", "db-password-4821", "query-password-77", "wave-secret-value-123"}
	unsafe := with(safeProduction, map[string]string{
		"SECRET_KEY": secrets[0], "JWT_SECRET_KEY": secrets[1],
		"DATABASE_URL":      "postgres://app:" + secrets[2] + "@db.example.com/fin?sslmode=disable&password=" + secrets[3],
		"BASE_URL":          "http://finhealth.example.com",
		"WAVE_REDIRECT_URI": "http://finhealth.example.com/api/v1/wave/callback",
	})
	out, err = runCmd(t, ctx, unsafe, "", "check-config")
	if err == nil || !strings.Contains(err.Error(), "4 unsafe") {
		t.Errorf("unsafe configuration: err = %v, want 4 unsafe settings\n%s", err, out)
	}
	for _, want := range []string{"UNSAFE  SECRET_KEY: is 12 characters", "UNSAFE  BASE_URL: ", "fix: ", "WARNING DATABASE_URL: ", "db.example.com"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// The findings come unsafe first.
	if i, j := strings.Index(out, "UNSAFE"), strings.Index(out, "WARNING"); i < 0 || j < i || strings.LastIndex(out, "UNSAFE") > j {
		t.Errorf("unsafe findings are not listed first:\n%s", out)
	}
	for _, s := range secrets {
		if strings.Contains(out, s) {
			t.Errorf("check-config printed the secret %q:\n%s", s, out)
		}
	}
}

// TestRedactURL masks a database password wherever a URL carries it.
func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://app:s3cret@db:5432/fin":                     "postgres://app:xxxxx@db:5432/fin",
		"postgres://app@db/fin?password=s3cret&sslmode=require": "postgres://app@db/fin?password=xxxxx&sslmode=require",
		"postgres://app:s3%cret@db/fin":                         "(a malformed URL, not shown)",
		"postgres://db/fin":                                     "postgres://db/fin",
		"./data/finhealth.db":                                   "./data/finhealth.db",
	} {
		if got := redactURL(in); got != want {
			t.Errorf("redactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestServeRefusesUnsafe: serve in production refuses what check-config calls unsafe
// (here an http Wave redirect, which would carry authorization codes in clear),
// unless ALLOW_UNSAFE_CONFIG is set, and then warns per setting.
func TestServeRefusesUnsafe(t *testing.T) {
	chdirTemp(t)
	env := map[string]string{
		"APP_ENV": "production", "SECRET_KEY": strongA, "JWT_SECRET_KEY": strongB,
		"BASE_URL": "https://finhealth.example.com", "WAVE_CLIENT_ID": "id", "WAVE_CLIENT_SECRET": strongB + "w",
		"WAVE_REDIRECT_URI": "http://finhealth.example.com/wave/callback",
	}
	cfg, err := loadConfig(envOf(env))
	if err != nil {
		t.Fatal(err)
	}
	var logs strings.Builder
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	err = refuseUnsafe(cfg, envOf(env), logger)
	if err == nil || !strings.Contains(err.Error(), "WAVE_REDIRECT_URI") || !strings.Contains(err.Error(), "check-config") {
		t.Fatalf("serve started with an unsafe setting: %v", err)
	}
	env["ALLOW_UNSAFE_CONFIG"] = "true"
	if err := refuseUnsafe(cfg, envOf(env), logger); err != nil {
		t.Fatalf("the override did not allow it: %v", err)
	}
	if !strings.Contains(logs.String(), "unsafe setting allowed") || !strings.Contains(logs.String(), "WAVE_REDIRECT_URI") {
		t.Errorf("no warning: %s", logs.String())
	}
	env["WAVE_REDIRECT_URI"] = "https://finhealth.example.com/wave/callback"
	delete(env, "ALLOW_UNSAFE_CONFIG")
	if cfg, err = loadConfig(envOf(env)); err != nil {
		t.Fatal(err)
	}
	if err := refuseUnsafe(cfg, envOf(env), logger); err != nil {
		t.Errorf("a safe configuration was refused: %v", err)
	}
}
