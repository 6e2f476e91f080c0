package api

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"finhealth"
	"finhealth/http/internal/servertest"
	"finhealth/store"
)

func TestAdmin(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		admin := a.CreateUser("Root", finhealth.RoleAdmin)
		tm := servertest.NewTeam(a)

		t.Run("users are listed and searched", func(t *testing.T) {
			var p page[finhealth.User]
			a.Get("/api/v1/admin/users?limit=2", admin.Token).Expect(t, http.StatusOK).Decode(t, &p)
			if len(p.Items) != 2 || p.NextCursor == nil {
				t.Fatalf("page %+v", p)
			}
			var rest page[finhealth.User]
			a.Get("/api/v1/admin/users?limit=100&cursor="+url.QueryEscape(*p.NextCursor), admin.Token).Expect(t, http.StatusOK).Decode(t, &rest)
			if len(rest.Items) != 3 || rest.NextCursor != nil {
				t.Errorf("rest %+v", rest)
			}
			var found page[finhealth.User]
			a.Get("/api/v1/admin/users?q=VERA", admin.Token).Expect(t, http.StatusOK).Decode(t, &found)
			if len(found.Items) != 1 || found.Items[0].ID != tm.Viewer.ID {
				t.Errorf("search %+v", found)
			}
			a.Get("/api/v1/admin/users?limit=500", admin.Token).Expect(t, http.StatusUnprocessableEntity)
			a.Get("/api/v1/admin/users", tm.Owner.Token).Expect(t, http.StatusForbidden)
			a.Get("/api/v1/admin/users", "").Expect(t, http.StatusUnauthorized)
		})

		t.Run("role changes take effect on the next request", func(t *testing.T) {
			var u finhealth.User
			a.Patch("/api/v1/admin/users/"+tm.Owner.ID, admin.Token, map[string]string{"role": "admin"}).Expect(t, http.StatusOK).Decode(t, &u)
			if u.Role != finhealth.RoleAdmin {
				t.Errorf("user %+v", u)
			}
			a.Get("/api/v1/admin/users", tm.Owner.Token).Expect(t, http.StatusOK)
			a.Patch("/api/v1/admin/users/"+tm.Owner.ID, admin.Token, map[string]string{"role": "user"}).Expect(t, http.StatusOK)
			a.Get("/api/v1/admin/users", tm.Owner.Token).Expect(t, http.StatusForbidden)

			if f := a.Patch("/api/v1/admin/users/"+tm.Owner.ID, admin.Token, map[string]string{"role": "root"}).
				Expect(t, http.StatusUnprocessableEntity).ErrorFields(t); f["role"] == "" {
				t.Errorf("fields %v", f)
			}
			a.Patch("/api/v1/admin/users/01900000-0000-7000-8000-000000000000", admin.Token, map[string]string{"role": "user"}).Expect(t, http.StatusNotFound)
			a.Patch("/api/v1/admin/users/nope", admin.Token, map[string]string{"role": "user"}).Expect(t, http.StatusNotFound)
			// The last active admin cannot be demoted.
			a.Patch("/api/v1/admin/users/"+admin.ID, admin.Token, map[string]string{"role": "user"}).Expect(t, http.StatusConflict)
		})

		t.Run("deactivate", func(t *testing.T) {
			var u finhealth.User
			a.Post("/api/v1/admin/users/"+tm.Outsider.ID+"/deactivate", admin.Token, nil).Expect(t, http.StatusOK).Decode(t, &u)
			if u.Active {
				t.Errorf("still active: %+v", u)
			}
			a.Get("/api/v1/me", tm.Outsider.Token).Expect(t, http.StatusUnauthorized)
			a.Post("/api/v1/admin/users/"+tm.Viewer.ID+"/deactivate", tm.Owner.Token, nil).Expect(t, http.StatusForbidden)
			a.Post("/api/v1/admin/users/01900000-0000-7000-8000-000000000000/deactivate", admin.Token, nil).Expect(t, http.StatusNotFound)
			a.Post("/api/v1/admin/users/"+admin.ID+"/deactivate", admin.Token, nil).Expect(t, http.StatusConflict)
		})

		t.Run("audit log", func(t *testing.T) {
			var all page[finhealth.AuditEntry]
			a.Get("/api/v1/admin/audit-log?limit=100", admin.Token).Expect(t, http.StatusOK).Decode(t, &all)
			if len(all.Items) == 0 {
				t.Fatal("empty audit log")
			}
			var deact page[finhealth.AuditEntry]
			a.Get("/api/v1/admin/audit-log?action=user.deactivated", admin.Token).Expect(t, http.StatusOK).Decode(t, &deact)
			if len(deact.Items) != 1 || deact.Items[0].TargetID != tm.Outsider.ID || deact.Items[0].ActorID != admin.ID {
				t.Errorf("deactivations %+v", deact.Items)
			}
			var org page[finhealth.AuditEntry]
			a.Get("/api/v1/admin/audit-log?organization_id="+tm.Org, admin.Token).Expect(t, http.StatusOK).Decode(t, &org)
			for _, e := range org.Items {
				if e.OrganizationID != tm.Org {
					t.Errorf("entry of another organization %+v", e)
				}
			}
			if len(org.Items) == 0 {
				t.Error("no entries for the organization")
			}
			if f := a.Get("/api/v1/admin/audit-log?organization_id=xyz", admin.Token).Expect(t, http.StatusUnprocessableEntity).ErrorFields(t); f["organization_id"] == "" {
				t.Errorf("fields %v", f)
			}
			a.Get("/api/v1/admin/audit-log", tm.Owner.Token).Expect(t, http.StatusForbidden)
		})

		t.Run("audit log by actor and time", func(t *testing.T) {
			// A failed login under the admin's email has no actor id, so only the email
			// filter finds it.
			a.Post("/api/v1/auth/login", "", map[string]string{"email": strings.ToUpper(admin.Email), "password": "wrong"}).
				Expect(t, http.StatusUnauthorized)
			ids := func(query string) []string {
				t.Helper()
				var out []string
				path := "/api/v1/admin/audit-log?limit=1&" + query
				for {
					var p page[finhealth.AuditEntry]
					a.Get(path, admin.Token).Expect(t, http.StatusOK).Decode(t, &p)
					for _, e := range p.Items {
						out = append(out, e.ID)
					}
					if p.NextCursor == nil {
						return out
					}
					path = "/api/v1/admin/audit-log?limit=1&" + query + "&cursor=" + url.QueryEscape(*p.NextCursor)
				}
			}
			var all page[finhealth.AuditEntry]
			a.Get("/api/v1/admin/audit-log?limit=100", admin.Token).Expect(t, http.StatusOK).Decode(t, &all)
			var byID, byEmail []string
			for _, e := range all.Items {
				if e.ActorID == admin.ID {
					byID = append(byID, e.ID)
				}
				if strings.EqualFold(e.ActorEmail, admin.Email) {
					byEmail = append(byEmail, e.ID)
				}
			}
			if len(byEmail) <= len(byID) || len(byID) < 2 {
				t.Fatalf("fixture: %d entries by id, %d by email", len(byID), len(byEmail))
			}
			// Each filter follows its cursor one entry at a time and stays filtered.
			if got := ids("actor=" + admin.ID); !slices.Equal(got, byID) {
				t.Errorf("by actor id %v, want %v", got, byID)
			}
			if got := ids("actor=" + url.QueryEscape(strings.ToUpper(admin.Email))); !slices.Equal(got, byEmail) {
				t.Errorf("by actor email %v, want %v", got, byEmail)
			}
			now := time.Now().UTC()
			yesterday, tomorrow := now.AddDate(0, 0, -1).Format(time.DateOnly), now.AddDate(0, 0, 1).Format(time.DateOnly)
			if got := ids("actor=" + admin.ID + "&from=" + yesterday + "&to=" + tomorrow); !slices.Equal(got, byID) {
				t.Errorf("today's by actor %v, want %v", got, byID)
			}
			if got := ids("from=" + url.QueryEscape(now.Add(time.Hour).Format(time.RFC3339))); len(got) != 0 {
				t.Errorf("entries from the future: %v", got)
			}
			if got := ids("to=" + yesterday); len(got) != 0 {
				t.Errorf("entries before today: %v", got)
			}

			for query, field := range map[string]string{
				"actor=nobody":                  "actor",
				"from=2024-13-01":               "from",
				"to=yesterday":                  "to",
				"from=2024-06-02&to=2024-06-01": "from",
			} {
				if f := a.Get("/api/v1/admin/audit-log?"+query, admin.Token).Expect(t, http.StatusUnprocessableEntity).ErrorFields(t); f[field] == "" {
					t.Errorf("%s: fields %v, want %s", query, f, field)
				}
			}
		})

		t.Run("admins see no business data", func(t *testing.T) {
			a.Get("/api/v1/organizations/"+tm.Org, admin.Token).Expect(t, http.StatusNotFound)
			a.Get("/api/v1/organizations/"+tm.Org+"/assessments", admin.Token).Expect(t, http.StatusNotFound)
		})
	})
}
