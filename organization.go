package finhealth

import (
	"context"
	"time"
)

// Organization is a business assessed by finhealth. Every tenant row belongs to one.
type Organization struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Industry    string    `json:"industry"`
	CompanySize string    `json:"company_size"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// NewOrganization carries the fields set when an organization is created.
type NewOrganization struct {
	Name        string
	Industry    string
	CompanySize string
}

// Validate checks a new organization: a name of at most MaxOrganizationNameLen
// characters without control or format characters, and an optional industry and
// company size of plain text. Its EINVALID error names the fields "name",
// "industry" and "company_size".
func (o NewOrganization) Validate() error {
	f := fieldProblems{}
	f.check("name", nameProblem(o.Name, true, MaxOrganizationNameLen))
	f.check("industry", TextProblem(o.Industry, false, MaxIndustryLen))
	f.check("company_size", TextProblem(o.CompanySize, false, MaxCompanySizeLen))
	return f.err()
}

// OrganizationUpdate changes only the fields that are non-nil.
type OrganizationUpdate struct {
	Name        *string
	Industry    *string
	CompanySize *string
}

// Validate checks the fields an update sets by NewOrganization's rules: a name,
// when given, may not be empty.
func (u OrganizationUpdate) Validate() error {
	f := fieldProblems{}
	if u.Name != nil {
		f.check("name", nameProblem(*u.Name, true, MaxOrganizationNameLen))
	}
	if u.Industry != nil {
		f.check("industry", TextProblem(*u.Industry, false, MaxIndustryLen))
	}
	if u.CompanySize != nil {
		f.check("company_size", TextProblem(*u.CompanySize, false, MaxCompanySizeLen))
	}
	return f.err()
}

// Membership links a user to an organization with a role. UserEmail, UserName and
// OrganizationName are filled in by listings for display.
type Membership struct {
	OrganizationID   string    `json:"organization_id"`
	OrganizationName string    `json:"organization_name,omitempty"`
	UserID           string    `json:"user_id"`
	UserEmail        string    `json:"email,omitempty"`
	UserName         string    `json:"name,omitempty"`
	Role             OrgRole   `json:"role"`
	CreatedAt        time.Time `json:"created_at"`
}

// Invitation asks the holder of an email address to join an organization with a role.
// Only a hash of its token is stored; the token itself travels in the invitation link.
// OrganizationName is filled in by PendingInvitation, for the page that asks the
// invitee to accept.
type Invitation struct {
	ID               string     `json:"id"`
	OrganizationID   string     `json:"organization_id"`
	OrganizationName string     `json:"organization_name,omitempty"`
	Email            string     `json:"email"`
	Role             OrgRole    `json:"role"`
	InvitedBy        string     `json:"invited_by"`
	TokenHash        string     `json:"-"`
	ExpiresAt        time.Time  `json:"expires_at"`
	AcceptedAt       *time.Time `json:"accepted_at,omitempty"`
	CreatedAt        time.Time  `json:"created_at"`
	// Mail, when set, is the invitation email, queued in the same transaction as
	// the invitation so that neither exists without the other.
	Mail *OutgoingMail `json:"-"`
}

// Validate checks what the inviter chose: the invitee's normalized email address and
// a known organization role. Its EINVALID error names the fields "email" and
// "role"; the rest of an invitation is made by the server, not typed.
func (inv Invitation) Validate() error {
	f := fieldProblems{}
	f.check("email", emailProblem(inv.Email))
	if !inv.Role.Valid() {
		f.check("role", "must be one of owner, advisor, viewer")
	}
	return f.err()
}

// OrganizationService persists organizations, memberships and invitations. Every
// mutation is audited with the actor from the context, in the same transaction.
type OrganizationService interface {
	Organization(ctx context.Context, orgID string) (*Organization, error)
	UpdateOrganization(ctx context.Context, orgID string, upd OrganizationUpdate) (*Organization, error)

	// Membership returns the user's membership in the organization, ENOTFOUND if none.
	Membership(ctx context.Context, orgID, userID string) (*Membership, error)
	// MembershipsForUser lists the user's memberships with organization names, oldest first.
	MembershipsForUser(ctx context.Context, userID string) ([]*Membership, error)
	// Members lists an organization's members with their emails and names, oldest first.
	Members(ctx context.Context, orgID string) ([]*Membership, error)
	// ChangeMemberRole fails with ECONFLICT when it would leave no owner.
	ChangeMemberRole(ctx context.Context, orgID, userID string, role OrgRole) (*Membership, error)
	// RemoveMember fails with ECONFLICT when it would leave no owner.
	RemoveMember(ctx context.Context, orgID, userID string) error

	// CreateInvitation stores a pending invitation. Inviting an existing member is
	// ECONFLICT; a newer invitation for the same email replaces a pending one.
	CreateInvitation(ctx context.Context, inv Invitation) (*Invitation, error)
	// Invitations lists the organization's pending (unaccepted, unexpired) invitations.
	Invitations(ctx context.Context, orgID string) ([]*Invitation, error)
	// PendingInvitation returns the invitation that AcceptInvitation would accept for
	// the user, with its organization's name, so that the invitee sees what they are
	// joining first; ENOTFOUND for exactly the cases AcceptInvitation refuses so.
	PendingInvitation(ctx context.Context, tokenHash, userID string) (*Invitation, error)
	// AcceptInvitation adds the user as a member. The token hash must match a pending,
	// unexpired invitation addressed to the user's email (ENOTFOUND otherwise, so that
	// tokens cannot be probed); an existing member is ECONFLICT. It sets the user's
	// default organization when they have none.
	AcceptInvitation(ctx context.Context, tokenHash, userID string) (*Membership, error)
	// RevokeInvitation withdraws a pending invitation so that its link no longer
	// works. ENOTFOUND when the organization has no such unaccepted invitation.
	RevokeInvitation(ctx context.Context, orgID, invitationID string) error
}
