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

// maxTokenLen bounds the work a forged Authorization header can cause; our tokens
// are a few hundred bytes.
const maxTokenLen = 2048

// tokenIssuer mints and verifies access tokens. The parser pins HS256: accepting
// the header's alg would let "none" or an asymmetric-key confusion through.
type tokenIssuer struct {
	secret   []byte
	issuer   string
	audience string
	ttl      time.Duration
	now      func() time.Time
	parser   *jwt.Parser
}

func newTokenIssuer(cfg Config) *tokenIssuer {
	return &tokenIssuer{
		secret:   cfg.JWTSecret,
		issuer:   cfg.Issuer,
		audience: cfg.Audience,
		ttl:      cfg.AccessTTL,
		now:      cfg.Now,
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
			jwt.WithIssuer(cfg.Issuer),
			jwt.WithAudience(cfg.Audience),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithLeeway(jwtLeeway),
			jwt.WithTimeFunc(cfg.Now),
		),
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
	if len(token) > maxTokenLen {
		return "", jwt.ErrTokenMalformed
	}
	var claims jwt.RegisteredClaims
	_, err := t.parser.ParseWithClaims(token, &claims, func(*jwt.Token) (any, error) { return t.secret, nil })
	if err != nil {
		return "", err
	}
	if claims.Subject == "" {
		return "", errNoSubject
	}
	return claims.Subject, nil
}

// tokenPair is the body of a successful login or refresh.
type tokenPair struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
}

// accessPair mints an access token to travel with the given refresh token.
func (s *Server) accessPair(u *finhealth.User, refresh string) (tokenPair, error) {
	access, err := s.tokens.issue(u.ID)
	if err != nil {
		return tokenPair{}, err
	}
	return tokenPair{
		AccessToken:  access,
		RefreshToken: refresh,
		TokenType:    "Bearer",
		ExpiresIn:    int(s.cfg.AccessTTL / time.Second),
	}, nil
}
