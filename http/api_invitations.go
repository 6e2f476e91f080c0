package http

import (
	"net/http"
)

func (s *apiHandler) createInvitation(w http.ResponseWriter, r *http.Request, c *call) error {
	var req invitationRequest
	if err := s.srv.decode(w, r, &req); err != nil {
		return err
	}
	created, err := s.orgs.invite(r.Context(), c, req)
	if err != nil {
		return err
	}
	s.srv.writeJSON(w, r, http.StatusCreated, created)
	return nil
}

func (s *apiHandler) listInvitations(w http.ResponseWriter, r *http.Request, c *call) error {
	invs, err := s.st.Invitations(r.Context(), c.orgID)
	if err != nil {
		return err
	}
	s.srv.writeJSON(w, r, http.StatusOK, newList(invs))
	return nil
}

func (s *apiHandler) revokeInvitation(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := s.orgs.withdrawInvitation(r.Context(), c.orgID, r.PathValue("invitation_id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// acceptRequest is the body of POST /invitations/accept.
type acceptRequest struct {
	Token string `json:"token"`
}

// acceptInvitation joins the caller to the inviting organization. Every failure to
// match (unknown, expired, other email) is the same 404 so tokens cannot be probed.
func (s *apiHandler) acceptInvitation(w http.ResponseWriter, r *http.Request, c *call) error {
	var req acceptRequest
	if err := s.srv.decode(w, r, &req); err != nil {
		return err
	}
	m, err := s.orgs.joinOrganization(r.Context(), req.Token, c.user.ID)
	if err != nil {
		return err
	}
	s.srv.writeJSON(w, r, http.StatusOK, m)
	return nil
}
