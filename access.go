package finhealth

import "context"

// Access is what authorizing one request needs to know about its caller: their
// account as it is now, and their role in the organization the request is about.
type Access struct {
	// User is the account. Its PasswordHash is not loaded: authorization never
	// needs it, and it should not travel through every request.
	User User
	// OrganizationID is the organization asked about: the one requested, or the
	// user's default organization when none was ("" when they have none).
	OrganizationID string
	// Role is the user's role in OrganizationID; "" when they are not a member of it,
	// and always "" for an inactive user (an inactive account has access to nothing).
	Role OrgRole
}

// AccessService reads what authorization needs. Its methods run on every
// authenticated request, so each is a single query (one database round trip), and
// nothing they return may be cached: a deactivation, a role change or a membership
// change made through any instance on the same database must take effect on the next
// request everywhere.
type AccessService interface {
	// Access returns the user and their role in orgID, or in their default
	// organization when orgID is "", read together in one query. An unknown user is
	// ENOTFOUND; an inactive one is returned with Active false and no Role, and
	// callers must refuse it. sessionID is the session the caller's token names: a
	// session that was ended (or belongs to someone else) is ENOTFOUND, so that
	// logging out takes effect on the next request.
	Access(ctx context.Context, userID, sessionID, orgID string) (*Access, error)
	// AccessWithLatestAssessmentID is Access plus the id of the newest assessment of
	// the organization it resolves to, still in one query. The id is read through
	// the caller's membership, so it is "" unless Role is set (and "" when the
	// organization has no assessment yet); whether the role may read it is the
	// caller's decision. Assessments are immutable (see AssessmentService), so the
	// id alone is enough for a caller that keeps encoded assessments by id.
	AccessWithLatestAssessmentID(ctx context.Context, userID, sessionID, orgID string) (*Access, string, error)
}
