package ui

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"finhealth"
	"finhealth/http/internal/servertest"
	"finhealth/store"
)

var nextPageLink = regexp.MustCompile(`<a class="btn btn-small" href="([^"]+)" rel="next">`)

// nextPage is the page's "Next page" address, "" when it is the last.
func nextPage(body []byte) string {
	m := nextPageLink.FindSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(string(m[1]))
}

func userRole(a *servertest.API, id string) (finhealth.Role, bool) {
	a.T.Helper()
	u, err := a.DB.UserByID(context.Background(), id)
	if err != nil {
		a.T.Fatal(err)
	}
	return u.Role, u.Active
}

// TestUIAdminUsers: an admin searches and pages through the users, changes a
// role and deactivates an account through the forms; every refusal the store makes
// is shown on the page with a 4xx status.
func TestUIAdminUsers(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		root := a.CreateUser("Root", finhealth.RoleAdmin)
		tm := servertest.NewTeam(a)
		for i := range finhealth.DefaultPageSize {
			a.CreateUser(fmt.Sprintf("Filler%02d", i), finhealth.RoleUser)
		}
		admin := a.UILogin(root.Email)

		t.Run("search and pages", func(t *testing.T) {
			first := admin.Get("/admin/users").Expect(t, http.StatusOK)
			rows := tableRows(first.Body)
			if len(rows) != finhealth.DefaultPageSize || rows[0][0] != "Root You" || rows[0][1] != root.Email ||
				rows[0][2] != "Active" {
				t.Fatalf("first page: %d rows, first %q", len(rows), rows[0])
			}
			next := nextPage(first.Body)
			if next == "" {
				t.Fatal("the first page links to no next page")
			}
			second := admin.Get(next).Expect(t, http.StatusOK)
			total := len(rows) + len(tableRows(second.Body))
			if total != 1+4+finhealth.DefaultPageSize || nextPage(second.Body) != "" {
				t.Errorf("%d users over two pages (next %q), want %d", total, nextPage(second.Body), 1+4+finhealth.DefaultPageSize)
			}
			if !strings.Contains(string(second.Body), `href="/admin/users">« First page</a>`) {
				t.Error("the second page does not link back to the first")
			}

			found := admin.Get("/admin/users?q=VERA").Expect(t, http.StatusOK)
			if got := firstCells(tableRows(found.Body)); len(got) != 1 || got[0] != "Vera" {
				t.Errorf("search for VERA: %v", got)
			}
			if !strings.Contains(string(admin.Get("/admin/users?q=nobody-at-all").Body), "No user’s email or name contains") {
				t.Error("an empty search result does not say so")
			}
			long := admin.Get("/admin/users?q="+strings.Repeat("v", 101)).Expect(t, http.StatusUnprocessableEntity)
			if !strings.Contains(string(long.Body), "must be at most 100 characters") {
				t.Errorf("a too long search is not explained:\n%s", long.Body)
			}
			if bad := admin.Get("/admin/users?cursor=garbage").Expect(t, http.StatusUnprocessableEntity); !strings.Contains(string(bad.Body), "Page link: malformed cursor.") {
				t.Errorf("a bad cursor is not named:\n%s", bad.Body)
			}
		})

		t.Run("role change", func(t *testing.T) {
			res := admin.Post("/admin/users/"+tm.Viewer.ID+"/role", url.Values{"role": {"admin"}, "q": {"vera"}}).
				Expect(t, http.StatusSeeOther)
			if loc := res.Header.Get("Location"); loc != "/admin/users?q=vera" {
				t.Errorf("after the change: location %q, want the same listing", loc)
			}
			if role, _ := userRole(a, tm.Viewer.ID); role != finhealth.RoleAdmin {
				t.Errorf("role %s after the change", role)
			}
			if page := admin.Get("/admin/users?q=vera"); !strings.Contains(string(page.Body), noticeMessages["user_updated"]) {
				t.Error("no notice after the change")
			}
			// The role now grants the admin pages, and taking it back takes them away.
			vera := a.UILogin(tm.Viewer.Email)
			vera.Get("/admin/users").Expect(t, http.StatusOK)
			admin.Post("/admin/users/"+tm.Viewer.ID+"/role", url.Values{"role": {"user"}}).Expect(t, http.StatusSeeOther)
			vera.Get("/admin/users").Expect(t, http.StatusForbidden)

			bad := admin.Post("/admin/users/"+tm.Viewer.ID+"/role", url.Values{"role": {"root"}, "q": {"vera"}}).
				Expect(t, http.StatusUnprocessableEntity)
			if !strings.Contains(string(bad.Body), `id="role-`+tm.Viewer.ID+`-err">must be one of admin, user</p>`) ||
				!strings.Contains(string(bad.Body), `value="vera"`) {
				t.Errorf("a bad role is not shown in its row of the same listing:\n%s", bad.Body)
			}
			last := admin.Post("/admin/users/"+root.ID+"/role", url.Values{"role": {"user"}}).Expect(t, http.StatusConflict)
			if !strings.Contains(string(last.Body), "The last active admin cannot be demoted.") {
				t.Errorf("demoting the last admin is not explained:\n%s", last.Body)
			}
			admin.Post("/admin/users/"+uiMissingID+"/role", url.Values{"role": {"user"}}).Expect(t, http.StatusNotFound)
			admin.Post("/admin/users/nope/role", url.Values{"role": {"user"}}).Expect(t, http.StatusNotFound)
		})

		t.Run("deactivate", func(t *testing.T) {
			otto := a.UILogin(tm.Outsider.Email)
			otto.Get("/portfolio").Expect(t, http.StatusOK)

			confirm := admin.Get("/admin/users/"+tm.Outsider.ID+"/deactivate").Expect(t, http.StatusOK)
			for _, s := range []string{tm.Outsider.Email, `action="/admin/users/` + tm.Outsider.ID + `/deactivate"`, "signed out everywhere"} {
				if !strings.Contains(string(confirm.Body), s) {
					t.Errorf("the confirmation page lacks %s", s)
				}
			}
			if _, active := userRole(a, tm.Outsider.ID); !active {
				t.Fatal("opening the confirmation page deactivated the user")
			}
			res := admin.Post("/admin/users/"+tm.Outsider.ID+"/deactivate", nil).Expect(t, http.StatusSeeOther)
			if loc := res.Header.Get("Location"); loc != "/admin/users?q="+url.QueryEscape(tm.Outsider.Email) {
				t.Errorf("after deactivating: location %q", loc)
			}
			if _, active := userRole(a, tm.Outsider.ID); active {
				t.Fatal("the user is still active")
			}
			listed := admin.Get("/admin/users?q=" + url.QueryEscape(tm.Outsider.Email))
			if rows := tableRows(listed.Body); len(rows) != 1 || rows[0][2] != "Deactivated" ||
				!strings.Contains(string(listed.Body), noticeMessages["user_deactivated"]) {
				t.Errorf("after deactivating: rows %q", rows)
			}
			// Their open session ends at once, and they cannot log in again.
			if res := otto.Get("/portfolio"); res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
				t.Errorf("the deactivated user's session still works: %d %s", res.Status, res.Header.Get("Location"))
			}
			login := a.UIAnonymous().Post("/login", url.Values{"email": {tm.Outsider.Email}, "password": {servertest.Password}})
			if login.Status != http.StatusUnauthorized {
				t.Errorf("a deactivated user logging in: status %d", login.Status)
			}
			again := admin.Get("/admin/users/"+tm.Outsider.ID+"/deactivate").Expect(t, http.StatusOK)
			if !strings.Contains(string(again.Body), "is already deactivated") || strings.Contains(string(again.Body), `method="post" action="/admin/users/`) {
				t.Error("the confirmation page of a deactivated user still offers to deactivate")
			}

			last := admin.Post("/admin/users/"+root.ID+"/deactivate", nil).Expect(t, http.StatusConflict)
			if !strings.Contains(string(last.Body), "The last active admin cannot be deactivated.") {
				t.Errorf("deactivating the last admin is not explained:\n%s", last.Body)
			}
			admin.Get("/admin/users/"+uiMissingID+"/deactivate").Expect(t, http.StatusNotFound)
			admin.Post("/admin/users/"+uiMissingID+"/deactivate", nil).Expect(t, http.StatusNotFound)
		})
	})
}

// TestUIAdminAudit: the audit log page lists the log newest first, filters it by
// action, organization, actor and date as the API does, pages through it, and names bad filters.
func TestUIAdminAudit(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		root := a.CreateUser("Root", finhealth.RoleAdmin)
		tm := servertest.NewTeam(a)
		admin := a.UILogin(root.Email)
		admin.Post("/admin/users/"+tm.Outsider.ID+"/deactivate", nil).Expect(t, http.StatusSeeOther)
		for range finhealth.DefaultPageSize {
			a.UIAnonymous().Post("/login", url.Values{"email": {"ghost@example.com"}, "password": {"wrong password!"}})
		}

		all := admin.Get("/admin/audit").Expect(t, http.StatusOK)
		rows := tableRows(all.Body)
		if len(rows) != finhealth.DefaultPageSize || !strings.HasPrefix(rows[0][1], finhealth.AuditLoginFailed) {
			t.Fatalf("first page: %d rows, newest %q", len(rows), rows[0])
		}
		if next := nextPage(all.Body); next == "" || !strings.Contains(next, "cursor=") {
			t.Errorf("no next page link: %q", next)
		} else if more := tableRows(admin.Get(next).Expect(t, http.StatusOK).Body); len(more) == 0 {
			t.Error("the next page is empty")
		}

		deact := tableRows(admin.Get("/admin/audit?action=user.deactivated").Expect(t, http.StatusOK).Body)
		want := []string{finhealth.AuditUserDeactivated, root.Email, "user " + tm.Outsider.ID, "–", "Ended sessions 1", "192.0.2.1"}
		if len(deact) != 1 || strings.Join(deact[0][1:], " | ") != strings.Join(want, " | ") {
			t.Errorf("deactivations: %q\nwant one row %q", deact, want)
		}
		for _, r := range tableRows(admin.Get("/admin/audit?organization_id="+tm.Org).Expect(t, http.StatusOK).Body) {
			if r[4] != tm.Org {
				t.Errorf("an entry of another organization: %q", r)
			}
		}
		bad := admin.Get("/admin/audit?organization_id=xyz").Expect(t, http.StatusUnprocessableEntity)
		if !strings.Contains(string(bad.Body), `id="f-organization_id-err">must be an organization id</p>`) ||
			!strings.Contains(string(bad.Body), `value="xyz"`) {
			t.Errorf("a bad organization id is not named in the form:\n%s", bad.Body)
		}

		// The actor and date filters combine and survive paging.
		yesterday := time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly)
		ghosts := admin.Get("/admin/audit?limit=5&actor=GHOST@example.com&from="+yesterday).Expect(t, http.StatusOK)
		next := nextPage(ghosts.Body)
		if !strings.Contains(next, "actor=GHOST%40example.com") || !strings.Contains(next, "from="+yesterday) {
			t.Fatalf("the next page link drops the filter: %q", next)
		}
		if !strings.Contains(string(ghosts.Body), `value="GHOST@example.com"`) || !strings.Contains(string(ghosts.Body), `value="`+yesterday+`"`) {
			t.Error("the filter form does not keep its values")
		}
		rows = append(tableRows(ghosts.Body), tableRows(admin.Get(next).Expect(t, http.StatusOK).Body)...)
		if len(rows) != finhealth.DefaultPageSize {
			t.Errorf("%d entries of the ghost, want %d", len(rows), finhealth.DefaultPageSize)
		}
		for _, r := range rows {
			if r[2] != "ghost@example.com" {
				t.Errorf("an entry of another actor: %q", r)
			}
		}
		if rows := tableRows(admin.Get("/admin/audit?actor="+root.ID).Expect(t, http.StatusOK).Body); len(rows) == 0 || rows[0][2] != root.Email {
			t.Errorf("the root's entries: %q", rows)
		}
		old := admin.Get("/admin/audit?actor=ghost@example.com&to="+yesterday).Expect(t, http.StatusOK)
		if len(tableRows(old.Body)) != 0 || !strings.Contains(string(old.Body), "No entry matches this filter.") {
			t.Errorf("entries before today:\n%s", old.Body)
		}
		badDate := admin.Get("/admin/audit?from=2024-13-01&actor=someone").Expect(t, http.StatusUnprocessableEntity)
		for _, want := range []string{`id="f-from-err">must be an RFC 3339 time or a YYYY-MM-DD date</p>`, `value="2024-13-01"`,
			`id="f-actor-err">must be a user id or an email address</p>`, `value="someone"`} {
			if !strings.Contains(string(badDate.Body), want) {
				t.Errorf("the bad filter page lacks %s:\n%s", want, badDate.Body)
			}
		}
		admin.Get("/admin/audit?cursor=garbage").Expect(t, http.StatusUnprocessableEntity)
		a.UILogin(tm.Owner.Email).Get("/admin/audit").Expect(t, http.StatusForbidden)
	})
}
