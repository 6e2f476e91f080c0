package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"finhealth"
)

func login(t *testing.T, s finhealth.Store, u *finhealth.User, hash string) {
	t.Helper()
	must(t, s.CreateRefreshToken(context.Background(), finhealth.RefreshToken{
		UserID: u.ID, TokenHash: hash, ExpiresAt: nowOf(s).Add(time.Hour),
	}))
}

// openSession logs the user in and returns the new session's id.
func openSession(t *testing.T, s finhealth.Store, userID string) string {
	t.Helper()
	sid := sessionID()
	must(t, s.CreateRefreshToken(context.Background(), finhealth.RefreshToken{
		UserID: userID, FamilyID: sid, TokenHash: unique("session"), ExpiresAt: nowOf(s).Add(time.Hour),
	}))
	return sid
}

func rotate(s finhealth.Store, oldHash, newHash string) (*finhealth.User, error) {
	u, _, err := s.RotateRefreshToken(context.Background(), oldHash, finhealth.RefreshToken{
		TokenHash: newHash, ExpiresAt: time.Now().Add(time.Hour),
	})
	return u, err
}

func testRefreshTokenRotation(t *testing.T, s finhealth.Store) {
	u, _ := register(t, s, "user@example.com")
	login(t, s, u, "r0")
	hash := "r0"
	for i := 1; i <= 3; i++ {
		next := fmt.Sprintf("r%d", i)
		got, err := rotate(s, hash, next)
		must(t, err)
		wantEqual(t, "rotated token's user", got, u)
		hash = next
	}
	// A login that reuses nothing is unaffected by another family's rotation.
	login(t, s, u, "other-login")
	_, err := rotate(s, "other-login", "other-login-2")
	must(t, err)

	err = s.CreateRefreshToken(context.Background(), finhealth.RefreshToken{UserID: u.ID, TokenHash: "r3", ExpiresAt: nowOf(s).Add(time.Hour)})
	wantCode(t, err, finhealth.ECONFLICT)
	err = s.CreateRefreshToken(context.Background(), finhealth.RefreshToken{UserID: "0190a000-0000-7000-8000-000000000000", TokenHash: "x", ExpiresAt: nowOf(s).Add(time.Hour)})
	wantCode(t, err, finhealth.ENOTFOUND)
	err = s.CreateRefreshToken(context.Background(), finhealth.RefreshToken{UserID: u.ID, ExpiresAt: nowOf(s).Add(time.Hour)})
	wantCode(t, err, finhealth.EINVALID)
	_, err = rotate(s, "r3", "")
	wantCode(t, err, finhealth.EINVALID)

	// A rotation whose last step fails (the next token's hash is taken) is undone
	// whole: r3 was marked spent before the insert failed, and must not stay spent,
	// or presenting it again would count as reuse and revoke the family.
	_, err = rotate(s, "r3", "r1")
	wantCode(t, err, finhealth.ECONFLICT)
	_, err = rotate(s, "r3", "r4")
	must(t, err)
	if n := countAction(t, s, finhealth.AuditTokenFamilyRevoked); n != 0 {
		t.Fatalf("%d family revocations, want none", n)
	}
}

func testRefreshTokenReuse(t *testing.T, s finhealth.Store) {
	u, _ := register(t, s, "user@example.com")
	login(t, s, u, "a0")
	login(t, s, u, "b0") // another device, another family
	_, err := rotate(s, "a0", "a1")
	must(t, err)
	_, err = rotate(s, "a1", "a2")
	must(t, err)

	// a0 was spent; presenting it again is reuse. The call fails...
	thief := finhealth.WithActor(context.Background(), finhealth.Actor{IP: "192.0.2.66"})
	_, _, err = s.RotateRefreshToken(thief, "a0", finhealth.RefreshToken{TokenHash: "stolen", ExpiresAt: nowOf(s).Add(time.Hour)})
	wantCode(t, err, finhealth.EUNAUTHORIZED)

	// ...and the whole family is revoked, including the newest token,
	_, err = rotate(s, "a2", "a3")
	wantCode(t, err, finhealth.EUNAUTHORIZED)
	// nothing was minted for the thief,
	_, err = rotate(s, "stolen", "stolen-2")
	wantCode(t, err, finhealth.EUNAUTHORIZED)
	// the other family lives on,
	_, err = rotate(s, "b0", "b1")
	must(t, err)

	// and the revocation was audited, committed although the call failed.
	entries := allAudit(t, s, finhealth.AuditFilter{Action: finhealth.AuditTokenFamilyRevoked})
	if len(entries) != 1 || entries[0].IP != "192.0.2.66" || entries[0].Details["user_id"] != u.ID {
		t.Fatalf("audit = %+v", entries)
	}

	// Presenting a revoked token again changes nothing more.
	_, err = rotate(s, "a0", "again")
	wantCode(t, err, finhealth.EUNAUTHORIZED)
	if n := countAction(t, s, finhealth.AuditTokenFamilyRevoked); n != 1 {
		t.Fatalf("%d family revocations audited, want 1", n)
	}
}

func testRefreshTokenRejected(t *testing.T, s finhealth.Store) {
	u, _ := register(t, s, "user@example.com")
	_, err := rotate(s, "never-issued", "n1")
	wantCode(t, err, finhealth.EUNAUTHORIZED)

	must(t, s.CreateRefreshToken(context.Background(), finhealth.RefreshToken{
		UserID: u.ID, TokenHash: "expired", ExpiresAt: nowOf(s).Add(-time.Second),
	}))
	_, err = rotate(s, "expired", "e1")
	wantCode(t, err, finhealth.EUNAUTHORIZED)
	_, err = rotate(s, "e1", "e2")
	wantCode(t, err, finhealth.EUNAUTHORIZED)
	if n := countAction(t, s, finhealth.AuditTokenFamilyRevoked); n != 0 {
		t.Fatalf("an expired token revoked its family (%d audits)", n)
	}
}

// testRefreshTokenConcurrentRotation presents one token from several goroutines at
// once, as a client retrying in parallel or a thief racing the user would: exactly
// one rotation succeeds, every other one is refused, and none fails otherwise (no
// busy database, no deadlock).
func testRefreshTokenConcurrentRotation(t *testing.T, s finhealth.Store) {
	u, _ := register(t, s, "user@example.com")
	const n = 8
	// Warm the connection pool first, so that the racers start together instead of
	// one after another as each waits for a new connection.
	var warm sync.WaitGroup
	for i := range n {
		warm.Add(1)
		go func() {
			defer warm.Done()
			_, _ = rotate(s, fmt.Sprintf("warm-up-%d", i), fmt.Sprintf("warm-up-next-%d", i))
		}()
	}
	warm.Wait()
	for round := range 5 {
		start := fmt.Sprintf("race-%d", round)
		login(t, s, u, start)
		var (
			wg    sync.WaitGroup
			ready sync.WaitGroup
			gate  = make(chan struct{})
			errs  = make([]error, n)
		)
		for i := range n {
			wg.Add(1)
			ready.Add(1)
			go func() {
				defer wg.Done()
				ready.Done()
				<-gate
				_, errs[i] = rotate(s, start, fmt.Sprintf("%s-next-%d", start, i))
			}()
		}
		ready.Wait()
		close(gate)
		wg.Wait()
		wins := 0
		for _, err := range errs {
			switch finhealth.ErrorCode(err) {
			case "":
				wins++
			case finhealth.EUNAUTHORIZED:
			default:
				t.Fatalf("round %d: unexpected error %v", round, err)
			}
		}
		if wins != 1 {
			t.Fatalf("round %d: %d of %d concurrent rotations succeeded, want exactly 1", round, wins, n)
		}
	}
}

func testRevokeRefreshFamily(t *testing.T, s finhealth.Store) {
	u, _ := register(t, s, "user@example.com")
	login(t, s, u, "l0")
	login(t, s, u, "other")
	_, err := rotate(s, "l0", "l1")
	must(t, err)

	// Logging out with the current token ends the session it belongs to.
	must(t, s.RevokeRefreshFamily(actorCtx(u), "l1"))
	_, err = rotate(s, "l1", "l2")
	wantCode(t, err, finhealth.EUNAUTHORIZED)
	// Other sessions stay.
	_, err = rotate(s, "other", "other-2")
	must(t, err)

	// Twice, or with an unknown token, is harmless.
	must(t, s.RevokeRefreshFamily(actorCtx(u), "l1"))
	must(t, s.RevokeRefreshFamily(context.Background(), "never-issued"))
	entries := allAudit(t, s, finhealth.AuditFilter{Action: finhealth.AuditLogout})
	if len(entries) != 1 || entries[0].ActorID != u.ID {
		t.Fatalf("logout audit = %+v", entries)
	}
	// A revoked token presented later is not "reuse": the family is already gone.
	if n := countAction(t, s, finhealth.AuditTokenFamilyRevoked); n != 0 {
		t.Fatalf("%d family revocations audited, want 0", n)
	}
}
