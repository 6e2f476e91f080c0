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
