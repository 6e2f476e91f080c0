package http

import (
	"context"
	"errors"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"finhealth"
)

// jwtLeeway absorbs clock skew between replicas without stretching a 15-minute token
// noticeably.
const jwtLeeway = 30 * time.Second

// MaxTokenLen bounds the work a forged Authorization header can cause; our tokens
// are a few hundred bytes.
const MaxTokenLen = 2048

// verifiedTokenCacheSize bounds the verified-token cache: a token and its claims
// take about half a kilobyte, so at most a few megabytes.
const verifiedTokenCacheSize = 8192

// tokenIssuer mints and verifies access tokens. The parser pins HS256: accepting
// the header's alg would let "none" or an asymmetric-key confusion through.
type tokenIssuer struct {
	secret    []byte
	issuer    string
	audience  string
	ttl       time.Duration
	now       func() time.Time
	parser    *jwt.Parser
	validator *jwt.Validator
	// verified maps tokens whose signature has been checked to their claims. A
	// client sends the same token with every request for its 15 minutes, and
	// decoding and checking it again each time costs more than the rest of the
	// authorization. It never goes stale: a token's signature, issuer and audience
	// cannot change, and the time-dependent claims (exp, iat, nbf) are validated
	// again on every use with the same rules and clock as the parser. Whether the
	// user may still act, and whether the token's session is still open, are not
	// properties of the token and are read from the database on every request, so
	// a cached token never outlives its session.
	verified *boundedCache[*accessClaims]
}

// accessClaims are an access token's claims: the registered ones and the session
// (refresh-token family) it was minted for, which the per-request access query
// checks is still open.
type accessClaims struct {
	jwt.RegisteredClaims
	SessionID string `json:"sid"`
}

func newTokenIssuer(cfg Config) *tokenIssuer {
	opts := []jwt.ParserOption{
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		// One token has one spelling: without strict decoding the signature's unused
		// trailing bits may be anything, so four strings would verify as one token
		// (and each would be cached and logged as a different one).
		jwt.WithStrictDecoding(),
		jwt.WithIssuer(cfg.Issuer),
		jwt.WithAudience(cfg.Audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(jwtLeeway),
		jwt.WithTimeFunc(cfg.Now),
	}
	return &tokenIssuer{
		secret:    cfg.JWTSecret,
		issuer:    cfg.Issuer,
		audience:  cfg.Audience,
		ttl:       cfg.AccessTTL,
		now:       cfg.Now,
		parser:    jwt.NewParser(opts...),
		validator: jwt.NewValidator(opts...),
		verified:  newBoundedCache[*accessClaims](verifiedTokenCacheSize),
	}
}

// issue returns a signed access token for the user's session.
func (t *tokenIssuer) issue(userID, sessionID string) (string, error) {
	jti, err := uuid.NewV7()
	if err != nil {
		return "", err
	}
	now := t.now()
	claims := accessClaims{RegisteredClaims: jwt.RegisteredClaims{
		Issuer:    t.issuer,
		Subject:   userID,
		Audience:  jwt.ClaimStrings{t.audience},
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(t.ttl)),
		ID:        jti.String(),
	}, SessionID: sessionID}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(t.secret)
}

var errNoSubject = errors.New("token has no subject or session")

// verify returns the user and session ids of a valid token. Callers must still load
// the user with the session: a valid token of a deactivated account, or of a
// session that was ended, is not enough. A token without a session (minted before
// sessions existed) is refused, which costs its holder one refresh.
func (t *tokenIssuer) verify(token string) (userID, sessionID string, err error) {
	if len(token) > MaxTokenLen {
		return "", "", jwt.ErrTokenMalformed
	}
	if claims, ok := t.verified.get(token); ok {
		if err := t.validator.Validate(claims); err != nil {
			t.verified.remove(token) // expired, most likely: make room
			return "", "", err
		}
		return claims.Subject, claims.SessionID, nil
	}
	claims := new(accessClaims)
	_, err = t.parser.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return t.secret, nil })
	if err != nil {
		return "", "", err
	}
	if !ValidID(claims.Subject) || !ValidID(claims.SessionID) {
		return "", "", errNoSubject
	}
	t.verified.put(token, claims)
	return claims.Subject, claims.SessionID, nil
}

// TokenPair is the body of a successful login or refresh.
type TokenPair struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
}

// AccessToken mints an access token for the user without a login, for tools and
// tests that act as an existing user. It opens a session of its own, whose refresh
// token nobody holds, so that the token can be ended like any other.
func (s Accounts) AccessToken(ctx context.Context, userID string) (string, error) {
	sid, err := uuid.NewV7()
	if err != nil {
		return "", err
	}
	_, hash, err := NewOpaqueToken()
	if err != nil {
		return "", err
	}
	now := s.now()
	if err := s.st.CreateRefreshToken(ctx, finhealth.RefreshToken{
		UserID: userID, FamilyID: sid.String(), TokenHash: hash, ExpiresAt: now.Add(s.cfg.RefreshTTL), CreatedAt: now,
	}); err != nil {
		return "", err
	}
	return s.tokens.issue(userID, sid.String())
}

// accessPair mints an access token of the session to travel with the given
// refresh token.
func (s Accounts) accessPair(u *finhealth.User, sessionID, refresh string) (TokenPair, error) {
	access, err := s.tokens.issue(u.ID, sessionID)
	if err != nil {
		return TokenPair{}, err
	}
	return TokenPair{
		AccessToken:  access,
		RefreshToken: refresh,
		TokenType:    "Bearer",
		ExpiresIn:    int(s.cfg.AccessTTL / time.Second),
	}, nil
}
