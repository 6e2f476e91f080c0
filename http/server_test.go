package http

import "finhealth/identity"

var (
	// testSecret is long enough for NewServer.
	testSecret = []byte("test-secret-0123456789abcdefghijklmnopqrstuvwxyz")
	// testArgon2 keeps hashing in tests to well under a millisecond.
	testArgon2 = identity.Argon2Params{Memory: 64, Iterations: 1, Parallelism: 1}
)
