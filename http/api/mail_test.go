package api

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"finhealth"
	fhttp "finhealth/http"
	"finhealth/http/internal/servertest"
	"finhealth/store"
)

// TestInvitationEmail: an owner's invitation queues its email with it (the link
// the response carries, the inviter and the organization in it); a refused
// invitation queues nothing; the admin's mail log lists the message without its
// body, and only admins may read it.
func TestInvitationEmail(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newWaveAPI(t, db, servertest.WaveOptions{}, func(c *fhttp.Config) { c.InstanceName = "Acme Health" })
		admin := a.CreateUser("Root", finhealth.RoleAdmin)
		tm := servertest.NewTeam(a)
		org := "/api/v1/organizations/" + tm.Org

		var created struct {
			ID        string `json:"id"`
			AcceptURL string `json:"accept_url"`
		}
		a.Post(org+"/invitations", tm.Owner.Token, map[string]string{"email": "New.Advisor@Example.com", "role": "advisor"}).
			Expect(t, http.StatusCreated).Decode(t, &created)
		a.Post(org+"/invitations", tm.Owner.Token, map[string]string{"email": "not-an-address", "role": "advisor"}).
			Expect(t, http.StatusUnprocessableEntity)

		log, err := db.MailLog(context.Background(), 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(log) != 1 {
			t.Fatalf("mail log %+v, want the one invitation email", log)
		}
		m := log[0]
		o, err := db.Organization(context.Background(), tm.Org)
		if err != nil {
			t.Fatal(err)
		}
		if m.To != "new.advisor@example.com" || m.Template != "invitation" ||
			!strings.Contains(m.Subject, "invited you to join "+o.Name+" on Acme Health") ||
			!strings.Contains(m.Text, created.AcceptURL) || !strings.Contains(m.Text, "as advisor") ||
			!strings.Contains(m.HTML, strings.ReplaceAll(created.AcceptURL, "&", "&amp;")) {
			t.Errorf("queued message %+v", m)
		}

		var p page[map[string]any]
		res := a.Get("/api/v1/admin/mail?limit=5", admin.Token).Expect(t, http.StatusOK)
		res.Decode(t, &p)
		if len(p.Items) != 1 || p.Items[0]["to"] != "new.advisor@example.com" || p.Items[0]["status"] == nil || p.NextCursor != nil {
			t.Errorf("admin mail log %+v", p)
		}
		token := created.AcceptURL[strings.Index(created.AcceptURL, "token=")+len("token="):]
		if strings.Contains(string(res.Body), token) {
			t.Error("the admin mail log shows the invitation token")
		}
		a.Get("/api/v1/admin/mail?limit=0", admin.Token).Expect(t, http.StatusUnprocessableEntity)
		a.Get("/api/v1/admin/mail", tm.Owner.Token).Expect(t, http.StatusForbidden)
		a.Get("/api/v1/admin/mail", "").Expect(t, http.StatusUnauthorized)
	})
}
