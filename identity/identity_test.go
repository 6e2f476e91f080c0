package identity

import (
	"strings"
	"testing"

	"finhealth"
)

func TestNormalizeEmail(t *testing.T) {
	for in, want := range map[string]string{
		"  Ada@Example.COM ":        "ada@example.com",
		"a.b+tag@sub.example.org":   "a.b+tag@sub.example.org",
		"jose\u0301@example.com":    "jos\u00e9@example.com", // "e" + combining acute is "é"
		"JOSE\u0301@EXAMPLE.COM":    "jos\u00e9@example.com",
		"\u00c5sa@example.com":      "\u00e5sa@example.com",
		"A\u030asa@example.com":     "\u00e5sa@example.com", // "A" + ring above is "Å", then "å"
		"\u212bsa@example.com":      "\u00e5sa@example.com", // the Ångström sign is "Å" in NFC
		"\u00a0a@example.com\u3000": "a@example.com",        // any Unicode space is trimmed
		"a\u200b@example.com":       "a\u200b@example.com",  // format characters are kept, for Validate to refuse
		"bad\xff@example.com ":      "bad\xff@example.com",  // invalid UTF-8 is not turned into U+FFFD
	} {
		if got := NormalizeEmail(in); got != want {
			t.Errorf("NormalizeEmail(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNormalizeName(t *testing.T) {
	for in, want := range map[string]string{
		" Ada ":                "Ada",
		"Jose\u0301":           "Jos\u00e9", // "e" + combining acute is "é"
		"Cafe\u0301 Ole\u0301": "Caf\u00e9 Ol\u00e9",
		"Nguye\u0302\u0303n":   "Nguy\u1ec5n", // two combining marks compose into one letter
		"\u212bngstr\u00f6m":   "\u00c5ngstr\u00f6m",
		"Mixed Case":           "Mixed Case", // names keep their case
		"\u3000Ada\u00a0":      "Ada",
		"\u202eevil":           "\u202eevil", // kept, for Validate to refuse
	} {
		if got := NormalizeName(in); got != want {
			t.Errorf("NormalizeName(%q) = %q, want %q", in, got, want)
		}
	}
	if NormalizeName("e\u0301") != "\u00e9" {
		t.Error(`"e" + U+0301 does not normalize to "é"`)
	}
}

// TestNormalizedThenValidated is the whole path of a signup's fields: normalized
// here, then checked by the domain. Two spellings of one name are one account; an
// invisible character is refused naming its field.
func TestNormalizedThenValidated(t *testing.T) {
	for _, tc := range []struct {
		email, name string
		field       string // "" when valid
	}{
		{"ada@example.com", "Ada", ""},
		{"jose\u0301@example.com", "Jose\u0301", ""},
		{"a\u200b@example.com", "Ada", "email"}, // zero-width space
		{"a@exa\u202emple.com", "Ada", "email"}, // right-to-left override
		{"\ufeffa@example.com", "Ada", "email"}, // byte order mark
		{"a\u200d@example.com", "Ada", "email"}, // zero-width joiner
		{"ada@example.com", "A\u200bda", "name"},
		{"ada@example.com", "\u202eadA", "name"},
		{"ada@example.com", "\ufeffAda", "name"},
		{"ada@example.com", "A\u00adda", "name"}, // soft hyphen
		{"ada@example.com", "A\u2060da", "name"}, // word joiner
		{"ada@example.com", " \u00a0 ", "name"},  // only spaces
		{"bad\xff@example.com", "Ada", "email"},
	} {
		u := finhealth.NewUser{Email: NormalizeEmail(tc.email), Name: NormalizeName(tc.name), Role: finhealth.RoleUser}
		err := u.Validate()
		fields := finhealth.ErrorFields(err)
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%q, %q refused: %v", tc.email, tc.name, err)
		case tc.field != "" && (finhealth.ErrorCode(err) != finhealth.EINVALID || fields[tc.field] == "" || len(fields) != 1):
			t.Errorf("%q, %q: %v, want EINVALID naming only %q", tc.email, tc.name, err, tc.field)
		}
		if tc.field != "" && strings.Contains(tc.name+tc.email, "\u200b") && !strings.Contains(fields[tc.field], "invisible") {
			t.Errorf("%q, %q: the message %q does not say what is wrong", tc.email, tc.name, fields[tc.field])
		}
	}
	a := finhealth.NewOrganization{Name: NormalizeName("Cafe\u0301 Ole\u0301")}
	b := finhealth.NewOrganization{Name: NormalizeName("Caf\u00e9 Ol\u00e9")}
	if a != b || a.Validate() != nil {
		t.Errorf("%+v and %+v are not one valid organization", a, b)
	}
}
