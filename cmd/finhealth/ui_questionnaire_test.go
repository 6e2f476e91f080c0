package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestUIQuestionnaire: a new owner takes the questionnaire, partly by keyboard
// alone; a submission with a question left out names it and keeps every other
// answer; the complete one shows the result, and the dashboard then shows the score.
func TestUIQuestionnaire(t *testing.T) {
	a := startApp(t, nil)
	ctx := browser(t)
	signUp(t, ctx, a, "Olive Owner", "olive@example.com", "Olive's Bakery")
	act(t, ctx, "opening the questionnaire from the navigation",
		chromedp.Click(`nav.orgnav a[href$="/questionnaire"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`form[data-questionnaire]`, chromedp.ByQuery))
	if got := text(t, ctx, "#q-progress-text"); got != "0 of 18 answered" {
		t.Errorf("progress before answering = %q", got)
	}

	// Keyboard only for the first three questions: Space chooses the focused option,
	// the arrow keys move within a question, Tab goes on to the next question.
	act(t, ctx, "answering by keyboard",
		chromedp.Focus(`#q-cash_buffer_days input[type=radio]`, chromedp.ByQuery),
		chromedp.KeyEvent(" "),
		chromedp.KeyEvent(kb.ArrowDown),
		chromedp.KeyEvent(kb.Tab),
		chromedp.KeyEvent(" "),
		chromedp.KeyEvent(kb.Tab),
		chromedp.KeyEvent(kb.ArrowDown),
		chromedp.KeyEvent(kb.ArrowDown),
	)
	byKeyboard := checkedAnswers(t, ctx)
	if len(byKeyboard) != 3 || byKeyboard["cash_buffer_days"] != "days_45_90" ||
		byKeyboard["short_term_coverage"] == "" || byKeyboard["cash_shortfalls"] == "" {
		t.Fatalf("answers after the keyboard = %v, want the first three questions answered, the first with its second option", byKeyboard)
	}
	if got := text(t, ctx, "#q-progress-text"); got != "3 of 18 answered" {
		t.Errorf("live progress = %q, want 3 of 18", got)
	}
	// The rest by pointer, leaving question 6 (the second of profitability) out.
	var skipped string
	act(t, ctx, "answering the rest but one",
		chromedp.Evaluate(`(() => {
			const qs = [...document.querySelectorAll('fieldset.question')];
			qs.forEach((q, i) => {
				if (i < 3 || i === 5) return;
				const opts = q.querySelectorAll('input[type=radio]');
				opts[i % opts.length].closest('label').click();
			});
			return qs[5].id.slice(2);
		})()`, &skipped))
	shot(t, ctx, "questionnaire")
	act(t, ctx, "submitting with a question left out",
		chromedp.Click(`form[data-questionnaire] button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`main .alert`, chromedp.ByQuery))
	if msg := text(t, ctx, "main .alert"); !strings.Contains(msg, "Question 6:") {
		t.Errorf("the error summary does not name question 6: %q", msg)
	}
	if err := text(t, ctx, "#q-"+skipped+"-err"); !strings.Contains(err, "choose an answer") {
		t.Errorf("message next to the missing question = %q", err)
	}
	kept := checkedAnswers(t, ctx)
	if len(kept) != 17 || kept[skipped] != "" {
		t.Fatalf("%d answers kept (%v), want the 17 given", len(kept), kept)
	}
	for q, v := range byKeyboard {
		if kept[q] != v {
			t.Errorf("keyboard answer to %s became %q, want %q", q, kept[q], v)
		}
	}
	if got := text(t, ctx, "#q-progress-text"); got != "17 of 18 answered" {
		t.Errorf("progress shown again = %q", got)
	}
	shot(t, ctx, "questionnaire-missing-answer")

	// The summary's link leads to the question; the keyboard answers it.
	act(t, ctx, "answering the missing question by keyboard",
		chromedp.Click(`main .alert a[href="#q-`+skipped+`"]`, chromedp.ByQuery),
		chromedp.Focus(`#q-`+skipped+` input[type=radio]`, chromedp.ByQuery),
		chromedp.KeyEvent(" "),
		chromedp.Click(`form[data-questionnaire] button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="assessment-score"]`, chromedp.ByQuery))
	if !strings.Contains(location(t, ctx), "/assessments/") {
		t.Fatalf("after submitting: %s", location(t, ctx))
	}
	score := text(t, ctx, `[data-testid="assessment-score"]`)
	tier := text(t, ctx, `[data-testid="assessment-tier"]`)
	if score == "" || score == "–" || (tier != "Healthy" && tier != "Coping" && tier != "Vulnerable") {
		t.Fatalf("result score %q, tier %q", score, tier)
	}
	var pillars, answers int
	act(t, ctx, "counting pillars and explained answers",
		chromedp.Evaluate(`document.querySelectorAll('.pillar-table tbody tr').length`, &pillars),
		chromedp.Evaluate(`document.querySelectorAll('.answers-table tbody tr').length`, &answers))
	if pillars != 5 || answers != 18 {
		t.Errorf("%d pillar rows and %d answers explained, want 5 and 18", pillars, answers)
	}
	if n := text(t, ctx, ".notice"); !strings.Contains(n, "saved and scored") {
		t.Errorf("notice = %q", n)
	}
	shot(t, ctx, "questionnaire-result")
	noSidewaysScroll(t, ctx, "the result")

	// With no books connected, the dashboard's score rests on the answers alone,
	// weighed by the score's pillar weights (the questionnaire's own score is their
	// plain mean, so the two may differ by a few points).
	act(t, ctx, "opening the dashboard",
		chromedp.Click(`nav.orgnav a:first-child`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="score"]`, chromedp.ByQuery))
	if got := text(t, ctx, `[data-testid="score"]`); got == "" || got == "–" {
		t.Errorf("dashboard score %q, want a score from the answers", got)
	}
	if c := text(t, ctx, `[data-testid="confidence"]`); !strings.Contains(c, "rests on the questionnaire answers alone") {
		t.Errorf("without books the confidence box says %q", c)
	}
	act(t, ctx, "the questionnaire on a phone", chromedp.Navigate(strings.TrimSuffix(location(t, ctx), "/")+"/questionnaire"),
		chromedp.WaitVisible(`form[data-questionnaire]`, chromedp.ByQuery))
	noSidewaysScroll(t, ctx, "the questionnaire")
}

// TestUIViewerInvitation: an owner invites a viewer with a copyable link; the
// viewer, logged out, is sent to log in and back to the invitation, joins, sees no
// editing controls, and is refused when posting the forms anyway.
func TestUIViewerInvitation(t *testing.T) {
	a := startApp(t, nil)
	owner := browser(t)
	signUp(t, owner, a, "Olive Owner", "olive@example.com", "Olive's Bakery")
	orgURL := location(t, owner)
	act(t, owner, "inviting a viewer",
		chromedp.Click(`nav.orgnav a[href$="/settings"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`form[data-testid="invite-form"]`, chromedp.ByQuery),
		chromedp.SendKeys(`#f-email`, "vera@example.com", chromedp.ByQuery),
		chromedp.SetValue(`#f-role`, "viewer", chromedp.ByQuery),
		chromedp.Click(`form[data-testid="invite-form"] button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#invite-url`, chromedp.ByQuery))
	var link string
	act(t, owner, "reading the invitation link", chromedp.Value(`#invite-url`, &link, chromedp.ByQuery))
	if !strings.HasPrefix(link, a.URL+"/invitations/accept?token=") {
		t.Fatalf("invitation link = %q", link)
	}
	if got := text(t, owner, `.invite-link label`); !strings.Contains(got, "vera@example.com (Viewer)") {
		t.Errorf("the link is labelled %q", got)
	}
	shot(t, owner, "settings-invitation")

	// The viewer signs up on their own first, logs out, then opens the link.
	viewer := browser(t)
	signUp(t, viewer, a, "Vera Viewer", "vera@example.com", "Vera's Studio")
	act(t, viewer, "logging out", chromedp.Click(`form[action="/logout"] button`, chromedp.ByQuery),
		chromedp.WaitVisible(`form[action="/login"]`, chromedp.ByQuery))
	act(t, viewer, "opening the invitation logged out", chromedp.Navigate(link),
		chromedp.WaitVisible(`a[href^="/login?next="]`, chromedp.ByQuery))
	act(t, viewer, "logging in from the invitation",
		chromedp.Click(`a[href^="/login?next="]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#f-email`, chromedp.ByQuery),
		chromedp.SendKeys(`#f-email`, "vera@example.com", chromedp.ByQuery),
		chromedp.SendKeys(`#f-password`, "correct horse battery staple", chromedp.ByQuery),
		chromedp.Click(`form[action="/login"] button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`form[action="/invitations/accept"]`, chromedp.ByQuery))
	if h := text(t, viewer, "main h1"); h != "Join Olive's Bakery" {
		t.Fatalf("invitation heading = %q", h)
	}
	shot(t, viewer, "invitation")
	act(t, viewer, "joining",
		chromedp.Click(`form[action="/invitations/accept"] button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`nav.orgnav`, chromedp.ByQuery))
	if got := location(t, viewer); got != orgURL {
		t.Fatalf("after joining: %s, want the owner's organization %s", got, orgURL)
	}
	if n := text(t, viewer, ".notice"); !strings.Contains(n, "joined") {
		t.Errorf("notice = %q", n)
	}

	// No editing controls anywhere the viewer goes.
	act(t, viewer, "the questionnaire as a viewer", chromedp.Navigate(orgURL+"/questionnaire"),
		chromedp.WaitVisible(`[data-testid="read-only"]`, chromedp.ByQuery))
	absent(t, viewer, `form[data-questionnaire]`, `main button[type=submit]`, `main input[type=radio]:enabled`)
	act(t, viewer, "the settings as a viewer", chromedp.Navigate(orgURL+"/settings"),
		chromedp.WaitVisible(`#members`, chromedp.ByQuery))
	absent(t, viewer, `[data-testid="org-form"]`, `[data-testid="invite-form"]`, `#members select`, `#invitations`)
	shot(t, viewer, "settings-viewer")
	noSidewaysScroll(t, viewer, "the settings")

	// Posting anyway, with the session's valid CSRF token, is refused.
	for _, attempt := range []struct{ path, fields string }{
		{"/questionnaire", `{cash_buffer_days: "days_90_plus"}`},
		{"/settings", `{name: "Vera's now"}`},
		{"/invitations", `{email: "mallory@example.com", role: "owner"}`},
	} {
		act(t, viewer, "posting "+attempt.path+" as a viewer",
			chromedp.Evaluate(fmt.Sprintf(`(() => {
				const f = document.createElement('form');
				f.method = 'post';
				f.action = %q;
				const fields = Object.assign({csrf_token: document.querySelector('input[name="csrf_token"]').value}, %s);
				for (const [k, v] of Object.entries(fields)) {
					const i = document.createElement('input');
					i.type = 'hidden'; i.name = k; i.value = v;
					f.appendChild(i);
				}
				document.body.appendChild(f);
				f.submit();
			})()`, strings.TrimPrefix(orgURL, a.URL)+attempt.path, attempt.fields), nil),
			chromedp.WaitVisible(`.status-code`, chromedp.ByQuery))
		if code := text(t, viewer, ".status-code"); code != "403" {
			t.Errorf("posting %s as a viewer: status %s, want 403", attempt.path, code)
		}
		if attempt.path == "/questionnaire" {
			shot(t, viewer, "viewer-refused")
		}
		act(t, viewer, "going back", chromedp.Navigate(orgURL+"/settings"), chromedp.WaitVisible(`#members`, chromedp.ByQuery))
	}

	// Nothing changed, as the owner reads it through the API (the owner's browser
	// may have used up its time while the viewer's ran).
	orgID := strings.TrimPrefix(orgURL, a.URL+"/orgs/")
	ownerToken := loginAPI(t, a, "olive@example.com")
	var org struct {
		Name string `json:"name"`
	}
	callAPI(t, a, "GET", "/api/v1/organizations/"+orgID, ownerToken, nil, &org, http.StatusOK)
	if org.Name != "Olive's Bakery" {
		t.Errorf("the organization was renamed to %q", org.Name)
	}
	var invitations struct {
		Items []struct {
			Email string `json:"email"`
		} `json:"items"`
	}
	callAPI(t, a, "GET", "/api/v1/organizations/"+orgID+"/invitations", ownerToken, nil, &invitations, http.StatusOK)
	if len(invitations.Items) != 0 {
		t.Errorf("pending invitations after the refused post: %+v", invitations.Items)
	}
	if code := statusAPI(t, a, "GET", "/api/v1/organizations/"+orgID+"/assessments/latest", ownerToken); code != http.StatusNotFound {
		t.Errorf("latest assessment answered %d, want 404: the viewer's post was stored", code)
	}
}

// TestUIOrganizationSwitch: someone in two organizations switches between them
// with the switcher, with and without its script, and from the settings page.
func TestUIOrganizationSwitch(t *testing.T) {
	a := startApp(t, nil)
	alpha := registerAPI(t, a, "Ada", "ada@example.com", "Alpha Ltd")
	beta := registerAPI(t, a, "Ben", "ben@example.com", "Beta LLC")
	var inv struct {
		Token string `json:"token"`
	}
	callAPI(t, a, "POST", "/api/v1/organizations/"+alpha.OrgID+"/invitations", alpha.Token,
		map[string]string{"email": "ben@example.com", "role": "advisor"}, &inv, http.StatusCreated)
	callAPI(t, a, "POST", "/api/v1/invitations/accept", beta.Token, map[string]string{"token": inv.Token}, nil, http.StatusOK)

	ctx := browser(t)
	logIn(t, ctx, a, "ben@example.com", "correct horse battery staple")
	act(t, ctx, "waiting for Ben's dashboard", chromedp.WaitVisible(`#org-switch`, chromedp.ByQuery))
	if h := text(t, ctx, "main h1"); h != "Beta LLC" {
		t.Fatalf("Ben starts in %q, want his own Beta LLC", h)
	}
	var options []string
	act(t, ctx, "reading the switcher",
		chromedp.Evaluate(`[...document.querySelectorAll('#org-switch option')].map(o => o.textContent.trim())`, &options))
	if strings.Join(options, "|") != "Beta LLC (Owner)|Alpha Ltd (Advisor)" {
		t.Fatalf("switcher options = %q", options)
	}

	// Without the script: choose, then the Open button.
	act(t, ctx, "switching with the Open button",
		chromedp.SetValue(`#org-switch`, alpha.OrgID, chromedp.ByQuery),
		chromedp.Click(`form.org-switch button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`a[href="/orgs/`+alpha.OrgID+`"][aria-current="page"]`, chromedp.ByQuery))
	if h := text(t, ctx, "main h1"); h != "Alpha Ltd" {
		t.Fatalf("after switching: %q", h)
	}
	shot(t, ctx, "org-switch")

	// With the script, by keyboard: choosing another option opens it at once.
	act(t, ctx, "switching by keyboard",
		chromedp.Focus(`#org-switch`, chromedp.ByQuery),
		chromedp.KeyEvent(kb.ArrowUp),
		chromedp.WaitVisible(`a[href="/orgs/`+beta.OrgID+`"][aria-current="page"]`, chromedp.ByQuery))
	if h := text(t, ctx, "main h1"); h != "Beta LLC" {
		t.Fatalf("after switching back: %q", h)
	}

	// The settings page lists both, with the role in each, and links to the other.
	act(t, ctx, "switching from the settings",
		chromedp.Click(`nav.orgnav a[href$="/settings"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#organizations`, chromedp.ByQuery),
		chromedp.Click(`#organizations a[href="/orgs/`+alpha.OrgID+`"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`a[href="/orgs/`+alpha.OrgID+`"][aria-current="page"]`, chromedp.ByQuery))
	// As an advisor in Alpha, Ben sees its settings without the owner's controls.
	act(t, ctx, "Alpha's settings", chromedp.Navigate(a.URL+"/orgs/"+alpha.OrgID+"/settings"),
		chromedp.WaitVisible(`#members`, chromedp.ByQuery))
	absent(t, ctx, `[data-testid="org-form"]`, `[data-testid="invite-form"]`)
	// An organization he is not in is not found, whatever the switcher is sent.
	other := registerAPI(t, a, "Cy", "cy@example.com", "Gamma Inc")
	act(t, ctx, "switching to a stranger's organization", chromedp.Navigate(a.URL+"/orgs/go?org="+other.OrgID),
		chromedp.WaitVisible(`.status-code`, chromedp.ByQuery))
	if code := text(t, ctx, ".status-code"); code != "404" {
		t.Errorf("a stranger's organization answered %s, want 404", code)
	}
}

// checkedAnswers reads the questionnaire's checked options by question.
func checkedAnswers(t *testing.T, ctx context.Context) map[string]string {
	t.Helper()
	var got map[string]string
	act(t, ctx, "reading the checked answers", chromedp.Evaluate(
		`Object.fromEntries([...document.querySelectorAll('input[type=radio]:checked')].map(r => [r.name, r.value]))`, &got))
	return got
}

// absent fails for each selector that matches anything on the page.
func absent(t *testing.T, ctx context.Context, selectors ...string) {
	t.Helper()
	for _, sel := range selectors {
		var n int
		act(t, ctx, "counting "+sel, chromedp.Evaluate(fmt.Sprintf(`document.querySelectorAll(%q).length`, sel), &n))
		if n > 0 {
			t.Errorf("the page at %s has %d of %s, want none", location(t, ctx), n, sel)
		}
	}
}

// noSidewaysScroll reloads the page at 360 px and fails if it scrolls sideways;
// the viewport stays a phone's for the rest of the test.
func noSidewaysScroll(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	act(t, ctx, what+" on a phone", mobile(), chromedp.Reload(), chromedp.WaitVisible("main", chromedp.ByQuery))
	if overflows(t, ctx) {
		shot(t, ctx, slug(what)+"-overflow-360")
		t.Errorf("%s scrolls sideways at 360 px", what)
	}
}
