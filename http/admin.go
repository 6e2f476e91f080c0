package http

import (
	"net/http"

	"finhealth"
)

var errUserNotFound = finhealth.Errorf(finhealth.ENOTFOUND, "User not found.")

func (s *Server) adminListUsers(w http.ResponseWriter, r *http.Request, _ *call) error {
	limit, cursor, err := pageParams(r)
	if err != nil {
		return err
	}
	q := r.URL.Query().Get("q")
	if len(q) > 100 {
		return finhealth.InvalidFields("The search is too long.", map[string]string{"q": "must be at most 100 characters"})
	}
	users, next, err := s.st.ListUsers(r.Context(), finhealth.UserFilter{Query: q, Cursor: cursor, Limit: limit})
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, newPage(users, next))
	return nil
}

func (s *Server) adminSetRole(w http.ResponseWriter, r *http.Request, _ *call) error {
	var req roleRequest
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	role := finhealth.Role(req.Role)
	if !role.Valid() {
		return finhealth.InvalidFields("Unknown role.", map[string]string{"role": "must be one of admin, user"})
	}
	id := r.PathValue("id")
	if !validID(id) {
		return errUserNotFound
	}
	u, err := s.st.SetUserRole(r.Context(), id, role)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, u)
	return nil
}

func (s *Server) adminDeactivate(w http.ResponseWriter, r *http.Request, _ *call) error {
	id := r.PathValue("id")
	if !validID(id) {
		return errUserNotFound
	}
	u, err := s.st.DeactivateUser(r.Context(), id)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, u)
	return nil
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
