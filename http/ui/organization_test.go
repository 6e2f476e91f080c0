package ui

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"finhealth"
	fhttp "finhealth/http"
	"finhealth/http/internal/servertest"
	"finhealth/store"
)

func TestUISettingsUpdate(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		owner := a.RegisterDirect("Owner")
		ui := a.UILogin(owner.Email)
		page := "/orgs/" + owner.OrgID + "/settings"

		res := ui.Get(page).Expect(t, http.StatusOK)
		res.Has(t, `data-testid="org-form"`, `value="Owner&#39;s business"`, `data-testid="invite-form"`, "(the only owner)")
		// The only owner is offered no change the store would refuse.
		res.HasNot(t, `id="role-`+owner.ID+`"`, `action="`+strings.TrimSuffix(page, "/settings")+`/members/`+owner.ID+`/remove"`)

		// A missing name: 422 with the API's message by the field, the rest kept.
		res = ui.Post(page, url.Values{"name": {"  "}, "industry": {"Bakery"}, "company_size": {"1-10"}}).
			Expect(t, http.StatusUnprocessableEntity)
		res.Has(t, `id="f-name-err">is required<`, `value="Bakery"`, `value="1-10"`)
		o, err := db.Organization(context.Background(), owner.OrgID)
		if err != nil || o.Industry != "" {
			t.Fatalf("a refused update changed the organization: %+v %v", o, err)
		}
		res = ui.Post(page, url.Values{"name": {strings.Repeat("n", 201)}, "industry": {"Bakery"}}).
			Expect(t, http.StatusUnprocessableEntity)
		res.Has(t, "must be at most 200 characters")

		res = ui.Post(page, url.Values{"name": {" Olive's Bakery "}, "industry": {"Bakery"}, "company_size": {"1-10"}}).
			Expect(t, http.StatusSeeOther)
		if res.Header.Get("Location") != page {
			t.Fatalf("redirected to %q", res.Header.Get("Location"))
		}
		o, err = db.Organization(context.Background(), owner.OrgID)
		if err != nil || o.Name != "Olive's Bakery" || o.Industry != "Bakery" || o.CompanySize != "1-10" {
			t.Fatalf("organization = %+v (%v)", o, err)
		}
		ui.Get(page).Expect(t, http.StatusOK).Has(t, noticeMessages["saved"], `value="Olive&#39;s Bakery"`)

		// An invisible character: 422 naming the name, nothing changed; NFC is stored.
		for _, name := range []string{"Olive\u200b's Bakery", "\u202eyrekaB", "\ufeffOlive's Bakery"} {
			ui.Post(page, url.Values{"name": {name}, "industry": {"Bakery"}}).Expect(t, http.StatusUnprocessableEntity).
				Has(t, `id="f-name-err">must not contain invisible formatting characters`)
		}
		ui.Post(page, url.Values{"name": {"Olive's Cafe\u0301"}, "industry": {"Bakery"}}).Expect(t, http.StatusSeeOther)
		if o, err = db.Organization(context.Background(), owner.OrgID); err != nil || o.Name != "Olive's Caf\u00e9" {
			t.Fatalf("organization = %+v (%v)", o, err)
		}
	})
}

func TestUISettingsRoles(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		owner, viewer, advisor, stranger := everyRole(a)
		base := "/orgs/" + owner.OrgID

		// Viewers and advisors read the settings without any control they cannot use,
		// except leaving.
		for _, acc := range []servertest.Account{viewer, advisor} {
			ui := a.UILogin(acc.Email)
			res := ui.Get(base+"/settings").Expect(t, http.StatusOK)
			res.Has(t, "Owner&#39;s business", "Viewer", "Advisor", `action="`+base+`/members/`+acc.ID+`/remove"`)
			res.HasNot(t, `data-testid="org-form"`, `data-testid="invite-form"`, `<select id="role-`,
				`action="`+base+`/members/`+owner.ID+`/remove"`, "Pending invitations")

			// Posting anyway is refused, and nothing changes.
			ui.Post(base+"/settings", url.Values{"name": {"Taken over"}}).Expect(t, http.StatusForbidden)
			ui.Post(base+"/invitations", url.Values{"email": {"friend@example.com"}, "role": {"owner"}}).Expect(t, http.StatusForbidden)
			ui.Post(base+"/members/"+acc.ID, url.Values{"role": {"owner"}}).Expect(t, http.StatusForbidden)
			ui.Post(base+"/members/"+owner.ID+"/remove", nil).Expect(t, http.StatusForbidden)
		}
		o, _ := db.Organization(context.Background(), owner.OrgID)
		invs, _ := db.Invitations(context.Background(), owner.OrgID)
		ms, _ := db.Members(context.Background(), owner.OrgID)
		if o.Name != "Owner's business" || len(invs) != 0 || len(ms) != 3 {
			t.Fatalf("refused posts changed something: %+v, %d invitations, %d members", o, len(invs), len(ms))
		}
		for _, m := range ms {
			if m.UserID == viewer.ID && m.Role != finhealth.OrgRoleViewer {
				t.Fatalf("the viewer made themselves %s", m.Role)
			}
		}

		// Non-members get 404 for every page and form.
		sui := a.UILogin(stranger.Email)
		sui.Get(base+"/settings").Expect(t, http.StatusNotFound)
		sui.Post(base+"/settings", url.Values{"name": {"Mine"}}).Expect(t, http.StatusNotFound)
		sui.Post(base+"/members/"+owner.ID+"/remove", nil).Expect(t, http.StatusNotFound)

		// A viewer may leave, as in the API, and lands on their own home.
		vui := a.UILogin(viewer.Email)
		res := vui.Post(base+"/members/"+viewer.ID+"/remove", nil).Expect(t, http.StatusSeeOther)
		if res.Header.Get("Location") != "/app" {
			t.Fatalf("leaving redirected to %q", res.Header.Get("Location"))
		}
		if _, err := db.Membership(context.Background(), owner.OrgID, viewer.ID); finhealth.ErrorCode(err) != finhealth.ENOTFOUND {
			t.Fatalf("the viewer is still a member: %v", err)
		}
	})
}

func TestUIMembers(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		owner := a.RegisterDirect("Owner")
		member := newMember(a, owner, "Member", finhealth.OrgRoleViewer)
		ui := a.UILogin(owner.Email)
		base := "/orgs/" + owner.OrgID

		res := ui.Get(base+"/settings").Expect(t, http.StatusOK)
		res.Has(t, `<select id="role-`+member.ID+`" name="role">`, `<option value="viewer" selected>`,
			`action="`+base+`/members/`+member.ID+`/remove"`)
		res = ui.Post(base+"/members/"+member.ID, url.Values{"role": {"advisor"}}).Expect(t, http.StatusSeeOther)
		if res.Header.Get("Location") != base+"/settings#members" {
			t.Fatalf("redirected to %q", res.Header.Get("Location"))
		}
		m, err := db.Membership(context.Background(), owner.OrgID, member.ID)
		if err != nil || m.Role != finhealth.OrgRoleAdvisor {
			t.Fatalf("membership = %+v (%v)", m, err)
		}
		ui.Get(base+"/settings").Expect(t, http.StatusOK).Has(t, noticeMessages["member_updated"], `<option value="advisor" selected>`)

		// The store's rules surface next to the members: the last owner stays, an
		// unknown role or member is named.
		res = ui.Post(base+"/members/"+owner.ID, url.Values{"role": {"viewer"}}).Expect(t, http.StatusConflict)
		res.Has(t, "The organization must keep at least one owner.", `class="row-error"`)
		ui.Post(base+"/members/"+owner.ID+"/remove", nil).Expect(t, http.StatusConflict).
			Has(t, "The organization must keep at least one owner.")
		ui.Post(base+"/members/"+member.ID, url.Values{"role": {"boss"}}).Expect(t, http.StatusUnprocessableEntity).
			Has(t, "Role must be one of owner, advisor, viewer.")
		ui.Post(base+"/members/not-an-id", url.Values{"role": {"viewer"}}).Expect(t, http.StatusNotFound).
			Has(t, "Member not found.")
		if m, _ := db.Membership(context.Background(), owner.OrgID, owner.ID); m.Role != finhealth.OrgRoleOwner {
			t.Fatalf("the last owner became %s", m.Role)
		}

		// With a second owner, either may be demoted or removed.
		ui.Post(base+"/members/"+member.ID, url.Values{"role": {"owner"}}).Expect(t, http.StatusSeeOther)
		ui.Get(base+"/settings").Expect(t, http.StatusOK).Has(t, `<select id="role-`+owner.ID+`"`,
			`action="`+base+`/members/`+owner.ID+`/remove"`, `action="`+base+`/members/`+member.ID+`/remove"`)
		res = ui.Post(base+"/members/"+member.ID+"/remove", nil).Expect(t, http.StatusSeeOther)
		if _, err := db.Membership(context.Background(), owner.OrgID, member.ID); finhealth.ErrorCode(err) != finhealth.ENOTFOUND {
			t.Fatalf("removed member is still one: %v", err)
		}
		ui.Get(res.Header.Get("Location")).Expect(t, http.StatusOK).Has(t, noticeMessages["member_removed"])
	})
}

var inviteURL = regexp.MustCompile(`id="invite-url" type="text" readonly value="([^"]+)"`)

func TestUIInvitations(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		owner := a.RegisterDirect("Owner")
		existing := newMember(a, owner, "Existing", finhealth.OrgRoleViewer)
		ui := a.UILogin(owner.Email)
		settings := "/orgs/" + owner.OrgID + "/settings"
		invitations := "/orgs/" + owner.OrgID + "/invitations"

		// Bad input: 422 naming the field, the typed values kept; a member: 409.
		res := ui.Post(invitations, url.Values{"email": {"not an email"}, "role": {"advisor"}}).Expect(t, http.StatusUnprocessableEntity)
		res.Has(t, `id="f-email-err"`, `value="not an email"`, `<option value="advisor" selected>`)
		ui.Post(invitations, url.Values{"email": {"someone@example.com"}, "role": {"boss"}}).
			Expect(t, http.StatusUnprocessableEntity).Has(t, `id="f-role-err">must be one of owner, advisor, viewer<`)
		ui.Post(invitations, url.Values{"email": {existing.Email}, "role": {"viewer"}}).
			Expect(t, http.StatusConflict).Has(t, "is already a member.")
		for _, email := range []string{"in\u200bvitee@example.com", "invitee@exa\u202emple.com", "\ufeffinvitee@example.com"} {
			ui.Post(invitations, url.Values{"email": {email}, "role": {"viewer"}}).Expect(t, http.StatusUnprocessableEntity).
				Has(t, `id="f-email-err">must not contain invisible formatting characters`)
		}

		invitee := servertest.UniqueEmail("invitee")
		res = ui.Post(invitations, url.Values{"email": {invitee}, "role": {"advisor"}}).Expect(t, http.StatusSeeOther)
		if res.Header.Get("Location") != settings+"#invitations" {
			t.Fatalf("redirected to %q", res.Header.Get("Location"))
		}
		// The link is shown once, after the redirect, and is the invitation's.
		res = ui.Get(settings).Expect(t, http.StatusOK)
		res.Has(t, noticeMessages["invitation_sent"], `data-copy="#invite-url"`, "Invitation link for "+invitee+" (Advisor)")
		m := inviteURL.FindStringSubmatch(string(res.Body))
		if m == nil {
			t.Fatalf("no invitation link on the page\n%s", res.Body)
		}
		link, err := url.Parse(html.UnescapeString(m[1]))
		if err != nil || link.Scheme+"://"+link.Host != "https://finhealth.test" || link.Path != "/invitations/accept" {
			t.Fatalf("invitation link %q (%v)", m[1], err)
		}
		token := link.Query().Get("token")
		invs, err := db.Invitations(context.Background(), owner.OrgID)
		if err != nil || len(invs) != 1 || invs[0].TokenHash != fhttp.HashToken(token) || invs[0].Role != finhealth.OrgRoleAdvisor {
			t.Fatalf("pending invitations %+v (%v) do not match the link", invs, err)
		}
		res = ui.Get(settings).Expect(t, http.StatusOK)
		res.Has(t, "<td>"+invitee+"</td><td>Advisor</td>")
		res.HasNot(t, `id="invite-url"`, token)

		// A planted cookie with any other token shows no link.
		planted, _, _ := fhttp.NewOpaqueToken()
		ui.Jar.SetCookies(servertest.UIOrigin, []*http.Cookie{{Name: "__Host-" + cookieNewInvitation, Value: planted, Path: "/", Secure: true}})
		ui.Get(settings).Expect(t, http.StatusOK).HasNot(t, `id="invite-url"`, planted)

		// The invitee opens the link: logged out, the page says how to go on and
		// brings them back; logged in, it shows what they join and joins on request.
		acc := createUserWithEmail(a, "Invitee", invitee)
		accept := "/invitations/accept?token=" + url.QueryEscape(token)
		anon := a.UIAnonymous()
		res = anon.Get(accept).Expect(t, http.StatusOK)
		res.Has(t, `href="/login?next=`+url.QueryEscape(accept)+`"`)
		res.HasNot(t, "Owner&#39;s business", "Advisor")

		iui := a.UILogin(acc.Email)
		res = iui.Get(accept).Expect(t, http.StatusOK)
		res.Has(t, "Join Owner&#39;s business", "as <strong>Advisor</strong>", `name="token" value="`+token+`"`)
		res = iui.Post("/invitations/accept", url.Values{"token": {token}}).Expect(t, http.StatusSeeOther)
		if res.Header.Get("Location") != "/orgs/"+owner.OrgID {
			t.Fatalf("accepting redirected to %q", res.Header.Get("Location"))
		}
		if m, err := db.Membership(context.Background(), owner.OrgID, acc.ID); err != nil || m.Role != finhealth.OrgRoleAdvisor {
			t.Fatalf("membership %+v (%v)", m, err)
		}
		iui.Get(res.Header.Get("Location")).Expect(t, http.StatusOK).Has(t, noticeMessages["joined"])

		// Spent, or someone else's, or garbage: the same 404 as the API, explained.
		iui.Get(accept).Expect(t, http.StatusNotFound).Has(t, finhealth.ErrorMessage(fhttp.ErrInvitationNotFound), "logged in as <strong>"+invitee)
		iui.Post("/invitations/accept", url.Values{"token": {token}}).Expect(t, http.StatusNotFound)
		iui.Post("/invitations/accept", url.Values{"token": {""}}).Expect(t, http.StatusUnprocessableEntity)
		someoneElses := a.Invite(owner.OrgID, owner.ID, servertest.UniqueEmail("other"), finhealth.OrgRoleViewer)
		iui.Get("/invitations/accept?token="+url.QueryEscape(someoneElses)).Expect(t, http.StatusNotFound).
			HasNot(t, `name="token"`)
		iui.Post("/invitations/accept", url.Values{"token": {someoneElses}}).Expect(t, http.StatusNotFound)
		iui.Get("/invitations/accept?token=garbage").Expect(t, http.StatusNotFound)
		if ms, _ := db.MembershipsForUser(context.Background(), acc.ID); len(ms) != 1 {
			t.Fatalf("the invitee has %d memberships, want 1", len(ms))
		}
	})
}

func TestUIRevokeInvitation(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		owner, viewer, advisor, stranger := everyRole(a)
		settings := "/orgs/" + owner.OrgID + "/settings"
		email := servertest.UniqueEmail("revoked")
		token, inv := a.NewInvitation(owner.OrgID, owner.ID, email, finhealth.OrgRoleViewer)
		revoke := "/orgs/" + owner.OrgID + "/invitations/" + inv.ID + "/revoke"

		// Only owners see the button; the server refuses everyone else anyway.
		for _, acc := range []servertest.Account{viewer, advisor} {
			ui := a.UILogin(acc.Email)
			ui.Get(settings).Expect(t, http.StatusOK).HasNot(t, revoke, "Revoke")
			ui.Post(revoke, nil).Expect(t, http.StatusForbidden)
		}
		a.UILogin(stranger.Email).Post(revoke, nil).Expect(t, http.StatusNotFound)
		if invs, _ := db.Invitations(context.Background(), owner.OrgID); len(invs) != 1 {
			t.Fatalf("refused revocations left %d pending invitations, want 1", len(invs))
		}

		ui := a.UILogin(owner.Email)
		ui.Get(settings).Expect(t, http.StatusOK).Has(t, `action="`+revoke+`"`, "Revoke<span class=\"visually-hidden\"> the invitation for "+email)
		res := ui.Post(revoke, nil).Expect(t, http.StatusSeeOther)
		if res.Header.Get("Location") != settings+"#invitations" {
			t.Fatalf("revoking redirected to %q", res.Header.Get("Location"))
		}
		res = ui.Get(res.Header.Get("Location")).Expect(t, http.StatusOK)
		res.Has(t, noticeMessages["invite_revoked"], "None: every invitation has been accepted, revoked or has expired.")
		res.HasNot(t, email, revoke)

		// The link is dead, and a stale page's second click is a 404 that says why.
		invitee := createUserWithEmail(a, "Invitee", email)
		a.UILogin(invitee.Email).Post("/invitations/accept", url.Values{"token": {token}}).Expect(t, http.StatusNotFound)
		ui.Post(revoke, nil).Expect(t, http.StatusNotFound).Has(t, "Invitation not found.")
		ui.Post("/orgs/"+owner.OrgID+"/invitations/not-an-id/revoke", nil).Expect(t, http.StatusNotFound)
	})
}

// createUserWithEmail makes an account with a given address, as an invitee signs up.
func createUserWithEmail(a *servertest.API, name, email string) servertest.Account {
	a.T.Helper()
	u, err := a.DB.CreateUser(context.Background(), finhealth.NewUser{Email: email, Name: name, PasswordHash: servertest.FixtureHash, Role: finhealth.RoleUser})
	if err != nil {
		a.T.Fatalf("create user: %v", err)
	}
	return servertest.Account{ID: u.ID, Email: email, Token: a.Token(u.ID)}
}
