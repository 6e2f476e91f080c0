package main

import (
	"strings"
	"testing"

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
