package store

import (
	"context"
	"fmt"

	"finhealth"
)

// accessQuery reads the user and their membership in one organization (the given
// one, or the user's default when the argument is NULL) with one primary-key lookup
// and one primary-key join, so that authorization costs a single round trip on every
// request. An inactive user joins no membership. The membership is matched on the
// user id parameter rather than on u.id: on PostgreSQL users.id has the "C"
// collation and memberships.user_id the default one, and comparing across them would
// keep the planner from using the rest of the memberships primary key. The session
// the caller's token names must be one of theirs and not ended (a primary-key probe
// of sessions), which is what makes logout take effect at once.
//
// latestColumn, when spliced in, adds the id of the organization's newest assessment,
// found through the membership (so a non-member gets NULL) by a backward scan of the
// (organization_id, id) index. A correlated subquery rather than LATERAL, which
// SQLite lacks, keeps the query the same on both databases.
const (
	accessQuery = `SELECT u.id, u.email, u.name, u.role, u.active, u.default_organization_id,
		u.created_at, u.updated_at, m.role%s
	FROM users u
	LEFT JOIN memberships m ON u.active AND m.user_id = ? AND m.organization_id = COALESCE(?, u.default_organization_id)
	WHERE u.id = ? AND EXISTS (SELECT 1 FROM sessions s WHERE s.id = ? AND s.user_id = ? AND s.revoked_at IS NULL)`
	latestColumn = `,
		(SELECT a.id FROM assessments a WHERE a.organization_id = m.organization_id ORDER BY a.id DESC LIMIT 1)`
)

var (
	accessOnly       = fmt.Sprintf(accessQuery, "")
	accessWithLatest = fmt.Sprintf(accessQuery, latestColumn)
)

// Access returns the user and their role in orgID (their default organization when
// orgID is ""), in one query, provided sessionID is a live session of theirs.
func (db *DB) Access(ctx context.Context, userID, sessionID, orgID string) (*finhealth.Access, error) {
	a, _, err := db.access(ctx, accessOnly, userID, sessionID, orgID)
	return a, err
}

// AccessWithLatestAssessmentID is Access plus the id of the organization's newest
// assessment when the user is a member, still in one query.
func (db *DB) AccessWithLatestAssessmentID(ctx context.Context, userID, sessionID, orgID string) (*finhealth.Access, string, error) {
	return db.access(ctx, accessWithLatest, userID, sessionID, orgID)
}

func (db *DB) access(ctx context.Context, query, userID, sessionID, orgID string) (*finhealth.Access, string, error) {
	var (
		a                      finhealth.Access
		defaultOrg, role, last nullableString
	)
	u := &a.User
	dest := []any{&u.ID, &u.Email, &u.Name, &u.Role, &u.Active, &defaultOrg,
		scanTime{&u.CreatedAt}, scanTime{&u.UpdatedAt}, &role}
	if query == accessWithLatest {
		dest = append(dest, &last)
	}
	if err := db.h.queryRow(ctx, query, userID, nullString(orgID), userID, sessionID, userID).Scan(dest...); err != nil {
		return nil, "", mapError(err, "access", "User")
	}
	u.DefaultOrganizationID = string(defaultOrg)
	a.OrganizationID = orgID
	if orgID == "" {
		a.OrganizationID = u.DefaultOrganizationID
	}
	a.Role = finhealth.OrgRole(role)
	return &a, string(last), nil
}
