package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"finhealth"
)

// errBadRefreshToken is the one answer for every unusable refresh token, so that the
// response does not tell a thief which tokens exist.
var errBadRefreshToken = finhealth.Errorf(finhealth.EUNAUTHORIZED, "The refresh token is invalid or expired.")

func validateRefreshToken(t finhealth.RefreshToken, needUser bool) error {
	fields := map[string]string{}
	if needUser && t.UserID == "" {
		fields["user_id"] = "required"
	}
	if t.TokenHash == "" {
		fields["token_hash"] = "required"
	}
	if t.ExpiresAt.IsZero() {
		fields["expires_at"] = "required"
	}
	if len(fields) > 0 {
		return finhealth.InvalidFields("The refresh token is not valid.", fields)
	}
	return nil
}

func (h handle) insertRefreshToken(ctx context.Context, t finhealth.RefreshToken) error {
	_, err := h.exec(ctx, `INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, expires_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, t.ID, t.UserID, t.FamilyID, t.TokenHash, t.ExpiresAt, t.CreatedAt)
	switch {
	case isUniqueViolation(err):
		return conflict("The refresh token already exists.")
	case isForeignKeyViolation(err):
		return notFound("User")
	case err != nil:
		return fmt.Errorf("store: insert refresh token: %w", err)
	}
	return nil
}

// CreateRefreshToken stores a new token. An empty FamilyID starts a new family (a
// login); an inactive user gets no token.
func (db *DB) CreateRefreshToken(ctx context.Context, t finhealth.RefreshToken) error {
	if err := validateRefreshToken(t, true); err != nil {
		return err
	}
	t.ID = cmp.Or(t.ID, newID())
	t.FamilyID = cmp.Or(t.FamilyID, newID())
	t.ExpiresAt = dbTime(t.ExpiresAt)
	return db.withTx(ctx, func(h handle) error {
		t.CreatedAt = h.now
		u, err := h.userByID(ctx, t.UserID, false)
		if err != nil {
			return err
		}
		if !u.Active {
			return finhealth.Errorf(finhealth.EUNAUTHORIZED, "The account is deactivated.")
		}
		if err := h.insertRefreshToken(ctx, t); err != nil {
			return err
		}
		// The family's first token opens its session; a later one (a family given
		// explicitly) only extends it.
		if _, err := h.exec(ctx, `INSERT INTO sessions (id, user_id, user_agent, ip, created_at, last_used_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET expires_at = excluded.expires_at`,
			t.FamilyID, t.UserID, truncateRunes(t.UserAgent, maxUserAgent), t.IP, t.CreatedAt, t.CreatedAt, t.ExpiresAt); err != nil {
			return fmt.Errorf("store: open session: %w", err)
		}
		return nil
	})
}

// RotateRefreshToken spends the token whose hash is oldHash and stores next in its
// family. Presenting a spent token again is taken as theft: the whole family is
// revoked and audited, and that is committed even though the call fails.
func (db *DB) RotateRefreshToken(ctx context.Context, oldHash string, next finhealth.RefreshToken) (*finhealth.User, string, error) {
	if err := validateRefreshToken(next, false); err != nil {
		return nil, "", err
	}
	var (
		user   *finhealth.User
		reused bool
	)
	err := db.withTx(ctx, func(h handle) error {
		t := h.now
		var (
			id, userID, familyID string
			expiresAt            time.Time
			usedAt, revokedAt    *time.Time
		)
		// Locked on PostgreSQL so that a concurrent rotation of the same token waits
		// here and then sees it spent, exactly as SQLite's serialized writers do.
		err := h.queryRow(ctx, h.forUpdate(`SELECT id, user_id, family_id, expires_at, used_at, revoked_at
			FROM refresh_tokens WHERE token_hash = ?`), oldHash).
			Scan(&id, &userID, &familyID, scanTime{&expiresAt}, scanNullTime{&usedAt}, scanNullTime{&revokedAt})
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return errBadRefreshToken
		case err != nil:
			return fmt.Errorf("store: find refresh token: %w", err)
		case revokedAt != nil:
			return errBadRefreshToken
		case usedAt != nil:
			// Reuse is checked before expiry: a spent token presented late is still
			// a copy someone should not have, and its family may be alive.
			if _, err := h.revokeFamily(ctx, familyID); err != nil {
				return err
			}
			reused = true
			return h.audit(ctx, finhealth.AuditEntry{
				Action:     finhealth.AuditTokenFamilyRevoked,
				TargetType: "refresh_token_family",
				TargetID:   familyID,
				Details:    map[string]string{"user_id": userID, "reason": "reuse", "token_id": id},
			})
		case !expiresAt.After(t):
			return errBadRefreshToken
		}
		// The condition makes the spend atomic even without the row lock: of two
		// rotations only one can change the row.
		ok, err := h.execOne(ctx, `UPDATE refresh_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND revoked_at IS NULL`,
			t, oldHash)
		if err != nil {
			return fmt.Errorf("store: spend refresh token: %w", err)
		}
		if !ok {
			return errBadRefreshToken
		}
		u, err := h.userByID(ctx, userID, false)
		if err != nil {
			return fmt.Errorf("store: refresh token's user: %w", err)
		}
		if !u.Active {
			return errBadRefreshToken
		}
		next.ID = cmp.Or(next.ID, newID())
		next.UserID = userID
		next.FamilyID = familyID
		next.ExpiresAt = dbTime(next.ExpiresAt)
		next.CreatedAt = t
		if err := h.insertRefreshToken(ctx, next); err != nil {
			return err
		}
		// Rotation is the session's record of use: cheap (this transaction writes
		// anyway) and no write lands on the request path.
		ok, err = h.execOne(ctx, `UPDATE sessions SET last_used_at = ?, expires_at = ? WHERE id = ? AND revoked_at IS NULL`,
			t, next.ExpiresAt, familyID)
		if err != nil {
			return fmt.Errorf("store: touch session: %w", err)
		}
		if !ok {
			return errBadRefreshToken
		}
		user = u
		return nil
	})
	switch {
	case err != nil:
		return nil, "", err
	case reused:
		return nil, "", errBadRefreshToken
	}
	return user, next.FamilyID, nil
}

// RevokeRefreshFamily revokes the family of the token with this hash (logout) and
// audits the logout. An unknown or already revoked token changes nothing.
func (db *DB) RevokeRefreshFamily(ctx context.Context, tokenHash string) error {
	return db.withTx(ctx, func(h handle) error {
		var familyID, userID string
		err := h.queryRow(ctx, `SELECT family_id, user_id FROM refresh_tokens WHERE token_hash = ?`, tokenHash).
			Scan(&familyID, &userID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("store: find refresh token: %w", err)
		}
		ended, err := h.revokeFamily(ctx, familyID)
		if err != nil || !ended {
			return err
		}
		return h.audit(ctx, finhealth.AuditEntry{
			ActorID:    cmp.Or(finhealth.ActorFrom(ctx).UserID, userID),
			Action:     finhealth.AuditLogout,
			TargetType: "refresh_token_family",
			TargetID:   familyID,
			Details:    map[string]string{"user_id": userID},
		})
	})
}
