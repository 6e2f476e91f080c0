package http

import (
	"net/http"
)

func (s *apiHandler) adminListUsers(w http.ResponseWriter, r *http.Request, _ *Call) error {
	f, err := UserFilter(r.URL.Query())
	if err != nil {
		return err
	}
	users, next, err := s.st.ListUsers(r.Context(), f)
	if err != nil {
		return err
	}
	s.srv.WriteJSON(w, r, http.StatusOK, newPage(users, next))
	return nil
}

func (s *apiHandler) adminSetRole(w http.ResponseWriter, r *http.Request, _ *Call) error {
	var req roleRequest
	if err := s.srv.Decode(w, r, &req); err != nil {
		return err
	}
	u, err := s.accounts.SetUserRole(r.Context(), r.PathValue("id"), req.Role)
	if err != nil {
		return err
	}
	s.srv.WriteJSON(w, r, http.StatusOK, u)
	return nil
}

func (s *apiHandler) adminDeactivate(w http.ResponseWriter, r *http.Request, _ *Call) error {
	u, err := s.accounts.DeactivateUser(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	s.srv.WriteJSON(w, r, http.StatusOK, u)
	return nil
}

func (s *apiHandler) adminAuditLog(w http.ResponseWriter, r *http.Request, _ *Call) error {
	f, err := AuditFilter(r)
	if err != nil {
		return err
	}
	entries, next, err := s.st.ListAudit(r.Context(), f)
	if err != nil {
		return err
	}
	s.srv.WriteJSON(w, r, http.StatusOK, newPage(entries, next))
	return nil
}
