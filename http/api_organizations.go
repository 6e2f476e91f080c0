package http

import (
	"net/http"

	"finhealth"
)

func (s *apiHandler) listOrganizations(w http.ResponseWriter, r *http.Request, c *call) error {
	ms, err := s.st.MembershipsForUser(r.Context(), c.user.ID)
	if err != nil {
		return err
	}
	s.srv.writeJSON(w, r, http.StatusOK, newList(ms))
	return nil
}

func (s *apiHandler) getOrganization(w http.ResponseWriter, r *http.Request, c *call) error {
	o, err := s.st.Organization(r.Context(), c.orgID)
	if err != nil {
		return err
	}
	s.srv.writeJSON(w, r, http.StatusOK, o)
	return nil
}

func (s *apiHandler) updateOrganization(w http.ResponseWriter, r *http.Request, c *call) error {
	var req organizationPatch
	if err := s.srv.decode(w, r, &req); err != nil {
		return err
	}
	o, err := s.orgs.patchOrganization(r.Context(), c.orgID, req)
	if err != nil {
		return err
	}
	s.srv.writeJSON(w, r, http.StatusOK, o)
	return nil
}

func (s *apiHandler) listMembers(w http.ResponseWriter, r *http.Request, c *call) error {
	ms, err := s.st.Members(r.Context(), c.orgID)
	if err != nil {
		return err
	}
	s.srv.writeJSON(w, r, http.StatusOK, newList(ms))
	return nil
}

// roleRequest is the body of both role changes (member and platform).
type roleRequest struct {
	Role string `json:"role"`
}

func decodeOrgRole(s *apiHandler, w http.ResponseWriter, r *http.Request) (finhealth.OrgRole, error) {
	var req roleRequest
	if err := s.srv.decode(w, r, &req); err != nil {
		return "", err
	}
	return parseOrgRole(req.Role)
}

func (s *apiHandler) changeMemberRole(w http.ResponseWriter, r *http.Request, c *call) error {
	role, err := decodeOrgRole(s, w, r)
	if err != nil {
		return err
	}
	m, err := s.orgs.setMemberRole(r.Context(), c.orgID, r.PathValue("user_id"), role)
	if err != nil {
		return err
	}
	s.srv.writeJSON(w, r, http.StatusOK, m)
	return nil
}

func (s *apiHandler) removeMember(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := s.orgs.dropMember(r.Context(), c.orgID, r.PathValue("user_id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *apiHandler) orgAuditLog(w http.ResponseWriter, r *http.Request, c *call) error {
	f, err := auditFilter(r)
	if err != nil {
		return err
	}
	f.OrganizationID = c.orgID
	entries, next, err := s.st.ListAudit(r.Context(), f)
	if err != nil {
		return err
	}
	s.srv.writeJSON(w, r, http.StatusOK, newPage(entries, next))
	return nil
}
