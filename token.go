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
	RotateRefreshToken(ctx context.Context, oldHash string, next RefreshToken) (*User, error)
	// RevokeRefreshFamily revokes the family of the token with this hash (logout).
	// An unknown hash is not an error: logging out twice is harmless.
	RevokeRefreshFamily(ctx context.Context, tokenHash string) error
}
