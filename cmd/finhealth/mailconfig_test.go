package main

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"finhealth/mail"
)

func prodEnv(kv ...string) map[string]string {
	m := map[string]string{"APP_ENV": "production", "SECRET_KEY": strongA, "JWT_SECRET_KEY": strongB}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

// TestMailConfigAccepted reads each way of naming a mail server, and the defaults
// that follow from the scheme and port.
func TestMailConfigAccepted(t *testing.T) {
	chdirTemp(t)
	pwFile := filepath.Join(t.TempDir(), "smtp-password")
	if err := os.WriteFile(pwFile, []byte("file-pass\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	from := "Finhealth <no-reply@example.com>"
	for _, tc := range []struct {
		name string
		env  map[string]string
		want mail.SMTP
	}{
		{"starttls url", prodEnv("SMTP_URL", "smtp://user%40example.com:p%40ss@mail.example.com:587", "MAIL_FROM", from),
			mail.SMTP{Host: "mail.example.com", Port: 587, Username: "user@example.com", Password: "p@ss", TLS: mail.StartTLS}},
		{"smtps url", prodEnv("SMTP_URL", "smtps://u:p@mail.example.com", "MAIL_FROM", from),
			mail.SMTP{Host: "mail.example.com", Port: 465, Username: "u", Password: "p", TLS: mail.ImplicitTLS}},
		{"host and password file", prodEnv("SMTP_HOST", "mail.example.com", "SMTP_USERNAME", "u", "SMTP_PASSWORD_FILE", pwFile, "MAIL_FROM", from),
			mail.SMTP{Host: "mail.example.com", Port: 587, Username: "u", Password: "file-pass", TLS: mail.StartTLS}},
		{"port 465 means implicit", prodEnv("SMTP_HOST", "mail.example.com", "SMTP_PORT", "465", "MAIL_FROM", from),
			mail.SMTP{Host: "mail.example.com", Port: 465, TLS: mail.ImplicitTLS}},
		{"none to a local relay", prodEnv("SMTP_HOST", "127.0.0.1", "SMTP_PORT", "25", "SMTP_TLS", "none", "MAIL_FROM", from),
			mail.SMTP{Host: "127.0.0.1", Port: 25, TLS: mail.NoTLS}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := loadConfig(envOf(tc.env))
			if err != nil {
				t.Fatal(err)
			}
			tc.want.From = `"Finhealth" <no-reply@example.com>`
			if c.SMTP == nil || *c.SMTP != tc.want {
				t.Fatalf("SMTP %+v, want %+v", c.SMTP, tc.want)
			}
			if c.InstanceName != "finhealth" {
				t.Errorf("instance name %q", c.InstanceName)
			}
		})
	}
}

// TestMailConfigRefused: each unsafe or ambiguous mail setting is refused with a
// message naming it, and the password never appears in it.
func TestMailConfigRefused(t *testing.T) {
	chdirTemp(t)
	from := "no-reply@example.com"
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"none to a remote host in production", prodEnv("SMTP_HOST", "mail.example.com", "SMTP_TLS", "none", "MAIL_FROM", from), "SMTP_TLS: none would send mail"},
		{"none in a url to a remote host", prodEnv("SMTP_URL", "smtp://u:hunter2secret@mail.example.com:25", "SMTP_TLS", "none", "MAIL_FROM", from), "SMTP_TLS: none would send mail"},
		{"unknown tls", prodEnv("SMTP_HOST", "mail.example.com", "SMTP_TLS", "ssl", "MAIL_FROM", from), "SMTP_TLS"},
		{"smtps with starttls", prodEnv("SMTP_URL", "smtps://u:hunter2secret@mail.example.com", "SMTP_TLS", "starttls", "MAIL_FROM", from), "contradicts"},
		{"both url and host", prodEnv("SMTP_URL", "smtp://mail.example.com", "SMTP_HOST", "mail.example.com", "MAIL_FROM", from), "both set"},
		{"bad url", prodEnv("SMTP_URL", "http://u:hunter2secret@mail.example.com", "MAIL_FROM", from), "SMTP_URL: not a URL"},
		{"url and password", prodEnv("SMTP_URL", "smtp://mail.example.com", "SMTP_PASSWORD", "hunter2secret", "MAIL_FROM", from), "SMTP_URL: carries"},
		{"no from", prodEnv("SMTP_HOST", "mail.example.com"), "MAIL_FROM: required"},
		{"bad from", prodEnv("SMTP_HOST", "mail.example.com", "MAIL_FROM", "nobody"), "MAIL_FROM"},
		{"bad port", prodEnv("SMTP_HOST", "mail.example.com", "SMTP_PORT", "99999", "MAIL_FROM", from), "SMTP_PORT"},
		{"password without user", prodEnv("SMTP_HOST", "mail.example.com", "SMTP_PASSWORD", "hunter2secret", "MAIL_FROM", from), "SMTP_PASSWORD: set without SMTP_USERNAME"},
		{"settings without a server", prodEnv("SMTP_USERNAME", "u"), "SMTP_USERNAME: set, but neither"},
		{"instance name", prodEnv("INSTANCE_NAME", "two\nlines"), "INSTANCE_NAME"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := loadConfig(envOf(tc.env))
			if err == nil {
				t.Fatal("loadConfig accepted the configuration")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "hunter2secret") {
				t.Errorf("the error shows the password: %v", err)
			}
		})
	}
	// Development may use a remote server without TLS (a team's test relay).
	if _, err := loadConfig(envOf(map[string]string{"SMTP_HOST": "mail.example.com", "SMTP_TLS": "none", "MAIL_FROM": from})); err != nil {
		t.Errorf("development refused SMTP_TLS=none: %v", err)
	}
}

// TestMailConfigLoggedAndChecked: the start-up log shows the mail server but never
// its password, and check-config calls SMTP_TLS=none to a remote host unsafe.
func TestMailConfigLoggedAndChecked(t *testing.T) {
	chdirTemp(t)
	c, err := loadConfig(envOf(prodEnv("SMTP_URL", "smtps://u:hunter2secret@mail.example.com", "MAIL_FROM", "no-reply@example.com")))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("start", "config", c)
	if strings.Contains(buf.String(), "hunter2secret") || !strings.Contains(buf.String(), "mail.example.com:465") {
		t.Errorf("start-up log: %s", buf.String())
	}

	var out bytes.Buffer
	if err := checkConfig(envOf(prodEnv("SMTP_HOST", "mail.example.com", "SMTP_TLS", "none", "MAIL_FROM", "a@example.com")), &out); err == nil ||
		!strings.Contains(out.String(), "UNSAFE  SMTP_TLS") {
		t.Errorf("check-config with SMTP_TLS=none to a remote host: %v\n%s", err, out.String())
	}
}
