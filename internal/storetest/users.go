package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"finhealth"
)

func testRegister(t *testing.T, s finhealth.Store) {
	ctx := finhealth.WithActor(context.Background(), finhealth.Actor{IP: "198.51.100.1"})
	u, o, err := s.Register(ctx,
		finhealth.NewUser{Email: " Ada@Example.COM ", Name: "Ada", PasswordHash: "argon2id$x", Role: finhealth.RoleUser},
		finhealth.NewOrganization{Name: "Ada's Bakery", Industry: "food", CompanySize: "1-10"})
	must(t, err)

	if u.ID == "" || u.Email != "ada@example.com" || u.Name != "Ada" || u.Role != finhealth.RoleUser ||
		!u.Active || u.PasswordHash != "argon2id$x" || u.DefaultOrganizationID != o.ID {
		t.Fatalf("registered user = %+v", u)
	}
	recent(t, "user.CreatedAt", u.CreatedAt)
	if !u.UpdatedAt.Equal(u.CreatedAt) {
		t.Fatalf("UpdatedAt %v != CreatedAt %v", u.UpdatedAt, u.CreatedAt)
	}
	if o.ID == "" || o.Name != "Ada's Bakery" || o.Industry != "food" || o.CompanySize != "1-10" {
		t.Fatalf("registered organization = %+v", o)
	}
	recent(t, "organization.CreatedAt", o.CreatedAt)

	byID, err := s.UserByID(ctx, u.ID)
	must(t, err)
	wantEqual(t, "UserByID", byID, u)
	byEmail, err := s.UserByEmail(ctx, "ADA@example.com")
	must(t, err)
	wantEqual(t, "UserByEmail", byEmail, u)
	org, err := s.Organization(ctx, o.ID)
	must(t, err)
	wantEqual(t, "Organization", org, o)

	m, err := s.Membership(ctx, o.ID, u.ID)
	must(t, err)
	if m.Role != finhealth.OrgRoleOwner || m.OrganizationName != o.Name || m.UserEmail != u.Email || m.UserName != u.Name {
		t.Fatalf("owner membership = %+v", m)
	}

	entries := allAudit(t, s, finhealth.AuditFilter{Action: finhealth.AuditUserRegistered})
	if len(entries) != 1 {
		t.Fatalf("%d user.registered entries, want 1", len(entries))
	}
	e := entries[0]
	if e.ActorID != u.ID || e.ActorEmail != u.Email || e.OrganizationID != o.ID || e.TargetID != u.ID ||
		e.IP != "198.51.100.1" || e.ID == "" {
		t.Fatalf("audit entry = %+v", e)
	}
	recent(t, "audit At", e.At)
}

func testRegisterDuplicateEmail(t *testing.T, s finhealth.Store) {
	first, org := register(t, s, "dup@example.com")
	_, _, err := s.Register(context.Background(),
		finhealth.NewUser{Email: "DUP@example.com", Name: "Other", PasswordHash: "h"},
		finhealth.NewOrganization{Name: "Other org"})
	wantCode(t, err, finhealth.ECONFLICT)
	if msg := finhealth.ErrorMessage(err); msg != "email already registered" {
		t.Fatalf("message = %q", msg)
	}
	// Nothing of the failed registration was written: the organization inserted
	// before the user failed went with the transaction.
	if n := countAction(t, s, finhealth.AuditUserRegistered); n != 1 {
		t.Fatalf("%d user.registered entries, want 1", n)
	}
	got, err := s.UserByEmail(context.Background(), "dup@example.com")
	must(t, err)
	wantEqual(t, "first user", got, first)
	ms, err := s.MembershipsForUser(context.Background(), first.ID)
	must(t, err)
	if len(ms) != 1 || ms[0].OrganizationID != org.ID {
		t.Fatalf("memberships = %+v", ms)
	}

	_, err = s.CreateUser(context.Background(), finhealth.NewUser{Email: "dup@example.com", Name: "x", PasswordHash: "h"})
	wantCode(t, err, finhealth.ECONFLICT)
}

func testRegisterInvalid(t *testing.T, s finhealth.Store) {
	_, _, err := s.Register(context.Background(), finhealth.NewUser{Email: " ", Name: "x", PasswordHash: "h"},
		finhealth.NewOrganization{Name: "o"})
	wantCode(t, err, finhealth.EINVALID)
	if finhealth.ErrorFields(err)["email"] == "" {
		t.Fatalf("fields = %v, want email", finhealth.ErrorFields(err))
	}
	_, _, err = s.Register(context.Background(), finhealth.NewUser{Email: "a@b.c", Name: "x", PasswordHash: "h", Role: "root"},
		finhealth.NewOrganization{Name: "o"})
	wantCode(t, err, finhealth.EINVALID)
	_, err = s.CreateUser(context.Background(), finhealth.NewUser{Email: "a@b.c", Name: "x", PasswordHash: ""})
	wantCode(t, err, finhealth.EINVALID)
}

func testCreateUser(t *testing.T, s finhealth.Store) {
	admin := createUser(t, s, "Root@Example.com", finhealth.RoleAdmin)
	if admin.Email != "root@example.com" || admin.Role != finhealth.RoleAdmin || !admin.Active || admin.DefaultOrganizationID != "" {
		t.Fatalf("created user = %+v", admin)
	}
	got, err := s.UserByID(context.Background(), admin.ID)
	must(t, err)
	wantEqual(t, "UserByID", got, admin)
	ms, err := s.MembershipsForUser(context.Background(), admin.ID)
	must(t, err)
	if len(ms) != 0 {
		t.Fatalf("memberships = %+v, want none", ms)
	}
	if n := countAction(t, s, finhealth.AuditUserCreated); n != 1 {
		t.Fatalf("%d user.created entries, want 1", n)
	}
	// An empty role is a plain user.
	u, err := s.CreateUser(context.Background(), finhealth.NewUser{Email: "plain@example.com", Name: "p", PasswordHash: "h"})
	must(t, err)
	if u.Role != finhealth.RoleUser {
		t.Fatalf("role = %q, want user", u.Role)
	}
}

func testUserNotFound(t *testing.T, s finhealth.Store) {
	_, err := s.UserByID(context.Background(), "0190a000-0000-7000-8000-000000000000")
	wantCode(t, err, finhealth.ENOTFOUND)
	_, err = s.UserByID(context.Background(), "not-a-uuid")
	wantCode(t, err, finhealth.ENOTFOUND)
	_, err = s.UserByEmail(context.Background(), "nobody@example.com")
	wantCode(t, err, finhealth.ENOTFOUND)
}

// listAllUsers follows cursors with the given page size, checking each page's size.
func listAllUsers(t *testing.T, s finhealth.Store, f finhealth.UserFilter) (users []*finhealth.User, pages int) {
	t.Helper()
	for {
		page, next, err := s.ListUsers(context.Background(), f)
		must(t, err)
		pages++
		if len(page) > f.Limit || (next != "" && len(page) != f.Limit) {
			t.Fatalf("page %d has %d users with limit %d (next %q)", pages, len(page), f.Limit, next)
		}
		users = append(users, page...)
		if next == "" {
			return users, pages
		}
		if pages > 100 {
			t.Fatal("pagination does not end")
		}
		f.Cursor = next
	}
}

func testListUsers(t *testing.T, s finhealth.Store) {
	var want []string
	for i := range 45 {
		want = append(want, createUser(t, s, fmt.Sprintf("user%02d@example.com", i), finhealth.RoleUser).ID)
	}
	users, pages := listAllUsers(t, s, finhealth.UserFilter{Limit: 20})
	if pages != 3 {
		t.Fatalf("%d pages, want 3", pages)
	}
	got := make([]string, len(users))
	for i, u := range users {
		got[i] = u.ID
	}
	// Creation order, every user exactly once.
	wantEqual(t, "listed ids", got, want)

	// Exactly a multiple of the page size: the last full page says there is no more.
	users, pages = listAllUsers(t, s, finhealth.UserFilter{Limit: 15})
	if len(users) != 45 || pages != 3 {
		t.Fatalf("%d users in %d pages, want 45 in 3", len(users), pages)
	}

	_, _, err := s.ListUsers(context.Background(), finhealth.UserFilter{Cursor: "not a cursor!"})
	wantCode(t, err, finhealth.EINVALID)
	if finhealth.ErrorFields(err)["cursor"] == "" {
		t.Fatalf("fields = %v, want cursor", finhealth.ErrorFields(err))
	}
	// Well-formed base64 that does not hold an id is as malformed.
	_, _, err = s.ListUsers(context.Background(), finhealth.UserFilter{Cursor: "aGVsbG8"})
	wantCode(t, err, finhealth.EINVALID)
}

func testListUsersQuery(t *testing.T, s finhealth.Store) {
	ctx := context.Background()
	mk := func(email, name string) *finhealth.User {
		u, err := s.CreateUser(ctx, finhealth.NewUser{Email: email, Name: name, PasswordHash: "h"})
		must(t, err)
		return u
	}
	ada := mk("ada@lovelace.org", "Ada Lovelace")
	grace := mk("grace@navy.mil", "Grace HOPPER")
	pct := mk("percent@example.com", "100% Real")
	under := mk("under_score@example.com", "Under Score")
	mk("other@example.com", "Someone Else")

	for _, tc := range []struct {
		query string
		want  []*finhealth.User
	}{
		{"LOVELACE", []*finhealth.User{ada}},
		{"hopper", []*finhealth.User{grace}},
		{"NAVY.MIL", []*finhealth.User{grace}},
		{"%", []*finhealth.User{pct}},        // a literal percent sign, not a wildcard
		{"p_r", nil},                         // "_" is literal, or it would match "per"
		{"under_", []*finhealth.User{under}}, // and matches itself
		{"nobody-matches-this", nil},
		{"  ada ", []*finhealth.User{ada}}, // surrounding space is ignored
	} {
		got, next, err := s.ListUsers(ctx, finhealth.UserFilter{Query: tc.query})
		must(t, err)
		if next != "" {
			t.Fatalf("query %q: unexpected next cursor", tc.query)
		}
		if len(got) == 0 && len(tc.want) == 0 {
			continue
		}
		wantEqual(t, "query "+tc.query, got, tc.want)
	}

	// A query pages like the full listing.
	page, next, err := s.ListUsers(ctx, finhealth.UserFilter{Query: "EXAMPLE.com", Limit: 2})
	must(t, err)
	if len(page) != 2 || next == "" {
		t.Fatalf("first page: %d users, next %q", len(page), next)
	}
	rest, next, err := s.ListUsers(ctx, finhealth.UserFilter{Query: "EXAMPLE.com", Limit: 2, Cursor: next})
	must(t, err)
	if len(rest) != 1 || next != "" || rest[0].Email != "other@example.com" {
		t.Fatalf("second page: %+v, next %q", rest, next)
	}
}

func testListUsersLimits(t *testing.T, s finhealth.Store) {
	for i := range finhealth.MaxPageSize + 5 {
		createUser(t, s, fmt.Sprintf("u%03d@example.com", i), finhealth.RoleUser)
	}
	for _, tc := range []struct{ limit, want int }{
		{0, finhealth.DefaultPageSize},
		{-3, finhealth.DefaultPageSize},
		{7, 7},
		{1000, finhealth.MaxPageSize},
	} {
		page, next, err := s.ListUsers(context.Background(), finhealth.UserFilter{Limit: tc.limit})
		must(t, err)
		if len(page) != tc.want || next == "" {
			t.Fatalf("limit %d: %d users (next %q), want %d and a next page", tc.limit, len(page), next, tc.want)
		}
	}
}

func testSetUserRole(t *testing.T, s finhealth.Store) {
	root := createUser(t, s, "root@example.com", finhealth.RoleAdmin)
	u, _ := register(t, s, "user@example.com")
	ctx := actorCtx(root)

	promoted, err := s.SetUserRole(ctx, u.ID, finhealth.RoleAdmin)
	must(t, err)
	if promoted.Role != finhealth.RoleAdmin || promoted.UpdatedAt.Before(u.UpdatedAt) {
		t.Fatalf("promoted = %+v", promoted)
	}
	got, err := s.UserByID(ctx, u.ID)
	must(t, err)
	wantEqual(t, "promoted user", got, promoted)

	entries := allAudit(t, s, finhealth.AuditFilter{Action: finhealth.AuditUserRoleChanged})
	if len(entries) != 1 || entries[0].TargetID != u.ID || entries[0].ActorID != root.ID ||
		entries[0].Details["from"] != "user" || entries[0].Details["to"] != "admin" {
		t.Fatalf("audit = %+v", entries)
	}

	// Setting the role a user has changes and audits nothing.
	_, err = s.SetUserRole(ctx, u.ID, finhealth.RoleAdmin)
	must(t, err)
	if n := countAction(t, s, finhealth.AuditUserRoleChanged); n != 1 {
		t.Fatalf("%d role changes audited, want 1", n)
	}

	// With two admins, one may step down.
	_, err = s.SetUserRole(ctx, root.ID, finhealth.RoleUser)
	must(t, err)

	_, err = s.SetUserRole(ctx, u.ID, "superuser")
	wantCode(t, err, finhealth.EINVALID)
	_, err = s.SetUserRole(ctx, "0190a000-0000-7000-8000-000000000000", finhealth.RoleUser)
	wantCode(t, err, finhealth.ENOTFOUND)
}

func testLastAdmin(t *testing.T, s finhealth.Store) {
	a := createUser(t, s, "a@example.com", finhealth.RoleAdmin)
	b := createUser(t, s, "b@example.com", finhealth.RoleAdmin)
	ctx := actorCtx(a)

	// b leaves; a is now the last active admin.
	_, err := s.DeactivateUser(ctx, b.ID)
	must(t, err)

	_, err = s.SetUserRole(ctx, a.ID, finhealth.RoleUser)
	wantCode(t, err, finhealth.ECONFLICT)
	_, err = s.DeactivateUser(ctx, a.ID)
	wantCode(t, err, finhealth.ECONFLICT)

	got, err := s.UserByID(ctx, a.ID)
	must(t, err)
	if got.Role != finhealth.RoleAdmin || !got.Active {
		t.Fatalf("last admin after refused changes = %+v", got)
	}
	if n := countAction(t, s, finhealth.AuditUserRoleChanged); n != 0 {
		t.Fatalf("refused change audited %d times", n)
	}
	// An inactive admin does not count, even if promoted again.
	_, err = s.SetUserRole(ctx, b.ID, finhealth.RoleAdmin)
	must(t, err)
	_, err = s.DeactivateUser(ctx, a.ID)
	wantCode(t, err, finhealth.ECONFLICT)
}

// testLastAdminConcurrent has the only two admins step down at once (one demoted,
// one deactivated): exactly one may succeed, or the instance would be left without
// an admin. Rounds repeat it to give a race the chance to show.
func testLastAdminConcurrent(t *testing.T, s finhealth.Store) {
	ctx := context.Background()
	var survivor *finhealth.User
	for round := range 5 {
		a := createUser(t, s, fmt.Sprintf("a%d@example.com", round), finhealth.RoleAdmin)
		b := createUser(t, s, fmt.Sprintf("b%d@example.com", round), finhealth.RoleAdmin)
		if survivor != nil {
			_, err := s.SetUserRole(ctx, survivor.ID, finhealth.RoleUser)
			must(t, err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, errs[0] = s.SetUserRole(ctx, a.ID, finhealth.RoleUser)
		}()
		go func() {
			defer wg.Done()
			_, errs[1] = s.DeactivateUser(ctx, b.ID)
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
		survivor = a
		if errs[0] == nil {
			survivor = b
		}
		got, err := s.UserByID(ctx, survivor.ID)
		must(t, err)
		if got.Role != finhealth.RoleAdmin || !got.Active {
			t.Fatalf("round %d: survivor %+v is not an active admin", round, got)
		}
	}
}

func testDeactivateUser(t *testing.T, s finhealth.Store) {
	root := createUser(t, s, "root@example.com", finhealth.RoleAdmin)
	u, _ := register(t, s, "leaver@example.com")
	ctx := actorCtx(root)
	future := nowOf(s).Add(time.Hour)
	must(t, s.CreateRefreshToken(ctx, finhealth.RefreshToken{UserID: u.ID, TokenHash: "leaver-1", ExpiresAt: future}))
	must(t, s.CreateRefreshToken(ctx, finhealth.RefreshToken{UserID: u.ID, TokenHash: "leaver-2", ExpiresAt: future}))

	got, err := s.DeactivateUser(ctx, u.ID)
	must(t, err)
	if got.Active {
		t.Fatalf("deactivated user = %+v", got)
	}
	stored, err := s.UserByID(ctx, u.ID)
	must(t, err)
	wantEqual(t, "deactivated user", stored, got)

	// Every refresh token was revoked with the deactivation.
	for _, h := range []string{"leaver-1", "leaver-2"} {
		_, _, err := s.RotateRefreshToken(ctx, h, finhealth.RefreshToken{TokenHash: unique(h), ExpiresAt: future})
		wantCode(t, err, finhealth.EUNAUTHORIZED)
	}
	// And no new one can be issued.
	err = s.CreateRefreshToken(ctx, finhealth.RefreshToken{UserID: u.ID, TokenHash: "leaver-3", ExpiresAt: future})
	wantCode(t, err, finhealth.EUNAUTHORIZED)

	entries := allAudit(t, s, finhealth.AuditFilter{Action: finhealth.AuditUserDeactivated})
	if len(entries) != 1 || entries[0].TargetID != u.ID || entries[0].ActorID != root.ID {
		t.Fatalf("audit = %+v", entries)
	}

	// Deactivating again is harmless and not audited again.
	_, err = s.DeactivateUser(ctx, u.ID)
	must(t, err)
	if n := countAction(t, s, finhealth.AuditUserDeactivated); n != 1 {
		t.Fatalf("%d deactivations audited, want 1", n)
	}
	_, err = s.DeactivateUser(ctx, "0190a000-0000-7000-8000-000000000000")
	wantCode(t, err, finhealth.ENOTFOUND)
}
