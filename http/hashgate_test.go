package http

import (
	"context"
	"testing"

	"finhealth"
)

// TestHashSlots: with every slot busy a signup is shed at once with 503 rather than
// queued behind 19 MiB hashes without bound; a freed slot runs the hash, and a
// caller that gives up while waiting gets its own cancellation back.
func TestHashSlots(t *testing.T) {
	srv := NewServer(Config{JWTSecret: testSecret, Argon2: testArgon2, HashConcurrency: 1, HashWait: -1}, nil)
	acc := Accounts{srv}
	if !srv.hashing.TryAcquire(1) {
		t.Fatal("the one slot is taken before any request")
	}
	_, _, err := acc.SignUp(context.Background(), RegisterRequest{Email: "a@example.com", Password: "a long enough password"})
	if finhealth.ErrorCode(err) != finhealth.EUNAVAILABLE || StatusOf(finhealth.ErrorCode(err)) != 503 {
		t.Fatalf("signup with every slot busy: %v", err)
	}
	srv.hashing.Release(1)
	ran := false
	if err := acc.withHashSlot(context.Background(), func() error { ran = true; return nil }); err != nil || !ran {
		t.Fatalf("a free slot: ran %v, %v", ran, err)
	}

	waiting := NewServer(Config{JWTSecret: testSecret, Argon2: testArgon2, HashConcurrency: 1}, nil)
	if !waiting.hashing.TryAcquire(1) {
		t.Fatal("slot")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := (Accounts{waiting}).withHashSlot(ctx, func() error { return nil }); err != context.Canceled {
		t.Errorf("a caller that went away: %v", err)
	}
}
