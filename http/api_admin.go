package http

import (
	"net/http"
)

func (s *apiHandler) adminListUsers(w http.ResponseWriter, r *http.Request, _ *call) error {
	f, err := userFilter(r.URL.Query())
	if err != nil {
		return err
	}
	users, next, err := s.st.ListUsers(r.Context(), f)
	if err != nil {
		return err
	}
	s.srv.writeJSON(w, r, http.StatusOK, newPage(users, next))
	return nil
}

func (s *apiHandler) adminSetRole(w http.ResponseWriter, r *http.Request, _ *call) error {
	var req roleRequest
	if err := s.srv.decode(w, r, &req); err != nil {
		return err
	}
	u, err := s.accounts.setUserRole(r.Context(), r.PathValue("id"), req.Role)
	if err != nil {
		return err
	}
	s.srv.writeJSON(w, r, http.StatusOK, u)
	return nil
}

func (s *apiHandler) adminDeactivate(w http.ResponseWriter, r *http.Request, _ *call) error {
	u, err := s.accounts.deactivateUser(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	s.srv.writeJSON(w, r, http.StatusOK, u)
	return nil
}

func (s *apiHandler) adminAuditLog(w http.ResponseWriter, r *http.Request, _ *call) error {
	f, err := auditFilter(r)
	if err != nil {
		return err
	}
	entries, next, err := s.st.ListAudit(r.Context(), f)
	if err != nil {
		return err
	}
	s.srv.writeJSON(w, r, http.StatusOK, newPage(entries, next))
	return nil
}
