package http

import (
	"context"
	"strings"

	"finhealth"
	"finhealth/identity"
)

// OrganizationPatch is the body of PATCH /organizations/{id}; absent fields stay.
type OrganizationPatch struct {
	Name        *string `json:"name"`
	Industry    *string `json:"industry"`
	CompanySize *string `json:"company_size"`
}

// PatchOrganization validates and applies a patch; the API and the settings page
// both update through it.
func (s Organizations) PatchOrganization(ctx context.Context, orgID string, req OrganizationPatch) (*finhealth.Organization, error) {
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

// ParseOrgRole reads an organization role named by a client.
func ParseOrgRole(name string) (finhealth.OrgRole, error) {
	role := finhealth.OrgRole(name)
	if !role.Valid() {
		return "", finhealth.InvalidFields("Unknown role.", map[string]string{"role": "must be one of owner, advisor, viewer"})
	}
	return role, nil
}

// SetMemberRole changes a member's role; the store keeps the last owner. The API and
// the settings page both change roles through it.
func (s Organizations) SetMemberRole(ctx context.Context, orgID, userID string, role finhealth.OrgRole) (*finhealth.Membership, error) {
	if !ValidID(userID) {
		return nil, errMemberNotFound
	}
	return s.st.ChangeMemberRole(ctx, orgID, userID, role)
}

var errMemberNotFound = finhealth.Errorf(finhealth.ENOTFOUND, "Member not found.")

// DropMember removes a member (or lets one leave); the store keeps the last owner.
// The API and the settings page both remove members through it.
func (s Organizations) DropMember(ctx context.Context, orgID, userID string) error {
	if !ValidID(userID) {
		return errMemberNotFound
	}
	return s.st.RemoveMember(ctx, orgID, userID)
}
