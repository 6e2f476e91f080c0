package http

import (
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestIssuedTokenClaims(t *testing.T) {
	srv := NewServer(Config{JWTSecret: testSecret, Argon2: testArgon2}, nil)
	tok, err := srv.tokens.issue("01900000-0000-7000-8000-000000000001", testSession)
	if err != nil {
		t.Fatal(err)
	}
	var c accessClaims
	parsed, err := jwt.ParseWithClaims(tok, &c, func(*jwt.Token) (any, error) { return testSecret, nil })
	if err != nil {
		t.Fatal(err)
	}
	if parsed.Method.Alg() != "HS256" || c.Issuer != "finhealth" || len(c.Audience) != 1 || c.Audience[0] != "finhealth-api" ||
		c.SessionID != testSession || c.ID == "" || c.IssuedAt == nil || c.ExpiresAt == nil || c.ExpiresAt.Sub(c.IssuedAt.Time) != 15*time.Minute {
		t.Errorf("claims %+v (alg %s)", c, parsed.Method.Alg())
	}
	other, _ := srv.tokens.issue("01900000-0000-7000-8000-000000000001", testSession)
	var c2 jwt.RegisteredClaims
	_, _ = jwt.ParseWithClaims(other, &c2, func(*jwt.Token) (any, error) { return testSecret, nil })
	if c.ID == c2.ID {
		t.Error("jti repeats")
	}
}

// testSession is the session id of the tokens these tests mint.
const testSession = "01900000-0000-7000-8000-0000000000aa"

func TestNewServerRefusesShortSecret(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("NewServer accepted a 5-byte secret")
		}
	}()
	NewServer(Config{JWTSecret: []byte("short"), Argon2: testArgon2}, nil)
}

// TestVerifiedTokenCache checks that a token served from the cache of verified
// tokens is held to the same time rules as a freshly parsed one.
func TestVerifiedTokenCache(t *testing.T) {
	var skew time.Duration // the clock's error, moved by the test
	cfg := withDefaults(Config{JWTSecret: testSecret, Now: func() time.Time { return time.Now().Add(skew) }}, nil)
	ti := newTokenIssuer(cfg)
	const uid = "01900000-0000-7000-8000-000000000001"
	tok, err := ti.issue(uid, testSession)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if sub, sid, err := ti.verify(tok); err != nil || sub != uid || sid != testSession {
			t.Fatalf("verify = %q, %v", sub, err)
		}
	}
	if n := ti.verified.len(); n != 1 {
		t.Fatalf("%d verified tokens cached, want 1", n)
	}
	// A clock set back before the token was issued rejects it, as the parser does.
	skew -= 5 * time.Minute
	if _, _, err := ti.verify(tok); err == nil {
		t.Fatal("a token issued in the future was accepted from the cache")
	}
	skew += 5 * time.Minute
	if _, _, err := ti.verify(tok); err != nil {
		t.Fatalf("verify after the clock returned: %v", err)
	}
	skew += 16 * time.Minute
	if _, _, err := ti.verify(tok); err == nil {
		t.Fatal("an expired token was accepted from the cache")
	}
	// A token altered in any byte is a different key, and fails verification.
	if _, _, err := ti.verify(tok[:len(tok)-2] + "xx"); err == nil {
		t.Fatal("a tampered token was accepted")
	}
}

// TestTokenHasOneSpelling: an HS256 signature is 32 bytes, 43 base64url characters
// whose last one carries 2 unused bits; a token re-spelled through those bits is
// refused, and only the canonical spelling verifies.
func TestTokenHasOneSpelling(t *testing.T) {
	cfg := withDefaults(Config{JWTSecret: testSecret}, nil)
	ti := newTokenIssuer(cfg)
	tok, err := ti.issue("01900000-0000-7000-8000-000000000001", testSession)
	if err != nil {
		t.Fatal(err)
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, tok[len(tok)-1])
	if last < 0 || last&3 != 0 {
		t.Fatalf("the signature's last character %q is not canonical", tok[len(tok)-1])
	}
	for bits := 1; bits < 4; bits++ {
		respelled := tok[:len(tok)-1] + string(alphabet[last|bits])
		if _, _, err := ti.verify(respelled); err == nil {
			t.Errorf("the re-spelled token %q verified", respelled[len(respelled)-4:])
		}
	}
	if _, _, err := ti.verify(tok); err != nil {
		t.Errorf("the canonical token: %v", err)
	}
}
