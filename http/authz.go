package http

import (
	"net/http"
	"strings"

	"finhealth"
)

// authorize establishes who is calling and, for organization routes, their role,
// then checks the route's permission. The order matters for what is revealed:
// anonymous callers learn nothing but 401, non-members learn nothing but 404.
func (s *Server) authorize(r *http.Request, a access, st *requestState, c *call) error {
	if a.kind == accessPublic {
		return nil
	}
	u, err := s.authenticate(r)
	if err != nil {
		return err
	}
	c.user = u
	st.userID = u.ID

	switch a.kind {
	case accessUser:
		return nil
	case accessPlatform:
		if !u.Role.Can(a.perm) {
			return errForbidden
		}
		return nil
	case accessOrg:
		c.orgID = r.PathValue("id")
		if !validID(c.orgID) {
			return errOrgNotFound
		}
	case accessDefaultOrg:
		c.orgID = u.DefaultOrganizationID
		if c.orgID == "" {
			return errNoDefaultOrg
		}
	}
	m, err := s.st.Membership(r.Context(), c.orgID, u.ID)
	if finhealth.ErrorCode(err) == finhealth.ENOTFOUND {
		if a.kind == accessDefaultOrg {
			return errNoDefaultOrg
		}
		return errOrgNotFound
	}
	if err != nil {
		return err
	}
	c.role = m.Role
	if m.Role.Can(a.perm) {
		return nil
	}
	if a.selfParam != "" && r.PathValue(a.selfParam) == u.ID {
		return nil
	}
	return errForbidden
}

// authenticate verifies the bearer token and loads its user on every request, so
// that deactivation and role changes take effect at once instead of when the token
// expires.
func (s *Server) authenticate(r *http.Request) (*finhealth.User, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, errAuthRequired
	}
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return nil, errAuthRequired
	}
	userID, err := s.tokens.verify(strings.TrimSpace(token))
	if err != nil || !validID(userID) {
		return nil, errBadToken
	}
	u, err := s.st.UserByID(r.Context(), userID)
	if finhealth.ErrorCode(err) == finhealth.ENOTFOUND {
		return nil, errBadToken
	}
	if err != nil {
		return nil, err
	}
	if !u.Active {
		return nil, errBadToken
	}
	return u, nil
}

// validID reports whether s is a canonical UUID. Path ids are checked before they
// reach the store so that garbage is a plain 404 on both databases (PostgreSQL
// would otherwise reject it as a malformed uuid).
func validID(s string) bool {
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
