package main

// The web UI's end-to-end tests: the real binary's serve (SQLite, development mode,
// simulated Wave, background jobs) driven by a real headless Chromium through
// chromedp. They live here because only this package wires every adapter together.
//
// Chromium is found on PATH (chromium, chromium-browser, google-chrome) or at
// FINHEALTH_CHROMIUM. Without it the tests skip, except under CI=true, where a
// missing browser is a failure. Every test saves screenshots into
// FINHEALTH_SCREENSHOTS (make screenshots points it at docs/screenshots) or, by
// default, a temporary directory.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// app is a running finhealth for one test.
type app struct {
	URL string
	Dir string
	Log *serveLog // what serve writes, at debug level
}

// startApp runs `finhealth serve` in development mode on a fresh SQLite database,
// logging at debug level, and waits until it says it is ready. It stops when the
// test ends.
func startApp(t *testing.T, extra map[string]string) *app {
	t.Helper()
	dir := chdirTemp(t)
	port := freePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	env := map[string]string{
		"APP_ENV":      "development",
		"DATABASE_URL": filepath.Join(dir, "fh.db"),
		"PORT":         fmt.Sprint(port),
		"BASE_URL":     base,
		"LOG_LEVEL":    "debug", // for the records tests wait for, such as a score recorded
	}
	for k, v := range extra {
		env[k] = v
	}
	logs := newServeLog()
	// Taken now, so that it outlives the cleanup below, which waits for serve to
	// stop until the test's deadline.
	stopCtx := testContext(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		err := run(ctx, []string{"serve"}, envOf(env), strings.NewReader(""), logs, logs)
		logs.end()
		done <- err
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-stopCtx.Done():
			t.Error("serve did not stop by the test's deadline")
		}
	})
	logs.waitListening(t)
	return &app{URL: base, Dir: dir, Log: logs}
}

// chromiumPath finds the browser, or "" when there is none.
func chromiumPath() string {
	if p := os.Getenv("FINHEALTH_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browser starts a headless Chromium of the test's own (its own profile, so its own
// cookies) and returns its tab; it closes when the test ends. A browser per test
// costs well under a second and isolates tests completely. chromedp makes and
// removes the profile directory itself: a t.TempDir would fail the test whenever
// Chromium was still writing to it at cleanup.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true needs a browser: install the chromium package or set FINHEALTH_CHROMIUM")
		}
		t.Skip("skipping the browser test: no Chromium found (install the chromium package or set FINHEALTH_CHROMIUM)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 900),
	)
	// The browser's actions, and waits for what a page shows, end at the test's
	// deadline: the one bound on a real browser that may be slow under load.
	alloc, cancelAlloc := chromedp.NewExecAllocator(testContext(t), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("starting Chromium at %s: %v", path, err)
	}
	return ctx
}

// act runs chromedp actions and fails the test with what was being done.
func act(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action) {
	t.Helper()
	if err := chromedp.Run(ctx, actions...); err != nil {
		shot(t, ctx, "failed-"+slug(what))
		t.Fatalf("%s: %v", what, err)
	}
}

// text returns the visible text of the first element matching sel.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	var s string
	act(t, ctx, "reading "+sel, chromedp.Text(sel, &s, chromedp.ByQuery, chromedp.NodeVisible))
	return strings.TrimSpace(s)
}

// screenshotDir is where screenshots go.
func screenshotDir(t *testing.T) string {
	dir := os.Getenv("FINHEALTH_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "finhealth-screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("screenshot dir: %v", err)
	}
	return dir
}

// shot saves a full-page screenshot as <dir>/<name>.png; the README's images are
// made this way (make screenshots).
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	var buf []byte
	if err := chromedp.Run(ctx, chromedp.FullScreenshot(&buf, 100)); err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	p := filepath.Join(screenshotDir(t), name+".png")
	if err := os.WriteFile(p, buf, 0o644); err != nil {
		t.Errorf("saving screenshot %s: %v", p, err)
	}
}

// mobile switches the tab to a 360 px wide phone viewport.
func mobile() chromedp.Action {
	return emulation.SetDeviceMetricsOverride(360, 780, 2, true)
}

func slug(s string) string {
	s = strings.ToLower(s)
	var b strings.Builder
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else if b.Len() > 0 && !strings.HasSuffix(b.String(), "-") {
			b.WriteByte('-')
		}
	}
	return strings.Trim(b.String(), "-")
}

// signUp creates an account through the signup form and waits for the dashboard.
func signUp(t *testing.T, ctx context.Context, a *app, name, email, business string) {
	t.Helper()
	act(t, ctx, "signing up "+email,
		chromedp.Navigate(a.URL+"/signup"),
		chromedp.SendKeys("#f-name", name, chromedp.ByQuery),
		chromedp.SendKeys("#f-email", email, chromedp.ByQuery),
		chromedp.SendKeys("#f-password", "correct horse battery staple", chromedp.ByQuery),
		chromedp.SendKeys("#f-organization_name", business, chromedp.ByQuery),
		chromedp.Click(`form[action="/signup"] button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`nav.orgnav`, chromedp.ByQuery),
	)
}

// logIn logs in through the login form.
func logIn(t *testing.T, ctx context.Context, a *app, email, password string) {
	t.Helper()
	act(t, ctx, "logging in "+email,
		chromedp.Navigate(a.URL+"/login"),
		chromedp.SendKeys("#f-email", email, chromedp.ByQuery),
		chromedp.SendKeys("#f-password", password, chromedp.ByQuery),
		chromedp.Click(`form[action="/login"] button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitNotPresent(`form[action="/login"]`, chromedp.ByQuery),
	)
}

// location is the tab's current URL.
func location(t *testing.T, ctx context.Context) string {
	t.Helper()
	var u string
	act(t, ctx, "reading the location", chromedp.Location(&u))
	return u
}

// currentOrgID is the organization id in the tab's /orgs/{id}... URL.
func currentOrgID(t *testing.T, ctx context.Context) string {
	t.Helper()
	u := location(t, ctx)
	_, rest, ok := strings.Cut(u, "/orgs/")
	if !ok || len(rest) < 36 {
		t.Fatalf("not on an organization page: %s", u)
	}
	return rest[:36]
}

// connectSimulatedWave connects the signed-in owner's current organization to the
// simulated Wave through the UI (connect, approve on the simulated consent page,
// choose the fully assessable business) and waits for the first sync to succeed.
// It returns the organization id and leaves the tab on the Wave page.
func connectSimulatedWave(t *testing.T, ctx context.Context, a *app) string {
	t.Helper()
	act(t, ctx, "opening the dashboard", chromedp.Navigate(a.URL+"/app"), chromedp.WaitVisible("nav.orgnav", chromedp.ByQuery))
	orgID := currentOrgID(t, ctx)
	act(t, ctx, "connecting Wave",
		chromedp.Navigate(a.URL+"/orgs/"+orgID+"/wave"),
		chromedp.Click(`form[action$="/wave/connect"] button`, chromedp.ByQuery),
		chromedp.WaitVisible(`button[value="approve"]`, chromedp.ByQuery),
	)
	shot(t, ctx, "wave-consent")
	act(t, ctx, "approving in the simulated Wave",
		chromedp.Click(`button[value="approve"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`form[action$="/wave/business"]`, chromedp.ByQuery),
	)
	shot(t, ctx, "wave-choose-business")
	act(t, ctx, "choosing the fully assessable business",
		chromedp.Evaluate(`document.querySelector('form[action$="/wave/business"] .badge-good').closest('label').querySelector('input').click()`, nil),
		chromedp.Click(`form[action$="/wave/business"] button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="connection-status"]`, chromedp.ByQuery),
	)
	waitSynced(t, ctx)
	return orgID
}

// waitSynced waits until the page's sync box reports that the last sync ended, and
// fails the test unless it succeeded. The page reloads itself (app.js) when a running
// sync ends; chromedp's wait looks again in the reloaded page.
func waitSynced(t *testing.T, ctx context.Context) {
	t.Helper()
	const ended = `[data-sync-status][data-state="succeeded"], [data-sync-status][data-state="failed"]`
	var state string
	var ok bool
	act(t, ctx, "waiting for the sync to end", chromedp.WaitVisible(ended, chromedp.ByQuery),
		chromedp.AttributeValue(ended, "data-state", &state, &ok, chromedp.ByQuery))
	if state != "succeeded" {
		shot(t, ctx, "sync-failed")
		t.Fatalf("the sync failed: %s", text(t, ctx, "[data-sync-live]"))
	}
}
