package finhealth

import (
	"fmt"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Bounds of what a person types. Names are counted in characters (runes); an email
// address in bytes, RFC 5321's limit on a path.
const (
	MaxEmailLen            = 254
	MaxUserNameLen         = 100
	MaxOrganizationNameLen = 200
	MaxIndustryLen         = 100
	MaxCompanySizeLen      = 50
)

// The rules below check text that has already been normalized (trimmed; names and
// emails in Unicode NFC, emails lower-cased): normalizing needs Unicode tables the
// standard library lacks, so it is the identity package's work, done before these.

// formatCharProblem is what a name or an email holding a Unicode format character
// (category Cf: zero-width spaces and joiners, bidirectional overrides, the byte
// order mark, soft hyphens) is told. Such characters are invisible, so two names
// that look the same could differ, and a bidi override can make one read as another.
const formatCharProblem = "must not contain invisible formatting characters (zero-width, text-direction or byte-order marks)"

// hasFormatChar reports whether s holds a character of Unicode category Cf.
func hasFormatChar(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Cf, r) }) >= 0
}

// TextProblem says what is wrong with the plain single-line text s of at most max
// characters, "" when nothing is: the rule every text field of the domain and of a
// request shares.
func TextProblem(s string, required bool, max int) string {
	switch {
	case s == "" && required:
		return "is required"
	case !utf8.ValidString(s):
		return "must be valid UTF-8"
	case utf8.RuneCountInString(s) > max:
		return fmt.Sprintf("must be at most %d characters", max)
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return "must not contain control characters"
	}
	return ""
}

// nameProblem is TextProblem for the name of a person or an organization, which
// also may not hold format characters.
func nameProblem(s string, required bool, max int) string {
	if p := TextProblem(s, required, max); p != "" {
		return p
	}
	if hasFormatChar(s) {
		return formatCharProblem
	}
	return ""
}

// emailProblem says what is wrong with the normalized address s, "" when nothing
// is: it must be one bare address (no display name) whose domain has a dot.
func emailProblem(s string) string {
	switch {
	case s == "":
		return "is required"
	case len(s) > MaxEmailLen:
		return fmt.Sprintf("must be at most %d characters", MaxEmailLen)
	case !utf8.ValidString(s):
		return "must be valid UTF-8"
	case hasFormatChar(s):
		return formatCharProblem
	}
	const bad = "must be a single valid email address"
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Name != "" || addr.Address != s {
		return bad
	}
	at := strings.LastIndexByte(s, '@')
	local, domain := s[:at], s[at+1:]
	if local == "" || !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") ||
		strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		return bad
	}
	return ""
}

// fieldProblems collects one problem per field and becomes an EINVALID error.
type fieldProblems map[string]string

func (f fieldProblems) check(field, problem string) {
	if problem != "" {
		f[field] = problem
	}
}

func (f fieldProblems) err() error {
	if len(f) == 0 {
		return nil
	}
	return InvalidFields("Some fields are invalid.", f)
}
