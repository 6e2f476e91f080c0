package api

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"finhealth"
	fhttp "finhealth/http"
	"finhealth/http/internal/servertest"
	"finhealth/store"
)

func TestOrganizations(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		tm := servertest.NewTeam(a)
		orgPath := "/api/v1/organizations/" + tm.Org

		t.Run("list is the caller's memberships", func(t *testing.T) {
			var l list[finhealth.Membership]
			a.Get("/api/v1/organizations", tm.Advisor.Token).Expect(t, http.StatusOK).Decode(t, &l)
			if len(l.Items) != 1 || l.Items[0].OrganizationID != tm.Org || l.Items[0].Role != finhealth.OrgRoleAdvisor ||
				l.Items[0].OrganizationName != "Olga's business" {
				t.Errorf("list %+v", l)
			}
		})

		t.Run("get", func(t *testing.T) {
			var o finhealth.Organization
			a.Get(orgPath, tm.Viewer.Token).Expect(t, http.StatusOK).Decode(t, &o)
			if o.ID != tm.Org {
				t.Errorf("org %+v", o)
			}
			// Outsiders cannot tell a real organization from a made-up or malformed id.
			notFound := a.Get(orgPath, tm.Outsider.Token).Expect(t, http.StatusNotFound)
			made := a.Get("/api/v1/organizations/01900000-0000-7000-8000-000000000000", tm.Outsider.Token).Expect(t, http.StatusNotFound)
			a.Get("/api/v1/organizations/not-an-id", tm.Outsider.Token).Expect(t, http.StatusNotFound)
			if string(notFound.Body) != string(made.Body) {
				t.Errorf("404 bodies differ: %s vs %s", notFound.Body, made.Body)
			}
		})

		t.Run("patch", func(t *testing.T) {
			var o finhealth.Organization
			a.Patch(orgPath, tm.Owner.Token, map[string]string{"name": " Olga & Co ", "industry": "retail"}).
				Expect(t, http.StatusOK).Decode(t, &o)
			if o.Name != "Olga & Co" || o.Industry != "retail" {
				t.Errorf("org %+v", o)
			}
			// Absent fields stay.
			a.Patch(orgPath, tm.Owner.Token, map[string]string{"company_size": "11-50"}).Expect(t, http.StatusOK).Decode(t, &o)
			if o.Name != "Olga & Co" || o.CompanySize != "11-50" {
				t.Errorf("org %+v", o)
			}
			res := a.Patch(orgPath, tm.Owner.Token, map[string]string{"name": " ", "industry": strings.Repeat("i", 101)}).
				Expect(t, http.StatusUnprocessableEntity)
			if f := res.ErrorFields(t); f["name"] == "" || f["industry"] == "" {
				t.Errorf("fields %v", f)
			}
			a.Patch(orgPath, tm.Advisor.Token, map[string]string{"name": "X"}).Expect(t, http.StatusForbidden)
			a.Patch(orgPath, tm.Outsider.Token, map[string]string{"name": "X"}).Expect(t, http.StatusNotFound)

			// The name is stored in NFC; an invisible character in it is a 422 naming it.
			a.Patch(orgPath, tm.Owner.Token, map[string]string{"name": "Cafe\u0301 Olga"}).Expect(t, http.StatusOK).Decode(t, &o)
			if o.Name != "Caf\u00e9 Olga" {
				t.Errorf("name %q is not in NFC", o.Name)
			}
			for _, name := range []string{"Olga\u200b & Co", "\u202eoC & aglO", "\ufeffOlga & Co"} {
				res := a.Patch(orgPath, tm.Owner.Token, map[string]string{"name": name}).Expect(t, http.StatusUnprocessableEntity)
				if f := res.ErrorFields(t); !strings.Contains(f["name"], "invisible formatting characters") || len(f) != 1 {
					t.Errorf("%q: fields %v", name, f)
				}
			}
			if stored, err := db.Organization(context.Background(), tm.Owner.OrgID); err != nil || stored.Name != "Caf\u00e9 Olga" {
				t.Errorf("a refused name changed the organization: %+v %v", stored, err)
			}
		})

		t.Run("members", func(t *testing.T) {
			var l list[finhealth.Membership]
			a.Get(orgPath+"/members", tm.Viewer.Token).Expect(t, http.StatusOK).Decode(t, &l)
			emails := map[string]finhealth.OrgRole{}
			for _, m := range l.Items {
				emails[m.UserEmail] = m.Role
			}
			if len(l.Items) != 3 || emails[tm.Owner.Email] != "owner" || emails[tm.Viewer.Email] != "viewer" {
				t.Errorf("members %+v", l.Items)
			}
		})

		t.Run("change member role", func(t *testing.T) {
			path := orgPath + "/members/" + tm.Viewer.ID
			var m finhealth.Membership
			a.Patch(path, tm.Owner.Token, map[string]string{"role": "advisor"}).Expect(t, http.StatusOK).Decode(t, &m)
			if m.Role != finhealth.OrgRoleAdvisor || m.UserID != tm.Viewer.ID {
				t.Errorf("membership %+v", m)
			}
			a.Patch(path, tm.Owner.Token, map[string]string{"role": "viewer"}).Expect(t, http.StatusOK)
			if f := a.Patch(path, tm.Owner.Token, map[string]string{"role": "boss"}).Expect(t, http.StatusUnprocessableEntity).ErrorFields(t); f["role"] == "" {
				t.Errorf("fields %v", f)
			}
			a.Patch(orgPath+"/members/"+tm.Outsider.ID, tm.Owner.Token, map[string]string{"role": "viewer"}).Expect(t, http.StatusNotFound)
			a.Patch(orgPath+"/members/bogus", tm.Owner.Token, map[string]string{"role": "viewer"}).Expect(t, http.StatusNotFound)
			// The last owner cannot step down.
			a.Patch(orgPath+"/members/"+tm.Owner.ID, tm.Owner.Token, map[string]string{"role": "viewer"}).Expect(t, http.StatusConflict)
			a.Patch(path, tm.Advisor.Token, map[string]string{"role": "owner"}).Expect(t, http.StatusForbidden)
		})

		t.Run("remove member", func(t *testing.T) {
			tm := servertest.NewTeam(a)
			orgPath := "/api/v1/organizations/" + tm.Org
			// A viewer may not remove others, but may leave.
			a.Delete(orgPath+"/members/"+tm.Advisor.ID, tm.Viewer.Token).Expect(t, http.StatusForbidden)
			a.Delete(orgPath+"/members/"+tm.Viewer.ID, tm.Viewer.Token).Expect(t, http.StatusNoContent)
			a.Get(orgPath, tm.Viewer.Token).Expect(t, http.StatusNotFound)
			// The owner removes the advisor; the last owner cannot leave.
			a.Delete(orgPath+"/members/"+tm.Advisor.ID, tm.Owner.Token).Expect(t, http.StatusNoContent)
			a.Delete(orgPath+"/members/"+tm.Advisor.ID, tm.Owner.Token).Expect(t, http.StatusNotFound)
			a.Delete(orgPath+"/members/"+tm.Owner.ID, tm.Owner.Token).Expect(t, http.StatusConflict)
			a.Delete(orgPath+"/members/"+tm.Owner.ID, tm.Outsider.Token).Expect(t, http.StatusNotFound)
		})

		t.Run("org audit log is for owners", func(t *testing.T) {
			var p page[finhealth.AuditEntry]
			a.Get(orgPath+"/audit-log?limit=2", tm.Owner.Token).Expect(t, http.StatusOK).Decode(t, &p)
			if len(p.Items) != 2 || p.NextCursor == nil {
				t.Fatalf("page %+v", p)
			}
			for _, e := range p.Items {
				if e.OrganizationID != tm.Org {
					t.Errorf("entry of another organization: %+v", e)
				}
			}
			var next page[finhealth.AuditEntry]
			a.Get(orgPath+"/audit-log?limit=2&cursor="+url.QueryEscape(*p.NextCursor), tm.Owner.Token).Expect(t, http.StatusOK).Decode(t, &next)
			if len(next.Items) == 0 || next.Items[0].ID == p.Items[0].ID {
				t.Errorf("second page %+v", next)
			}
			var joined page[finhealth.AuditEntry]
			a.Get(orgPath+"/audit-log?action=member.joined", tm.Owner.Token).Expect(t, http.StatusOK).Decode(t, &joined)
			if len(joined.Items) != 2 {
				t.Errorf("member.joined entries: %+v", joined.Items)
			}
			var owners page[finhealth.AuditEntry]
			a.Get(orgPath+"/audit-log?actor="+tm.Owner.ID+"&from=2000-01-01", tm.Owner.Token).Expect(t, http.StatusOK).Decode(t, &owners)
			if len(owners.Items) == 0 {
				t.Error("no entries by the owner")
			}
			for _, e := range owners.Items {
				if e.ActorID != tm.Owner.ID || e.OrganizationID != tm.Org {
					t.Errorf("entry outside the filter: %+v", e)
				}
			}
			if f := a.Get(orgPath+"/audit-log?to=31/12/2024", tm.Owner.Token).Expect(t, http.StatusUnprocessableEntity).ErrorFields(t); f["to"] == "" {
				t.Errorf("fields %v, want to", f)
			}
			a.Get(orgPath+"/audit-log", tm.Advisor.Token).Expect(t, http.StatusForbidden)
			a.Get(orgPath+"/audit-log?limit=0", tm.Owner.Token).Expect(t, http.StatusUnprocessableEntity)
		})
	})
}

func TestInvitations(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		tm := servertest.NewTeam(a)
		orgPath := "/api/v1/organizations/" + tm.Org
		newcomer := a.Register("Nina")

		var inv invitationCreatedBody
		a.Post(orgPath+"/invitations", tm.Owner.Token, map[string]string{"email": strings.ToUpper(newcomer.Email), "role": "advisor"}).
			Expect(t, http.StatusCreated).Decode(t, &inv)
		if inv.Email != newcomer.Email || inv.Role != "advisor" || len(inv.Token) != fhttp.OpaqueTokenLen ||
			inv.AcceptURL != "https://finhealth.test/invitations/accept?token="+inv.Token || inv.InvitedBy != tm.Owner.ID {
			t.Fatalf("invitation %+v", inv)
		}

		t.Run("listed without the token", func(t *testing.T) {
			res := a.Get(orgPath+"/invitations", tm.Owner.Token).Expect(t, http.StatusOK)
			if strings.Contains(string(res.Body), inv.Token) || !strings.Contains(string(res.Body), newcomer.Email) {
				t.Errorf("list %s", res.Body)
			}
			a.Get(orgPath+"/invitations", tm.Advisor.Token).Expect(t, http.StatusForbidden)
		})

		t.Run("invalid", func(t *testing.T) {
			res := a.Post(orgPath+"/invitations", tm.Owner.Token, map[string]string{"email": "nope", "role": "king"}).
				Expect(t, http.StatusUnprocessableEntity)
			if f := res.ErrorFields(t); f["email"] == "" || f["role"] == "" {
				t.Errorf("fields %v", f)
			}
			for _, email := range []string{"in\u200bvitee@example.com", "invitee@exa\u202emple.com", "\ufeffinvitee@example.com"} {
				res := a.Post(orgPath+"/invitations", tm.Owner.Token, map[string]string{"email": email, "role": "viewer"}).
					Expect(t, http.StatusUnprocessableEntity)
				if f := res.ErrorFields(t); !strings.Contains(f["email"], "invisible formatting characters") || len(f) != 1 {
					t.Errorf("%q: fields %v", email, f)
				}
			}
			a.Post(orgPath+"/invitations", tm.Owner.Token, map[string]string{"email": tm.Viewer.Email, "role": "viewer"}).
				Expect(t, http.StatusConflict)
			a.Post(orgPath+"/invitations", tm.Advisor.Token, map[string]string{"email": "x@example.com", "role": "viewer"}).
				Expect(t, http.StatusForbidden)
		})

		t.Run("accept needs the invited account", func(t *testing.T) {
			body := map[string]string{"token": inv.Token}
			a.Post("/api/v1/invitations/accept", "", body).Expect(t, http.StatusUnauthorized)
			a.Post("/api/v1/invitations/accept", tm.Outsider.Token, body).Expect(t, http.StatusNotFound)
			a.Post("/api/v1/invitations/accept", newcomer.Token, map[string]string{"token": "short"}).Expect(t, http.StatusNotFound)
			a.Post("/api/v1/invitations/accept", newcomer.Token, map[string]string{"token": strings.Repeat("x", fhttp.OpaqueTokenLen)}).Expect(t, http.StatusNotFound)
			a.Post("/api/v1/invitations/accept", newcomer.Token, map[string]string{}).Expect(t, http.StatusUnprocessableEntity)

			var m finhealth.Membership
			a.Post("/api/v1/invitations/accept", newcomer.Token, body).Expect(t, http.StatusOK).Decode(t, &m)
			if m.OrganizationID != tm.Org || m.Role != finhealth.OrgRoleAdvisor || m.UserID != newcomer.ID {
				t.Errorf("membership %+v", m)
			}
			a.Get(orgPath, newcomer.Token).Expect(t, http.StatusOK)
			// Spent.
			a.Post("/api/v1/invitations/accept", newcomer.Token, body).Expect(t, http.StatusNotFound)
		})

		t.Run("revoked", func(t *testing.T) {
			invitee := a.Register("Rita")
			var revoked invitationCreatedBody
			a.Post(orgPath+"/invitations", tm.Owner.Token, map[string]string{"email": invitee.Email, "role": "viewer"}).
				Expect(t, http.StatusCreated).Decode(t, &revoked)
			path := orgPath + "/invitations/" + revoked.ID
			a.Delete(path, tm.Advisor.Token).Expect(t, http.StatusForbidden)
			a.Delete(path, tm.Outsider.Token).Expect(t, http.StatusNotFound)
			a.Delete("/api/v1/organizations/"+tm.Outsider.OrgID+"/invitations/"+revoked.ID, tm.Outsider.Token).Expect(t, http.StatusNotFound)
			a.Delete(orgPath+"/invitations/bogus", tm.Owner.Token).Expect(t, http.StatusNotFound)

			a.Delete(path, tm.Owner.Token).Expect(t, http.StatusNoContent)
			if res := a.Get(orgPath+"/invitations", tm.Owner.Token).Expect(t, http.StatusOK); strings.Contains(string(res.Body), invitee.Email) {
				t.Errorf("revoked invitation still listed: %s", res.Body)
			}
			a.Post("/api/v1/invitations/accept", invitee.Token, map[string]string{"token": revoked.Token}).Expect(t, http.StatusNotFound)
			a.Delete(path, tm.Owner.Token).Expect(t, http.StatusNotFound)
			// An accepted invitation (the newcomer's, above) is a membership, not revocable.
			a.Delete(orgPath+"/invitations/"+inv.ID, tm.Owner.Token).Expect(t, http.StatusNotFound)
		})

		t.Run("expired", func(t *testing.T) {
			late := a.Register("Late")
			token, hash, err := fhttp.NewOpaqueToken()
			if err != nil {
				t.Fatal(err)
			}
			ctx := finhealth.WithActor(context.Background(), finhealth.Actor{UserID: tm.Owner.ID})
			if _, err := db.CreateInvitation(ctx, finhealth.Invitation{OrganizationID: tm.Org, Email: late.Email,
				Role: finhealth.OrgRoleViewer, InvitedBy: tm.Owner.ID, TokenHash: hash, ExpiresAt: a.Clock.Now().Add(time.Minute)}); err != nil {
				t.Fatal(err)
			}
			a.Clock.Advance(time.Minute) // the store, which judges expiry, reads this clock too
			a.Post("/api/v1/invitations/accept", late.Token, map[string]string{"token": token}).Expect(t, http.StatusNotFound)
		})
	})
}

// invitationCreatedBody mirrors invitationCreated for decoding.
type invitationCreatedBody struct {
	finhealth.Invitation
	Token     string `json:"token"`
	AcceptURL string `json:"accept_url"`
}
