// Package storetest is the behaviour every finhealth.Store must show, written once
// against the interface so that each database runs the same suite. A store passes
// when Run passes: the semantics promised in the root package's doc comments are
// checked here, including every error case, concurrency guarantee and rollback.
package storetest

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"finhealth"
)

// Run runs the suite. open must return a fresh, empty, migrated store for each call,
// reading the time from now (the store's clock: every timestamp it writes and every
// expiry it judges); subtests run in parallel, so open must be safe to call
// concurrently. Each store gets a manual clock of its own, which stands still
// but for a microsecond's tick at each reading unless its test moves it, so that no
// test waits for time to pass.
func Run(t *testing.T, open func(t *testing.T, now func() time.Time) finhealth.Store) {
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
		{"InvitationsOutliveNoInviter", testInvitationsOutliveNoInviter},
		{"MailOutbox", testMailOutbox},
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
		{"Sessions", testSessions},
		{"Ping", testPing},
		{"ClockOncePerTransaction", testClockOncePerTransaction},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, openWithClock(t, open))
		})
	}
	runWarehouse(t, open)
}

// clock is a manual clock. It starts at the real time, so that fixtures dated
// relative to time.Now (a token valid for an hour) mean what they say. Each reading
// moves it on by a microsecond, the store's precision, as a real clock moves between
// two transactions (so that "oldest first" has a meaning), and a transaction that
// read it twice would write two different times; beyond that it moves only when a
// test advances it.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Microsecond)
	return c.t
}

// Advance moves the clock by d and returns the new time.
func (c *clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

// clocks holds the clock of every store the suite opened.
var clocks sync.Map // store -> *clock

// openWithClock opens a store on a new manual clock, which clockOf finds.
func openWithClock(t *testing.T, open func(t *testing.T, now func() time.Time) finhealth.Store) finhealth.Store {
	c := &clock{t: time.Now().UTC().Truncate(time.Microsecond)}
	s := open(t, c.Now)
	clocks.Store(s, c)
	t.Cleanup(func() { clocks.Delete(s) })
	return s
}

// nowOf reads the clock of the store: its manual clock when the suite opened it, the
// real one otherwise (Populate's callers open their own).
func nowOf(s any) time.Time {
	if c, ok := clocks.Load(s); ok {
		return c.(*clock).Now()
	}
	return time.Now()
}

// clockOf is the manual clock of a store the suite opened.
func clockOf(t *testing.T, s any) *clock {
	t.Helper()
	c, ok := clocks.Load(s)
	if !ok {
		t.Fatalf("no clock for the store %T", s)
	}
	return c.(*clock)
}

// actorCtx is a request context acting as u, as the HTTP layer builds it.
func actorCtx(u *finhealth.User) context.Context {
	return finhealth.WithActor(context.Background(), finhealth.Actor{
		UserID: u.ID, Email: u.Email, IP: "203.0.113.7", RequestID: "req-1",
	})
}

var seq atomic.Int64

// sessionID makes a session id (a UUID, as the server's are) that no fixture repeats.
func sessionID() string {
	return fmt.Sprintf("0190a000-0000-7000-8000-%012d", seq.Add(1))
}

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

// testClockOncePerTransaction: the store takes its times from the clock it was given,
// reading it once per transaction, so that every row one transaction writes carries
// the same time even though this clock moves at every reading.
func testClockOncePerTransaction(t *testing.T, s finhealth.Store) {
	clock := clockOf(t, s)
	before := clock.Now()
	u, o := register(t, s, "owner@example.com")
	after := clock.Now()
	at := u.CreatedAt
	if !at.After(before) || !at.Before(after) {
		t.Fatalf("registered at %v, not by the store's clock (between %v and %v)", at, before, after)
	}
	ms, err := s.MembershipsForUser(context.Background(), u.ID)
	must(t, err)
	entries := allAudit(t, s, finhealth.AuditFilter{OrganizationID: o.ID})
	if len(ms) != 1 || len(entries) != 1 {
		t.Fatalf("%d memberships and %d audit entries after a registration", len(ms), len(entries))
	}
	for what, ts := range map[string]time.Time{"user updated": u.UpdatedAt, "organization created": o.CreatedAt,
		"organization updated": o.UpdatedAt, "membership created": ms[0].CreatedAt, "audited": entries[0].At} {
		if !ts.Equal(at) {
			t.Errorf("%s at %v, user created at %v: one transaction, two times", what, ts, at)
		}
	}
}
