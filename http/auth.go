package http

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"

	"finhealth"
	"finhealth/identity"
)

// SignUp creates the account and its default organization from a validated request;
// the API and the web form share it.
func (s Accounts) SignUp(ctx context.Context, req RegisterRequest) (*finhealth.User, *finhealth.Organization, error) {
	var hash string
	err := s.withHashSlot(ctx, func() (err error) {
		hash, err = identity.HashPassword(req.Password, s.cfg.Argon2)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	// Every signup is a plain user: admins are made only by create-admin or by
	// another admin, never by a request body.
	return s.st.Register(ctx,
		finhealth.NewUser{Email: req.Email, Name: req.Name, PasswordHash: hash, Role: finhealth.RoleUser},
		finhealth.NewOrganization{Name: req.OrganizationName, Industry: req.Industry, CompanySize: req.CompanySize})
}

// LogIn checks credentials and opens a session (a new refresh token family). It
// answers every credential failure (unknown email, wrong password, deactivated
// account) with the same error after the same argon2 work, so that neither the
// response nor its timing tells which accounts exist. A rate-limited attempt sets
// Retry-After on w.
func (s Accounts) LogIn(w http.ResponseWriter, r *http.Request, req LoginRequest) (TokenPair, *finhealth.User, error) {
	ctx := r.Context()
	now := s.now()
	ip := stateFrom(ctx).ip
	if ok, wait := s.loginIP.allow(ip, now); !ok {
		s.metrics.loginFailed(loginRateLimited)
		return TokenPair{}, nil, rateLimited(w, wait)
	}
	if ok, wait := s.loginAccount.check(req.Email, now); !ok {
		s.metrics.loginFailed(loginRateLimited)
		return TokenPair{}, nil, rateLimited(w, wait)
	}

	u, err := s.st.UserByEmail(ctx, req.Email)
	switch finhealth.ErrorCode(err) {
	case "":
	case finhealth.ENOTFOUND:
		u = nil
	default:
		return TokenPair{}, nil, err
	}
	hash := s.dummyHash
	if u != nil {
		hash = u.PasswordHash
	}
	var (
		match     bool
		malformed error
	)
	if err := s.withHashSlot(ctx, func() error {
		match, malformed = identity.VerifyPassword(hash, req.Password)
		return nil
	}); err != nil {
		return TokenPair{}, nil, err
	}
	if malformed != nil && u != nil {
		// The account cannot log in until an admin resets it; say so in the log only.
		s.log.LogAttrs(ctx, slog.LevelError, "stored password hash is malformed",
			slog.String("request_id", stateFrom(ctx).requestID), slog.String("user_id", u.ID))
	}
	if u == nil || !match || !u.Active {
		s.loginAccount.allow(req.Email, now)
		reason := "unknown_email"
		entry := finhealth.AuditEntry{Action: finhealth.AuditLoginFailed, ActorEmail: req.Email}
		if u != nil {
			reason = "wrong_password"
			if match {
				reason = "deactivated"
			}
			entry.TargetType, entry.TargetID = "user", u.ID
		}
		entry.Details = map[string]string{"reason": reason}
		s.metrics.loginFailed(loginBadCredentials)
		if err := s.st.Record(ctx, entry); err != nil {
			return TokenPair{}, nil, err
		}
		return TokenPair{}, nil, errBadLogin
	}
	s.loginAccount.reset(req.Email)

	ctx = finhealth.WithActor(ctx, finhealth.Actor{UserID: u.ID, Email: u.Email, IP: ip, RequestID: stateFrom(ctx).requestID})
	stateFrom(ctx).userID = u.ID
	refresh, hashHex, err := NewOpaqueToken()
	if err != nil {
		return TokenPair{}, nil, err
	}
	family, err := uuid.NewV7()
	if err != nil {
		return TokenPair{}, nil, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return TokenPair{}, nil, err
	}
	if err := s.st.CreateRefreshToken(ctx, finhealth.RefreshToken{
		ID: id.String(), UserID: u.ID, FamilyID: family.String(), TokenHash: hashHex,
		ExpiresAt: now.Add(s.cfg.RefreshTTL), CreatedAt: now,
		UserAgent: r.UserAgent(), IP: ip,
	}); err != nil {
		return TokenPair{}, nil, err
	}
	pair, err := s.accessPair(u, family.String(), refresh)
	if err != nil {
		return TokenPair{}, nil, err
	}
	if err := s.st.Record(ctx, finhealth.AuditEntry{Action: finhealth.AuditLoginSucceeded, TargetType: "user", TargetID: u.ID}); err != nil {
		return TokenPair{}, nil, err
	}
	return pair, u, nil
}

// errHashBusy sheds a password hash when every slot stayed busy for HashWait: a
// flood of signups or logins then costs queued requests, not memory.
var errHashBusy = finhealth.Errorf(finhealth.EUNAVAILABLE, "The server is busy checking passwords; try again in a moment.")

// withHashSlot runs f, an argon2 hash or check, in one of HashConcurrency slots,
// waiting at most HashWait for one.
func (s Accounts) withHashSlot(ctx context.Context, f func() error) error {
	if s.cfg.HashWait < 0 {
		if !s.hashing.TryAcquire(1) {
			return errHashBusy
		}
	} else {
		wctx, cancel := context.WithTimeout(ctx, s.cfg.HashWait)
		err := s.hashing.Acquire(wctx, 1)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return errHashBusy
		}
	}
	defer s.hashing.Release(1)
	return f()
}

func rateLimited(w http.ResponseWriter, wait time.Duration) error {
	w.Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)))
	return finhealth.Errorf(finhealth.ERATELIMITED, "Too many login attempts; try again later.")
}

// RotateSession spends a refresh token for a new pair. The store detects reuse of
// a spent token and revokes the whole family.
func (s Accounts) RotateSession(ctx context.Context, refresh string) (TokenPair, *finhealth.User, string, error) {
	if !PlausibleOpaqueToken(refresh) {
		return TokenPair{}, nil, "", errBadRefresh
	}
	next, nextHash, err := NewOpaqueToken()
	if err != nil {
		return TokenPair{}, nil, "", err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return TokenPair{}, nil, "", err
	}
	now := s.now()
	u, sessionID, err := s.st.RotateRefreshToken(ctx, HashToken(refresh), finhealth.RefreshToken{
		ID: id.String(), TokenHash: nextHash, ExpiresAt: now.Add(s.cfg.RefreshTTL), CreatedAt: now,
	})
	if finhealth.ErrorCode(err) == finhealth.EUNAUTHORIZED || finhealth.ErrorCode(err) == finhealth.ENOTFOUND {
		return TokenPair{}, nil, "", errBadRefresh
	}
	if err != nil {
		return TokenPair{}, nil, "", err
	}
	if !u.Active {
		// Deactivation revokes tokens, but a rotation racing it must not outlive it.
		if err := s.st.RevokeRefreshFamily(ctx, nextHash); err != nil {
			return TokenPair{}, nil, "", err
		}
		return TokenPair{}, nil, "", errBadRefresh
	}
	stateFrom(ctx).userID = u.ID
	pair, err := s.accessPair(u, sessionID, next)
	if err != nil {
		return TokenPair{}, nil, "", err
	}
	return pair, u, sessionID, nil
}

// EndSession revokes the family of a refresh token; a malformed one has nothing to
// revoke.
func (s Accounts) EndSession(ctx context.Context, refresh string) error {
	if !PlausibleOpaqueToken(refresh) {
		return nil
	}
	return s.st.RevokeRefreshFamily(ctx, HashToken(refresh))
}

// OpaqueTokenLen is the base64url length of 32 random bytes.
const OpaqueTokenLen = 43

// NewOpaqueToken returns a random token for a client (refresh or invitation) and
// the SHA-256 hex hash that is all the database keeps of it.
func NewOpaqueToken() (token, hash string, err error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", "", err
	}
	token = base64.RawURLEncoding.EncodeToString(b[:])
	return token, HashToken(token), nil
}

// HashToken is the SHA-256 hex hash of an opaque token, the form the store keeps it in.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// PlausibleOpaqueToken filters garbage before it costs a database round trip.
func PlausibleOpaqueToken(t string) bool {
	if len(t) != OpaqueTokenLen {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(t)
	return err == nil
}
