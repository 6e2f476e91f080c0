package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"finhealth"
)

func ptr[T any](v T) *T { return &v }

func testUpdateOrganization(t *testing.T, s finhealth.Store) {
	owner, org := register(t, s, "owner@example.com")
	ctx := actorCtx(owner)

	got, err := s.UpdateOrganization(ctx, org.ID, finhealth.OrganizationUpdate{Name: ptr("Renamed"), CompanySize: ptr("11-50")})
	must(t, err)
	if got.Name != "Renamed" || got.CompanySize != "11-50" || got.Industry != org.Industry ||
		!got.CreatedAt.Equal(org.CreatedAt) || got.UpdatedAt.Before(org.UpdatedAt) {
		t.Fatalf("updated = %+v (was %+v)", got, org)
	}
	stored, err := s.Organization(ctx, org.ID)
	must(t, err)
	wantEqual(t, "stored organization", stored, got)

	entries := allAudit(t, s, finhealth.AuditFilter{OrganizationID: org.ID, Action: finhealth.AuditOrganizationUpdated})
	if len(entries) != 1 || entries[0].ActorID != owner.ID || entries[0].IP != "203.0.113.7" ||
		entries[0].Details["name"] != "Renamed" || entries[0].Details["company_size"] != "11-50" ||
		entries[0].Details["industry"] != "" {
		t.Fatalf("audit = %+v", entries)
	}

	// Nothing to change: nothing written.
	_, err = s.UpdateOrganization(ctx, org.ID, finhealth.OrganizationUpdate{Name: ptr("Renamed")})
	must(t, err)
	if n := countAction(t, s, finhealth.AuditOrganizationUpdated); n != 1 {
		t.Fatalf("%d updates audited, want 1", n)
	}

	_, err = s.UpdateOrganization(ctx, org.ID, finhealth.OrganizationUpdate{Name: ptr("  ")})
	wantCode(t, err, finhealth.EINVALID)
	_, err = s.UpdateOrganization(ctx, "0190a000-0000-7000-8000-000000000000", finhealth.OrganizationUpdate{Name: ptr("x")})
	wantCode(t, err, finhealth.ENOTFOUND)
	_, err = s.Organization(ctx, "0190a000-0000-7000-8000-000000000000")
	wantCode(t, err, finhealth.ENOTFOUND)
}

// invite creates an invitation valid for an hour and returns it.
func invite(t *testing.T, s finhealth.Store, by *finhealth.User, orgID, email string, role finhealth.OrgRole) *finhealth.Invitation {
	t.Helper()
	inv, err := s.CreateInvitation(actorCtx(by), finhealth.Invitation{
		OrganizationID: orgID, Email: email, Role: role, TokenHash: unique("invite"), ExpiresAt: nowOf(s).Add(time.Hour),
	})
	if err != nil {
		t.Fatalf("CreateInvitation(%s): %v", email, err)
	}
	return inv
}

// join adds u to the organization through an invitation.
func join(t *testing.T, s finhealth.Store, owner *finhealth.User, orgID string, u *finhealth.User, role finhealth.OrgRole) *finhealth.Membership {
	t.Helper()
	inv := invite(t, s, owner, orgID, u.Email, role)
	m, err := s.AcceptInvitation(actorCtx(u), inv.TokenHash, u.ID)
	if err != nil {
		t.Fatalf("AcceptInvitation(%s): %v", u.Email, err)
	}
	return m
}

func testMemberships(t *testing.T, s finhealth.Store) {
	owner, org := register(t, s, "owner@example.com")
	advisor, advisorOrg := register(t, s, "advisor@example.com")
	viewer := createUser(t, s, "viewer@example.com", finhealth.RoleUser)
	join(t, s, owner, org.ID, advisor, finhealth.OrgRoleAdvisor)
	join(t, s, owner, org.ID, viewer, finhealth.OrgRoleViewer)
	ctx := context.Background()

	members, err := s.Members(ctx, org.ID)
	must(t, err)
	var got []string
	for _, m := range members {
		if m.OrganizationID != org.ID || m.OrganizationName != org.Name {
			t.Fatalf("member %+v", m)
		}
		got = append(got, m.UserEmail+"/"+m.UserName+"/"+string(m.Role))
	}
	wantEqual(t, "members, oldest first", got, []string{
		"owner@example.com/Name of owner@example.com/owner",
		"advisor@example.com/Name of advisor@example.com/advisor",
		"viewer@example.com/Name of viewer@example.com/viewer",
	})

	ms, err := s.MembershipsForUser(ctx, advisor.ID)
	must(t, err)
	got = nil
	for _, m := range ms {
		got = append(got, m.OrganizationName+"/"+string(m.Role))
	}
	wantEqual(t, "advisor's memberships, oldest first", got, []string{advisorOrg.Name + "/owner", org.Name + "/advisor"})

	m, err := s.Membership(ctx, org.ID, viewer.ID)
	must(t, err)
	if m.Role != finhealth.OrgRoleViewer || m.UserEmail != viewer.Email {
		t.Fatalf("membership = %+v", m)
	}
	recent(t, "membership CreatedAt", m.CreatedAt)
	_, err = s.Membership(ctx, advisorOrg.ID, viewer.ID)
	wantCode(t, err, finhealth.ENOTFOUND)

	none, err := s.Members(ctx, "0190a000-0000-7000-8000-000000000000")
	must(t, err)
	if len(none) != 0 {
		t.Fatalf("members of unknown organization = %+v", none)
	}
}

func testChangeMemberRole(t *testing.T, s finhealth.Store) {
	owner, org := register(t, s, "owner@example.com")
	other := createUser(t, s, "other@example.com", finhealth.RoleUser)
	join(t, s, owner, org.ID, other, finhealth.OrgRoleViewer)
	ctx := actorCtx(owner)

	// The only owner cannot stop being one, and the refusal leaves no trace.
	_, err := s.ChangeMemberRole(ctx, org.ID, owner.ID, finhealth.OrgRoleAdvisor)
	wantCode(t, err, finhealth.ECONFLICT)
	m, err := s.Membership(ctx, org.ID, owner.ID)
	must(t, err)
	if m.Role != finhealth.OrgRoleOwner {
		t.Fatalf("role after refused change = %q", m.Role)
	}
	if n := countAction(t, s, finhealth.AuditMemberRoleChanged); n != 0 {
		t.Fatalf("refused change audited %d times", n)
	}

	promoted, err := s.ChangeMemberRole(ctx, org.ID, other.ID, finhealth.OrgRoleOwner)
	must(t, err)
	if promoted.Role != finhealth.OrgRoleOwner || promoted.UserID != other.ID {
		t.Fatalf("promoted = %+v", promoted)
	}
	// Now there are two owners, the first may step down.
	demoted, err := s.ChangeMemberRole(ctx, org.ID, owner.ID, finhealth.OrgRoleAdvisor)
	must(t, err)
	if demoted.Role != finhealth.OrgRoleAdvisor {
		t.Fatalf("demoted = %+v", demoted)
	}
	stored, err := s.Membership(ctx, org.ID, owner.ID)
	must(t, err)
	wantEqual(t, "stored membership", stored, demoted)

	entries := allAudit(t, s, finhealth.AuditFilter{OrganizationID: org.ID, Action: finhealth.AuditMemberRoleChanged})
	if len(entries) != 2 || entries[0].TargetID != owner.ID || entries[0].Details["from"] != "owner" ||
		entries[0].Details["to"] != "advisor" || entries[0].ActorID != owner.ID {
		t.Fatalf("audit = %+v", entries)
	}

	_, err = s.ChangeMemberRole(ctx, org.ID, other.ID, "boss")
	wantCode(t, err, finhealth.EINVALID)
	_, err = s.ChangeMemberRole(ctx, org.ID, "0190a000-0000-7000-8000-000000000000", finhealth.OrgRoleViewer)
	wantCode(t, err, finhealth.ENOTFOUND)
}

// testLastOwnerConcurrent has an organization's only two owners step down at once
// (one demoted, one removed): exactly one may succeed.
func testLastOwnerConcurrent(t *testing.T, s finhealth.Store) {
	for round := range 5 {
		a, org := register(t, s, fmt.Sprintf("a%d@example.com", round))
		b := createUser(t, s, fmt.Sprintf("b%d@example.com", round), finhealth.RoleUser)
		join(t, s, a, org.ID, b, finhealth.OrgRoleOwner)
		ctx := actorCtx(a)
		var wg sync.WaitGroup
		errs := make([]error, 2)
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, errs[0] = s.ChangeMemberRole(ctx, org.ID, a.ID, finhealth.OrgRoleViewer)
		}()
		go func() {
			defer wg.Done()
			errs[1] = s.RemoveMember(ctx, org.ID, b.ID)
		}()
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch finhealth.ErrorCode(err) {
			case "":
				ok++
			case finhealth.ECONFLICT:
			default:
				t.Fatalf("round %d: unexpected error %v", round, err)
			}
		}
		if ok != 1 {
			t.Fatalf("round %d: %d of 2 concurrent step-downs succeeded (%v), want exactly 1", round, ok, errs)
		}
		members, err := s.Members(ctx, org.ID)
		must(t, err)
		owners := 0
		for _, m := range members {
			if m.Role == finhealth.OrgRoleOwner {
				owners++
			}
		}
		if owners != 1 {
			t.Fatalf("round %d: %d owners left, want 1", round, owners)
		}
	}
}

func testRemoveMember(t *testing.T, s finhealth.Store) {
	owner, org := register(t, s, "owner@example.com")
	member := createUser(t, s, "member@example.com", finhealth.RoleUser)
	join(t, s, owner, org.ID, member, finhealth.OrgRoleAdvisor)
	ctx := actorCtx(owner)

	err := s.RemoveMember(ctx, org.ID, owner.ID)
	wantCode(t, err, finhealth.ECONFLICT)
	_, err = s.Membership(ctx, org.ID, owner.ID)
	must(t, err)

	// The member joined with no organization of their own, so this became their
	// default; removal takes it away.
	u, err := s.UserByID(ctx, member.ID)
	must(t, err)
	if u.DefaultOrganizationID != org.ID {
		t.Fatalf("default organization = %q, want %q", u.DefaultOrganizationID, org.ID)
	}
	must(t, s.RemoveMember(ctx, org.ID, member.ID))
	_, err = s.Membership(ctx, org.ID, member.ID)
	wantCode(t, err, finhealth.ENOTFOUND)
	u, err = s.UserByID(ctx, member.ID)
	must(t, err)
	if u.DefaultOrganizationID != "" {
		t.Fatalf("default organization after removal = %q", u.DefaultOrganizationID)
	}
	if got := auditActions(t, s, org.ID); !slices.Contains(got, finhealth.AuditMemberRemoved) {
		t.Fatalf("audit = %v", got)
	}

	err = s.RemoveMember(ctx, org.ID, member.ID)
	wantCode(t, err, finhealth.ENOTFOUND)

	// With a second owner, the first may leave.
	second := createUser(t, s, "second@example.com", finhealth.RoleUser)
	join(t, s, owner, org.ID, second, finhealth.OrgRoleOwner)
	must(t, s.RemoveMember(ctx, org.ID, owner.ID))
	// The owner's default organization was this one; it falls back to none, since
	// they have no other membership.
	u, err = s.UserByID(ctx, owner.ID)
	must(t, err)
	if u.DefaultOrganizationID != "" {
		t.Fatalf("former owner's default organization = %q", u.DefaultOrganizationID)
	}
}

func testInvitations(t *testing.T, s finhealth.Store) {
	owner, org := register(t, s, "owner@example.com")
	ctx := actorCtx(owner)
	expires := nowOf(s).Add(48 * time.Hour)

	inv, err := s.CreateInvitation(ctx, finhealth.Invitation{
		OrganizationID: org.ID, Email: "New@Example.com", Role: finhealth.OrgRoleAdvisor, TokenHash: "tok-1", ExpiresAt: expires,
	})
	must(t, err)
	if inv.ID == "" || inv.Email != "new@example.com" || inv.InvitedBy != owner.ID || inv.AcceptedAt != nil ||
		!inv.ExpiresAt.Equal(expires.UTC().Truncate(time.Microsecond)) {
		t.Fatalf("invitation = %+v", inv)
	}
	recent(t, "invitation CreatedAt", inv.CreatedAt)
	pending, err := s.Invitations(ctx, org.ID)
	must(t, err)
	wantEqual(t, "pending invitations", pending, []*finhealth.Invitation{inv})

	// An expired invitation is not pending.
	_, err = s.CreateInvitation(ctx, finhealth.Invitation{
		OrganizationID: org.ID, Email: "late@example.com", Role: finhealth.OrgRoleViewer, TokenHash: "tok-late",
		ExpiresAt: nowOf(s).Add(-time.Minute),
	})
	must(t, err)
	pending, err = s.Invitations(ctx, org.ID)
	must(t, err)
	if len(pending) != 1 {
		t.Fatalf("%d pending invitations, want 1", len(pending))
	}

	// The invitee registers and accepts; their own organization stays their default.
	newcomer, own := register(t, s, "new@example.com")
	m, err := s.AcceptInvitation(actorCtx(newcomer), "tok-1", newcomer.ID)
	must(t, err)
	if m.OrganizationID != org.ID || m.UserID != newcomer.ID || m.Role != finhealth.OrgRoleAdvisor ||
		m.OrganizationName != org.Name || m.UserEmail != newcomer.Email {
		t.Fatalf("membership = %+v", m)
	}
	u, err := s.UserByID(ctx, newcomer.ID)
	must(t, err)
	if u.DefaultOrganizationID != own.ID {
		t.Fatalf("default organization = %q, want own %q", u.DefaultOrganizationID, own.ID)
	}
	pending, err = s.Invitations(ctx, org.ID)
	must(t, err)
	if len(pending) != 0 {
		t.Fatalf("accepted invitation still pending: %+v", pending)
	}
	entries := allAudit(t, s, finhealth.AuditFilter{OrganizationID: org.ID, Action: finhealth.AuditMemberJoined})
	if len(entries) != 1 || entries[0].TargetID != newcomer.ID || entries[0].ActorID != newcomer.ID {
		t.Fatalf("member.joined audit = %+v", entries)
	}
	if n := len(allAudit(t, s, finhealth.AuditFilter{OrganizationID: org.ID, Action: finhealth.AuditMemberInvited})); n != 2 {
		t.Fatalf("%d member.invited entries, want 2", n)
	}

	// Accepting twice: the invitation is spent.
	_, err = s.AcceptInvitation(actorCtx(newcomer), "tok-1", newcomer.ID)
	wantCode(t, err, finhealth.ENOTFOUND)

	// Inviting a member is a conflict, whatever the case of the address.
	_, err = s.CreateInvitation(ctx, finhealth.Invitation{
		OrganizationID: org.ID, Email: "NEW@example.com", Role: finhealth.OrgRoleViewer, TokenHash: "tok-2", ExpiresAt: expires,
	})
	wantCode(t, err, finhealth.ECONFLICT)

	// A user without an organization gets the one they join as default.
	loner := createUser(t, s, "loner@example.com", finhealth.RoleUser)
	join(t, s, owner, org.ID, loner, finhealth.OrgRoleViewer)
	u, err = s.UserByID(ctx, loner.ID)
	must(t, err)
	if u.DefaultOrganizationID != org.ID {
		t.Fatalf("loner's default organization = %q, want %q", u.DefaultOrganizationID, org.ID)
	}

	for name, bad := range map[string]finhealth.Invitation{
		"role":       {OrganizationID: org.ID, Email: "x@example.com", Role: "boss", TokenHash: "t-a", ExpiresAt: expires},
		"email":      {OrganizationID: org.ID, Email: " ", Role: finhealth.OrgRoleViewer, TokenHash: "t-b", ExpiresAt: expires},
		"token_hash": {OrganizationID: org.ID, Email: "x@example.com", Role: finhealth.OrgRoleViewer, ExpiresAt: expires},
		"expires_at": {OrganizationID: org.ID, Email: "x@example.com", Role: finhealth.OrgRoleViewer, TokenHash: "t-c"},
	} {
		_, err := s.CreateInvitation(ctx, bad)
		wantCode(t, err, finhealth.EINVALID)
		if finhealth.ErrorFields(err)[name] == "" {
			t.Fatalf("fields = %v, want %s", finhealth.ErrorFields(err), name)
		}
	}
	_, err = s.CreateInvitation(ctx, finhealth.Invitation{
		OrganizationID: "0190a000-0000-7000-8000-000000000000", Email: "x@example.com", Role: finhealth.OrgRoleViewer,
		TokenHash: "t-d", ExpiresAt: expires,
	})
	wantCode(t, err, finhealth.ENOTFOUND)
	// A token hash can only be used once.
	_, err = s.CreateInvitation(ctx, finhealth.Invitation{
		OrganizationID: org.ID, Email: "y@example.com", Role: finhealth.OrgRoleViewer, TokenHash: "tok-late", ExpiresAt: expires,
	})
	wantCode(t, err, finhealth.ECONFLICT)
}

func testInvitationReplaced(t *testing.T, s finhealth.Store) {
	owner, org := register(t, s, "owner@example.com")
	ctx := actorCtx(owner)
	first := invite(t, s, owner, org.ID, "invitee@example.com", finhealth.OrgRoleViewer)
	second := invite(t, s, owner, org.ID, "INVITEE@example.com", finhealth.OrgRoleAdvisor)

	pending, err := s.Invitations(ctx, org.ID)
	must(t, err)
	wantEqual(t, "pending after re-invite", pending, []*finhealth.Invitation{second})

	invitee := createUser(t, s, "invitee@example.com", finhealth.RoleUser)
	_, err = s.AcceptInvitation(actorCtx(invitee), first.TokenHash, invitee.ID)
	wantCode(t, err, finhealth.ENOTFOUND)
	m, err := s.AcceptInvitation(actorCtx(invitee), second.TokenHash, invitee.ID)
	must(t, err)
	if m.Role != finhealth.OrgRoleAdvisor {
		t.Fatalf("joined as %q, want the newer invitation's advisor", m.Role)
	}
}

// testRevokeInvitation: a revoked invitation is gone for good, and only the inviting
// organization can revoke its own pending ones.
func testRevokeInvitation(t *testing.T, s finhealth.Store) {
	owner, org := register(t, s, "owner@example.com")
	other, otherOrg := register(t, s, "other@example.com")
	ctx := actorCtx(owner)
	invitee := createUser(t, s, "invitee@example.com", finhealth.RoleUser)
	revoked := invite(t, s, owner, org.ID, invitee.Email, finhealth.OrgRoleAdvisor)
	kept := invite(t, s, owner, org.ID, "kept@example.com", finhealth.OrgRoleViewer)
	foreign := invite(t, s, other, otherOrg.ID, "foreign@example.com", finhealth.OrgRoleViewer)

	// Another organization's invitation, by its own id or through this one.
	wantCode(t, s.RevokeInvitation(ctx, org.ID, foreign.ID), finhealth.ENOTFOUND)
	wantCode(t, s.RevokeInvitation(ctx, otherOrg.ID, revoked.ID), finhealth.ENOTFOUND)
	wantCode(t, s.RevokeInvitation(ctx, org.ID, "0190a000-0000-7000-8000-000000000000"), finhealth.ENOTFOUND)

	must(t, s.RevokeInvitation(ctx, org.ID, revoked.ID))
	pending, err := s.Invitations(ctx, org.ID)
	must(t, err)
	wantEqual(t, "pending after revoking", pending, []*finhealth.Invitation{kept})
	_, err = s.PendingInvitation(actorCtx(invitee), revoked.TokenHash, invitee.ID)
	wantCode(t, err, finhealth.ENOTFOUND)
	_, err = s.AcceptInvitation(actorCtx(invitee), revoked.TokenHash, invitee.ID)
	wantCode(t, err, finhealth.ENOTFOUND)
	_, err = s.Membership(ctx, org.ID, invitee.ID)
	wantCode(t, err, finhealth.ENOTFOUND)
	wantCode(t, s.RevokeInvitation(ctx, org.ID, revoked.ID), finhealth.ENOTFOUND)

	entries := allAudit(t, s, finhealth.AuditFilter{OrganizationID: org.ID, Action: finhealth.AuditInvitationRevoked})
	if len(entries) != 1 || entries[0].TargetID != revoked.ID || entries[0].ActorID != owner.ID ||
		entries[0].Details["email"] != invitee.Email || entries[0].Details["role"] != string(finhealth.OrgRoleAdvisor) {
		t.Fatalf("%s audit = %+v", finhealth.AuditInvitationRevoked, entries)
	}
	// The other organization's invitation was left alone.
	pending, err = s.Invitations(ctx, otherOrg.ID)
	must(t, err)
	wantEqual(t, "other organization's pending", pending, []*finhealth.Invitation{foreign})

	// An accepted invitation is a membership now; revoking it is not how to undo that.
	joiner := createUser(t, s, "joiner@example.com", finhealth.RoleUser)
	accepted := invite(t, s, owner, org.ID, joiner.Email, finhealth.OrgRoleViewer)
	_, err = s.AcceptInvitation(actorCtx(joiner), accepted.TokenHash, joiner.ID)
	must(t, err)
	wantCode(t, s.RevokeInvitation(ctx, org.ID, accepted.ID), finhealth.ENOTFOUND)
	_, err = s.Membership(ctx, org.ID, joiner.ID)
	must(t, err)
	if n := countAction(t, s, finhealth.AuditInvitationRevoked); n != 1 {
		t.Fatalf("%d revocations audited, want 1", n)
	}
}

// testInvitationsOutliveNoInviter: an invitation speaks for its inviter, so an
// owner who is demoted, removed or deactivated takes what they sent with them, each
// revocation audited with why; another owner's invitations stay.
func testInvitationsOutliveNoInviter(t *testing.T, s finhealth.Store) {
	founder, org := register(t, s, "founder@example.com")
	partner := createUser(t, s, "partner@example.com", finhealth.RoleUser)
	join(t, s, founder, org.ID, partner, finhealth.OrgRoleOwner)
	third := createUser(t, s, "third@example.com", finhealth.RoleUser)
	join(t, s, founder, org.ID, third, finhealth.OrgRoleOwner)

	invitee := createUser(t, s, "invitee@example.com", finhealth.RoleUser)
	byPartner := invite(t, s, partner, org.ID, invitee.Email, finhealth.OrgRoleOwner)
	byThird := invite(t, s, third, org.ID, "later@example.com", finhealth.OrgRoleViewer)
	byFounder := invite(t, s, founder, org.ID, "kept@example.com", finhealth.OrgRoleViewer)

	// Demoted: the partner's invitation no longer admits anyone.
	_, err := s.ChangeMemberRole(actorCtx(founder), org.ID, partner.ID, finhealth.OrgRoleViewer)
	must(t, err)
	_, err = s.PendingInvitation(actorCtx(invitee), byPartner.TokenHash, invitee.ID)
	wantCode(t, err, finhealth.ENOTFOUND)
	_, err = s.AcceptInvitation(actorCtx(invitee), byPartner.TokenHash, invitee.ID)
	wantCode(t, err, finhealth.ENOTFOUND)

	// Removed: the third owner's invitation goes too.
	must(t, s.RemoveMember(actorCtx(founder), org.ID, third.ID))
	pending, err := s.Invitations(actorCtx(founder), org.ID)
	must(t, err)
	wantEqual(t, "pending after the inviters left", pending, []*finhealth.Invitation{byFounder})

	entries := allAudit(t, s, finhealth.AuditFilter{OrganizationID: org.ID, Action: finhealth.AuditInvitationRevoked})
	reasons := map[string]string{}
	for _, e := range entries {
		reasons[e.TargetID] = e.Details["reason"]
	}
	if len(entries) != 2 || reasons[byPartner.ID] != "the inviter is no longer an owner" || reasons[byThird.ID] != "the inviter was removed" {
		t.Fatalf("revocations audited: %+v", entries)
	}

	// Deactivated: the founder's invitation is revoked in every organization.
	admin := createUser(t, s, "admin@example.com", finhealth.RoleAdmin)
	_, err = s.DeactivateUser(actorCtx(admin), founder.ID)
	must(t, err)
	_, err = s.AcceptInvitation(actorCtx(invitee), byFounder.TokenHash, invitee.ID)
	wantCode(t, err, finhealth.ENOTFOUND)
	pending, err = s.Invitations(actorCtx(partner), org.ID)
	must(t, err)
	wantEqual(t, "pending after the founder was deactivated", pending, []*finhealth.Invitation{})
}

func testAcceptInvitationRejected(t *testing.T, s finhealth.Store) {
	owner, org := register(t, s, "owner@example.com")
	ctx := actorCtx(owner)
	invitee := createUser(t, s, "invitee@example.com", finhealth.RoleUser)
	stranger := createUser(t, s, "stranger@example.com", finhealth.RoleUser)
	inv := invite(t, s, owner, org.ID, invitee.Email, finhealth.OrgRoleViewer)

	// Addressed to someone else.
	_, err := s.AcceptInvitation(actorCtx(stranger), inv.TokenHash, stranger.ID)
	wantCode(t, err, finhealth.ENOTFOUND)
	// Unknown token.
	_, err = s.AcceptInvitation(actorCtx(invitee), "no-such-token", invitee.ID)
	wantCode(t, err, finhealth.ENOTFOUND)
	// Unknown user.
	_, err = s.AcceptInvitation(ctx, inv.TokenHash, "0190a000-0000-7000-8000-000000000000")
	wantCode(t, err, finhealth.ENOTFOUND)

	// Expired.
	expired, err := s.CreateInvitation(ctx, finhealth.Invitation{
		OrganizationID: org.ID, Email: "late@example.com", Role: finhealth.OrgRoleViewer, TokenHash: "expired",
		ExpiresAt: nowOf(s).Add(-time.Second),
	})
	must(t, err)
	late := createUser(t, s, "late@example.com", finhealth.RoleUser)
	_, err = s.AcceptInvitation(actorCtx(late), expired.TokenHash, late.ID)
	wantCode(t, err, finhealth.ENOTFOUND)

	// None of that changed anything.
	_, err = s.Membership(ctx, org.ID, stranger.ID)
	wantCode(t, err, finhealth.ENOTFOUND)
	pending, err := s.Invitations(ctx, org.ID)
	must(t, err)
	wantEqual(t, "pending", pending, []*finhealth.Invitation{inv})
	if n := countAction(t, s, finhealth.AuditMemberJoined); n != 0 {
		t.Fatalf("%d joins audited, want 0", n)
	}
}

// testPendingInvitation: the preview finds exactly what AcceptInvitation would
// accept, and answers ENOTFOUND for everything it would refuse.
func testPendingInvitation(t *testing.T, s finhealth.Store) {
	owner, org := register(t, s, "owner@example.com")
	ctx := actorCtx(owner)
	invitee := createUser(t, s, "invitee@example.com", finhealth.RoleUser)
	stranger := createUser(t, s, "stranger@example.com", finhealth.RoleUser)
	inv := invite(t, s, owner, org.ID, "Invitee@Example.com", finhealth.OrgRoleAdvisor)

	got, err := s.PendingInvitation(ctx, inv.TokenHash, invitee.ID)
	must(t, err)
	want := *inv
	want.OrganizationName = org.Name
	wantEqual(t, "pending invitation", got, &want)

	_, err = s.PendingInvitation(ctx, inv.TokenHash, stranger.ID)
	wantCode(t, err, finhealth.ENOTFOUND)
	_, err = s.PendingInvitation(ctx, "no-such-token", invitee.ID)
	wantCode(t, err, finhealth.ENOTFOUND)
	_, err = s.PendingInvitation(ctx, inv.TokenHash, "0190a000-0000-7000-8000-000000000000")
	wantCode(t, err, finhealth.ENOTFOUND)

	expired, err := s.CreateInvitation(ctx, finhealth.Invitation{
		OrganizationID: org.ID, Email: "late@example.com", Role: finhealth.OrgRoleViewer, TokenHash: unique("expired"),
		ExpiresAt: nowOf(s).Add(-time.Second),
	})
	must(t, err)
	late := createUser(t, s, "late@example.com", finhealth.RoleUser)
	_, err = s.PendingInvitation(ctx, expired.TokenHash, late.ID)
	wantCode(t, err, finhealth.ENOTFOUND)

	gone := createUser(t, s, "gone@example.com", finhealth.RoleUser)
	goneInv := invite(t, s, owner, org.ID, gone.Email, finhealth.OrgRoleViewer)
	_, err = s.DeactivateUser(ctx, gone.ID)
	must(t, err)
	_, err = s.PendingInvitation(ctx, goneInv.TokenHash, gone.ID)
	wantCode(t, err, finhealth.ENOTFOUND)

	// Once accepted, it is no longer pending; looking did not accept it.
	if _, err := s.Membership(ctx, org.ID, invitee.ID); finhealth.ErrorCode(err) != finhealth.ENOTFOUND {
		t.Fatalf("previewing made a membership: %v", err)
	}
	_, err = s.AcceptInvitation(actorCtx(invitee), inv.TokenHash, invitee.ID)
	must(t, err)
	_, err = s.PendingInvitation(ctx, inv.TokenHash, invitee.ID)
	wantCode(t, err, finhealth.ENOTFOUND)
}
