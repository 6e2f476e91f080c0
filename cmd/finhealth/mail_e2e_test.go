package main

import (
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"finhealth/internal/mailpit"
)

// inviteByAPI registers an owner, logs in and invites to as an advisor; it returns
// the invitation's accept link.
func inviteByAPI(t *testing.T, c apiClient, to string) string {
	t.Helper()
	const email, password = "olive@example.com", "plum tractor velvet sunrise 42"
	var reg struct {
		OrganizationID string `json:"organization_id"`
	}
	c.do("POST", "/api/v1/auth/register", "", map[string]string{"email": email, "password": password, "name": "Olive Owner"}, http.StatusCreated, &reg)
	var pair struct {
		AccessToken string `json:"access_token"`
	}
	c.do("POST", "/api/v1/auth/login", "", map[string]string{"email": email, "password": password}, http.StatusOK, &pair)
	var inv struct {
		AcceptURL string `json:"accept_url"`
	}
	c.do("POST", "/api/v1/organizations/"+reg.OrganizationID+"/invitations", pair.AccessToken,
		map[string]string{"email": to, "role": "advisor"}, http.StatusCreated, &inv)
	if inv.AcceptURL == "" {
		t.Fatal("no accept_url in the invitation")
	}
	return inv.AcceptURL
}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// TestInvitationMailedInProduction runs the production server with a real SMTP
// server (Mailpit, STARTTLS and a password): an owner's invitation arrives by mail
// with its link, the development mail page does not exist, and neither the SMTP
// password nor the invitation token is logged.
func TestInvitationMailedInProduction(t *testing.T) {
	dir := chdirTemp(t)
	mp := mailpit.Start(t)
	port := freePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	const smtpPassword = "smtp-password-7f3a9c1e5b"
	env := map[string]string{
		"APP_ENV": "production", "SECRET_KEY": strongA, "JWT_SECRET_KEY": strongB,
		"DATABASE_URL": filepath.Join(dir, "fh.db"), "AUTO_MIGRATE": "true", "PORT": fmt.Sprint(port), "BASE_URL": base,
		"SMTP_HOST": mp.SMTPHost, "SMTP_PORT": fmt.Sprint(mp.SMTPPort), "SMTP_USERNAME": "finhealth", "SMTP_PASSWORD": smtpPassword,
		"SMTP_TLS": "starttls", "MAIL_FROM": "Acme Health <no-reply@acme.test>", "INSTANCE_NAME": "Acme Health",
	}
	logs, _ := startServe(t, env, func(c *Config) { c.SMTP.RootCAs = mp.RootCAs })
	link := inviteByAPI(t, apiClient{t: t, base: base}, "advisor@example.com")
	logs.waitMsg(t, "mail sent", "template", "invitation")

	m := mp.WaitMessage(t, "advisor@example.com")
	if m.From.Address != "no-reply@acme.test" || !strings.HasPrefix(m.Subject, "Olive Owner invited you to join ") || !strings.HasSuffix(m.Subject, " on Acme Health") {
		t.Errorf("From %+v, Subject %q", m.From, m.Subject)
	}
	if !strings.Contains(m.Text, link) || !strings.Contains(m.HTML, `href="`+link+`"`) || !strings.Contains(m.Text, "on Acme Health as advisor") {
		t.Errorf("the message lacks the link or the instance:\n%s\n%s", m.Text, m.HTML)
	}
	if resp, _ := get(t, base+devMailPrefix); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /dev/mail in production: %d, want 404", resp.StatusCode)
	}
	token := link[strings.Index(link, "token=")+len("token="):]
	if s := logs.String(); strings.Contains(s, smtpPassword) || strings.Contains(s, token) {
		t.Error("the log holds the SMTP password or the invitation token")
	}
}

var devMailLink = regexp.MustCompile(`href="(/dev/mail/[0-9a-f-]{36})"`)

// TestInvitationCapturedInDevelopment: with no SMTP settings, development captures
// the invitation email and lists it with both parts on /dev/mail, so that the whole
// flow works after `go run ./cmd/finhealth`.
func TestInvitationCapturedInDevelopment(t *testing.T) {
	dir := chdirTemp(t)
	port := freePort(t)
	base := fmt.Sprintf("http://localhost:%d", port)
	logs, _ := startServe(t, map[string]string{"APP_ENV": "development", "DATABASE_URL": filepath.Join(dir, "fh.db"),
		"PORT": fmt.Sprint(port), "LOG_FORMAT": "json"})
	link := inviteByAPI(t, apiClient{t: t, base: base}, "advisor@example.com")
	logs.waitMsg(t, "mail captured", "template", "invitation")

	resp, page := get(t, base+devMailPrefix)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "Olive Owner invited you to join") || !strings.Contains(page, link) ||
		!strings.Contains(page, "captured") {
		t.Fatalf("GET /dev/mail: %d\n%s", resp.StatusCode, page)
	}
	m := devMailLink.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no link to the HTML part:\n%s", page)
	}
	resp, part := get(t, base+m[1])
	if resp.StatusCode != http.StatusOK || !strings.Contains(part, `href="`+link+`"`) ||
		!strings.HasPrefix(resp.Header.Get("Content-Security-Policy"), "sandbox") {
		t.Errorf("the HTML part: %d %v\n%s", resp.StatusCode, resp.Header, part)
	}
}
