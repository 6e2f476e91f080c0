// Package storetest is the behaviour every finhealth.Store must show, written once
// against the interface so that each database runs the same suite. A store passes
// when Run passes: the semantics promised in the root package's doc comments are
// checked here, including every error case, concurrency guarantee and rollback.
package storetest

import (
	"context"
	"fmt"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"finhealth"
)

// Run runs the suite. open must return a fresh, empty, migrated store for each call;
// subtests run in parallel, so open must be safe to call concurrently.
func Run(t *testing.T, open func(t *testing.T) finhealth.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s finhealth.Store)
	}{
		{"Register", testRegister},
		{"RegisterDuplicateEmail", testRegisterDuplicateEmail},
		{"RegisterInvalid", testRegisterInvalid},
		{"CreateUser", testCreateUser},
		{"UserNotFound", testUserNotFound},
		{"ListUsers", testListUsers},
		{"ListUsersQuery", testListUsersQuery},
		{"ListUsersLimits", testListUsersLimits},
		{"SetUserRole", testSetUserRole},
		{"LastAdmin", testLastAdmin},
		{"LastAdminConcurrent", testLastAdminConcurrent},
		{"DeactivateUser", testDeactivateUser},
		{"UpdateOrganization", testUpdateOrganization},
		{"Memberships", testMemberships},
		{"ChangeMemberRole", testChangeMemberRole},
		{"LastOwnerConcurrent", testLastOwnerConcurrent},
		{"RemoveMember", testRemoveMember},
		{"Invitations", testInvitations},
		{"InvitationReplaced", testInvitationReplaced},
		{"AcceptInvitationRejected", testAcceptInvitationRejected},
		{"PendingInvitation", testPendingInvitation},
		{"RevokeInvitation", testRevokeInvitation},
		{"RefreshTokenRotation", testRefreshTokenRotation},
		{"RefreshTokenReuse", testRefreshTokenReuse},
		{"RefreshTokenRejected", testRefreshTokenRejected},
		{"RefreshTokenConcurrentRotation", testRefreshTokenConcurrentRotation},
		{"RevokeRefreshFamily", testRevokeRefreshFamily},
		{"Audit", testAudit},
		{"AuditPagination", testAuditPagination},
		{"AuditFilters", testAuditFilters},
		{"Questionnaire", testQuestionnaire},
		{"Assessments", testAssessments},
		{"AssessmentTenantIsolation", testAssessmentTenantIsolation},
		{"AssessmentPagination", testAssessmentPagination},
		{"AssessmentRejected", testAssessmentRejected},
		{"Access", testAccess},
		{"AccessLatestAssessment", testAccessLatestAssessment},
		{"AccessImmediate", testAccessImmediate},
		{"Ping", testPing},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open(t))
		})
	}
	runWarehouse(t, open)
}

// actorCtx is a request context acting as u, as the HTTP layer builds it.
func actorCtx(u *finhealth.User) context.Context {
	return finhealth.WithActor(context.Background(), finhealth.Actor{
		UserID: u.ID, Email: u.Email, IP: "203.0.113.7", RequestID: "req-1",
	})
}

var seq atomic.Int64

// unique makes names and hashes that cannot collide between fixtures.
func unique(prefix string) string {
	return fmt.Sprintf("%s-%d", prefix, seq.Add(1))
}

func register(t *testing.T, s finhealth.Store, email string) (*finhealth.User, *finhealth.Organization) {
	t.Helper()
	u, o, err := s.Register(context.Background(),
		finhealth.NewUser{Email: email, Name: "Name of " + email, PasswordHash: "argon2id$hash", Role: finhealth.RoleUser},
		finhealth.NewOrganization{Name: "Org of " + email, Industry: "retail", CompanySize: "1-10"})
	if err != nil {
		t.Fatalf("Register(%s): %v", email, err)
	}
	return u, o
}

func createUser(t *testing.T, s finhealth.Store, email string, role finhealth.Role) *finhealth.User {
	t.Helper()
	u, err := s.CreateUser(context.Background(),
		finhealth.NewUser{Email: email, Name: "Name of " + email, PasswordHash: "argon2id$hash", Role: role})
	if err != nil {
		t.Fatalf("CreateUser(%s): %v", email, err)
	}
	return u
}

// wantCode fails unless err carries the finhealth error code want.
func wantCode(t *testing.T, err error, want string) {
	t.Helper()
	if got := finhealth.ErrorCode(err); got != want {
		t.Fatalf("error = %v (code %q), want code %q", err, got, want)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantEqual(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

// recent reports whether ts is a plausible "now": UTC, with at most microsecond
// precision, and within a minute of the test's clock.
func recent(t *testing.T, what string, ts time.Time) {
	t.Helper()
	if ts.Location() != time.UTC || ts.Nanosecond()%1000 != 0 || time.Since(ts).Abs() > time.Minute {
		t.Fatalf("%s = %v, want a recent UTC time in microseconds", what, ts)
	}
}

// allAudit reads every audit entry matching f, newest first, following cursors.
func allAudit(t *testing.T, s finhealth.Store, f finhealth.AuditFilter) []*finhealth.AuditEntry {
	t.Helper()
	var all []*finhealth.AuditEntry
	for {
		page, next, err := s.ListAudit(context.Background(), f)
		must(t, err)
		all = append(all, page...)
		if next == "" {
			return all
		}
		f.Cursor = next
	}
}

// auditActions lists the actions recorded for an organization (or platform-wide for
// ""), oldest first.
func auditActions(t *testing.T, s finhealth.Store, orgID string) []string {
	t.Helper()
	entries := allAudit(t, s, finhealth.AuditFilter{OrganizationID: orgID})
	actions := make([]string, len(entries))
	for i, e := range entries {
		actions[len(entries)-1-i] = e.Action
	}
	return actions
}

func countAction(t *testing.T, s finhealth.Store, action string) int {
	t.Helper()
	return len(allAudit(t, s, finhealth.AuditFilter{Action: action}))
}

func testPing(t *testing.T, s finhealth.Store) {
	must(t, s.Ping(context.Background()))
}
