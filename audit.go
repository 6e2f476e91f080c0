package finhealth

import (
	"context"
	"time"
)

// Audit actions. They are stable strings stored in the audit log.
const (
	AuditUserRegistered      = "user.registered"
	AuditUserCreated         = "user.created"
	AuditLoginSucceeded      = "auth.login_succeeded"
	AuditLoginFailed         = "auth.login_failed"
	AuditLogout              = "auth.logout"
	AuditTokenFamilyRevoked  = "auth.token_family_revoked"
	AuditSessionEnded        = "auth.session_ended"
	AuditSessionsEnded       = "auth.other_sessions_ended"
	AuditPasswordChanged     = "auth.password_changed"
	AuditUserRoleChanged     = "user.role_changed"
	AuditUserDeactivated     = "user.deactivated"
	AuditOrganizationUpdated = "organization.updated"
	AuditMemberInvited       = "member.invited"
	AuditInvitationRevoked   = "member.invitation_revoked"
	AuditMemberJoined        = "member.joined"
	AuditMemberRoleChanged   = "member.role_changed"
	AuditMemberRemoved       = "member.removed"
	AuditAssessmentSubmitted = "assessment.submitted"
)

// AuditEntry records who did what, when and from where. ActorID is empty for
// anonymous events such as a failed login for an unknown email.
type AuditEntry struct {
	ID             string            `json:"id"`
	At             time.Time         `json:"at"`
	ActorID        string            `json:"actor_id,omitempty"`
	ActorEmail     string            `json:"actor_email,omitempty"`
	OrganizationID string            `json:"organization_id,omitempty"`
	Action         string            `json:"action"`
	TargetType     string            `json:"target_type,omitempty"`
	TargetID       string            `json:"target_id,omitempty"`
	IP             string            `json:"ip,omitempty"`
	Details        map[string]string `json:"details,omitempty"`
}

// AuditFilter selects entries, newest first. OrganizationID restricts to one
// organization; Action to one action; ActorID to one user's entries and ActorEmail,
// compared case-insensitively, to one email's, which also finds failed logins that
// have no user. From and To bound At, inclusively; a zero time leaves that end open.
type AuditFilter struct {
	OrganizationID string
	Action         string
	ActorID        string
	ActorEmail     string
	From, To       time.Time
	Cursor         string
	Limit          int
}

// AuditService reads and writes the audit log. Services that mutate data write their
// own entries inside their transactions; Record is for events with no other write
// (login attempts).
type AuditService interface {
	// Record writes an entry, filling ID, At, ActorID, ActorEmail and IP from the
	// context's Actor where the entry leaves them empty.
	Record(ctx context.Context, e AuditEntry) error
	ListAudit(ctx context.Context, f AuditFilter) ([]*AuditEntry, string, error)
}

// Actor is who performs the current request, carried in the context so that the store
// can audit every change without each method taking it as a parameter.
type Actor struct {
	UserID    string
	Email     string
	IP        string
	RequestID string
}

type actorKey struct{}

// WithActor returns a context carrying a.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the context's Actor, or the zero Actor.
func ActorFrom(ctx context.Context) Actor {
	a, _ := ctx.Value(actorKey{}).(Actor)
	return a
}
