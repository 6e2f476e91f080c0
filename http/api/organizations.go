package api

import (
	"net/http"

	"finhealth"
	fhttp "finhealth/http"
)

func (s *Handler) listOrganizations(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	ms, err := s.st.MembershipsForUser(r.Context(), c.User.ID)
	if err != nil {
		return err
	}
	s.srv.WriteJSON(w, r, http.StatusOK, newList(ms))
	return nil
}

func (s *Handler) getOrganization(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	o, err := s.st.Organization(r.Context(), c.OrgID)
	if err != nil {
		return err
	}
	s.srv.WriteJSON(w, r, http.StatusOK, o)
	return nil
}

func (s *Handler) updateOrganization(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	var req fhttp.OrganizationPatch
	if err := s.srv.Decode(w, r, &req); err != nil {
		return err
	}
	o, err := s.orgs.PatchOrganization(r.Context(), c.OrgID, req)
	if err != nil {
		return err
	}
	s.srv.WriteJSON(w, r, http.StatusOK, o)
	return nil
}

func (s *Handler) listMembers(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	ms, err := s.st.Members(r.Context(), c.OrgID)
	if err != nil {
		return err
	}
	s.srv.WriteJSON(w, r, http.StatusOK, newList(ms))
	return nil
}

// roleRequest is the body of both role changes (member and platform).
type roleRequest struct {
	Role string `json:"role"`
}

func decodeOrgRole(s *Handler, w http.ResponseWriter, r *http.Request) (finhealth.OrgRole, error) {
	var req roleRequest
	if err := s.srv.Decode(w, r, &req); err != nil {
		return "", err
	}
	return fhttp.ParseOrgRole(req.Role)
}

func (s *Handler) changeMemberRole(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	role, err := decodeOrgRole(s, w, r)
	if err != nil {
		return err
	}
	m, err := s.orgs.SetMemberRole(r.Context(), c.OrgID, r.PathValue("user_id"), role)
	if err != nil {
		return err
	}
	s.srv.WriteJSON(w, r, http.StatusOK, m)
	return nil
}

func (s *Handler) removeMember(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	if err := s.orgs.DropMember(r.Context(), c.OrgID, r.PathValue("user_id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Handler) orgAuditLog(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	f, err := fhttp.AuditFilter(r)
	if err != nil {
		return err
	}
	f.OrganizationID = c.OrgID
	entries, next, err := s.st.ListAudit(r.Context(), f)
	if err != nil {
		return err
	}
	s.srv.WriteJSON(w, r, http.StatusOK, newPage(entries, next))
	return nil
}
