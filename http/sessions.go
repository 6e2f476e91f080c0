package http

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"sync"
	"time"

	"finhealth"
)

// Browser sessions carry the API's own credentials: the 15-minute access JWT and the
// rotated refresh token, each in an HttpOnly cookie, so that the web UI and the API
// share one token model (expiry, rotation, family revocation, logout).
//
// Cookie names take the __Host- prefix whenever cookies are Secure: the browser then
// refuses them unless they were set over HTTPS for this exact host with Path=/, so a
// sibling subdomain cannot plant or overwrite a session.

// The session's cookies: the access token, the refresh token and the CSRF seed.
const (
	CookieAccess  = "fh_access"
	CookieRefresh = "fh_refresh"
	CookieCSRF    = "fh_csrf"
	// CSRFField is the form field (and csrfHeader the header, for fetch) that must
	// repeat the request's CSRF token on every unsafe request.
	CSRFField  = "csrf_token"
	csrfHeader = "X-CSRF-Token"
)

// RefreshGrace is how long a rotated refresh token keeps answering with the pair it
// was rotated into. A page and its live-progress poll can both find the access token
// expired and present the same refresh token; without the grace the second would
// count as reuse of a spent token and revoke the whole session.
const RefreshGrace = 30 * time.Second

// Cookies knows the cookie names and attributes of one server.
type Cookies struct {
	secure     bool
	prefix     string
	refreshTTL time.Duration
}

func newSessionCookies(cfg Config) Cookies {
	c := Cookies{secure: !cfg.Development, refreshTTL: cfg.RefreshTTL}
	if c.secure {
		c.prefix = "__Host-"
	}
	return c
}

// Name is the cookie's name with the prefix of the server's cookies.
func (c Cookies) Name(base string) string { return c.prefix + base }

// Value is the value of the cookie in r, "" without one.
func (c Cookies) Value(r *http.Request, base string) string {
	ck, err := r.Cookie(c.Name(base))
	if err != nil {
		return ""
	}
	return ck.Value
}

// Set sets the cookie on w for maxAge (0: for the browser session).
func (c Cookies) Set(w http.ResponseWriter, base, value string, maxAge time.Duration) {
	http.SetCookie(w, &http.Cookie{
		Name: c.Name(base), Value: value, Path: "/", MaxAge: int(maxAge / time.Second),
		HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteLaxMode,
	})
}

// Clear deletes the cookie.
func (c Cookies) Clear(w http.ResponseWriter, base string) {
	http.SetCookie(w, &http.Cookie{
		Name: c.Name(base), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteLaxMode,
	})
}

// Cookies are the server's cookies, named and flagged as its session cookies are;
// the web UI keeps its one-time notices in them.
func (s Accounts) Cookies() Cookies { return s.cookies }

// setSession stores a token pair. Both cookies live as long as the refresh token, so
// that an expired access token is still presented and replaced transparently.
func (c Cookies) setSession(w http.ResponseWriter, pair TokenPair) {
	c.Set(w, CookieAccess, pair.AccessToken, c.refreshTTL)
	c.Set(w, CookieRefresh, pair.RefreshToken, c.refreshTTL)
}

func (c Cookies) clearSession(w http.ResponseWriter) {
	c.Clear(w, CookieAccess)
	c.Clear(w, CookieRefresh)
}

// sessionSubject is the user and session ids of the browser's session: from the
// access cookie while it is valid, otherwise by rotating the refresh cookie (and
// setting the new pair on w). A session that cannot be renewed is cleared and
// answered errAuthRequired.
func (s Accounts) sessionSubject(w http.ResponseWriter, r *http.Request) (userID, sessionID string, err error) {
	if tok := s.cookies.Value(r, CookieAccess); tok != "" {
		if id, sid, err := s.tokens.verify(tok); err == nil {
			return id, sid, nil
		}
	}
	refresh := s.cookies.Value(r, CookieRefresh)
	if refresh == "" {
		return "", "", errAuthRequired
	}
	pair, ren, err := s.renewals.rotate(r.Context(), refresh, s.now(), s.RotateSession)
	if finhealth.ErrorCode(err) == finhealth.EUNAUTHORIZED {
		s.cookies.clearSession(w)
		return "", "", errAuthRequired
	}
	if err != nil {
		return "", "", err
	}
	s.cookies.setSession(w, pair)
	return ren.userID, ren.sessionID, nil
}

// ErrLoginRequired answers a request for a page that needs a signed-in user when
// there is none: the web UI sends the visitor to the login page instead.
var ErrLoginRequired = finhealth.Errorf(finhealth.EUNAUTHORIZED, "Please log in to continue.")

// AuthorizeSession is authorize for a browser: the caller comes from the session
// cookies (renewed when the access token has expired), an unsafe request must carry
// the CSRF token, and the route's access rule is applied exactly as for the API
// (authorizeUser). It fills c, with the CSRF token the page's forms must carry, as
// far as it got, so that an error page can still show who is signed in. It answers
// errLoginRequired when the route needs a signed-in user and there is none (a
// session that ended is cleared). The request it returns carries the actor.
func (s Accounts) AuthorizeSession(w http.ResponseWriter, r *http.Request, a Access, c *Call) (*http.Request, error) {
	st := stateFrom(r.Context())
	unsafe := r.Method != http.MethodGet && r.Method != http.MethodHead
	if unsafe {
		r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
	}

	userID, sessionID, err := s.sessionSubject(w, r)
	switch {
	case err == nil:
	case finhealth.ErrorCode(err) == finhealth.EUNAUTHORIZED:
		userID = ""
	default:
		return r, err
	}
	c.CSRF = s.csrfToken(w, r, userID)
	if unsafe {
		if err := s.checkCSRF(r, userID); err != nil {
			return r, err
		}
	}
	if a.Kind != AccessPublic {
		if userID == "" {
			return r, ErrLoginRequired
		}
		if err := s.authorizeUser(r, a, st, c, userID, sessionID); err != nil {
			if finhealth.ErrorCode(err) == finhealth.EUNAUTHORIZED {
				s.cookies.clearSession(w)
				return r, ErrLoginRequired
			}
			return r, err
		}
		return r.WithContext(finhealth.WithActor(r.Context(), finhealth.Actor{
			UserID: c.User.ID, Email: c.User.Email, IP: st.ip, RequestID: st.requestID,
		})), nil
	}
	if userID != "" {
		// Public pages still know who is signed in (the landing page offers the
		// dashboard), without failing when the account or the session is gone.
		if acc, err := s.st.Access(r.Context(), userID, sessionID, ""); err == nil && acc.User.Active {
			c.User = &acc.User
			c.SessionID = sessionID
			st.userID = acc.User.ID
		}
	}
	return r, nil
}

// EndBrowserSession logs the browser out: it revokes the refresh token family of its
// session, clears the session cookies and replaces the CSRF cookie.
func (s Accounts) EndBrowserSession(w http.ResponseWriter, r *http.Request) error {
	if err := s.EndSession(r.Context(), s.cookies.Value(r, CookieRefresh)); err != nil {
		return err
	}
	s.cookies.clearSession(w)
	s.cookies.Set(w, CookieCSRF, newCSRFSeed(), 0)
	return nil
}

// renewals remembers recent refresh-token rotations for refreshGrace (see there).
// It is per process: two instances behind a load balancer could still race, which
// costs that user a new login, never access they should not have.
type renewals struct {
	mu   sync.Mutex
	done map[string]renewal // by the spent refresh token's hash
}

type renewal struct {
	pair      TokenPair
	userID    string
	sessionID string
	until     time.Time
}

func (rn *renewals) rotate(ctx context.Context, refresh string, now time.Time,
	rotate func(context.Context, string) (TokenPair, *finhealth.User, string, error)) (TokenPair, renewal, error) {
	key := HashToken(refresh)
	rn.mu.Lock()
	defer rn.mu.Unlock() // held across the rotation so that concurrent renewals queue behind it
	if d, ok := rn.done[key]; ok && now.Before(d.until) {
		return d.pair, d, nil
	}
	pair, u, sessionID, err := rotate(ctx, refresh)
	if err != nil {
		return TokenPair{}, renewal{}, err
	}
	if rn.done == nil {
		rn.done = map[string]renewal{}
	}
	for k, d := range rn.done {
		if !now.Before(d.until) {
			delete(rn.done, k)
		}
	}
	d := renewal{pair: pair, userID: u.ID, sessionID: sessionID, until: now.Add(RefreshGrace)}
	rn.done[key] = d
	return pair, d, nil
}

// csrfToken returns the token that forms of this request must carry, creating the
// browser's CSRF cookie when it has none. The token is an HMAC of that random cookie
// and the signed-in user, so a token obtained in one session (an attacker's own) is
// worthless in another, and nothing is stored on the server.
func (s Accounts) csrfToken(w http.ResponseWriter, r *http.Request, userID string) string {
	seed := s.cookies.Value(r, CookieCSRF)
	if len(seed) != OpaqueTokenLen {
		seed = newCSRFSeed()
		s.cookies.Set(w, CookieCSRF, seed, 0)
		// Later reads in this request (the token of the rendered page) must see it.
		r.AddCookie(&http.Cookie{Name: s.cookies.Name(CookieCSRF), Value: seed})
	}
	return s.csrfFor(seed, userID)
}

func (s Accounts) csrfFor(seed, userID string) string {
	m := hmac.New(sha256.New, s.csrfKey)
	m.Write([]byte(seed))
	m.Write([]byte{0})
	m.Write([]byte(userID))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// checkCSRF verifies an unsafe request: it must come from this site (Fetch
// metadata or Origin, by the standard library's cross-origin protection) and carry
// the token of the browser's CSRF cookie and user, as a form field or header.
func (s Accounts) checkCSRF(r *http.Request, userID string) error {
	if err := s.crossOrigin.Check(r); err != nil {
		return ErrCSRF
	}
	seed := s.cookies.Value(r, CookieCSRF)
	if len(seed) != OpaqueTokenLen {
		return ErrCSRF
	}
	got := r.Header.Get(csrfHeader)
	if got == "" {
		got = r.PostFormValue(CSRFField)
	}
	if got == "" || !hmac.Equal([]byte(got), []byte(s.csrfFor(seed, userID))) {
		return ErrCSRF
	}
	return nil
}

// ErrCSRF refuses an unsafe browser request without this site's origin or the
// session's CSRF token.
var ErrCSRF = finhealth.Errorf(finhealth.EFORBIDDEN,
	"This form has expired or did not come from finhealth. Reload the page and try again.")

func newCSRFSeed() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// newCSRFKey derives the CSRF MAC key from the JWT secret, so that no new secret
// has to be configured and the two keys still never coincide.
func newCSRFKey(jwtSecret []byte) []byte {
	m := hmac.New(sha256.New, jwtSecret)
	m.Write([]byte("finhealth csrf v1"))
	return m.Sum(nil)
}

// StartBrowserSession stores the pair and replaces the CSRF cookie, so that no
// token issued before the login (possibly planted) survives into the session.
func (s Accounts) StartBrowserSession(w http.ResponseWriter, pair TokenPair) {
	s.cookies.setSession(w, pair)
	s.cookies.Set(w, CookieCSRF, newCSRFSeed(), 0)
}
