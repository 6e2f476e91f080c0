package http

import (
	"context"
	"net/http"
	"net/url"

	"finhealth"
)

var errUserNotFound = finhealth.Errorf(finhealth.ENOTFOUND, "User not found.")

func (s *Server) adminListUsers(w http.ResponseWriter, r *http.Request, _ *call) error {
	f, err := userFilter(r.URL.Query())
	if err != nil {
		return err
	}
	users, next, err := s.st.ListUsers(r.Context(), f)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, newPage(users, next))
	return nil
}

// userFilter reads the admin user listing's query (?q=&limit=&cursor=).
func userFilter(query url.Values) (finhealth.UserFilter, error) {
	limit, cursor, err := pageValues(query)
	if err != nil {
		return finhealth.UserFilter{}, err
	}
	q := query.Get("q")
	if len(q) > 100 {
		return finhealth.UserFilter{}, finhealth.InvalidFields("The search is too long.", map[string]string{"q": "must be at most 100 characters"})
	}
	return finhealth.UserFilter{Query: q, Cursor: cursor, Limit: limit}, nil
}

func (s *Server) adminSetRole(w http.ResponseWriter, r *http.Request, _ *call) error {
	var req roleRequest
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	u, err := s.setUserRole(r.Context(), r.PathValue("id"), req.Role)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, u)
	return nil
}

// setUserRole changes a user's platform role; the API and the admin page share it.
func (s *Server) setUserRole(ctx context.Context, id, role string) (*finhealth.User, error) {
	if !finhealth.Role(role).Valid() {
		return nil, finhealth.InvalidFields("Unknown role.", map[string]string{"role": "must be one of admin, user"})
	}
	if !validID(id) {
		return nil, errUserNotFound
	}
	return s.st.SetUserRole(ctx, id, finhealth.Role(role))
}

func (s *Server) adminDeactivate(w http.ResponseWriter, r *http.Request, _ *call) error {
	u, err := s.deactivateUser(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, u)
	return nil
}

// deactivateUser deactivates an account and revokes its sessions; the API and the
// admin page share it.
func (s *Server) deactivateUser(ctx context.Context, id string) (*finhealth.User, error) {
	if !validID(id) {
		return nil, errUserNotFound
	}
	return s.st.DeactivateUser(ctx, id)
}

func (s *Server) adminAuditLog(w http.ResponseWriter, r *http.Request, _ *call) error {
	f, err := auditFilter(r)
	if err != nil {
		return err
	}
	entries, next, err := s.st.ListAudit(r.Context(), f)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, newPage(entries, next))
	return nil
}
