package http

import (
	"net/http"

	"finhealth"
)

func (s *apiHandler) listOrganizations(w http.ResponseWriter, r *http.Request, c *Call) error {
	ms, err := s.st.MembershipsForUser(r.Context(), c.User.ID)
	if err != nil {
		return err
	}
	s.srv.WriteJSON(w, r, http.StatusOK, newList(ms))
	return nil
}

func (s *apiHandler) getOrganization(w http.ResponseWriter, r *http.Request, c *Call) error {
	o, err := s.st.Organization(r.Context(), c.OrgID)
	if err != nil {
		return err
	}
	s.srv.WriteJSON(w, r, http.StatusOK, o)
	return nil
}

func (s *apiHandler) updateOrganization(w http.ResponseWriter, r *http.Request, c *Call) error {
	var req OrganizationPatch
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

func (s *apiHandler) listMembers(w http.ResponseWriter, r *http.Request, c *Call) error {
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

func decodeOrgRole(s *apiHandler, w http.ResponseWriter, r *http.Request) (finhealth.OrgRole, error) {
	var req roleRequest
	if err := s.srv.Decode(w, r, &req); err != nil {
		return "", err
	}
	return ParseOrgRole(req.Role)
}

func (s *apiHandler) changeMemberRole(w http.ResponseWriter, r *http.Request, c *Call) error {
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

func (s *apiHandler) removeMember(w http.ResponseWriter, r *http.Request, c *Call) error {
	if err := s.orgs.DropMember(r.Context(), c.OrgID, r.PathValue("user_id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *apiHandler) orgAuditLog(w http.ResponseWriter, r *http.Request, c *Call) error {
	f, err := AuditFilter(r)
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
