// Package identity is how people and organizations are known to finhealth and how a
// person proves who they are: email addresses and names brought to one canonical
// form (trimmed, Unicode NFC, emails lower-cased), the password policy, and argon2id
// password hashing.
//
// The rules that need only the standard library (lengths, which characters a name
// may hold, what an email address looks like) are the domain's: the Validate
// methods of finhealth.NewUser, finhealth.NewOrganization,
// finhealth.OrganizationUpdate and finhealth.Invitation. This package holds what
// needs more than the standard library (Unicode normalization, argon2), so that the
// root package keeps to it. It imports only the standard library, the root package
// and those modules, and every adapter and cmd/finhealth may use it.
package identity

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// NormalizeEmail returns the address s in the form that is stored and looked up:
// trimmed, lower-cased and in Unicode NFC, so that "É" typed as one character or as
// "E" and a combining accent is the same account. Whether it is an address at all is
// checked by the Validate methods of the finhealth types that carry one. Invalid
// UTF-8 is returned trimmed but otherwise untouched, for Validate to refuse rather
// than lower-casing it into replacement characters.
func NormalizeEmail(s string) string {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) {
		return s
	}
	return norm.NFC.String(strings.ToLower(s))
}

// NormalizeName returns the name of a person or an organization trimmed and in
// Unicode NFC, so that names that look the same are stored the same.
func NormalizeName(s string) string {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) {
		return s
	}
	return norm.NFC.String(s)
}
