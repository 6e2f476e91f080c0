package store

import (
	"context"
	"fmt"
	"net/mail"
	"time"

	"github.com/google/uuid"

	"finhealth"
)

const mailColumns = `id, recipient, subject, template, body_text, body_html, status, attempts, last_error, created_at, updated_at, sent_at`

func scanMail(row rowScanner) (*finhealth.MailMessage, error) {
	var m finhealth.MailMessage
	if err := row.Scan(&m.ID, &m.To, &m.Subject, &m.Template, &m.Text, &m.HTML, &m.Status, &m.Attempts, &m.LastError,
		scanTime{&m.CreatedAt}, scanTime{&m.UpdatedAt}, scanNullTime{&m.SentAt}); err != nil {
		return nil, err
	}
	return &m, nil
}

// enqueueMail stores a message as queued in h's transaction: the caller's change and
// its message commit or roll back together.
func (h handle) enqueueMail(ctx context.Context, m *finhealth.OutgoingMail) error {
	fields := map[string]string{}
	if _, err := uuid.Parse(m.ID); err != nil {
		fields["mail.id"] = "must be a UUID"
	}
	if _, err := mail.ParseAddress(m.To); err != nil {
		fields["mail.to"] = "is not an email address"
	}
	if m.Subject == "" || m.Template == "" || m.Text == "" || m.HTML == "" {
		fields["mail"] = "subject, template and both parts are required"
	}
	if len(fields) > 0 {
		return finhealth.InvalidFields("The message is not valid.", fields)
	}
	_, err := h.exec(ctx, `INSERT INTO mail_log (id, recipient, subject, template, body_text, body_html, status, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, m.ID, m.To, m.Subject, m.Template, m.Text, m.HTML, finhealth.MailQueued, h.now, h.now)
	if isUniqueViolation(err) {
		return conflict("The message is already queued.")
	}
	if err != nil {
		return fmt.Errorf("store: queue mail: %w", err)
	}
	return nil
}

// MailLog lists the most recent messages, newest first.
func (db *DB) MailLog(ctx context.Context, limit int) ([]*finhealth.MailMessage, error) {
	limit = min(max(limit, 1), finhealth.MaxPageSize)
	return collect(ctx, db.h, "mail log", scanMail, `SELECT `+mailColumns+` FROM mail_log
		ORDER BY created_at DESC, id DESC LIMIT ?`, limit)
}

// MailToSend returns a message still waiting to be sent.
func (db *DB) MailToSend(ctx context.Context, id string) (*finhealth.MailMessage, error) {
	if _, err := uuid.Parse(id); err != nil {
		return nil, notFound("Message")
	}
	m, err := scanMail(db.h.queryRow(ctx, `SELECT `+mailColumns+` FROM mail_log WHERE id = ? AND status IN (?, ?)`,
		id, finhealth.MailQueued, finhealth.MailRetrying))
	if err != nil {
		return nil, mapError(err, "mail to send", "Message")
	}
	return m, nil
}

// RecordMailAttempt counts an attempt of a message still waiting and records how it
// went. Sending (or failing for good) clears the bodies: the log keeps what was sent
// to whom, not the links it carried.
func (db *DB) RecordMailAttempt(ctx context.Context, id string, status finhealth.MailStatus, errMsg string) (*finhealth.MailMessage, error) {
	switch status {
	case finhealth.MailSent, finhealth.MailCaptured, finhealth.MailRetrying, finhealth.MailFailed:
	default:
		return nil, finhealth.InvalidFields("The outcome is not valid.", map[string]string{"status": "must be sent, captured, retrying or failed"})
	}
	if _, err := uuid.Parse(id); err != nil {
		return nil, notFound("Message")
	}
	h := db.at()
	var sentAt *time.Time
	if status == finhealth.MailSent || status == finhealth.MailCaptured {
		sentAt = &h.now
	}
	clear := 0
	if status == finhealth.MailSent || status == finhealth.MailFailed {
		clear = 1 // nothing will send it again
	}
	m, err := scanMail(h.queryRow(ctx, `UPDATE mail_log SET status = ?, attempts = attempts + 1, last_error = ?, updated_at = ?, sent_at = ?,
			body_text = CASE WHEN ? = 1 THEN '' ELSE body_text END, body_html = CASE WHEN ? = 1 THEN '' ELSE body_html END
		WHERE id = ? AND status IN (?, ?) RETURNING `+mailColumns,
		status, truncate(errMsg, 1000), h.now, sentAt, clear, clear, id, finhealth.MailQueued, finhealth.MailRetrying))
	if err != nil {
		return nil, mapError(err, "record mail attempt", "Message")
	}
	return m, nil
}

// UnsentMail lists messages waiting since before before, oldest first.
func (db *DB) UnsentMail(ctx context.Context, before time.Time, limit int) ([]string, error) {
	return collect(ctx, db.h, "unsent mail", func(r rowScanner) (string, error) {
		var id string
		return id, r.Scan(&id)
	}, `SELECT id FROM mail_log WHERE status IN (?, ?) AND updated_at < ? ORDER BY updated_at, id LIMIT ?`,
		finhealth.MailQueued, finhealth.MailRetrying, dbTime(before), min(max(limit, 1), 1000))
}
