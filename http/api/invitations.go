package api

import (
	"net/http"

	fhttp "finhealth/http"
)

func (s *Handler) createInvitation(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	var req fhttp.InvitationRequest
	if err := s.srv.Decode(w, r, &req); err != nil {
		return err
	}
	created, err := s.orgs.Invite(r.Context(), c, req)
	if err != nil {
		return err
	}
	s.srv.WriteJSON(w, r, http.StatusCreated, created)
	return nil
}

func (s *Handler) listInvitations(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	invs, err := s.st.Invitations(r.Context(), c.OrgID)
	if err != nil {
		return err
	}
	s.srv.WriteJSON(w, r, http.StatusOK, newList(invs))
	return nil
}

func (s *Handler) revokeInvitation(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	if err := s.orgs.WithdrawInvitation(r.Context(), c.OrgID, r.PathValue("invitation_id")); err != nil {
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
func (s *Handler) acceptInvitation(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	var req acceptRequest
	if err := s.srv.Decode(w, r, &req); err != nil {
		return err
	}
	m, err := s.orgs.JoinOrganization(r.Context(), req.Token, c.User.ID)
	if err != nil {
		return err
	}
	s.srv.WriteJSON(w, r, http.StatusOK, m)
	return nil
}
