package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"finhealth"
)

func testAudit(t *testing.T, s finhealth.Store) {
	u, org := register(t, s, "user@example.com")
	ctx := actorCtx(u)

	// The actor comes from the context where the entry leaves it empty.
	must(t, s.Record(ctx, finhealth.AuditEntry{
		Action: finhealth.AuditLoginSucceeded, OrganizationID: org.ID, TargetType: "user", TargetID: u.ID,
		Details: map[string]string{"method": "password"},
	}))
	// An anonymous event keeps its explicit fields and has no actor.
	at := time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.FixedZone("CEST", 2*3600))
	must(t, s.Record(context.Background(), finhealth.AuditEntry{
		Action: finhealth.AuditLoginFailed, ActorEmail: "unknown@example.com", IP: "192.0.2.1", At: at,
	}))

	got := allAudit(t, s, finhealth.AuditFilter{Action: finhealth.AuditLoginSucceeded})
	if len(got) != 1 {
		t.Fatalf("%d login entries", len(got))
	}
	e := got[0]
	if e.ActorID != u.ID || e.ActorEmail != u.Email || e.IP != "203.0.113.7" || e.OrganizationID != org.ID ||
		e.TargetType != "user" || e.TargetID != u.ID || e.ID == "" {
		t.Fatalf("entry = %+v", e)
	}
	wantEqual(t, "details", e.Details, map[string]string{"method": "password"})
	recent(t, "At", e.At)

	got = allAudit(t, s, finhealth.AuditFilter{Action: finhealth.AuditLoginFailed})
	if len(got) != 1 || got[0].ActorID != "" || got[0].ActorEmail != "unknown@example.com" ||
		got[0].IP != "192.0.2.1" || got[0].Details != nil || got[0].OrganizationID != "" {
		t.Fatalf("anonymous entry = %+v", got)
	}
	// A given time is kept, normalized to UTC microseconds.
	if want := time.Date(2024, 5, 6, 5, 8, 9, 123456000, time.UTC); !got[0].At.Equal(want) || got[0].At.Location() != time.UTC {
		t.Fatalf("At = %v, want %v", got[0].At, want)
	}

	// Filters combine; the organization filter sees registration and login.
	byOrg := auditActions(t, s, org.ID)
	wantEqual(t, "organization's audit", byOrg, []string{finhealth.AuditUserRegistered, finhealth.AuditLoginSucceeded})
	all := auditActions(t, s, "")
	wantEqual(t, "platform audit", all, []string{finhealth.AuditUserRegistered, finhealth.AuditLoginSucceeded, finhealth.AuditLoginFailed})
	both := allAudit(t, s, finhealth.AuditFilter{OrganizationID: org.ID, Action: finhealth.AuditLoginFailed})
	if len(both) != 0 {
		t.Fatalf("combined filter = %+v", both)
	}

	err := s.Record(ctx, finhealth.AuditEntry{})
	wantCode(t, err, finhealth.EINVALID)
	_, _, err = s.ListAudit(ctx, finhealth.AuditFilter{Cursor: "%%%"})
	wantCode(t, err, finhealth.EINVALID)
	if finhealth.ErrorFields(err)["cursor"] == "" {
		t.Fatalf("fields = %v, want cursor", finhealth.ErrorFields(err))
	}
}

func testAuditPagination(t *testing.T, s finhealth.Store) {
	_, orgA := register(t, s, "a@example.com")
	_, orgB := register(t, s, "b@example.com")
	var want []string // newest first
	for i := range 50 {
		org := orgA.ID
		if i%5 == 0 {
			org = orgB.ID
		}
		e := finhealth.AuditEntry{Action: "test.event", OrganizationID: org, TargetID: fmt.Sprint(i)}
		must(t, s.Record(context.Background(), e))
		if org == orgA.ID {
			want = append([]string{fmt.Sprint(i)}, want...)
		}
	}
	// 40 of the 50 entries are organization A's; the action filter also leaves out
	// A's registration.
	f := finhealth.AuditFilter{OrganizationID: orgA.ID, Action: "test.event", Limit: 15}
	var got []string
	pages := 0
	for {
		page, next, err := s.ListAudit(context.Background(), f)
		must(t, err)
		pages++
		for _, e := range page {
			if e.OrganizationID != orgA.ID || e.Action != "test.event" {
				t.Fatalf("entry outside the filter: %+v", e)
			}
			got = append(got, e.TargetID)
		}
		if next == "" {
			break
		}
		f.Cursor = next
	}
	if pages != 3 {
		t.Fatalf("%d pages, want 3", pages)
	}
	wantEqual(t, "entries newest first, each once", got, want)

	page, _, err := s.ListAudit(context.Background(), finhealth.AuditFilter{})
	must(t, err)
	if len(page) != finhealth.DefaultPageSize {
		t.Fatalf("default page has %d entries", len(page))
	}
}

func testAuditFilters(t *testing.T, s finhealth.Store) {
	u, _ := register(t, s, "owner@example.com")
	v, _ := register(t, s, "other@example.com")
	day := func(d, h int) time.Time { return time.Date(2024, 5, d, h, 0, 0, 0, time.UTC) }
	// Entries i = 0..29 in May 2024, one a day, each a day after the previous, by u,
	// by v, or anonymous under u's email in other case (a failed login).
	var byU, byEmail, inRange []string // newest first
	for i := range 30 {
		e := finhealth.AuditEntry{Action: "test.event", TargetID: fmt.Sprint(i), At: day(i+1, 12)}
		ctx := context.Background()
		switch i % 3 {
		case 0:
			ctx = actorCtx(u)
			byU = append([]string{e.TargetID}, byU...)
			byEmail = append([]string{e.TargetID}, byEmail...)
		case 1:
			ctx = actorCtx(v)
		case 2:
			e.ActorEmail = "Owner@EXAMPLE.com"
			byEmail = append([]string{e.TargetID}, byEmail...)
		}
		if i >= 9 && i <= 19 {
			inRange = append([]string{e.TargetID}, inRange...)
		}
		must(t, s.Record(ctx, e))
	}
	targets := func(f finhealth.AuditFilter) []string {
		t.Helper()
		f.Action, f.Limit = "test.event", 4 // a small page, so that the cursor crosses filters
		var ids []string
		for _, e := range allAudit(t, s, f) {
			ids = append(ids, e.TargetID)
		}
		return ids
	}
	wantEqual(t, "by actor id", targets(finhealth.AuditFilter{ActorID: u.ID}), byU)
	wantEqual(t, "by actor email, any case", targets(finhealth.AuditFilter{ActorEmail: "OWNER@example.COM"}), byEmail)
	wantEqual(t, "no such actor", targets(finhealth.AuditFilter{ActorEmail: "nobody@example.com"}), []string(nil))

	// Both bounds are inclusive: the 10th to the 20th of May, to the last instant.
	from, to := day(10, 12), day(20, 12)
	wantEqual(t, "in range", targets(finhealth.AuditFilter{From: from, To: to}), inRange)
	endOfDay := time.Date(2024, 5, 20, 23, 59, 59, 999999999, time.UTC)
	wantEqual(t, "to the end of a day", targets(finhealth.AuditFilter{From: day(10, 0), To: endOfDay}), inRange)
	wantEqual(t, "open end", len(targets(finhealth.AuditFilter{From: day(30, 0)})), 1)
	wantEqual(t, "open start", len(targets(finhealth.AuditFilter{To: day(3, 0)})), 2)

	// Every filter combines with the others; registration entries carry the actor too.
	wantEqual(t, "actor and range", targets(finhealth.AuditFilter{ActorID: u.ID, From: from, To: to}), []string{"18", "15", "12", "9"})
	registered := allAudit(t, s, finhealth.AuditFilter{ActorEmail: "owner@example.com", From: day(31, 13)})
	if len(registered) != 1 || registered[0].Action != finhealth.AuditUserRegistered || registered[0].ActorID != u.ID {
		t.Fatalf("owner's entries after May = %+v", registered)
	}
}
