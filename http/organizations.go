package http

import (
	"net/http"

	"finhealth"
)

func (s *Server) listOrganizations(w http.ResponseWriter, r *http.Request, c *call) error {
	ms, err := s.st.MembershipsForUser(r.Context(), c.user.ID)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, newList(ms))
	return nil
}

func (s *Server) getOrganization(w http.ResponseWriter, r *http.Request, c *call) error {
	o, err := s.st.Organization(r.Context(), c.orgID)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, o)
	return nil
}

// organizationPatch is the body of PATCH /organizations/{id}; absent fields stay.
type organizationPatch struct {
	Name        *string `json:"name"`
	Industry    *string `json:"industry"`
	CompanySize *string `json:"company_size"`
}

func (s *Server) updateOrganization(w http.ResponseWriter, r *http.Request, c *call) error {
	var req organizationPatch
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	f := fieldErrors{}
	var upd finhealth.OrganizationUpdate
	if req.Name != nil {
		v := cleanText(f, "name", *req.Name, true, 200)
		upd.Name = &v
	}
	if req.Industry != nil {
		v := cleanText(f, "industry", *req.Industry, false, 100)
		upd.Industry = &v
	}
	if req.CompanySize != nil {
		v := cleanText(f, "company_size", *req.CompanySize, false, 50)
		upd.CompanySize = &v
	}
	if err := f.err(); err != nil {
		return err
	}
	o, err := s.st.UpdateOrganization(r.Context(), c.orgID, upd)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, o)
	return nil
}

func (s *Server) listMembers(w http.ResponseWriter, r *http.Request, c *call) error {
	ms, err := s.st.Members(r.Context(), c.orgID)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, newList(ms))
	return nil
}

// roleRequest is the body of both role changes (member and platform).
type roleRequest struct {
	Role string `json:"role"`
}

func decodeOrgRole(s *Server, w http.ResponseWriter, r *http.Request) (finhealth.OrgRole, error) {
	var req roleRequest
	if err := s.decode(w, r, &req); err != nil {
		return "", err
	}
	role := finhealth.OrgRole(req.Role)
	if !role.Valid() {
		return "", finhealth.InvalidFields("Unknown role.", map[string]string{"role": "must be one of owner, advisor, viewer"})
	}
	return role, nil
}

func (s *Server) changeMemberRole(w http.ResponseWriter, r *http.Request, c *call) error {
	userID := r.PathValue("user_id")
	role, err := decodeOrgRole(s, w, r)
	if err != nil {
		return err
	}
	if !validID(userID) {
		return errMemberNotFound
	}
	m, err := s.st.ChangeMemberRole(r.Context(), c.orgID, userID, role)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, m)
	return nil
}

var errMemberNotFound = finhealth.Errorf(finhealth.ENOTFOUND, "Member not found.")

func (s *Server) removeMember(w http.ResponseWriter, r *http.Request, c *call) error {
	userID := r.PathValue("user_id")
	if !validID(userID) {
		return errMemberNotFound
	}
	if err := s.st.RemoveMember(r.Context(), c.orgID, userID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) orgAuditLog(w http.ResponseWriter, r *http.Request, c *call) error {
	f, err := auditFilter(r)
	if err != nil {
		return err
	}
	f.OrganizationID = c.orgID
	entries, next, err := s.st.ListAudit(r.Context(), f)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, newPage(entries, next))
	return nil
}
