package finhealth_test

import (
	"strings"
	"testing"

	"finhealth"
)

// wantFields checks that err is EINVALID naming exactly the fields want (none: nil).
func wantFields(t *testing.T, what string, err error, want ...string) {
	t.Helper()
	if len(want) == 0 {
		if err != nil {
			t.Errorf("%s: %v, want valid", what, err)
		}
		return
	}
	fields := finhealth.ErrorFields(err)
	if finhealth.ErrorCode(err) != finhealth.EINVALID || len(fields) != len(want) {
		t.Errorf("%s: %v, want EINVALID naming %v", what, err, want)
		return
	}
	for _, f := range want {
		if fields[f] == "" {
			t.Errorf("%s: %v does not name %q", what, err, f)
		}
	}
}

func TestNewUserValidate(t *testing.T) {
	for _, tc := range []struct {
		email, name string
		role        finhealth.Role
		fields      []string
	}{
		{"ada@example.com", "Ada", finhealth.RoleUser, nil},
		{"a.b+tag@sub.example.org", "Ada Lovelace", finhealth.RoleAdmin, nil},
		{"jos\u00e9@example.com", "Jos\u00e9", finhealth.RoleUser, nil},
		{"ada@example.com", strings.Repeat("n", 100), finhealth.RoleUser, nil},
		{"ada@example.com", strings.Repeat("\u00e9", 100), finhealth.RoleUser, nil}, // characters, not bytes
		{"ada@example.com", strings.Repeat("n", 101), finhealth.RoleUser, []string{"name"}},
		{"ada@example.com", "", finhealth.RoleUser, []string{"name"}},
		{"ada@example.com", "a\x00b", finhealth.RoleUser, []string{"name"}},
		{"ada@example.com", "a\nb", finhealth.RoleUser, []string{"name"}},
		{"ada@example.com", "A\u200bda", finhealth.RoleUser, []string{"name"}}, // zero-width space
		{"ada@example.com", "A\u200dda", finhealth.RoleUser, []string{"name"}}, // zero-width joiner
		{"ada@example.com", "\u202eadA", finhealth.RoleUser, []string{"name"}}, // right-to-left override
		{"ada@example.com", "\ufeffAda", finhealth.RoleUser, []string{"name"}}, // byte order mark
		{"ada@example.com", "bad\xff", finhealth.RoleUser, []string{"name"}},
		{"a\u200b@example.com", "Ada", finhealth.RoleUser, []string{"email"}},
		{"a@exa\u202emple.com", "Ada", finhealth.RoleUser, []string{"email"}},
		{"\ufeffa@example.com", "Ada", finhealth.RoleUser, []string{"email"}},
		{"ada@example.com", "Ada", "root", []string{"role"}},
		{"", "", "", []string{"email", "name", "role"}},
	} {
		u := finhealth.NewUser{Email: tc.email, Name: tc.name, Role: tc.role}
		wantFields(t, tc.email+" "+tc.name, u.Validate(), tc.fields...)
	}
	for _, bad := range []string{
		"", "plain", "@example.com", "a@", "a@localhost", "a@.example.com", "a@example.com.", "a@exa..mple.com",
		"ada <ada@example.com>", "a@example.com, b@example.com", "a b@example.com", strings.Repeat("a", 250) + "@example.com",
		"bad\xff@example.com",
	} {
		wantFields(t, bad, finhealth.NewUser{Email: bad, Name: "Ada", Role: finhealth.RoleUser}.Validate(), "email")
	}
}

func TestFormatCharactersNamed(t *testing.T) {
	for _, c := range []string{"\u200b", "\u200c", "\u200d", "\u2060", "\u202a", "\u202e", "\u2066", "\ufeff", "\u00ad"} {
		err := finhealth.NewUser{Email: "a" + c + "@example.com", Name: "A" + c, Role: finhealth.RoleUser}.Validate()
		for _, f := range []string{"email", "name"} {
			if msg := finhealth.ErrorFields(err)[f]; !strings.Contains(msg, "invisible formatting characters") {
				t.Errorf("U+%04X in %s: %q", []rune(c)[0], f, msg)
			}
		}
		err = finhealth.NewOrganization{Name: "Shop" + c}.Validate()
		if msg := finhealth.ErrorFields(err)["name"]; !strings.Contains(msg, "invisible formatting characters") {
			t.Errorf("U+%04X in an organization's name: %q", []rune(c)[0], msg)
		}
	}
}

func TestOrganizationValidate(t *testing.T) {
	str := func(s string) *string { return &s }
	for _, tc := range []struct {
		org    finhealth.NewOrganization
		fields []string
	}{
		{finhealth.NewOrganization{Name: "Bo's Bakery", Industry: "food", CompanySize: "1-10"}, nil},
		{finhealth.NewOrganization{Name: "Caf\u00e9"}, nil},
		{finhealth.NewOrganization{Name: strings.Repeat("n", 200)}, nil},
		{finhealth.NewOrganization{Name: strings.Repeat("n", 201)}, []string{"name"}},
		{finhealth.NewOrganization{}, []string{"name"}},
		{finhealth.NewOrganization{Name: "Caf\u200b\u00e9"}, []string{"name"}},
		{finhealth.NewOrganization{Name: "\u202eyrekaB"}, []string{"name"}},
		{finhealth.NewOrganization{Name: "\ufeffBakery"}, []string{"name"}},
		{finhealth.NewOrganization{Name: "B", Industry: strings.Repeat("i", 101), CompanySize: strings.Repeat("c", 51)}, []string{"industry", "company_size"}},
		{finhealth.NewOrganization{Name: "B", Industry: "a\tb"}, []string{"industry"}},
	} {
		wantFields(t, tc.org.Name, tc.org.Validate(), tc.fields...)
	}
	for _, tc := range []struct {
		upd    finhealth.OrganizationUpdate
		fields []string
	}{
		{finhealth.OrganizationUpdate{}, nil},
		{finhealth.OrganizationUpdate{Industry: str("")}, nil},
		{finhealth.OrganizationUpdate{Name: str("Olga & Co")}, nil},
		{finhealth.OrganizationUpdate{Name: str("")}, []string{"name"}},
		{finhealth.OrganizationUpdate{Name: str("Olga\u200b")}, []string{"name"}},
		{finhealth.OrganizationUpdate{Name: str("\u202eOlga")}, []string{"name"}},
		{finhealth.OrganizationUpdate{Name: str("\ufeffOlga"), CompanySize: str(strings.Repeat("c", 51))}, []string{"name", "company_size"}},
	} {
		wantFields(t, "update", tc.upd.Validate(), tc.fields...)
	}
}

func TestInvitationValidate(t *testing.T) {
	wantFields(t, "valid", finhealth.Invitation{Email: "in@example.com", Role: finhealth.OrgRoleAdvisor}.Validate())
	wantFields(t, "bad", finhealth.Invitation{Email: "nope", Role: "king"}.Validate(), "email", "role")
	wantFields(t, "zero-width", finhealth.Invitation{Email: "in\u200b@example.com", Role: finhealth.OrgRoleViewer}.Validate(), "email")
	wantFields(t, "override", finhealth.Invitation{Email: "in@exa\u202emple.com", Role: finhealth.OrgRoleViewer}.Validate(), "email")
}
