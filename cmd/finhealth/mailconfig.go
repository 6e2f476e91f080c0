package main

import (
	"fmt"
	"log/slog"
	netmail "net/mail"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"finhealth/mail"
)

// defaultInstanceName is what messages and pages call the instance without
// INSTANCE_NAME.
const defaultInstanceName = "finhealth"

// readMailConfig reads the outgoing-mail settings into c: SMTP_URL, or SMTP_HOST,
// SMTP_PORT, SMTP_USERNAME and SMTP_PASSWORD (or SMTP_PASSWORD_FILE); SMTP_TLS;
// MAIL_FROM; INSTANCE_NAME. Without SMTP, development captures mail for the
// /dev/mail page and production sends none.
func readMailConfig(getenv func(string) string, c *Config, bad func(string, ...any)) {
	c.InstanceName = or(getenv("INSTANCE_NAME"), defaultInstanceName)
	if len(c.InstanceName) > 60 || strings.ContainsFunc(c.InstanceName, unicode.IsControl) {
		bad("INSTANCE_NAME: %q is not a name of at most 60 characters on one line", c.InstanceName)
	}
	// SMTP_URL carries the password, so it is read like a secret (SMTP_URL_FILE).
	rawURL, err := secret(getenv, "SMTP_URL")
	if err != nil {
		bad("%v", err)
	}
	password, err := secret(getenv, "SMTP_PASSWORD")
	if err != nil {
		bad("%v", err)
	}
	host := strings.TrimSpace(getenv("SMTP_HOST"))
	tlsMode := mail.TLS(strings.ToLower(strings.TrimSpace(getenv("SMTP_TLS"))))
	switch tlsMode {
	case "", mail.StartTLS, mail.ImplicitTLS, mail.NoTLS:
	default:
		bad("SMTP_TLS: %q is not one of starttls, implicit, none", tlsMode)
		tlsMode = ""
	}
	s := &mail.SMTP{Host: host, TLS: tlsMode}
	if rawURL == "" {
		s.Username, s.Password = strings.TrimSpace(getenv("SMTP_USERNAME")), password
	}
	switch {
	case rawURL != "" && host != "":
		bad("SMTP_URL and SMTP_HOST are both set; set only one")
		return
	case rawURL != "":
		if !parseSMTPURL(rawURL, s, bad) {
			return
		}
		if password != "" || strings.TrimSpace(getenv("SMTP_USERNAME")) != "" {
			bad("SMTP_URL: carries the user and password itself; do not also set SMTP_USERNAME or SMTP_PASSWORD")
			return
		}
	case host != "":
		if _, err := netip.ParseAddr(host); err != nil && !isHostName(host) {
			bad("SMTP_HOST: %q is not a host name or an IP address", host)
			return
		}
		s.Port = 587
		if tlsMode == mail.ImplicitTLS {
			s.Port = 465
		}
		if v := strings.TrimSpace(getenv("SMTP_PORT")); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 65535 {
				bad("SMTP_PORT: %q is not a port number (1-65535)", v)
				return
			}
			s.Port = n
		}
	default:
		for _, name := range []string{"SMTP_PORT", "SMTP_USERNAME", "SMTP_PASSWORD", "SMTP_TLS"} {
			if strings.TrimSpace(getenv(name)) != "" || name == "SMTP_PASSWORD" && password != "" {
				bad("%s: set, but neither SMTP_URL nor SMTP_HOST is, so no mail server is configured", name)
			}
		}
		c.MailFrom = or(getenv("MAIL_FROM"), c.InstanceName+" <finhealth@localhost>")
		if _, err := netmail.ParseAddress(c.MailFrom); err != nil {
			bad("MAIL_FROM: %q is not an address such as \"Finhealth <no-reply@example.com>\"", c.MailFrom)
		}
		return
	}
	if s.TLS == "" {
		s.TLS = mail.StartTLS
		if s.Port == 465 {
			s.TLS = mail.ImplicitTLS // the submissions port speaks TLS from the first byte
		}
	}
	if s.Password != "" && s.Username == "" {
		bad("SMTP_PASSWORD: set without SMTP_USERNAME")
	}
	if s.TLS == mail.NoTLS && !c.Development() && !isLoopback(s.Host) {
		bad("SMTP_TLS: none would send mail (and the SMTP password) unencrypted to %s; production allows it only for a relay on this host (localhost). Use starttls or implicit", s.Host)
	}
	from := strings.TrimSpace(getenv("MAIL_FROM"))
	if from == "" {
		bad("MAIL_FROM: required with an SMTP server, e.g. \"Finhealth <no-reply@example.com>\"")
	} else if a, err := netmail.ParseAddress(from); err != nil {
		bad("MAIL_FROM: %q is not an address such as \"Finhealth <no-reply@example.com>\"", from)
	} else {
		c.MailFrom = a.String()
	}
	s.From = c.MailFrom
	c.SMTP = s
}

// parseSMTPURL reads smtp://user:pass@host:587 (STARTTLS) or smtps://...:465
// (implicit TLS) into s.
func parseSMTPURL(raw string, s *mail.SMTP, bad func(string, ...any)) bool {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		// The URL is not echoed: it may hold the password.
		bad("SMTP_URL: not a URL like smtp://user:password@mail.example.com:587 or smtps://...:465")
		return false
	}
	s.Host = u.Hostname()
	s.Port = 587
	if u.Scheme == "smtps" {
		s.Port = 465
		if s.TLS != "" && s.TLS != mail.ImplicitTLS {
			bad("SMTP_TLS: %s contradicts SMTP_URL's smtps scheme (implicit TLS)", s.TLS)
			return false
		}
		s.TLS = mail.ImplicitTLS
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			bad("SMTP_URL: the port is not a port number (1-65535)")
			return false
		}
		s.Port = n
	}
	if u.User != nil {
		s.Username = u.User.Username()
		s.Password, _ = u.User.Password()
	}
	return true
}

// mailLogValue is the mail part of the start-up log: never the password.
func (c *Config) mailLogValue() slog.Value {
	if c.SMTP == nil {
		mode := "captured for /dev/mail"
		if !c.Development() {
			mode = "none sent (SMTP not configured)"
		}
		return slog.GroupValue(slog.String("smtp", mode), slog.String("from", c.MailFrom), slog.String("instance_name", c.InstanceName))
	}
	pw := "(not set)"
	if c.SMTP.Password != "" {
		pw = "(set)"
	}
	return slog.GroupValue(
		slog.String("smtp", fmt.Sprintf("%s:%d", c.SMTP.Host, c.SMTP.Port)),
		slog.String("tls", string(c.SMTP.TLS)),
		slog.String("username", or(c.SMTP.Username, "(not set)")),
		slog.String("password", pw),
		slog.String("from", c.MailFrom),
		slog.String("instance_name", c.InstanceName),
	)
}

// mailFindings are check-config's remarks on mail in production.
func mailFindings(c *Config) []finding {
	// Without SMTP production sends no mail; serve says so at start. That is a
	// choice (invitation links can be copied), not a risk, so it is no finding.
	if c.SMTP == nil {
		return nil
	}
	var fs []finding
	if c.SMTP.TLS == mail.NoTLS {
		fs = append(fs, finding{false, "SMTP_TLS", "none: mail leaves this host unencrypted unless the local relay (" + c.SMTP.Host + ") encrypts it",
			"prefer starttls or implicit to your provider directly"})
	}
	if c.SMTP.Username == "" {
		fs = append(fs, finding{false, "SMTP_USERNAME", "not set: the mail server is used without authentication, which most providers refuse or mark as spam",
			"set the user and password your mail provider gives you"})
	}
	return fs
}
