package api

import (
	"net/http"

	fhttp "finhealth/http"
)

func (s *Handler) adminListUsers(w http.ResponseWriter, r *http.Request, _ *fhttp.Call) error {
	f, err := fhttp.UserFilter(r.URL.Query())
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

func (s *Handler) adminSetRole(w http.ResponseWriter, r *http.Request, _ *fhttp.Call) error {
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

func (s *Handler) adminDeactivate(w http.ResponseWriter, r *http.Request, _ *fhttp.Call) error {
	u, err := s.accounts.DeactivateUser(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	s.srv.WriteJSON(w, r, http.StatusOK, u)
	return nil
}

func (s *Handler) adminAuditLog(w http.ResponseWriter, r *http.Request, _ *fhttp.Call) error {
	f, err := fhttp.AuditFilter(r)
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

// adminMailLog lists the most recent outgoing messages (to, subject, template,
// status, attempts, last error, times), never their bodies: those may hold a link
// that works for whoever reads it.
func (s *Handler) adminMailLog(w http.ResponseWriter, r *http.Request, _ *fhttp.Call) error {
	limit, _, err := fhttp.PageParams(r)
	if err != nil {
		return err
	}
	msgs, err := s.st.MailLog(r.Context(), limit)
	if err != nil {
		return err
	}
	s.srv.WriteJSON(w, r, http.StatusOK, newPage(msgs, ""))
	return nil
}
