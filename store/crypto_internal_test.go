package store

import (
	"bytes"
	"errors"
	"testing"

	"finhealth"
)

func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, TokenKeySize) }

func cipherWith(t *testing.T, opts ...Option) *tokenCipher {
	t.Helper()
	db := &DB{}
	for _, o := range opts {
		if err := o(db); err != nil {
			t.Fatal(err)
		}
	}
	return db.tokens
}

func TestTokenCipherRoundTrip(t *testing.T) {
	c := cipherWith(t, WithTokenKey(testKey(1)))
	ad := aad(purposeAccessToken, "org-1")
	for _, plain := range []string{"", "a", "access-token-with-some-length-0123456789"} {
		sealed, err := c.seal([]byte(plain), ad)
		if err != nil {
			t.Fatal(err)
		}
		if len(sealed) != sealOverhead+len(plain) || sealed[0] != sealVersion {
			t.Fatalf("sealed %q to %d bytes (version %d)", plain, len(sealed), sealed[0])
		}
		// Only a long secret can be looked for: one byte turns up in random bytes.
		if len(plain) > 8 && bytes.Contains(sealed, []byte(plain)) {
			t.Fatalf("sealed value contains the plaintext")
		}
		got, err := c.open(sealed, ad)
		if err != nil || string(got) != plain {
			t.Fatalf("open = %q, %v; want %q", got, err, plain)
		}
	}
	// A fresh nonce each time: the same secret never seals to the same bytes.
	a, _ := c.seal([]byte("same"), ad)
	b, _ := c.seal([]byte("same"), ad)
	if bytes.Equal(a, b) {
		t.Fatal("two seals of one value are identical")
	}
}

func TestTokenCipherRefusesTampering(t *testing.T) {
	c := cipherWith(t, WithTokenKey(testKey(1)))
	ad := aad(purposeRefreshToken, "org-1")
	sealed, err := c.seal([]byte("refresh-secret"), ad)
	if err != nil {
		t.Fatal(err)
	}
	for i := range sealed {
		bad := bytes.Clone(sealed)
		bad[i] ^= 0x01
		if got, err := c.open(bad, ad); err == nil {
			t.Fatalf("flipping byte %d still opens, to %q", i, got)
		}
	}
	for _, bad := range [][]byte{nil, sealed[:sealOverhead-1], sealed[:len(sealed)-1], append(bytes.Clone(sealed), 0)} {
		if _, err := c.open(bad, ad); err == nil {
			t.Fatalf("a %d-byte value opens", len(bad))
		}
	}
	// The associated data binds the value to its organization and its column.
	for _, other := range [][]byte{aad(purposeRefreshToken, "org-2"), aad(purposeAccessToken, "org-1"), aad(purposeRefreshToken, "org-1", "x")} {
		if _, err := c.open(sealed, other); !errors.Is(err, errSealed) {
			t.Fatalf("opened with associated data %q: %v", other, err)
		}
	}
}

func TestTokenCipherKeys(t *testing.T) {
	old := cipherWith(t, WithTokenKey(testKey(1)))
	ad := aad(purposeAccessToken, "org-1")
	sealedOld, _ := old.seal([]byte("v1"), ad)

	// After rotation the new key seals and the previous one still opens.
	rotated := cipherWith(t, WithTokenKey(testKey(2)), WithPreviousTokenKeys(testKey(1)))
	if got, err := rotated.open(sealedOld, ad); err != nil || string(got) != "v1" {
		t.Fatalf("previous key: %q, %v", got, err)
	}
	sealedNew, _ := rotated.seal([]byte("v2"), ad)
	if bytes.Equal(sealedNew[1:1+keyIDSize], sealedOld[1:1+keyIDSize]) {
		t.Fatal("the new key seals under the old key id")
	}
	if _, err := old.open(sealedNew, ad); err == nil {
		t.Fatal("the old key opens a value sealed under the new one")
	}
	// Without the previous key, old values do not open, and the error says why.
	newOnly := cipherWith(t, WithTokenKey(testKey(2)))
	if _, err := newOnly.open(sealedOld, ad); err == nil || errors.Is(err, errSealed) {
		t.Fatalf("unknown key error = %v", err)
	}
	// Previous keys alone open but never seal.
	readOnly := cipherWith(t, WithPreviousTokenKeys(testKey(1)))
	if _, err := readOnly.open(sealedOld, ad); err != nil {
		t.Fatal(err)
	}
	if _, err := readOnly.seal([]byte("x"), ad); finhealth.ErrorCode(err) != finhealth.EUNAVAILABLE {
		t.Fatalf("seal without a current key = %v", err)
	}
	var none *tokenCipher
	if _, err := none.seal([]byte("x"), ad); finhealth.ErrorCode(err) != finhealth.EUNAVAILABLE {
		t.Fatalf("seal without keys = %v", err)
	}
	if _, err := none.open(sealedOld, ad); finhealth.ErrorCode(err) != finhealth.EUNAVAILABLE {
		t.Fatalf("open without keys = %v", err)
	}
	for _, size := range []int{0, 16, 31, 33, 64} {
		if err := WithTokenKey(make([]byte, size))(&DB{}); err == nil {
			t.Fatalf("a %d-byte key was accepted", size)
		}
		if err := WithPreviousTokenKeys(make([]byte, size))(&DB{}); err == nil {
			t.Fatalf("a %d-byte previous key was accepted", size)
		}
	}
}
