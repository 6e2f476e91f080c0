package identity

import (
	"strings"
	"testing"

	"finhealth"
)

const testPassword = "correct horse battery staple"

// testArgon2 keeps hashing in tests well under a millisecond.
var testArgon2 = Argon2Params{Memory: 64, Iterations: 1, Parallelism: 1}

func TestHashPasswordDefaults(t *testing.T) {
	h, err := HashPassword(testPassword, Argon2Params{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") || len(strings.Split(h, "$")) != 6 {
		t.Fatalf("hash %q is not OWASP argon2id in PHC form", h)
	}
	if ok, err := VerifyPassword(h, testPassword); !ok || err != nil {
		t.Errorf("verify own hash: %v %v", ok, err)
	}
	if ok, _ := VerifyPassword(h, testPassword+"x"); ok {
		t.Error("wrong password verified")
	}
	again, _ := HashPassword(testPassword, DefaultArgon2Params)
	if again == h {
		t.Error("two hashes of one password are equal: no salt?")
	}
}

func TestVerifyPasswordUsesTheHashParameters(t *testing.T) {
	// A hash made at other parameters (say, before a cost increase) still verifies.
	h, err := HashPassword("pw-at-old-cost", Argon2Params{Memory: 32, Iterations: 3, Parallelism: 2})
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := VerifyPassword(h, "pw-at-old-cost"); !ok || err != nil {
		t.Errorf("verify: %v %v", ok, err)
	}
}

func TestVerifyPasswordMalformed(t *testing.T) {
	good, _ := HashPassword("x", testArgon2)
	parts := strings.Split(good, "$")
	for name, h := range map[string]string{
		"empty":        "",
		"bcrypt":       "$2a$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234",
		"argon2i":      strings.Replace(good, "argon2id", "argon2i", 1),
		"version":      strings.Replace(good, "v=19", "v=16", 1),
		"huge memory":  strings.Join(append(append([]string{}, parts[:3]...), "m=4294967295,t=1,p=1", parts[4], parts[5]), "$"),
		"zero time":    strings.Join(append(append([]string{}, parts[:3]...), "m=64,t=0,p=1", parts[4], parts[5]), "$"),
		"bad salt":     strings.Join(append(append([]string{}, parts[:4]...), "!!!", parts[5]), "$"),
		"short key":    strings.Join(append(append([]string{}, parts[:5]...), "AAAA"), "$"),
		"extra fields": good + "$x",
	} {
		if ok, err := VerifyPassword(h, "x"); ok || err == nil {
			t.Errorf("%s: verified=%v err=%v", name, ok, err)
		}
	}
}

func TestValidatePassword(t *testing.T) {
	for _, tc := range []struct {
		pw, email string
		ok        bool
	}{
		{testPassword, "a@example.com", true},
		{"ümlaut-päss", "a@example.com", true},       // 11 characters, more bytes
		{"ééééééééé", "a@example.com", false},        // 9 characters, 18 bytes
		{strings.Repeat("x", 128), "a@x.com", true},  // the maximum
		{strings.Repeat("x", 129), "a@x.com", false}, // over it
		{"qwertyuiop", "a@example.com", false},       // common
		{"QwertyUIOP", "a@example.com", false},       // common, any case
		{"1q2w3e4r5t", "a@example.com", false},
		{"maximilian-2024", "maximilian@example.com", false}, // holds the local part
		{"MAXIMILIAN-2024", "maximilian@example.com", false},
		{"al-rather-long-pass", "al@example.com", true}, // a two-letter local part is not refused
		{"bob@example.com", "bob@example.com", false},
		{"valid password", "", true},
		{"bad\xffutf8-password", "a@example.com", false},
		{"", "a@example.com", false},
		{"   ", "a@example.com", false},                           // only spaces
		{strings.Repeat(" ", 12), "a@example.com", false},         // long enough, still only spaces
		{"\t \u00a0\u3000\n  \u2003  \t", "a@example.com", false}, // any Unicode space
		{"  spaced out pass  ", "a@example.com", true},            // spaces around words are fine
		{"Jose\u0301-and-more", "jos\u00e9@example.com", false},   // the local part, in another form
		{"josé-and-more", "jose\u0301@example.com", false},
	} {
		err := ValidatePassword(tc.pw, tc.email)
		if (err == nil) != tc.ok {
			t.Errorf("ValidatePassword(%q, %q) = %v, want ok=%v", tc.pw, tc.email, err, tc.ok)
		}
		if err != nil && (finhealth.ErrorCode(err) != finhealth.EINVALID || finhealth.ErrorFields(err)["password"] == "") {
			t.Errorf("error %v does not name the password field", err)
		}
	}
	for _, pw := range []string{"   ", strings.Repeat(" ", 12), "\t\u00a0\u3000\u2003\u2003\u2003\u2003\u2003\u2003\u2003"} {
		if got := finhealth.ErrorFields(ValidatePassword(pw, "a@example.com"))["password"]; got != "must not be only spaces" {
			t.Errorf("ValidatePassword(%q) says %q, want that it is only spaces", pw, got)
		}
	}
	if len(commonPasswords) < 300 {
		t.Errorf("only %d common passwords", len(commonPasswords))
	}
}
