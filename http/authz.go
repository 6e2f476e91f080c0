package http

import (
	"net/http"
	"strings"

	"finhealth"
)

// authorize establishes who is calling and, for organization routes, their role,
// then checks the route's permission. The order matters for what is revealed:
// anonymous callers learn nothing but 401, non-members learn nothing but 404.
//
// The caller's account and membership are read in one query on every request,
// never cached, so that deactivation and role or membership changes take effect at
// once, whichever instance made them. Routes that preload their data read it in
// that same query.
func (s *Server) authorize(r *http.Request, a Access, st *requestState, c *Call) error {
	if a.Kind == AccessPublic {
		return nil
	}
	userID, sessionID, err := s.bearerSubject(r)
	if err != nil {
		return err
	}
	return s.authorizeUser(r, a, st, c, userID, sessionID)
}

// authorizeUser is authorize for a caller already identified by a verified token,
// from the Authorization header (API) or the session cookie (web UI), so that both
// are held to exactly the same rules, the token's session included: an ended
// session is refused by the same query.
func (s *Server) authorizeUser(r *http.Request, a Access, st *requestState, c *Call, userID, sessionID string) error {
	var err error
	var orgID string // "" asks for the default organization
	validOrg := true
	if a.Kind == AccessOrg {
		orgID = r.PathValue("id")
		if validOrg = ValidID(orgID); !validOrg {
			orgID = "" // still authenticate, so that the answer is 401 before 404
		}
	}
	var acc *finhealth.Access
	switch a.preload {
	case preloadNothing:
		acc, err = s.st.Access(r.Context(), userID, sessionID, orgID)
	case preloadLatestAssessment:
		acc, c.latestID, err = s.st.AccessWithLatestAssessmentID(r.Context(), userID, sessionID, orgID)
		c.preloaded = true
	}
	if finhealth.ErrorCode(err) == finhealth.ENOTFOUND {
		return errBadToken
	}
	if err != nil {
		return err
	}
	if !acc.User.Active {
		return errBadToken
	}
	u := &acc.User
	c.User = u
	c.SessionID = sessionID
	st.userID = u.ID

	switch a.Kind {
	case AccessUser:
		return nil
	case AccessPlatform:
		if !u.Role.Can(a.Perm) {
			return errForbidden
		}
		return nil
	case AccessOrg:
		if !validOrg || acc.Role == "" {
			return ErrOrgNotFound
		}
	case AccessDefaultOrg:
		if acc.OrganizationID == "" || acc.Role == "" {
			return ErrNoDefaultOrg
		}
	}
	c.OrgID = acc.OrganizationID
	c.Role = acc.Role
	if acc.Role.Can(a.Perm) {
		return nil
	}
	if a.SelfParam != "" && r.PathValue(a.SelfParam) == u.ID {
		return nil
	}
	return errForbidden
}

// bearerSubject verifies the bearer token and returns its user and session ids. The
// token alone is not enough: authorize then loads the user with the session, so
// that a valid token of a deactivated account or of an ended session stops working
// at once instead of when it expires.
func (s *Server) bearerSubject(r *http.Request) (userID, sessionID string, err error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", "", errAuthRequired
	}
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", "", errAuthRequired
	}
	userID, sessionID, err = s.tokens.verify(strings.TrimSpace(token))
	if err != nil {
		return "", "", errBadToken
	}
	return userID, sessionID, nil
}

// ValidID reports whether s is a canonical UUID. Path ids are checked before they
// reach the store so that garbage is a plain 404 on both databases (PostgreSQL
// would otherwise reject it as a malformed uuid).
func ValidID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}
