package http

import (
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
	// user may still act is not a property of the token and is read from the
	// database on every request.
	verified *boundedCache[*jwt.RegisteredClaims]
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
		verified:  newBoundedCache[*jwt.RegisteredClaims](verifiedTokenCacheSize),
	}
}

// issue returns a signed access token for the user.
func (t *tokenIssuer) issue(userID string) (string, error) {
	jti, err := uuid.NewV7()
	if err != nil {
		return "", err
	}
	now := t.now()
	claims := jwt.RegisteredClaims{
		Issuer:    t.issuer,
		Subject:   userID,
		Audience:  jwt.ClaimStrings{t.audience},
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(t.ttl)),
		ID:        jti.String(),
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(t.secret)
}

var errNoSubject = errors.New("token has no subject")

// verify returns the user id of a valid token. Callers must still load the user:
// a valid token of a deactivated account is not enough.
func (t *tokenIssuer) verify(token string) (string, error) {
	if len(token) > MaxTokenLen {
		return "", jwt.ErrTokenMalformed
	}
	if claims, ok := t.verified.get(token); ok {
		if err := t.validator.Validate(claims); err != nil {
			t.verified.remove(token) // expired, most likely: make room
			return "", err
		}
		return claims.Subject, nil
	}
	claims := new(jwt.RegisteredClaims)
	_, err := t.parser.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return t.secret, nil })
	if err != nil {
		return "", err
	}
	if claims.Subject == "" {
		return "", errNoSubject
	}
	t.verified.put(token, claims)
	return claims.Subject, nil
}

// TokenPair is the body of a successful login or refresh.
type TokenPair struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
}

// AccessToken mints an access token for the user without a login, for tools and
// tests that act as an existing user.
func (s Accounts) AccessToken(userID string) (string, error) { return s.tokens.issue(userID) }

// accessPair mints an access token to travel with the given refresh token.
func (s Accounts) accessPair(u *finhealth.User, refresh string) (TokenPair, error) {
	access, err := s.tokens.issue(u.ID)
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
