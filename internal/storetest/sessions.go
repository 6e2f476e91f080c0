package storetest

import (
	"context"
	"testing"
	"time"

	"finhealth"
)

// testSessions checks the life of sessions: a login opens one with where it began,
// rotation records its use, and ending one (logout, one by id, all others, a
// password change) refuses its access tokens on the next Access while the user's
// other sessions keep working.
func testSessions(t *testing.T, s finhealth.Store) {
	ctx := context.Background()
	c := clockOf(t, s)
	u, _ := register(t, s, "sessions@example.com")
	other, _ := register(t, s, "sessions-other@example.com")

	open := func(user *finhealth.User, hash, agent string) string {
		t.Helper()
		sid := sessionID()
		must(t, s.CreateRefreshToken(ctx, finhealth.RefreshToken{UserID: user.ID, FamilyID: sid, TokenHash: hash,
			ExpiresAt: c.Now().Add(time.Hour), UserAgent: agent, IP: "198.51.100.4"}))
		return sid
	}
	live := func(sid string) bool {
		t.Helper()
		_, err := s.Access(ctx, u.ID, sid, "")
		if finhealth.ErrorCode(err) == finhealth.ENOTFOUND {
			return false
		}
		must(t, err)
		return true
	}

	laptop := open(u, "laptop-0", "Firefox on Linux")
	started := c.Now()
	phone := open(u, "phone-0", "Safari on iPhone")
	tablet := open(u, "tablet-0", "")
	theirs := open(other, "theirs-0", "")

	// A session is the user's own: another user's id does not pass Access.
	if _, err := s.Access(ctx, other.ID, laptop, ""); finhealth.ErrorCode(err) != finhealth.ENOTFOUND {
		t.Fatalf("another user's session passed Access: %v", err)
	}

	// Rotation records use and keeps the session id.
	c.Advance(10 * time.Minute)
	_, sid, err := s.RotateRefreshToken(ctx, "laptop-0", finhealth.RefreshToken{TokenHash: "laptop-1", ExpiresAt: c.Now().Add(time.Hour)})
	must(t, err)
	if sid != laptop {
		t.Fatalf("rotation answered session %q, want %q", sid, laptop)
	}
	list, err := s.Sessions(ctx, u.ID)
	must(t, err)
	if len(list) != 3 || list[0].ID != laptop {
		t.Fatalf("sessions = %+v, want 3 with the laptop first", list)
	}
	if list[0].UserAgent != "Firefox on Linux" || list[0].IP != "198.51.100.4" ||
		!list[0].CreatedAt.Before(started) || !list[0].LastUsedAt.After(started.Add(9*time.Minute)) {
		t.Fatalf("laptop session = %+v", list[0])
	}

	// Logout (by refresh token) ends that session only.
	must(t, s.RevokeRefreshFamily(ctx, "phone-0"))
	if live(phone) || !live(laptop) || !live(tablet) {
		t.Fatalf("after the phone's logout: phone %v laptop %v tablet %v", live(phone), live(laptop), live(tablet))
	}

	// Ending one by id: another user's, or an ended one, is not found.
	wantCode(t, s.EndSession(ctx, other.ID, tablet), finhealth.ENOTFOUND)
	wantCode(t, s.EndSession(ctx, u.ID, phone), finhealth.ENOTFOUND)
	must(t, s.EndSession(ctx, u.ID, tablet))
	if live(tablet) || !live(laptop) {
		t.Fatal("ending the tablet's session did not end it alone")
	}
	if _, err := rotate(s, "tablet-0", "tablet-1"); finhealth.ErrorCode(err) != finhealth.EUNAUTHORIZED {
		t.Fatalf("an ended session's refresh token rotated: %v", err)
	}
	if n := countAction(t, s, finhealth.AuditSessionEnded); n != 1 {
		t.Fatalf("%d session_ended audit entries, want 1", n)
	}

	// All others: the kept one lives, another user's are untouched.
	phone = open(u, "phone-2", "")
	n, err := s.EndOtherSessions(ctx, u.ID, laptop)
	must(t, err)
	if n != 1 || live(phone) || !live(laptop) {
		t.Fatalf("end others ended %d; phone %v laptop %v", n, live(phone), live(laptop))
	}
	if _, err := s.Access(ctx, other.ID, theirs, ""); err != nil {
		t.Fatalf("another user's session was ended: %v", err)
	}

	// A password change stores the hash and ends the other sessions, in one go.
	phone = open(u, "phone-3", "")
	must(t, s.ChangePassword(ctx, u.ID, "argon2id$new", laptop))
	got, err := s.UserByID(ctx, u.ID)
	must(t, err)
	if got.PasswordHash != "argon2id$new" || live(phone) || !live(laptop) {
		t.Fatalf("after the password change: hash %q phone %v laptop %v", got.PasswordHash, live(phone), live(laptop))
	}
	if n := countAction(t, s, finhealth.AuditPasswordChanged); n != 1 {
		t.Fatalf("%d password_changed audit entries, want 1", n)
	}

	// An expired session is not listed.
	c.Advance(2 * time.Hour)
	list, err = s.Sessions(ctx, u.ID)
	must(t, err)
	if len(list) != 0 {
		t.Fatalf("expired sessions listed: %+v", list)
	}
}
