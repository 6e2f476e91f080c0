package store

import (
	"context"
	"fmt"
	"strconv"
	"unicode/utf8"

	"finhealth"
)

// maxUserAgent bounds what a client's User-Agent header may store per session: only
// a simplified device is ever shown from it.
const maxUserAgent = 512

func truncateRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// revokeFamily ends a session: its row, which every access token of it is checked
// against, and its refresh tokens, in the caller's transaction. It reports whether
// the session was still live.
func (h handle) revokeFamily(ctx context.Context, familyID string) (bool, error) {
	res, err := h.exec(ctx, `UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL`, h.now, familyID)
	if err != nil {
		return false, fmt.Errorf("store: revoke token family: %w", err)
	}
	tokens, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: revoke token family: %w", err)
	}
	ended, err := h.execOne(ctx, `UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, h.now, familyID)
	if err != nil {
		return false, fmt.Errorf("store: end session: %w", err)
	}
	return ended || tokens > 0, nil
}

// revokeUserSessions ends every live session of the user but keep ("" for all), in
// the caller's transaction, and returns how many it ended.
func (h handle) revokeUserSessions(ctx context.Context, userID, keep string) (int, error) {
	if _, err := h.exec(ctx, `UPDATE refresh_tokens SET revoked_at = ? WHERE user_id = ? AND family_id <> ? AND revoked_at IS NULL`,
		h.now, userID, keep); err != nil {
		return 0, fmt.Errorf("store: revoke user's tokens: %w", err)
	}
	res, err := h.exec(ctx, `UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND id <> ? AND revoked_at IS NULL`,
		h.now, userID, keep)
	if err != nil {
		return 0, fmt.Errorf("store: end user's sessions: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: end user's sessions: %w", err)
	}
	return int(n), nil
}

// Sessions lists the user's live sessions, most recently used first.
func (db *DB) Sessions(ctx context.Context, userID string) ([]finhealth.Session, error) {
	rows, err := db.h.query(ctx, `SELECT id, user_agent, ip, created_at, last_used_at FROM sessions
		WHERE user_id = ? AND revoked_at IS NULL AND expires_at > ? ORDER BY last_used_at DESC, id DESC`, userID, db.now())
	if err != nil {
		return nil, fmt.Errorf("store: list sessions: %w", err)
	}
	defer rows.Close()
	out := []finhealth.Session{}
	for rows.Next() {
		var s finhealth.Session
		if err := rows.Scan(&s.ID, &s.UserAgent, &s.IP, scanTime{&s.CreatedAt}, scanTime{&s.LastUsedAt}); err != nil {
			return nil, fmt.Errorf("store: list sessions: %w", err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list sessions: %w", err)
	}
	return out, nil
}

// EndSession ends one live session of the user; another user's session is
// ENOTFOUND, exactly like an unknown one.
func (db *DB) EndSession(ctx context.Context, userID, sessionID string) error {
	return db.withTx(ctx, func(h handle) error {
		var owner string
		err := h.queryRow(ctx, `SELECT user_id FROM sessions WHERE id = ? AND revoked_at IS NULL`, sessionID).Scan(&owner)
		if err != nil {
			return mapError(err, "find session", "Session")
		}
		if owner != userID {
			return notFound("Session")
		}
		if _, err := h.revokeFamily(ctx, sessionID); err != nil {
			return err
		}
		return h.audit(ctx, finhealth.AuditEntry{
			Action: finhealth.AuditSessionEnded, TargetType: "session", TargetID: sessionID,
			Details: map[string]string{"user_id": userID},
		})
	})
}

// EndOtherSessions ends every live session of the user but keep, audited.
func (db *DB) EndOtherSessions(ctx context.Context, userID, keep string) (int, error) {
	var n int
	err := db.withTx(ctx, func(h handle) (err error) {
		if n, err = h.revokeUserSessions(ctx, userID, keep); err != nil {
			return err
		}
		return h.audit(ctx, finhealth.AuditEntry{
			Action: finhealth.AuditSessionsEnded, TargetType: "user", TargetID: userID,
			Details: map[string]string{"ended": strconv.Itoa(n), "kept": keep},
		})
	})
	return n, err
}

// ChangePassword stores the new hash and ends every other session of the user, so
// that whoever knew the old password is out at once.
func (db *DB) ChangePassword(ctx context.Context, userID, passwordHash, keep string) error {
	if passwordHash == "" {
		return finhealth.InvalidFields("The password is not valid.", map[string]string{"password_hash": "required"})
	}
	return db.withTx(ctx, func(h handle) error {
		ok, err := h.execOne(ctx, `UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ? AND active`, passwordHash, h.now, userID)
		if err != nil {
			return fmt.Errorf("store: change password: %w", err)
		}
		if !ok {
			return notFound("User")
		}
		n, err := h.revokeUserSessions(ctx, userID, keep)
		if err != nil {
			return err
		}
		return h.audit(ctx, finhealth.AuditEntry{
			Action: finhealth.AuditPasswordChanged, TargetType: "user", TargetID: userID,
			Details: map[string]string{"sessions_ended": strconv.Itoa(n)},
		})
	})
}
