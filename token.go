package finhealth

import (
	"context"
	"time"
)

// RefreshToken is one link in a rotation chain. Tokens minted from one login share a
// FamilyID; when a spent token is presented again the whole family is revoked,
// because either the user or an attacker holds a stolen copy.
type RefreshToken struct {
	ID        string
	UserID    string
	FamilyID  string
	TokenHash string // SHA-256 of the random token; the token itself is never stored
	ExpiresAt time.Time
	CreatedAt time.Time
	// UserAgent and IP say where a login began; they are kept on the session that
	// a new family opens and ignored on rotation.
	UserAgent string
	IP        string
}

// Session is one login: a refresh-token family, which every access token minted
// from it names, so that ending it refuses them all at once. LastUsedAt is when its
// refresh token was last rotated (so it lags real use by at most one access
// token's lifetime).
type Session struct {
	ID         string
	UserAgent  string
	IP         string
	CreatedAt  time.Time
	LastUsedAt time.Time
}

// TokenService persists refresh tokens.
type TokenService interface {
	// CreateRefreshToken stores a new token (a login starts a new family).
	CreateRefreshToken(ctx context.Context, t RefreshToken) error
	// RotateRefreshToken spends the token whose hash is oldHash and stores next in the
	// same family, in one transaction, returning the token's user. An unknown,
	// expired or revoked token is EUNAUTHORIZED. A token already spent is reuse: the
	// family is revoked, a "auth.token_family_revoked" audit entry written, and
	// EUNAUTHORIZED returned.
	// The second result is the session (family) id.
	RotateRefreshToken(ctx context.Context, oldHash string, next RefreshToken) (*User, string, error)
	// RevokeRefreshFamily revokes the family of the token with this hash (logout).
	// An unknown hash is not an error: logging out twice is harmless.
	RevokeRefreshFamily(ctx context.Context, tokenHash string) error

	// Sessions lists the user's live sessions, most recently used first.
	Sessions(ctx context.Context, userID string) ([]Session, error)
	// EndSession ends one of the user's live sessions (ENOTFOUND otherwise) and
	// audits it.
	EndSession(ctx context.Context, userID, sessionID string) error
	// EndOtherSessions ends every live session of the user but keep, audited, and
	// returns how many it ended.
	EndOtherSessions(ctx context.Context, userID, keep string) (int, error)
	// ChangePassword stores a new password hash and ends every other session of the
	// user in one transaction, audited.
	ChangePassword(ctx context.Context, userID, passwordHash, keep string) error
}
