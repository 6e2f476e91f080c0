package mail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"time"

	gomail "github.com/wneessen/go-mail"

	"finhealth"
)

// TLS is how the connection to the mail server is protected.
type TLS string

const (
	StartTLS    TLS = "starttls" // plain connection upgraded by STARTTLS, which is required
	ImplicitTLS TLS = "implicit" // TLS from the first byte (smtps, usually port 465)
	NoTLS       TLS = "none"     // a relay on the same host only; config refuses it elsewhere in production
)

// SMTP configures a Sender.
type SMTP struct {
	Host     string
	Port     int
	Username string
	Password string
	TLS      TLS
	From     string // the From header, such as "finhealth <no-reply@example.com>"
	// Timeout bounds connecting and each command; zero is 30 seconds.
	Timeout time.Duration
	// RootCAs verifies the server's certificate; nil trusts the system's roots.
	// Tests set it to trust their own server's certificate.
	RootCAs *x509.CertPool
}

// Sender sends messages to one SMTP server.
type Sender struct {
	cfg SMTP
}

// NewSender checks cfg; nothing connects until Send.
func NewSender(cfg SMTP) (*Sender, error) {
	if cfg.Host == "" || cfg.Port < 1 || cfg.Port > 65535 || cfg.From == "" {
		return nil, fmt.Errorf("mail: the SMTP host, port and From address are required")
	}
	switch cfg.TLS {
	case StartTLS, ImplicitTLS, NoTLS:
	default:
		return nil, fmt.Errorf("mail: TLS %q is not starttls, implicit or none", cfg.TLS)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	return &Sender{cfg: cfg}, nil
}

// Send delivers one message: one connection per message, since messages are few
// and a job that holds no connection cannot leave one half-open.
func (s *Sender) Send(ctx context.Context, m *finhealth.MailMessage) error {
	msg := gomail.NewMsg()
	if err := msg.From(s.cfg.From); err != nil {
		return fmt.Errorf("mail: From: %w", err)
	}
	if err := msg.To(m.To); err != nil {
		return fmt.Errorf("mail: To: %w", err)
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	msg.SetMessageID()
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)

	opts := []gomail.Option{gomail.WithPort(s.cfg.Port), gomail.WithTimeout(s.cfg.Timeout),
		gomail.WithTLSConfig(&tls.Config{ServerName: s.cfg.Host, RootCAs: s.cfg.RootCAs, MinVersion: tls.VersionTLS12})}
	switch s.cfg.TLS {
	case ImplicitTLS:
		opts = append(opts, gomail.WithSSL())
	case StartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case NoTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if s.cfg.Username != "" {
		// Over TLS the strongest mechanism the server offers; without TLS (a relay on
		// the same host, which config allows only there in production) go-mail's
		// discovery refuses to send a password in clear, so PLAIN is asked for by name.
		auth := gomail.SMTPAuthAutoDiscover
		if s.cfg.TLS == NoTLS {
			auth = gomail.SMTPAuthPlainNoEnc
		}
		opts = append(opts, gomail.WithSMTPAuth(auth), gomail.WithUsername(s.cfg.Username), gomail.WithPassword(s.cfg.Password))
	}
	c, err := gomail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("mail: sending to %s: %w", net.JoinHostPort(s.cfg.Host, fmt.Sprint(s.cfg.Port)), err)
	}
	return nil
}
