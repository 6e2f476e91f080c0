package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

const e2ePassword = "correct horse battery staple"

// callAPI sends a JSON request to the running app's API, as an integration would,
// and decodes the answer into out (when not nil). It fails the test unless the
// status is want.
func callAPI(t *testing.T, a *app, method, path, token string, body, out any, want int) {
	t.Helper()
	resp := sendAPI(t, a, method, path, token, body)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
}

// statusAPI sends a request and returns only the status.
func statusAPI(t *testing.T, a *app, method, path, token string) int {
	t.Helper()
	resp := sendAPI(t, a, method, path, token, nil)
	resp.Body.Close()
	return resp.StatusCode
}

func sendAPI(t *testing.T, a *app, method, path, token string, body any) *http.Response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, a.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp
}

// apiAccount is an account made through the API, with its access token and its
// first organization.
type apiAccount struct {
	Email, Token, OrgID string
}

// registerAPI signs up through the API (faster than the form, for the people a
// test only needs to exist) and logs in.
func registerAPI(t *testing.T, a *app, name, email, business string) apiAccount {
	t.Helper()
	var reg struct {
		OrganizationID string `json:"organization_id"`
	}
	callAPI(t, a, "POST", "/api/v1/auth/register", "",
		map[string]string{"email": email, "password": e2ePassword, "name": name, "organization_name": business}, &reg, http.StatusCreated)
	return apiAccount{Email: email, Token: loginAPI(t, a, email), OrgID: reg.OrganizationID}
}

func loginAPI(t *testing.T, a *app, email string) string {
	t.Helper()
	var pair struct {
		AccessToken string `json:"access_token"`
	}
	callAPI(t, a, "POST", "/api/v1/auth/login", "", map[string]string{"email": email, "password": e2ePassword}, &pair, http.StatusOK)
	return pair.AccessToken
}

// answerQuestionnaire submits the current questionnaire with option pick of every
// question (options run from the strongest answer to the weakest).
func answerQuestionnaire(t *testing.T, a *app, acc apiAccount, pick int) {
	t.Helper()
	answers := pickAnswers(pick, func(q any) { callAPI(t, a, "GET", "/api/v1/questionnaire", "", nil, q, http.StatusOK) })
	callAPI(t, a, "POST", "/api/v1/organizations/"+acc.OrgID+"/assessments", acc.Token, map[string]any{"answers": answers}, nil, http.StatusCreated)
}

// portfolioRows is the text of the portfolio table, one slice of cells per row.
func portfolioRows(t *testing.T, ctx context.Context) [][]string {
	t.Helper()
	var rows [][]string
	act(t, ctx, "reading the portfolio table", chromedp.Evaluate(`Array.from(document.querySelectorAll('.portfolio-table tbody tr')).map(
		tr => Array.from(tr.querySelectorAll('th, td')).map(c => c.innerText.trim().replace(/\s+/g, ' ')))`, &rows))
	return rows
}

func rowNames(rows [][]string) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r[0]
	}
	return out
}

// TestUIAdvisorPortfolio: an advisor invited into two client businesses sees both in
// the portfolio with their scores, sorts and filters them, opens one's dashboard,
// and cannot open a third business that did not invite them.
func TestUIAdvisorPortfolio(t *testing.T) {
	a := startApp(t, nil)
	ctx := browser(t)

	olive := registerAPI(t, a, "Olive Owner", "olive@example.com", "Olive's Bakery")
	carl := registerAPI(t, a, "Carl Owner", "carl@example.com", "Carl's Carpentry")
	tess := registerAPI(t, a, "Tess Owner", "tess@example.com", "Tess's Tailoring")
	signUp(t, ctx, a, "Ada Advisor", "ada@example.com", "Ada Advisory")
	adaToken := loginAPI(t, a, "ada@example.com")
	for _, owner := range []apiAccount{olive, carl} {
		var inv struct {
			Token string `json:"token"`
		}
		callAPI(t, a, "POST", "/api/v1/organizations/"+owner.OrgID+"/invitations", owner.Token,
			map[string]string{"email": "ada@example.com", "role": "advisor"}, &inv, http.StatusCreated)
		callAPI(t, a, "POST", "/api/v1/invitations/accept", adaToken, map[string]string{"token": inv.Token}, nil, http.StatusOK)
	}
	// Olive answers with the strongest options, Carl with weak ones; the background
	// rescore that follows each answer gives them their health scores.
	answerQuestionnaire(t, a, olive, 0)
	answerQuestionnaire(t, a, carl, 3)
	answerQuestionnaire(t, a, tess, 0)
	waitForScores(t, a, adaToken, 2)

	act(t, ctx, "opening the portfolio", chromedp.Navigate(a.URL+"/portfolio"), chromedp.WaitVisible(".portfolio-table", chromedp.ByQuery))
	shot(t, ctx, "portfolio")
	rows := portfolioRows(t, ctx)
	if got := strings.Join(rowNames(rows), ", "); got != "Ada Advisory, Carl's Carpentry, Olive's Bakery" {
		t.Fatalf("portfolio lists %s; want the advisor's own business and the two clients, by name", got)
	}
	olivesRow, carlsRow := rows[2], rows[1]
	if olivesRow[1] != "Advisor" || olivesRow[3] != "Healthy" || carlsRow[1] != "Advisor" || carlsRow[3] != "Vulnerable" {
		t.Errorf("client rows: %q, %q", olivesRow, carlsRow)
	}

	// Sorting by score: the header link, then again for the other direction.
	act(t, ctx, "sorting by score", chromedp.Click(`th a[href*="sort=score"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`th[aria-sort="ascending"] a[href*="sort=score"]`, chromedp.ByQuery))
	if got := strings.Join(rowNames(portfolioRows(t, ctx)), ", "); got != "Carl's Carpentry, Olive's Bakery, Ada Advisory" {
		t.Errorf("by score, ascending: %s (unscored last)", got)
	}
	act(t, ctx, "reversing the sort", chromedp.Click(`th a[href*="sort=score"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`th[aria-sort="descending"] a[href*="sort=score"]`, chromedp.ByQuery))
	if got := strings.Join(rowNames(portfolioRows(t, ctx)), ", "); got != "Olive's Bakery, Carl's Carpentry, Ada Advisory" {
		t.Errorf("by score, descending: %s", got)
	}

	// Filtering keeps the sort; clearing the filters shows everyone again.
	act(t, ctx, "filtering by tier",
		chromedp.SetValue("#f-tier", "vulnerable", chromedp.ByQuery),
		chromedp.Click(`form.filters button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitReady(`#f-tier option[value="vulnerable"][selected]`, chromedp.ByQuery))
	if got := strings.Join(rowNames(portfolioRows(t, ctx)), ", "); got != "Carl's Carpentry" {
		t.Errorf("vulnerable only: %s", got)
	}
	if u := location(t, ctx); !strings.Contains(u, "tier=vulnerable") || !strings.Contains(u, "dir=desc") {
		t.Errorf("the filter lost the sort: %s", u)
	}
	act(t, ctx, "filtering by name",
		chromedp.SetValue("#f-tier", "", chromedp.ByQuery),
		chromedp.SendKeys("#f-q", "olive", chromedp.ByQuery),
		chromedp.Click(`form.filters button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#f-q[value="olive"]`, chromedp.ByQuery))
	if got := strings.Join(rowNames(portfolioRows(t, ctx)), ", "); got != "Olive's Bakery" {
		t.Errorf("name filter: %s", got)
	}

	// A phone shows the same page without sideways scrolling (the table scrolls in
	// its own box).
	act(t, ctx, "a phone-sized viewport", mobile(), chromedp.Reload(), chromedp.WaitVisible(".portfolio-table", chromedp.ByQuery))
	if overflows(t, ctx) {
		shot(t, ctx, "portfolio-overflow-360")
		t.Error("the portfolio scrolls sideways at 360 px")
	}
	act(t, ctx, "back to a desktop viewport", chromedp.EmulateViewport(1280, 900), chromedp.Reload(),
		chromedp.WaitVisible(".portfolio-table", chromedp.ByQuery))

	act(t, ctx, "opening a client's dashboard", chromedp.Click(`.portfolio-table tbody th a`, chromedp.ByQuery),
		chromedp.WaitVisible(`nav.orgnav`, chromedp.ByQuery))
	if u := location(t, ctx); !strings.HasSuffix(u, "/orgs/"+olive.OrgID) {
		t.Errorf("the name opened %s, want Olive's dashboard", u)
	}
	if h := text(t, ctx, "main h1"); h != "Olive's Bakery" {
		t.Errorf("dashboard heading %q", h)
	}

	// Tess never invited the advisor: her dashboard does not exist for them.
	act(t, ctx, "opening an organization that did not invite the advisor", chromedp.Navigate(a.URL+"/orgs/"+tess.OrgID),
		chromedp.WaitVisible(".status-code", chromedp.ByQuery))
	shot(t, ctx, "portfolio-other-organization")
	if code, h := text(t, ctx, ".status-code"), text(t, ctx, "main h1"); code != "404" || h != "We could not find that page" {
		t.Errorf("a third organization's dashboard: %s %q", code, h)
	}
	if body := text(t, ctx, "main"); strings.Contains(body, "Tess") {
		t.Error("the 404 page reveals the organization")
	}
}

// overflows reports whether the page scrolls sideways.
func overflows(t *testing.T, ctx context.Context) bool {
	t.Helper()
	var overflow bool
	act(t, ctx, "checking for horizontal overflow",
		chromedp.Evaluate(`document.documentElement.scrollWidth > window.innerWidth + 1`, &overflow))
	return overflow
}

// waitForScores waits until the token's portfolio holds n scored organizations: the
// rescore after an assessment runs in the background. It looks after each score
// serve says it has recorded, from its start.
func waitForScores(t *testing.T, a *app, token string, n int) {
	t.Helper()
	a.Log.wait(t, fmt.Sprintf("that %d organizations are scored", n), func(line logLine) bool {
		if !line.is("health score recorded") {
			return false
		}
		var l struct {
			Items []struct {
				Score *float64 `json:"score"`
			} `json:"items"`
		}
		callAPI(t, a, "GET", "/api/v1/portfolio", token, nil, &l, http.StatusOK)
		scored := 0
		for _, it := range l.Items {
			if it.Score != nil {
				scored++
			}
		}
		return scored >= n
	})
}

// pickAnswers answers every question of the questionnaire, which get decodes from
// GET /api/v1/questionnaire, with option pick.
func pickAnswers(pick int, get func(q any)) []map[string]string {
	var q struct {
		Questions []struct {
			ID      string `json:"id"`
			Options []struct {
				Value string `json:"value"`
			} `json:"options"`
		} `json:"questions"`
	}
	get(&q)
	var answers []map[string]string
	for _, qu := range q.Questions {
		answers = append(answers, map[string]string{"question_id": qu.ID, "value": qu.Options[min(pick, len(qu.Options)-1)].Value})
	}
	return answers
}
