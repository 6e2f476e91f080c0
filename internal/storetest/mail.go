package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"finhealth"
)

// mailID makes a message id: the store wants a UUID, which the callers generate.
func mailID() string { return fmt.Sprintf("0190a000-0000-7000-8000-%012x", seq.Add(1)) }

// inviteWithMail creates an invitation whose email is queued with it.
func inviteWithMail(s finhealth.Store, by *finhealth.User, orgID, email string, m *finhealth.OutgoingMail) (*finhealth.Invitation, error) {
	return s.CreateInvitation(actorCtx(by), finhealth.Invitation{
		OrganizationID: orgID, Email: email, Role: finhealth.OrgRoleAdvisor, TokenHash: unique("invite"),
		ExpiresAt: nowOf(s).Add(time.Hour), Mail: m,
	})
}

func outgoing(to string) *finhealth.OutgoingMail {
	return &finhealth.OutgoingMail{ID: mailID(), To: to, Subject: "You are invited ☕", Template: "invitation",
		Text: "Open https://app.example/invitations/accept?token=secret-" + to, HTML: "<p>Ünïcode <a href=\"https://app.example/\">link</a></p>"}
}

// testMailOutbox: a message is queued in its invitation's transaction, a bad one
// stores neither, and the log records attempts; sending clears the bodies (they
// may carry the invitation link), capturing keeps them, a message no longer waiting
// is not sent again.
func testMailOutbox(t *testing.T, s finhealth.Store) {
	ctx := context.Background()
	owner, org := register(t, s, "mailer@example.com")

	bad := outgoing("not an address")
	_, err := inviteWithMail(s, owner, org.ID, "bad@example.com", bad)
	wantCode(t, err, finhealth.EINVALID)
	if invs, err := s.Invitations(ctx, org.ID); err != nil || len(invs) != 0 {
		t.Fatalf("a refused message left its invitation behind: %v %v", invs, err)
	}
	_, err = s.MailToSend(ctx, bad.ID)
	wantCode(t, err, finhealth.ENOTFOUND)

	first, second := outgoing("one@example.com"), outgoing("two@example.com")
	_, err = inviteWithMail(s, owner, org.ID, "one@example.com", first)
	must(t, err)
	clockOf(t, s).Advance(time.Second)
	_, err = inviteWithMail(s, owner, org.ID, "two@example.com", second)
	must(t, err)
	// An invitation that fails (an existing member) queues nothing either.
	_, err = inviteWithMail(s, owner, org.ID, "mailer@example.com", outgoing("mailer@example.com"))
	wantCode(t, err, finhealth.ECONFLICT)

	m, err := s.MailToSend(ctx, first.ID)
	must(t, err)
	if m.To != first.To || m.Subject != first.Subject || m.Text != first.Text || m.HTML != first.HTML ||
		m.Status != finhealth.MailQueued || m.Attempts != 0 || m.Template != "invitation" {
		t.Fatalf("queued message %+v", m)
	}
	unsent, err := s.UnsentMail(ctx, nowOf(s).Add(time.Millisecond), 10)
	must(t, err)
	if len(unsent) != 2 || unsent[0] != first.ID || unsent[1] != second.ID {
		t.Fatalf("unsent %v, want [%s %s]", unsent, first.ID, second.ID)
	}

	m, err = s.RecordMailAttempt(ctx, first.ID, finhealth.MailRetrying, "dial tcp: connection refused")
	must(t, err)
	if m.Status != finhealth.MailRetrying || m.Attempts != 1 || m.LastError != "dial tcp: connection refused" || m.Text == "" {
		t.Fatalf("after a failed attempt %+v", m)
	}
	m, err = s.RecordMailAttempt(ctx, first.ID, finhealth.MailSent, "")
	must(t, err)
	if m.Status != finhealth.MailSent || m.Attempts != 2 || m.LastError != "" || m.SentAt == nil || m.Text != "" || m.HTML != "" {
		t.Fatalf("after sending %+v", m)
	}
	_, err = s.MailToSend(ctx, first.ID)
	wantCode(t, err, finhealth.ENOTFOUND)
	_, err = s.RecordMailAttempt(ctx, first.ID, finhealth.MailSent, "")
	wantCode(t, err, finhealth.ENOTFOUND)
	_, err = s.RecordMailAttempt(ctx, second.ID, "delivered", "")
	wantCode(t, err, finhealth.EINVALID)

	m, err = s.RecordMailAttempt(ctx, second.ID, finhealth.MailCaptured, "")
	must(t, err)
	if m.Status != finhealth.MailCaptured || m.HTML != second.HTML || m.SentAt == nil {
		t.Fatalf("captured %+v", m)
	}
	_, err = s.RecordMailAttempt(ctx, mailID(), finhealth.MailFailed, strings.Repeat("é", 2000))
	wantCode(t, err, finhealth.ENOTFOUND)

	log, err := s.MailLog(ctx, 10)
	must(t, err)
	if len(log) != 2 || log[0].ID != second.ID || log[1].ID != first.ID {
		t.Fatalf("log %v, want newest first", log)
	}
	if unsent, err := s.UnsentMail(ctx, nowOf(s).Add(time.Hour), 10); err != nil || len(unsent) != 0 {
		t.Fatalf("unsent after sending: %v %v", unsent, err)
	}
}

// populateMail leaves one message sent and one failed with a long non-ASCII error
// (both with their bodies cleared) and one captured with its bodies, for the
// backup's round trip.
func populateMail(t *testing.T, s finhealth.Store, owner *finhealth.User, orgID string) {
	t.Helper()
	ctx := context.Background()
	sent, failed := outgoing("sent@example.com"), outgoing("failed@example.com")
	_, err := inviteWithMail(s, owner, orgID, "sent@example.com", sent)
	must(t, err)
	_, err = inviteWithMail(s, owner, orgID, "failed@example.com", failed)
	must(t, err)
	_, err = s.RecordMailAttempt(ctx, sent.ID, finhealth.MailSent, "")
	must(t, err)
	m, err := s.RecordMailAttempt(ctx, failed.ID, finhealth.MailFailed, "550 mailbox «unavailable» "+strings.Repeat("é", 600))
	must(t, err)
	if m.Text != "" || m.HTML != "" {
		t.Fatalf("a message that failed for good keeps its bodies: %+v", m)
	}
	captured := outgoing("captured@example.com")
	_, err = inviteWithMail(s, owner, orgID, "captured@example.com", captured)
	must(t, err)
	_, err = s.RecordMailAttempt(ctx, captured.ID, finhealth.MailCaptured, "")
	must(t, err)
}
