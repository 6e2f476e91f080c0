package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestUIAdminUsersAndAudit: an admin made with create-admin finds users, promotes
// one, deactivates another (whose open session ends and who cannot log in again),
// and finds both actions in the audit log.
func TestUIAdminUsersAndAudit(t *testing.T) {
	a := startApp(t, nil)
	registerAPI(t, a, "Uma User", "uma@example.com", "Uma's Upholstery")
	registerAPI(t, a, "Dan Departing", "dan@example.com", "Dan's Deli")
	if out, err := runCmd(t, context.Background(), map[string]string{"DATABASE_URL": filepath.Join(a.Dir, "fh.db")},
		e2ePassword+"\n", "create-admin", "--email", "root@example.com", "--name", "Rita Root"); err != nil {
		t.Fatalf("create-admin: %v\n%s", err, out)
	}

	// Dan is at work in his own browser.
	dan := browser(t)
	logIn(t, dan, a, "dan@example.com", e2ePassword)

	ctx := browser(t)
	logIn(t, ctx, a, "root@example.com", e2ePassword)
	act(t, ctx, "opening the admin pages", chromedp.Click(`nav.account a[href="/admin/users"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`table.admin-users`, chromedp.ByQuery))

	act(t, ctx, "searching for Uma", chromedp.SendKeys("#f-q", "UMA", chromedp.ByQuery),
		chromedp.Click(`form.filters button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#f-q[value="UMA"]`, chromedp.ByQuery))
	var listed int
	act(t, ctx, "counting the users found", chromedp.Evaluate(`document.querySelectorAll('table.admin-users tbody tr').length`, &listed))
	if listed != 1 {
		t.Errorf("searching for UMA lists %d users", listed)
	}
	act(t, ctx, "making Uma an admin",
		chromedp.SetValue(`tr[data-user="uma@example.com"] select[name=role]`, "admin", chromedp.ByQuery),
		chromedp.Click(`tr[data-user="uma@example.com"] form button`, chromedp.ByQuery),
		chromedp.WaitVisible(`.notice`, chromedp.ByQuery))
	var role string
	act(t, ctx, "reading Uma's role", chromedp.Value(`tr[data-user="uma@example.com"] select[name=role]`, &role, chromedp.ByQuery))
	if n := text(t, ctx, ".notice"); role != "admin" || n != "User updated." {
		t.Errorf("after the change: role %q, notice %q", role, n)
	}
	if u := location(t, ctx); !strings.HasSuffix(u, "/admin/users?q=UMA") {
		t.Errorf("the change did not come back to the search: %s", u)
	}

	act(t, ctx, "listing everyone", chromedp.Click(`nav.subnav a[href="/admin/users"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`tr[data-user="dan@example.com"]`, chromedp.ByQuery))
	shot(t, ctx, "admin-users")
	act(t, ctx, "asking to deactivate Dan", chromedp.Click(`tr[data-user="dan@example.com"] a.btn-danger`, chromedp.ByQuery),
		chromedp.WaitVisible(`form[action$="/deactivate"] button`, chromedp.ByQuery))
	if h := text(t, ctx, "main h1"); h != "Deactivate Dan Departing?" {
		t.Errorf("confirmation heading %q", h)
	}
	act(t, ctx, "confirming", chromedp.Click(`form[action$="/deactivate"] button`, chromedp.ByQuery),
		chromedp.WaitVisible(`tr[data-user="dan@example.com"]`, chromedp.ByQuery))
	if s := text(t, ctx, `tr[data-user="dan@example.com"] td:nth-of-type(2)`); s != "Deactivated" {
		t.Errorf("Dan's status %q", s)
	}

	// Dan's session has ended, and his password no longer opens one.
	act(t, dan, "Dan reloading his dashboard", chromedp.Reload(), chromedp.WaitVisible(`form[action="/login"]`, chromedp.ByQuery))
	act(t, dan, "Dan logging in again",
		chromedp.SendKeys("#f-email", "dan@example.com", chromedp.ByQuery),
		chromedp.SendKeys("#f-password", e2ePassword, chromedp.ByQuery),
		chromedp.Click(`form[action="/login"] button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(".alert", chromedp.ByQuery))
	shot(t, dan, "admin-deactivated-login")
	if msg := text(t, dan, ".alert"); !strings.Contains(msg, "Invalid email or password") {
		t.Errorf("Dan's login: %q", msg)
	}

	act(t, ctx, "opening the audit log", chromedp.Click(`nav.subnav a[href="/admin/audit"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`table.audit-table`, chromedp.ByQuery))
	shot(t, ctx, "admin-audit")
	var actions []string
	act(t, ctx, "reading the actions", chromedp.Evaluate(`Array.from(document.querySelectorAll('table.audit-table tbody tr')).map(tr => tr.dataset.action)`, &actions))
	joined := strings.Join(actions, " ")
	if !strings.HasPrefix(joined, "auth.login_failed user.deactivated") || !strings.Contains(joined, "user.role_changed") {
		t.Errorf("audit actions, newest first: %s", joined)
	}
	act(t, ctx, "filtering by action", chromedp.SendKeys("#f-action", "user.role_changed", chromedp.ByQuery),
		chromedp.Click(`form.filters button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#f-action[value="user.role_changed"]`, chromedp.ByQuery))
	var rows []string
	act(t, ctx, "reading the filtered log", chromedp.Evaluate(`Array.from(document.querySelectorAll('table.audit-table tbody tr')).map(tr => tr.innerText.replace(/\s+/g, ' '))`, &rows))
	if len(rows) != 1 || !strings.Contains(rows[0], "root@example.com") || !strings.Contains(rows[0], "From user") || !strings.Contains(rows[0], "To admin") {
		t.Errorf("role changes: %q", rows)
	}

	// Both pages fit a phone: their tables scroll in their own box.
	act(t, ctx, "a phone-sized viewport", mobile())
	for _, page := range []string{"/admin/users", "/admin/audit"} {
		act(t, ctx, "opening "+page+" on a phone", chromedp.Navigate(a.URL+page), chromedp.WaitVisible("table", chromedp.ByQuery))
		if overflows(t, ctx) {
			shot(t, ctx, "admin-overflow-360"+strings.ReplaceAll(page, "/", "-"))
			t.Errorf("%s scrolls sideways at 360 px", page)
		}
	}
}
