package worker

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"finhealth"
	"finhealth/internal/mailpit"
	"finhealth/internal/testdb"
	"finhealth/mail"
	"finhealth/store"
)

const mailFrom = "Finhealth Test <no-reply@finhealth.test>"

// mailEnv is a worker with only its mail jobs (no Wave), on db, sending through
// mailer (nil captures).
func mailWorkerFor(t *testing.T, db *store.DB, mailer Mailer, configure func(*Config)) *Worker {
	t.Helper()
	rdb := riverDatabase(t, db)
	if err := Migrate(context.Background(), rdb, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	cfg := Config{Store: db, DB: rdb, Mailer: mailer,
		RetryBackoff: 10 * time.Millisecond, MaxRetryBackoff: 50 * time.Millisecond,
		PollInterval: 50 * time.Millisecond, riverTestOnly: true}
	if configure != nil {
		configure(&cfg)
	}
	w, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// queueInvitationMail stores an invitation and its email in one call, as the HTTP
// layer does, and returns the message.
func queueInvitationMail(t *testing.T, db *store.DB, to string) *finhealth.OutgoingMail {
	t.Helper()
	ctx := context.Background()
	u, org, err := db.Register(ctx, finhealth.NewUser{Email: "owner-" + uuid.NewString() + "@example.com", Name: "Olive Owner",
		PasswordHash: "argon2id$x", Role: finhealth.RoleUser}, finhealth.NewOrganization{Name: "Bakery <Ünïcode> & Co"})
	if err != nil {
		t.Fatal(err)
	}
	m, err := mail.ComposeInvitation(uuid.Must(uuid.NewV7()).String(), to, mail.Invitation{
		Instance: "Finhealth Test", InviterName: u.Name, Organization: org.Name, Role: finhealth.OrgRoleAdvisor,
		AcceptURL: "https://app.example/invitations/accept?token=tok_SECRET", ExpiresAt: time.Now().Add(72 * time.Hour),
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.CreateInvitation(finhealth.WithActor(ctx, finhealth.Actor{UserID: u.ID}), finhealth.Invitation{
		OrganizationID: org.ID, Email: to, Role: finhealth.OrgRoleAdvisor, TokenHash: uuid.NewString(),
		ExpiresAt: time.Now().Add(72 * time.Hour), Mail: m,
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func smtpSender(t *testing.T, mp *mailpit.Server) *mail.Sender {
	t.Helper()
	s, err := mail.NewSender(mail.SMTP{Host: mp.SMTPHost, Port: mp.SMTPPort, Username: "finhealth", Password: "smtp-pass",
		TLS: mail.StartTLS, From: mailFrom, RootCAs: mp.RootCAs})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func logEntry(t *testing.T, db *store.DB, id string) *finhealth.MailMessage {
	t.Helper()
	log, err := db.MailLog(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range log {
		if m.ID == id {
			return m
		}
	}
	t.Fatalf("message %s is not in the mail log", id)
	return nil
}

func mailJobOf(id string) func(*river.Event) bool {
	return func(ev *river.Event) bool { return strings.Contains(string(ev.Job.EncodedArgs), id) }
}

// TestMailSentThroughSMTP sends an invitation email with the real job through a real
// SMTP server (Mailpit) and reads it back as delivered: sender, recipient, subject,
// both parts, the accept link, no tracking; the log then says sent, without bodies.
func TestMailSentThroughSMTP(t *testing.T) {
	mp := mailpit.Start(t)
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		to := "invitee-" + db.Dialect() + "@example.com"
		w := mailWorkerFor(t, db, smtpSender(t, mp), nil)
		events := startWorker(t, w)
		m := queueInvitationMail(t, db, to)
		if err := w.QueueMail(context.Background(), m.ID); err != nil {
			t.Fatal(err)
		}
		if ev := waitJob(t, events, mailArgs{}.Kind(), mailJobOf(m.ID)); ev.Kind != river.EventKindJobCompleted {
			t.Fatalf("mail job %s: %v", ev.Kind, ev.Job.Errors)
		}

		got := mp.WaitMessage(t, to)
		if got.From.Address != "no-reply@finhealth.test" || got.From.Name != "Finhealth Test" {
			t.Errorf("From %+v", got.From)
		}
		if len(got.To) != 1 || got.To[0].Address != to {
			t.Errorf("To %+v", got.To)
		}
		if want := "Olive Owner invited you to join Bakery <Ünïcode> & Co on Finhealth Test"; got.Subject != want {
			t.Errorf("Subject %q, want %q", got.Subject, want)
		}
		link := "https://app.example/invitations/accept?token=tok_SECRET"
		if !strings.Contains(got.Text, "join Bakery <Ünïcode> & Co on Finhealth Test as advisor") || !strings.Contains(got.Text, link) {
			t.Errorf("text part:\n%s", got.Text)
		}
		if !strings.Contains(got.HTML, `<a href="`+strings.ReplaceAll(link, "&", "&amp;")+`">`) ||
			!strings.Contains(got.HTML, "Bakery &lt;Ünïcode&gt; &amp; Co") {
			t.Errorf("HTML part:\n%s", got.HTML)
		}
		// No tracking: no images at all, and the only link is the accept link.
		if strings.Contains(strings.ToLower(got.HTML), "<img") || strings.Count(got.HTML, "href=") != 1 {
			t.Errorf("the HTML part carries images or other links:\n%s", got.HTML)
		}
		if len(got.Headers["Message-Id"]) != 1 || len(got.Headers["Date"]) != 1 {
			t.Errorf("headers %v", got.Headers)
		}

		e := logEntry(t, db, m.ID)
		if e.Status != finhealth.MailSent || e.Attempts != 1 || e.LastError != "" || e.SentAt == nil || e.Text != "" || e.HTML != "" {
			t.Errorf("log entry %+v", e)
		}
	})
}

// TestMailRetriedUntilServerBack: with the mail server down the job fails and is
// retried after a backoff, the log says why; nothing is lost, and the message is
// delivered once the server is back.
func TestMailRetriedUntilServerBack(t *testing.T) {
	mp := mailpit.Start(t)
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		to := "later-" + db.Dialect() + "@example.com"
		w := mailWorkerFor(t, db, smtpSender(t, mp), func(c *Config) { c.MailMaxAttempts = 25 })
		events := startWorker(t, w)
		mp.Stop()
		m := queueInvitationMail(t, db, to)
		if err := w.QueueMail(context.Background(), m.ID); err != nil {
			t.Fatal(err)
		}
		ev := waitJob(t, events, mailArgs{}.Kind(), mailJobOf(m.ID))
		if ev.Kind != river.EventKindJobFailed || (ev.Job.State != rivertype.JobStateRetryable && ev.Job.State != rivertype.JobStateAvailable) {
			t.Fatalf("with the server down: %s %s", ev.Kind, ev.Job.State)
		}
		// The retry waits: it is scheduled after the failed attempt started.
		if ev.Job.AttemptedAt == nil || !ev.Job.ScheduledAt.After(*ev.Job.AttemptedAt) {
			t.Errorf("retry scheduled at %v, attempt at %v: no backoff", ev.Job.ScheduledAt, ev.Job.AttemptedAt)
		}
		e := logEntry(t, db, m.ID)
		if e.Status != finhealth.MailRetrying || e.Attempts < 1 || !strings.Contains(e.LastError, "connect") || e.Text == "" {
			t.Errorf("log entry with the server down: %+v", e)
		}

		mp.Restart(t)
		ev = waitJob(t, events, mailArgs{}.Kind(), func(ev *river.Event) bool { return mailJobOf(m.ID)(ev) && jobDone(ev) })
		if ev.Kind != river.EventKindJobCompleted {
			t.Fatalf("once the server is back: %s %v", ev.Kind, ev.Job.Errors)
		}
		if got := mp.WaitMessage(t, to); got.Subject != m.Subject {
			t.Errorf("delivered %q, want %q", got.Subject, m.Subject)
		}
		e = logEntry(t, db, m.ID)
		if e.Status != finhealth.MailSent || e.Attempts < 2 || e.Text != "" {
			t.Errorf("log entry once sent: %+v", e)
		}
	})
}

// TestMailCapturedAndSwept: without a mail server the job captures the message (kept
// whole for the development page), and a message whose job was never queued (the
// process died after the commit) is found by the sweep when the worker starts.
func TestMailCapturedAndSwept(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		m := queueInvitationMail(t, db, "captured@example.com")
		// The sweep takes messages waiting longer than its interval.
		w := mailWorkerFor(t, db, nil, func(c *Config) { c.Now = func() time.Time { return time.Now().Add(time.Hour) } })
		events := startWorker(t, w)
		if ev := waitJob(t, events, mailArgs{}.Kind(), mailJobOf(m.ID)); ev.Kind != river.EventKindJobCompleted {
			t.Fatalf("mail job %s: %v", ev.Kind, ev.Job.Errors)
		}
		e := logEntry(t, db, m.ID)
		if e.Status != finhealth.MailCaptured || e.Attempts != 1 || e.Text != m.Text || e.HTML != m.HTML {
			t.Errorf("captured entry %+v", e)
		}
	})
}
