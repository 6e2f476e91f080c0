package http

import (
	"context"
	"strings"

	"finhealth"
	"finhealth/identity"
)

// organizationPatch is the body of PATCH /organizations/{id}; absent fields stay.
type organizationPatch struct {
	Name        *string `json:"name"`
	Industry    *string `json:"industry"`
	CompanySize *string `json:"company_size"`
}

// patchOrganization validates and applies a patch; the API and the settings page
// both update through it.
func (s Organizations) patchOrganization(ctx context.Context, orgID string, req organizationPatch) (*finhealth.Organization, error) {
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

// parseOrgRole reads an organization role named by a client.
func parseOrgRole(name string) (finhealth.OrgRole, error) {
	role := finhealth.OrgRole(name)
	if !role.Valid() {
		return "", finhealth.InvalidFields("Unknown role.", map[string]string{"role": "must be one of owner, advisor, viewer"})
	}
	return role, nil
}

// setMemberRole changes a member's role; the store keeps the last owner. The API and
// the settings page both change roles through it.
func (s Organizations) setMemberRole(ctx context.Context, orgID, userID string, role finhealth.OrgRole) (*finhealth.Membership, error) {
	if !validID(userID) {
		return nil, errMemberNotFound
	}
	return s.st.ChangeMemberRole(ctx, orgID, userID, role)
}

var errMemberNotFound = finhealth.Errorf(finhealth.ENOTFOUND, "Member not found.")

// dropMember removes a member (or lets one leave); the store keeps the last owner.
// The API and the settings page both remove members through it.
func (s Organizations) dropMember(ctx context.Context, orgID, userID string) error {
	if !validID(userID) {
		return errMemberNotFound
	}
	return s.st.RemoveMember(ctx, orgID, userID)
}
