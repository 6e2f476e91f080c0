package http

import (
	"context"
	"net/http"
	"strings"

	"finhealth"
	"finhealth/identity"
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
	o, err := s.patchOrganization(r.Context(), c.orgID, req)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, o)
	return nil
}

// patchOrganization validates and applies a patch; the API and the settings page
// both update through it.
func (s *Server) patchOrganization(ctx context.Context, orgID string, req organizationPatch) (*finhealth.Organization, error) {
	var upd finhealth.OrganizationUpdate
	if req.Name != nil {
		v := identity.NormalizeName(*req.Name)
		upd.Name = &v
	}
	if req.Industry != nil {
		v := strings.TrimSpace(*req.Industry)
		upd.Industry = &v
	}
	if req.CompanySize != nil {
		v := strings.TrimSpace(*req.CompanySize)
		upd.CompanySize = &v
	}
	if err := upd.Validate(); err != nil {
		return nil, err
	}
	return s.st.UpdateOrganization(ctx, orgID, upd)
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
	return parseOrgRole(req.Role)
}

// parseOrgRole reads an organization role named by a client.
func parseOrgRole(name string) (finhealth.OrgRole, error) {
	role := finhealth.OrgRole(name)
	if !role.Valid() {
		return "", finhealth.InvalidFields("Unknown role.", map[string]string{"role": "must be one of owner, advisor, viewer"})
	}
	return role, nil
}

func (s *Server) changeMemberRole(w http.ResponseWriter, r *http.Request, c *call) error {
	role, err := decodeOrgRole(s, w, r)
	if err != nil {
		return err
	}
	m, err := s.setMemberRole(r.Context(), c.orgID, r.PathValue("user_id"), role)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, m)
	return nil
}

// setMemberRole changes a member's role; the store keeps the last owner. The API and
// the settings page both change roles through it.
func (s *Server) setMemberRole(ctx context.Context, orgID, userID string, role finhealth.OrgRole) (*finhealth.Membership, error) {
	if !validID(userID) {
		return nil, errMemberNotFound
	}
	return s.st.ChangeMemberRole(ctx, orgID, userID, role)
}

var errMemberNotFound = finhealth.Errorf(finhealth.ENOTFOUND, "Member not found.")

func (s *Server) removeMember(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := s.dropMember(r.Context(), c.orgID, r.PathValue("user_id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// dropMember removes a member (or lets one leave); the store keeps the last owner.
// The API and the settings page both remove members through it.
func (s *Server) dropMember(ctx context.Context, orgID, userID string) error {
	if !validID(userID) {
		return errMemberNotFound
	}
	return s.st.RemoveMember(ctx, orgID, userID)
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
