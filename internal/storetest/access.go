package storetest

import (
	"context"
	"testing"

	"finhealth"
)

// accessOf reads Access and AccessWithLatestAssessmentID and checks that the two
// agree on the access part, returning both results.
func accessOf(t *testing.T, s finhealth.Store, userID, orgID string) (*finhealth.Access, string) {
	t.Helper()
	ctx := context.Background()
	sid := openSession(t, s, userID)
	a, err := s.Access(ctx, userID, sid, orgID)
	must(t, err)
	b, latest, err := s.AccessWithLatestAssessmentID(ctx, userID, sid, orgID)
	must(t, err)
	wantEqual(t, "AccessWithLatestAssessmentID's access", b, a)
	return a, latest
}

// wantAccess checks the organization and role an Access resolved to.
func wantAccess(t *testing.T, what string, a *finhealth.Access, orgID string, role finhealth.OrgRole) {
	t.Helper()
	if a.OrganizationID != orgID || a.Role != role {
		t.Fatalf("%s: organization %q role %q, want %q %q", what, a.OrganizationID, a.Role, orgID, role)
	}
}

func testAccess(t *testing.T, s finhealth.Store) {
	ctx := context.Background()
	owner, org := register(t, s, "access-owner@example.com")
	other, _ := register(t, s, "access-other@example.com")
	advisor, _ := register(t, s, "access-advisor@example.com")
	join(t, s, owner, org.ID, advisor, finhealth.OrgRoleAdvisor)

	// The user comes back as UserByID has it, without the password hash.
	a, latest := accessOf(t, s, owner.ID, "")
	want, err := s.UserByID(ctx, owner.ID)
	must(t, err)
	want.PasswordHash = ""
	wantEqual(t, "Access user", a.User, *want)
	wantAccess(t, "owner, default organization", a, org.ID, finhealth.OrgRoleOwner)
	if latest != "" {
		t.Fatalf("latest assessment %q before any was submitted", latest)
	}

	a, _ = accessOf(t, s, owner.ID, org.ID)
	wantAccess(t, "owner, named organization", a, org.ID, finhealth.OrgRoleOwner)
	a, _ = accessOf(t, s, advisor.ID, org.ID)
	wantAccess(t, "advisor", a, org.ID, finhealth.OrgRoleAdvisor)
	// The advisor's default is still the organization they registered.
	a, _ = accessOf(t, s, advisor.ID, "")
	wantAccess(t, "advisor, default organization", a, advisor.DefaultOrganizationID, finhealth.OrgRoleOwner)
	// Not a member: the organization asked about, and no role.
	a, _ = accessOf(t, s, other.ID, org.ID)
	wantAccess(t, "non-member", a, org.ID, "")
	a, _ = accessOf(t, s, owner.ID, "0190a000-0000-7000-8000-000000000000")
	wantAccess(t, "unknown organization", a, "0190a000-0000-7000-8000-000000000000", "")

	// A user without an organization has no default and no role.
	admin := createUser(t, s, "access-admin@example.com", finhealth.RoleAdmin)
	a, _ = accessOf(t, s, admin.ID, "")
	wantAccess(t, "admin without organization", a, "", "")
	if a.User.Role != finhealth.RoleAdmin || !a.User.Active {
		t.Fatalf("admin access user = %+v", a.User)
	}

	_, err = s.Access(ctx, "0190a000-0000-7000-8000-000000000001", "0190a000-0000-7000-8000-000000000002", "")
	wantCode(t, err, finhealth.ENOTFOUND)
	_, _, err = s.AccessWithLatestAssessmentID(ctx, "0190a000-0000-7000-8000-000000000001", "0190a000-0000-7000-8000-000000000002", org.ID)
	wantCode(t, err, finhealth.ENOTFOUND)
}

// testAccessLatestAssessment checks that the latest assessment id follows
// submissions, stays within the organization, and reaches members only.
func testAccessLatestAssessment(t *testing.T, s finhealth.Store) {
	ctx := context.Background()
	must(t, s.EnsureQuestionnaire(ctx, questionnaire(1)))
	owner, org := register(t, s, "latest-owner@example.com")
	viewer, _ := register(t, s, "latest-viewer@example.com")
	join(t, s, owner, org.ID, viewer, finhealth.OrgRoleViewer)
	outsider, outsiderOrg := register(t, s, "latest-outsider@example.com")

	first := submit(t, s, org, owner, 40)
	theirs := submit(t, s, outsiderOrg, outsider, 90)
	if _, latest := accessOf(t, s, owner.ID, ""); latest != first.ID {
		t.Fatalf("latest = %q, want %q", latest, first.ID)
	}
	second := submit(t, s, org, owner, 60)
	for _, tc := range []struct {
		user  *finhealth.User
		orgID string
		want  string
	}{
		{owner, "", second.ID},
		{owner, org.ID, second.ID},
		{viewer, org.ID, second.ID},
		{outsider, "", theirs.ID},
		// A non-member learns nothing of the organization's assessments.
		{outsider, org.ID, ""},
		{viewer, outsiderOrg.ID, ""},
	} {
		if _, latest := accessOf(t, s, tc.user.ID, tc.orgID); latest != tc.want {
			t.Fatalf("%s in %q: latest = %q, want %q", tc.user.Email, tc.orgID, latest, tc.want)
		}
	}
	got, err := s.LatestAssessment(ctx, org.ID)
	must(t, err)
	if got.ID != second.ID {
		t.Fatalf("LatestAssessment = %s, want %s", got.ID, second.ID)
	}
}

// testAccessImmediate checks that deactivation and role and membership changes show
// in the very next Access, as authorization relies on.
func testAccessImmediate(t *testing.T, s finhealth.Store) {
	ctx := context.Background()
	must(t, s.EnsureQuestionnaire(ctx, questionnaire(1)))
	root := createUser(t, s, "immediate-root@example.com", finhealth.RoleAdmin)
	owner, org := register(t, s, "immediate-owner@example.com")
	member, _ := register(t, s, "immediate-member@example.com")
	join(t, s, owner, org.ID, member, finhealth.OrgRoleAdvisor)
	submit(t, s, org, owner, 50)

	a, latest := accessOf(t, s, member.ID, org.ID)
	wantAccess(t, "advisor", a, org.ID, finhealth.OrgRoleAdvisor)
	if latest == "" {
		t.Fatal("a member sees no latest assessment")
	}

	_, err := s.ChangeMemberRole(actorCtx(owner), org.ID, member.ID, finhealth.OrgRoleViewer)
	must(t, err)
	a, _ = accessOf(t, s, member.ID, org.ID)
	wantAccess(t, "after the role change", a, org.ID, finhealth.OrgRoleViewer)

	must(t, s.RemoveMember(actorCtx(owner), org.ID, member.ID))
	a, latest = accessOf(t, s, member.ID, org.ID)
	wantAccess(t, "after removal", a, org.ID, "")
	if latest != "" {
		t.Fatalf("a removed member still sees latest assessment %q", latest)
	}

	// The owner is deactivated: still found, inactive, with access to nothing.
	_, err = s.SetUserRole(actorCtx(root), owner.ID, finhealth.RoleAdmin)
	must(t, err)
	a, _ = accessOf(t, s, owner.ID, "")
	if a.User.Role != finhealth.RoleAdmin {
		t.Fatalf("platform role after the change = %q", a.User.Role)
	}
	// Deactivation ends the owner's sessions with it, so a token of one is refused
	// on its next request.
	sid := openSession(t, s, owner.ID)
	_, err = s.DeactivateUser(actorCtx(root), owner.ID)
	must(t, err)
	for _, orgID := range []string{"", org.ID} {
		_, err = s.Access(ctx, owner.ID, sid, orgID)
		wantCode(t, err, finhealth.ENOTFOUND)
		_, _, err = s.AccessWithLatestAssessmentID(ctx, owner.ID, sid, orgID)
		wantCode(t, err, finhealth.ENOTFOUND)
	}
}
