package http

import (
	"cmp"
	"context"
	"net/url"

	"github.com/google/uuid"

	"finhealth"
	"finhealth/identity"
	"finhealth/mail"
)

// InvitationRequest is the body of POST /organizations/{id}/invitations.
type InvitationRequest struct {
	Email string `json:"email"`
	Role  string `json:"role"`
}

// InvitationCreated is the only response that carries the token: the database keeps
// just its hash, so a lost link means a new invitation.
type InvitationCreated struct {
	*finhealth.Invitation
	Token     string `json:"token"`
	AcceptURL string `json:"accept_url"`
}

// Invite creates an invitation to the caller's organization and its link; the API
// and the settings page both invite through it.
func (s Organizations) Invite(ctx context.Context, c *Call, req InvitationRequest) (InvitationCreated, error) {
	email, role := identity.NormalizeEmail(req.Email), finhealth.OrgRole(req.Role)
	if err := (finhealth.Invitation{Email: email, Role: role}).Validate(); err != nil {
		return InvitationCreated{}, err
	}
	token, hash, err := NewOpaqueToken()
	if err != nil {
		return InvitationCreated{}, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return InvitationCreated{}, err
	}
	now := s.now()
	in := finhealth.Invitation{
		ID: id.String(), OrganizationID: c.OrgID, Email: email, Role: role, InvitedBy: c.User.ID,
		TokenHash: hash, ExpiresAt: now.Add(s.cfg.InvitationTTL), CreatedAt: now,
	}
	if s.cfg.Mail != nil {
		if in.Mail, err = s.invitationMail(ctx, c, in, s.AcceptURL(token)); err != nil {
			return InvitationCreated{}, err
		}
	}
	inv, err := s.st.CreateInvitation(ctx, in)
	if err != nil {
		return InvitationCreated{}, err
	}
	if in.Mail != nil {
		// The message is stored with the invitation; should queueing its job fail
		// now, the worker's sweep queues it within minutes, so the invitation stands.
		if err := s.cfg.Mail.QueueMail(ctx, in.Mail.ID); err != nil {
			s.log.WarnContext(ctx, "queueing the invitation email failed; the mail sweep will send it", "mail_id", in.Mail.ID, "error", err)
		}
	}
	return InvitationCreated{Invitation: inv, Token: token, AcceptURL: s.AcceptURL(token)}, nil
}

// invitationMail composes the invitation email, to be stored with the invitation:
// it carries the only clear copy of the link besides this response, so the store
// keeps it only until it is sent.
func (s Organizations) invitationMail(ctx context.Context, c *Call, inv finhealth.Invitation, acceptURL string) (*finhealth.OutgoingMail, error) {
	org, err := s.st.Organization(ctx, c.OrgID)
	if err != nil {
		return nil, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return nil, err
	}
	return mail.ComposeInvitation(id.String(), inv.Email, mail.Invitation{
		Instance:     cmp.Or(s.cfg.InstanceName, "finhealth"),
		InviterName:  cmp.Or(c.User.Name, c.User.Email),
		Organization: org.Name, Role: inv.Role, AcceptURL: acceptURL, ExpiresAt: inv.ExpiresAt,
	})
}

// AcceptURL is the link an invitee opens: the web UI's invitation page.
func (s Organizations) AcceptURL(token string) string {
	return s.cfg.BaseURL + "/invitations/accept?token=" + url.QueryEscape(token)
}

// WithdrawInvitation revokes a pending invitation of the organization; the API and
// the settings page both revoke through it.
func (s Organizations) WithdrawInvitation(ctx context.Context, orgID, invitationID string) error {
	if !ValidID(invitationID) {
		return finhealth.Errorf(finhealth.ENOTFOUND, "Invitation not found.")
	}
	return s.st.RevokeInvitation(ctx, orgID, invitationID)
}

// ErrInvitationNotFound is every way an invitation token can fail to match.
var ErrInvitationNotFound = finhealth.Errorf(finhealth.ENOTFOUND, "Invitation not found, expired, or addressed to another email.")

// JoinOrganization accepts the invitation token for the user; the API and the
// invitation page both accept through it.
func (s Organizations) JoinOrganization(ctx context.Context, token, userID string) (*finhealth.Membership, error) {
	if token == "" {
		return nil, finhealth.InvalidFields("The invitation token is required.", map[string]string{"token": "is required"})
	}
	return withInvitationToken(token, func(hash string) (*finhealth.Membership, error) {
		return s.st.AcceptInvitation(ctx, hash, userID)
	})
}

// PendingInvitation is what the token would let the user join, refused exactly as
// JoinOrganization refuses it; the invitation page shows it before accepting.
func (s Organizations) PendingInvitation(ctx context.Context, token, userID string) (*finhealth.Invitation, error) {
	return withInvitationToken(token, func(hash string) (*finhealth.Invitation, error) {
		return s.st.PendingInvitation(ctx, hash, userID)
	})
}

// withInvitationToken calls find with the hash of a client's invitation token. Every
// way of not matching is the same errInvitationNotFound, so tokens cannot be probed.
func withInvitationToken[T any](token string, find func(hash string) (T, error)) (T, error) {
	var zero T
	if !PlausibleOpaqueToken(token) {
		return zero, ErrInvitationNotFound
	}
	v, err := find(HashToken(token))
	if finhealth.ErrorCode(err) == finhealth.ENOTFOUND {
		return zero, ErrInvitationNotFound
	}
	return v, err
}
