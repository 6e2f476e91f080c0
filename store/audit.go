package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"finhealth"
)

// audit writes an entry with h, normally inside the transaction of the change it
// records, and at that transaction's time. Whatever the entry leaves empty is taken
// from the context's Actor, so that no method needs the actor as a parameter.
func (h handle) audit(ctx context.Context, e finhealth.AuditEntry) error {
	values, err := auditValues(ctx, h.now, e)
	if err != nil {
		return err
	}
	if _, err := h.exec(ctx, insertAudit, values...); err != nil {
		return fmt.Errorf("store: audit %s: %w", e.Action, err)
	}
	return nil
}

// insertAudit writes one entry; auditValues supplies its arguments.
const insertAudit = `INSERT INTO audit_log
		(id, at, actor_id, actor_email, organization_id, action, target_type, target_id, ip, details)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// auditValues completes e (ID, time from at, actor and IP from the context's Actor,
// where e leaves them empty) and returns the arguments of insertAudit, for statements
// that write an entry together with the change it records.
func auditValues(ctx context.Context, at time.Time, e finhealth.AuditEntry) ([]any, error) {
	actor := finhealth.ActorFrom(ctx)
	if e.ID == "" {
		e.ID = newID()
	}
	if e.At.IsZero() {
		if at.IsZero() {
			// A handle method run on the pool handle, which carries no time: give
			// it one with db.at().
			return nil, fmt.Errorf("store: audit %s: no transaction time", e.Action)
		}
		e.At = at
	}
	if e.ActorID == "" {
		e.ActorID = actor.UserID
	}
	if e.ActorEmail == "" {
		e.ActorEmail = actor.Email
	}
	if e.IP == "" {
		e.IP = actor.IP
	}
	var details any
	if len(e.Details) > 0 {
		b, err := json.Marshal(e.Details)
		if err != nil {
			return nil, fmt.Errorf("store: audit details: %w", err)
		}
		details = string(b)
	}
	return []any{e.ID, e.At, nullString(e.ActorID), nullString(e.ActorEmail), nullString(e.OrganizationID),
		e.Action, nullString(e.TargetType), nullString(e.TargetID), nullString(e.IP), details}, nil
}

// Record writes an audit entry for an event with no other write, such as a login
// attempt.
func (db *DB) Record(ctx context.Context, e finhealth.AuditEntry) error {
	if strings.TrimSpace(e.Action) == "" {
		return finhealth.InvalidFields("The audit entry is not valid.", map[string]string{"action": "required"})
	}
	return db.at().audit(ctx, e)
}

// ListAudit returns entries newest first.
func (db *DB) ListAudit(ctx context.Context, f finhealth.AuditFilter) ([]*finhealth.AuditEntry, string, error) {
	after, err := decodeCursor(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	limit := pageLimit(f.Limit)
	var (
		where []string
		args  []any
	)
	if f.OrganizationID != "" {
		where = append(where, "organization_id = ?")
		args = append(args, f.OrganizationID)
	}
	if f.Action != "" {
		where = append(where, "action = ?")
		args = append(args, f.Action)
	}
	if f.ActorID != "" {
		where = append(where, "actor_id = ?")
		args = append(args, f.ActorID)
	}
	if f.ActorEmail != "" {
		where = append(where, "lower(actor_email) = lower(?)")
		args = append(args, f.ActorEmail)
	}
	if !f.From.IsZero() {
		where = append(where, "at >= ?")
		args = append(args, f.From)
	}
	if !f.To.IsZero() {
		where = append(where, "at <= ?")
		args = append(args, f.To)
	}
	if after != "" {
		where = append(where, "id < ?")
		args = append(args, after)
	}
	query := `SELECT id, at, actor_id, actor_email, organization_id, action, target_type, target_id, ip, details
		FROM audit_log`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY id DESC LIMIT ?"
	args = append(args, limit+1)

	rows, err := db.h.query(ctx, query, args...)
	if err != nil {
		return nil, "", fmt.Errorf("store: list audit: %w", err)
	}
	defer rows.Close()
	var entries []*finhealth.AuditEntry
	for rows.Next() {
		var (
			e                                                    finhealth.AuditEntry
			actorID, actorEmail, orgID, targetType, targetID, ip nullableString
			details                                              []byte
		)
		if err := rows.Scan(&e.ID, scanTime{&e.At}, &actorID, &actorEmail, &orgID, &e.Action,
			&targetType, &targetID, &ip, &details); err != nil {
			return nil, "", fmt.Errorf("store: list audit: %w", err)
		}
		e.ActorID, e.ActorEmail, e.OrganizationID = string(actorID), string(actorEmail), string(orgID)
		e.TargetType, e.TargetID, e.IP = string(targetType), string(targetID), string(ip)
		if len(details) > 0 {
			if err := json.Unmarshal(details, &e.Details); err != nil {
				return nil, "", fmt.Errorf("store: audit %s details: %w", e.ID, err)
			}
		}
		entries = append(entries, &e)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("store: list audit: %w", err)
	}
	entries, next := page(entries, limit, func(e *finhealth.AuditEntry) string { return e.ID })
	return entries, next, nil
}
