package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// TestUISignUpLogOutLogIn: a newcomer signs up from the landing page, lands on their
// dashboard, logs out and back in; the pages also fit a 360 px phone.
func TestUISignUpLogOutLogIn(t *testing.T) {
	a := startApp(t, nil)
	ctx := browser(t)

	act(t, ctx, "opening the landing page", chromedp.Navigate(a.URL+"/"), chromedp.WaitVisible("h1", chromedp.ByQuery))
	if h := text(t, ctx, "h1"); !strings.Contains(h, "healthy") {
		t.Fatalf("landing heading = %q", h)
	}
	shot(t, ctx, "landing")

	signUp(t, ctx, a, "Olive Owner", "olive@example.com", "Olive's Bakery")
	if got := text(t, ctx, "main h1"); got != "Olive's Bakery" {
		t.Fatalf("dashboard heading = %q, want the business name", got)
	}
	if n := text(t, ctx, ".notice"); !strings.Contains(n, "Welcome") {
		t.Errorf("welcome notice = %q", n)
	}

	act(t, ctx, "logging out", chromedp.Click(`form[action="/logout"] button`, chromedp.ByQuery),
		chromedp.WaitVisible(`form[action="/login"]`, chromedp.ByQuery))
	if n := text(t, ctx, ".notice"); !strings.Contains(n, "logged out") {
		t.Errorf("logout notice = %q", n)
	}
	// The session is gone: the dashboard asks for a login again, then comes back.
	act(t, ctx, "opening /app logged out", chromedp.Navigate(a.URL+"/app"), chromedp.WaitVisible(`form[action="/login"]`, chromedp.ByQuery))
	if u := location(t, ctx); !strings.Contains(u, "/login?next=%2Fapp") {
		t.Fatalf("logged-out /app went to %s", u)
	}

	// A wrong password keeps the email, names the problem, and sets no session.
	act(t, ctx, "a wrong password",
		chromedp.SendKeys("#f-email", "olive@example.com", chromedp.ByQuery),
		chromedp.SendKeys("#f-password", "not the password", chromedp.ByQuery),
		chromedp.Click(`form[action="/login"] button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(".alert", chromedp.ByQuery))
	if msg := text(t, ctx, ".alert"); !strings.Contains(msg, "Invalid email or password") {
		t.Errorf("wrong password message = %q", msg)
	}
	var email string
	act(t, ctx, "reading the kept email", chromedp.Value("#f-email", &email, chromedp.ByQuery))
	if email != "olive@example.com" {
		t.Errorf("the email was not kept: %q", email)
	}

	logIn(t, ctx, a, "olive@example.com", "correct horse battery staple")
	if got := text(t, ctx, "main h1"); got != "Olive's Bakery" {
		t.Fatalf("after login: heading = %q", got)
	}
	act(t, ctx, "a phone-sized viewport", mobile(), chromedp.Reload(), chromedp.WaitVisible("nav.orgnav", chromedp.ByQuery))
	var overflow bool
	act(t, ctx, "checking for horizontal overflow",
		chromedp.Evaluate(`document.documentElement.scrollWidth > window.innerWidth + 1`, &overflow))
	if overflow {
		shot(t, ctx, "dashboard-overflow-360")
		t.Error("the dashboard scrolls sideways at 360 px")
	}
}

// TestUIFormWithoutCSRFTokenIsRefused: a form posted without its CSRF token is
// refused with a page that says why, and nothing changes.
func TestUIFormWithoutCSRFTokenIsRefused(t *testing.T) {
	a := startApp(t, nil)
	ctx := browser(t)
	act(t, ctx, "opening signup", chromedp.Navigate(a.URL+"/signup"), chromedp.WaitVisible("#f-name", chromedp.ByQuery))
	act(t, ctx, "posting the form without its token",
		chromedp.SendKeys("#f-name", "Mallory", chromedp.ByQuery),
		chromedp.SendKeys("#f-email", "mallory@example.com", chromedp.ByQuery),
		chromedp.SendKeys("#f-password", "correct horse battery staple", chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector('input[name="csrf_token"]').remove()`, nil),
		chromedp.Click(`form[action="/signup"] button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(".status-code", chromedp.ByQuery),
	)
	shot(t, ctx, "csrf-refused")
	if code := text(t, ctx, ".status-code"); code != "403" {
		t.Fatalf("status shown = %q, want 403", code)
	}
	if msg := text(t, ctx, "main .lead"); !strings.Contains(msg, "did not come from finhealth") {
		t.Errorf("message = %q", msg)
	}
	// No account was created: logging in with it fails.
	act(t, ctx, "logging in as the refused signup",
		chromedp.Navigate(a.URL+"/login"),
		chromedp.SendKeys("#f-email", "mallory@example.com", chromedp.ByQuery),
		chromedp.SendKeys("#f-password", "correct horse battery staple", chromedp.ByQuery),
		chromedp.Click(`form[action="/login"] button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(".alert", chromedp.ByQuery))
}

// TestUINotFoundPage: an unknown address gets a helpful 404 page, not a bare error.
func TestUINotFoundPage(t *testing.T) {
	a := startApp(t, nil)
	ctx := browser(t)
	act(t, ctx, "opening a missing page", chromedp.Navigate(a.URL+"/no/such/page"), chromedp.WaitVisible("h1", chromedp.ByQuery))
	shot(t, ctx, "not-found")
	if h := text(t, ctx, "h1"); h != "We could not find that page" {
		t.Fatalf("404 heading = %q", h)
	}
	var links int
	act(t, ctx, "counting the way-back links", chromedp.Evaluate(`document.querySelectorAll('main a.btn').length`, &links))
	if links == 0 {
		t.Error("the 404 page offers no way back")
	}
}

// TestUIConnectSimulatedWave: an owner connects the simulated Wave from the Wave
// page, approves on its consent page, chooses a business and sees the first sync
// finish with its counts.
func TestUIConnectSimulatedWave(t *testing.T) {
	a := startApp(t, nil)
	ctx := browser(t)
	signUp(t, ctx, a, "Wanda Owner", "wanda@example.com", "Wanda's Workshop")
	orgID := connectSimulatedWave(t, ctx, a)
	shot(t, ctx, "wave-connected")
	if s := text(t, ctx, `[data-testid="connection-status"]`); s != "Connected" {
		t.Fatalf("connection status = %q", s)
	}
	if msg := text(t, ctx, "[data-sync-live]"); !strings.Contains(msg, "succeeded") || !strings.Contains(msg, "invoices") {
		t.Errorf("sync message = %q", msg)
	}
	// The run's detail page shows what was read.
	act(t, ctx, "opening the run", chromedp.Click(`.sync-status a`, chromedp.ByQuery), chromedp.WaitVisible("table", chromedp.ByQuery))
	if !strings.Contains(location(t, ctx), "/orgs/"+orgID+"/wave/runs/") {
		t.Fatalf("run link went to %s", location(t, ctx))
	}
	shot(t, ctx, "wave-run")
}

// TestUIWithoutJavaScript: with scripts disabled, a newcomer signs up, answers the
// questionnaire, connects the simulated Wave, waits for the sync by reloading (live
// progress is the one thing that needs JavaScript) and sees the combined score.
func TestUIWithoutJavaScript(t *testing.T) {
	a := startApp(t, nil)
	ctx := browser(t)
	act(t, ctx, "disabling JavaScript", emulation.SetScriptExecutionDisabled(true))
	signUp(t, ctx, a, "Nora Noscript", "nora@example.com", "Nora's Nursery")
	orgID := currentOrgID(t, ctx)

	act(t, ctx, "opening the questionnaire", chromedp.Navigate(a.URL+"/orgs/"+orgID+"/questionnaire"),
		chromedp.WaitVisible(`form[method="post"] fieldset`, chromedp.ByQuery))
	var radios []*cdp.Node
	act(t, ctx, "listing the options", chromedp.Nodes(`input[type=radio]`, &radios, chromedp.ByQueryAll))
	picked := map[string]bool{}
	for _, n := range radios {
		name := n.AttributeValue("name")
		if picked[name] {
			continue
		}
		picked[name] = true
		act(t, ctx, "choosing an answer to "+name, chromedp.Click(
			fmt.Sprintf(`input[type=radio][name=%q][value=%q]`, name, n.AttributeValue("value")), chromedp.ByQuery))
	}
	if len(picked) < 10 {
		t.Fatalf("only %d questions found", len(picked))
	}
	act(t, ctx, "submitting the questionnaire",
		chromedp.Click(`main form[method="post"] button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.notice`, chromedp.ByQuery))
	if !strings.Contains(location(t, ctx), "/assessments/") {
		t.Fatalf("the questionnaire went to %s, want its result", location(t, ctx))
	}

	act(t, ctx, "connecting Wave",
		chromedp.Navigate(a.URL+"/orgs/"+orgID+"/wave"),
		chromedp.Click(`form[action$="/wave/connect"] button`, chromedp.ByQuery),
		chromedp.WaitVisible(`button[value="approve"]`, chromedp.ByQuery),
		chromedp.Click(`button[value="approve"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`form[action$="/wave/business"]`, chromedp.ByQuery))
	var assessable []*cdp.Node
	act(t, ctx, "finding the assessable business", chromedp.Nodes(`form[action$="/wave/business"] label.choice`, &assessable, chromedp.ByQueryAll))
	for i := range assessable {
		sel := fmt.Sprintf(`form[action$="/wave/business"] label.choice:nth-of-type(%d)`, i+1)
		var badges []*cdp.Node
		act(t, ctx, "reading a business", chromedp.Nodes(sel+` .badge-good`, &badges, chromedp.ByQueryAll, chromedp.AtLeast(0)))
		if len(badges) > 0 {
			act(t, ctx, "choosing it", chromedp.Click(sel+` input`, chromedp.ByQuery),
				chromedp.Click(`form[action$="/wave/business"] button[type=submit]`, chromedp.ByQuery),
				chromedp.WaitVisible(`[data-testid="connection-status"]`, chromedp.ByQuery))
			break
		}
	}
	// The page cannot reload itself: reload it once serve says the sync has ended.
	a.Log.waitOrgSyncEnd(t, orgID)
	var state string
	var ok bool
	act(t, ctx, "reloading", chromedp.Reload(), chromedp.WaitVisible(`[data-sync-status]`, chromedp.ByQuery),
		chromedp.AttributeValue(`[data-sync-status]`, "data-state", &state, &ok, chromedp.ByQuery))
	if state != "succeeded" {
		t.Fatalf("sync state %q", state)
	}
	act(t, ctx, "opening the dashboard", chromedp.Navigate(a.URL+"/orgs/"+orgID), chromedp.WaitVisible(`[data-testid="score"]`, chromedp.ByQuery))
	shot(t, ctx, "dashboard-without-javascript")
	if s := text(t, ctx, `[data-testid="score"]`); s == "" || s == "–" {
		t.Fatalf("no combined score without JavaScript: %q", s)
	}
}
