package http

import (
	"context"
	"net/url"

	"github.com/google/uuid"

	"finhealth"
	"finhealth/identity"
)

// invitationRequest is the body of POST /organizations/{id}/invitations.
type invitationRequest struct {
	Email string `json:"email"`
	Role  string `json:"role"`
}

// invitationCreated is the only response that carries the token: the database keeps
// just its hash, so a lost link means a new invitation.
type invitationCreated struct {
	*finhealth.Invitation
	Token     string `json:"token"`
	AcceptURL string `json:"accept_url"`
}

// invite creates an invitation to the caller's organization and its link; the API
// and the settings page both invite through it.
func (s Organizations) invite(ctx context.Context, c *call, req invitationRequest) (invitationCreated, error) {
	email, role := identity.NormalizeEmail(req.Email), finhealth.OrgRole(req.Role)
	if err := (finhealth.Invitation{Email: email, Role: role}).Validate(); err != nil {
		return invitationCreated{}, err
	}
	token, hash, err := newOpaqueToken()
	if err != nil {
		return invitationCreated{}, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return invitationCreated{}, err
	}
	now := s.now()
	inv, err := s.st.CreateInvitation(ctx, finhealth.Invitation{
		ID: id.String(), OrganizationID: c.orgID, Email: email, Role: role, InvitedBy: c.user.ID,
		TokenHash: hash, ExpiresAt: now.Add(s.cfg.InvitationTTL), CreatedAt: now,
	})
	if err != nil {
		return invitationCreated{}, err
	}
	return invitationCreated{Invitation: inv, Token: token, AcceptURL: s.acceptURL(token)}, nil
}

// acceptURL is the link an invitee opens: the web UI's invitation page.
func (s Organizations) acceptURL(token string) string {
	return s.cfg.BaseURL + "/invitations/accept?token=" + url.QueryEscape(token)
}

// withdrawInvitation revokes a pending invitation of the organization; the API and
// the settings page both revoke through it.
func (s Organizations) withdrawInvitation(ctx context.Context, orgID, invitationID string) error {
	if !validID(invitationID) {
		return finhealth.Errorf(finhealth.ENOTFOUND, "Invitation not found.")
	}
	return s.st.RevokeInvitation(ctx, orgID, invitationID)
}

var errInvitationNotFound = finhealth.Errorf(finhealth.ENOTFOUND, "Invitation not found, expired, or addressed to another email.")

// joinOrganization accepts the invitation token for the user; the API and the
// invitation page both accept through it.
func (s Organizations) joinOrganization(ctx context.Context, token, userID string) (*finhealth.Membership, error) {
	if token == "" {
		return nil, finhealth.InvalidFields("The invitation token is required.", map[string]string{"token": "is required"})
	}
	return withInvitationToken(token, func(hash string) (*finhealth.Membership, error) {
		return s.st.AcceptInvitation(ctx, hash, userID)
	})
}

// pendingInvitation is what the token would let the user join, refused exactly as
// joinOrganization refuses it; the invitation page shows it before accepting.
func (s Organizations) pendingInvitation(ctx context.Context, token, userID string) (*finhealth.Invitation, error) {
	return withInvitationToken(token, func(hash string) (*finhealth.Invitation, error) {
		return s.st.PendingInvitation(ctx, hash, userID)
	})
}

// withInvitationToken calls find with the hash of a client's invitation token. Every
// way of not matching is the same errInvitationNotFound, so tokens cannot be probed.
func withInvitationToken[T any](token string, find func(hash string) (T, error)) (T, error) {
	var zero T
	if !plausibleOpaqueToken(token) {
		return zero, errInvitationNotFound
	}
	v, err := find(hashToken(token))
	if finhealth.ErrorCode(err) == finhealth.ENOTFOUND {
		return zero, errInvitationNotFound
	}
	return v, err
}
