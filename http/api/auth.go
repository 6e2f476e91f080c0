package api

import (
	"net/http"

	"finhealth"
	fhttp "finhealth/http"
)

// registered is the body of a successful registration.
type registered struct {
	ID             string         `json:"id"`
	Email          string         `json:"email"`
	Name           string         `json:"name"`
	Role           finhealth.Role `json:"role"`
	OrganizationID string         `json:"organization_id"`
}

func (s *Handler) register(w http.ResponseWriter, r *http.Request, _ *fhttp.Call) error {
	if err := fhttp.RequireJSON(r); err != nil {
		return err
	}
	req, err := decodeRegisterRequest(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	if err != nil {
		return err
	}
	u, o, err := s.accounts.SignUp(r.Context(), req)
	if err != nil {
		return err
	}
	s.srv.WriteJSON(w, r, http.StatusCreated, registered{ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role, OrganizationID: o.ID})
	return nil
}

func (s *Handler) login(w http.ResponseWriter, r *http.Request, _ *fhttp.Call) error {
	if err := fhttp.RequireJSON(r); err != nil {
		return err
	}
	req, err := decodeLoginRequest(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	if err != nil {
		return err
	}
	pair, _, err := s.accounts.LogIn(w, r, req)
	if err != nil {
		return err
	}
	s.srv.WriteJSON(w, r, http.StatusOK, pair)
	return nil
}

func (s *Handler) refresh(w http.ResponseWriter, r *http.Request, _ *fhttp.Call) error {
	if err := fhttp.RequireJSON(r); err != nil {
		return err
	}
	req, err := decodeTokenRequest(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	if err != nil {
		return err
	}
	pair, _, _, err := s.accounts.RotateSession(r.Context(), req.RefreshToken)
	if err != nil {
		return err
	}
	s.srv.WriteJSON(w, r, http.StatusOK, pair)
	return nil
}

// logout revokes the refresh token's family. It needs no access token: the refresh
// token is the credential being given up, and an expired access token must not
// stop anyone from logging out.
func (s *Handler) logout(w http.ResponseWriter, r *http.Request, _ *fhttp.Call) error {
	if err := fhttp.RequireJSON(r); err != nil {
		return err
	}
	req, err := decodeTokenRequest(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	if err != nil {
		return err
	}
	if err := s.accounts.EndSession(r.Context(), req.RefreshToken); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// me is the caller's account and memberships.
type me struct {
	*finhealth.User
	Memberships []*finhealth.Membership `json:"memberships"`
}

func (s *Handler) me(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	ms, err := s.st.MembershipsForUser(r.Context(), c.User.ID)
	if err != nil {
		return err
	}
	if ms == nil {
		ms = []*finhealth.Membership{}
	}
	s.srv.WriteJSON(w, r, http.StatusOK, me{User: c.User, Memberships: ms})
	return nil
}

// changePassword needs the current password as well as the access token, so that a
// token alone (a borrowed browser) cannot take the account over; it ends every
// other session of the caller.
func (s *Handler) changePassword(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	if err := fhttp.RequireJSON(r); err != nil {
		return err
	}
	var req fhttp.PasswordChange
	if err := fhttp.DecodeJSON(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes), &req); err != nil {
		return err
	}
	if err := s.accounts.ChangePassword(w, r, c, req); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Handler) listSessions(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	list, err := s.accounts.Sessions(r, c)
	if err != nil {
		return err
	}
	s.srv.WriteJSON(w, r, http.StatusOK, map[string]any{"sessions": list})
	return nil
}

// endOtherSessions is "log out everywhere else": the caller's own session goes on.
func (s *Handler) endOtherSessions(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	n, err := s.accounts.EndOtherSessions(r, c)
	if err != nil {
		return err
	}
	s.srv.WriteJSON(w, r, http.StatusOK, map[string]int{"ended": n})
	return nil
}

func (s *Handler) endSession(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	if err := s.accounts.EndSessionByID(r, c, r.PathValue("session_id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
