package ui

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"finhealth"
	"finhealth/http/internal/servertest"
	"finhealth/store"
)

// TestUIAdminMail: an invitation made on the settings page queues its email, and
// the admin's mail log page lists it (to, subject, template, status, attempts)
// without the link it carries; other users are refused the page.
func TestUIAdminMail(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newWaveAPI(t, db, servertest.WaveOptions{})
		root := a.CreateUser("Root", finhealth.RoleAdmin)
		tm := servertest.NewTeam(a)
		admin, owner := a.UILogin(root.Email), a.UILogin(tm.Owner.Email)

		if empty := admin.Get("/admin/mail").Expect(t, http.StatusOK); !strings.Contains(string(empty.Body), "No mail has been sent yet.") {
			t.Error("the empty mail log does not say so")
		}
		owner.Post("/orgs/"+tm.Org+"/invitations", url.Values{"email": {"mailed@example.com"}, "role": {"advisor"}}).Expect(t, http.StatusSeeOther)

		page := admin.Get("/admin/mail").Expect(t, http.StatusOK)
		rows := tableRows(page.Body)
		if len(rows) != 1 || rows[0][1] != "mailed@example.com" || !strings.Contains(rows[0][2], "invited you to join") ||
			rows[0][3] != "invitation" || rows[0][4] != "queued" || rows[0][5] != "0" {
			t.Fatalf("mail log rows %q", rows)
		}
		if strings.Contains(string(page.Body), "token=") {
			t.Error("the mail log page shows the invitation link")
		}
		owner.Get("/admin/mail").Expect(t, http.StatusForbidden)
	})
}
