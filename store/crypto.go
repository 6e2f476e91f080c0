package store

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"

	"finhealth"
)

// Secrets the store keeps on behalf of a provider (Wave's access and refresh tokens,
// the PKCE code verifier of a pending authorization) are sealed with AES-256-GCM
// before they reach the database, so that a copy of the database or a backup does not
// hand out access to anyone's books.
//
// A sealed value is: format version (1 byte) | key id (4 bytes) | nonce (12 bytes) |
// ciphertext and tag. The key id lets a store hold the current key and previous ones:
// values sealed under an old key still open, and every save seals under the current
// key, so Wave's frequent token refreshes move stored tokens to a new key by themselves.
// The additional authenticated data names the purpose and the organization (and for
// a code verifier its state), so a ciphertext copied into another organization's row,
// or from the access-token column to the refresh-token column, fails to open.

// TokenKeySize is the length of a token encryption key: AES-256.
const TokenKeySize = 32

const (
	sealVersion  byte = 1
	keyIDSize         = 4
	sealOverhead      = 1 + keyIDSize + 12 + 16 // version, key id, nonce, GCM tag
)

// AAD purposes; each secret column has its own, so values cannot be swapped between
// columns.
const (
	purposeAccessToken  = "wave_tokens.access_token"
	purposeRefreshToken = "wave_tokens.refresh_token"
	purposeCodeVerifier = "oauth_states.code_verifier"
)

// errNoTokenKey is returned instead of ever storing a secret in plaintext.
var errNoTokenKey = finhealth.Errorf(finhealth.EUNAVAILABLE,
	"Wave connections are unavailable: the server has no key to encrypt Wave credentials with.")

type tokenKey struct {
	id   [keyIDSize]byte
	aead cipher.AEAD
}

// tokenCipher seals with the current key and opens with any key it knows.
type tokenCipher struct {
	current *tokenKey
	byID    map[[keyIDSize]byte]*tokenKey
}

func newTokenKey(key []byte) (*tokenKey, error) {
	if len(key) != TokenKeySize {
		return nil, fmt.Errorf("store: token key must be %d bytes, got %d", TokenKeySize, len(key))
	}
	block, err := aes.NewCipher(key) // copies the key, so the caller may wipe theirs
	if err != nil {
		return nil, fmt.Errorf("store: token key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("store: token key: %w", err)
	}
	// The id is a domain-separated hash of the key, so that operators need not
	// number their keys and two different keys cannot share an id by mistake.
	// Four bytes of a SHA-256 reveal nothing usable about a 256-bit key.
	sum := sha256.Sum256(append([]byte("finhealth token key id\x00"), key...))
	k := &tokenKey{aead: aead}
	copy(k.id[:], sum[:keyIDSize])
	return k, nil
}

func (c *tokenCipher) add(k *tokenKey) {
	if c.byID == nil {
		c.byID = map[[keyIDSize]byte]*tokenKey{}
	}
	c.byID[k.id] = k
}

func aad(purpose string, parts ...string) []byte {
	b := []byte(purpose)
	for _, p := range parts {
		b = append(b, 0)
		b = append(b, p...)
	}
	return b
}

// seal encrypts plaintext under the current key with a fresh random nonce. A nil
// cipher or one without a current key refuses: secrets are never stored in clear.
func (c *tokenCipher) seal(plaintext, additional []byte) ([]byte, error) {
	if c == nil || c.current == nil {
		return nil, errNoTokenKey
	}
	k := c.current
	out := make([]byte, 1+keyIDSize+k.aead.NonceSize(), sealOverhead+len(plaintext))
	out[0] = sealVersion
	copy(out[1:], k.id[:])
	nonce := out[1+keyIDSize:]
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("store: nonce: %w", err)
	}
	return k.aead.Seal(out, nonce, plaintext, additional), nil
}

var errSealed = errors.New("store: sealed value does not open (wrong key, wrong row, or tampered)")

// open authenticates and decrypts a sealed value. Any failure is one opaque error, so
// that nothing is learnt about which part was wrong.
func (c *tokenCipher) open(sealed, additional []byte) ([]byte, error) {
	if c == nil || len(c.byID) == 0 {
		return nil, errNoTokenKey
	}
	if len(sealed) < sealOverhead || sealed[0] != sealVersion {
		return nil, errSealed
	}
	var id [keyIDSize]byte
	copy(id[:], sealed[1:])
	k := c.byID[id]
	if k == nil {
		return nil, fmt.Errorf("store: sealed under unknown key %x: configure it as a previous token key", id)
	}
	nonce := sealed[1+keyIDSize : 1+keyIDSize+k.aead.NonceSize()]
	plain, err := k.aead.Open(nil, nonce, sealed[1+keyIDSize+k.aead.NonceSize():], additional)
	if err != nil {
		return nil, errSealed
	}
	return plain, nil
}

// Option configures a DB at Open.
type Option func(*DB) error

// WithTokenKey sets the 32-byte key that seals Wave tokens and OAuth code verifiers.
// Without one, the store refuses to save them (it never stores them in clear).
// Derive it from the application secret with HKDF rather than using that secret
// directly, so that the same bytes never serve two purposes.
func WithTokenKey(key []byte) Option {
	return func(db *DB) error {
		k, err := newTokenKey(key)
		if err != nil {
			return err
		}
		if db.tokens == nil {
			db.tokens = &tokenCipher{}
		}
		db.tokens.current = k
		db.tokens.add(k)
		return nil
	}
}

// WithPreviousTokenKeys adds keys that open values sealed before a key rotation; they
// never seal. Values move to the current key as they are saved again.
func WithPreviousTokenKeys(keys ...[]byte) Option {
	return func(db *DB) error {
		for _, key := range keys {
			k, err := newTokenKey(key)
			if err != nil {
				return err
			}
			if db.tokens == nil {
				db.tokens = &tokenCipher{}
			}
			db.tokens.add(k)
		}
		return nil
	}
}
