package identity

import (
	"bufio"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
	"golang.org/x/text/unicode/norm"

	"finhealth"
)

// Argon2Params is the cost of argon2id. Memory is in KiB.
type Argon2Params struct {
	Memory      uint32
	Iterations  uint32
	Parallelism uint8
}

// DefaultArgon2Params is OWASP's recommended minimum for argon2id: 19 MiB, two
// passes, one lane.
var DefaultArgon2Params = Argon2Params{Memory: 19 * 1024, Iterations: 2, Parallelism: 1}

const (
	saltLen = 16
	keyLen  = 32
	// Hashes are read back from our own database, but a corrupted or planted row must
	// not make one login allocate gigabytes.
	maxArgon2Memory = 1 << 20 // 1 GiB in KiB
	maxArgon2Time   = 16
)

// HashPassword hashes pw with argon2id at the cost p (the zero Argon2Params means
// DefaultArgon2Params) and returns the PHC string "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>".
// The password is hashed as typed: changing its bytes here would lock out accounts
// whose hash was made from other bytes.
func HashPassword(pw string, p Argon2Params) (string, error) {
	if p == (Argon2Params{}) {
		p = DefaultArgon2Params
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, p.Iterations, p.Memory, p.Parallelism, keyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Iterations, p.Parallelism, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// ErrMalformedHash is VerifyPassword's error for a stored hash it cannot read.
var ErrMalformedHash = errors.New("malformed argon2id hash")

// VerifyPassword reports whether pw matches the PHC-encoded hash, in constant time.
// The parameters come from the hash, so raising the defaults does not lock out
// existing accounts.
func VerifyPassword(encoded, pw string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return false, ErrMalformedHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, ErrMalformedHash
	}
	var p Argon2Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Iterations, &p.Parallelism); err != nil {
		return false, ErrMalformedHash
	}
	if p.Memory == 0 || p.Memory > maxArgon2Memory || p.Iterations == 0 || p.Iterations > maxArgon2Time || p.Parallelism == 0 {
		return false, ErrMalformedHash
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return false, ErrMalformedHash
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) < 16 || len(want) > 128 {
		return false, ErrMalformedHash
	}
	got := argon2.IDKey([]byte(pw), salt, p.Iterations, p.Memory, p.Parallelism, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// Password policy bounds, counted in characters (runes). NIST 800-63B: length over
// composition rules, and a block list of known-breached passwords.
const (
	minPasswordLen = 10
	maxPasswordLen = 128
)

//go:embed common_passwords.txt
var commonPasswordsText string

var commonPasswords = func() map[string]bool {
	m := make(map[string]bool, 512)
	sc := bufio.NewScanner(strings.NewReader(commonPasswordsText))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line != "" && !strings.HasPrefix(line, "#") {
			m[strings.ToLower(line)] = true
		}
	}
	return m
}()

// ValidatePassword checks pw against the password policy for the account email: 10
// to 128 characters, not only whitespace, not built from the email's local part, not
// a common password. It returns an EINVALID *finhealth.Error naming the "password"
// field.
func ValidatePassword(pw, email string) error {
	problem := passwordProblem(pw, email)
	if problem == "" {
		return nil
	}
	return finhealth.InvalidFields("The password does not meet the password policy.", map[string]string{"password": problem})
}

func passwordProblem(pw, email string) string {
	n := utf8.RuneCountInString(pw)
	switch {
	case pw == "":
		return "is required"
	case !utf8.ValidString(pw):
		return "must be valid UTF-8"
	case strings.TrimSpace(pw) == "":
		return "must not be only spaces"
	case n < minPasswordLen:
		return fmt.Sprintf("must be at least %d characters", minPasswordLen)
	case n > maxPasswordLen:
		return fmt.Sprintf("must be at most %d characters", maxPasswordLen)
	}
	// Compared in one form, so that an "é" typed as "e" and a combining accent is
	// still the "é" of the address or of the list.
	lower := norm.NFC.String(strings.ToLower(pw))
	email = NormalizeEmail(email)
	if local, _, ok := strings.Cut(email, "@"); ok {
		// A one- or two-letter local part would forbid half the alphabet; only a local
		// part long enough to be guessable from the address is refused.
		if lower == email || (utf8.RuneCountInString(local) >= 3 && strings.Contains(lower, local)) {
			return "must not contain your email address"
		}
	}
	if commonPasswords[lower] {
		return "is too common; choose a less predictable password"
	}
	return ""
}
