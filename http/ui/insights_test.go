package ui

import (
	"context"
	"fmt"
	"html"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"finhealth"
	fhttp "finhealth/http"
	"finhealth/http/internal/servertest"
	"finhealth/scoring"
	"finhealth/store"
)

// uiFixture is an organization synced from the fake Wave's Acme Bakery, with an
// assessment, and a member of every role plus an outsider.
type uiFixture struct {
	org                              string
	owner, advisor, viewer, outsider servertest.Account
}

func newUIFixture(t *testing.T, a *servertest.API) uiFixture {
	t.Helper()
	owner := a.RegisterDirect("Owner")
	fx := uiFixture{org: owner.OrgID, owner: owner, outsider: a.RegisterDirect("Outsider")}
	fx.advisor, fx.viewer = a.CreateUser("Advisor", finhealth.RoleUser), a.CreateUser("Viewer", finhealth.RoleUser)
	a.AddMember(fx.org, owner.ID, &fx.advisor, finhealth.OrgRoleAdvisor)
	a.AddMember(fx.org, owner.ID, &fx.viewer, finhealth.OrgRoleViewer)
	a.ConnectAndSync(owner, fx.org, a.Wave.Fake.Seed().AcmeBusinessID)
	a.CreateAssessment(fx.org, owner.ID)
	return fx
}

// liveMetric is the metric as GET .../health computes it now.
func liveMetric(t *testing.T, a *servertest.API, orgID, name string) finhealth.MetricValue {
	t.Helper()
	h, err := a.Server.HealthNow(context.Background(), orgID)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range h.Metrics {
		if m.Name == name {
			return m
		}
	}
	t.Fatalf("no metric %s", name)
	return finhealth.MetricValue{}
}

// accountNamed finds a synced account of the organization by name.
func accountNamed(t *testing.T, a *servertest.API, orgID, name string) fhttp.MappingEntry {
	t.Helper()
	v, err := fhttp.Insights{Server: a.Server}.BuildMapping(context.Background(), orgID)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range v.Accounts {
		if e.AccountName == name {
			return e
		}
	}
	t.Fatalf("no account %q", name)
	return fhttp.MappingEntry{}
}

func mustContain(t *testing.T, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("the page does not contain %q", w)
		}
	}
}

func mustNotContain(t *testing.T, body string, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(body, w) {
			t.Errorf("the page contains %q", w)
		}
	}
}

// TestUIInsightPages renders the dashboard, a metric page and the history of a
// synced organization for every role, and checks the computed values the pages show
// against the live health the API serves, and who may do what.
func TestUIInsightPages(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newWaveAPI(t, db, servertest.WaveOptions{StartWorker: true})
		fx := newUIFixture(t, a)
		h, err := a.Server.HealthNow(context.Background(), fx.org)
		if err != nil {
			t.Fatal(err)
		}
		if h.Health.Score == nil || !h.Ledger.Available {
			t.Fatalf("the fixture has no score from books: %+v", h)
		}

		t.Run("dashboard", func(t *testing.T) {
			owner := a.UILogin(fx.owner.Email)
			body := string(owner.Get("/orgs/"+fx.org).Expect(t, http.StatusOK).Body)
			mustContain(t, body,
				`data-testid="score">`+formatScore(h.Health.Score)+`<`,
				`>`+tierLabel(h.Health.Tier)+`<`,
				`id="score-gauge-title"`, `aria-labelledby="pillar-bars-title pillar-bars-desc"`,
				`>Liquidity<`,
				`href="/orgs/`+fx.org+`/metrics/current_ratio"`,
				`data-testid="sync-now"`, "Last sync succeeded",
			)
			cr := liveMetric(t, a, fx.org, scoring.MetricCurrentRatio)
			tile := between(body, `data-metric="current_ratio"`, `</li>`)
			mustContain(t, tile, `<p class="tile-value">`+metricText(cr)+`</p>`, metricRating(cr.Status, cr.Points).Label)
			cash := liveMetric(t, a, fx.org, scoring.MetricCash)
			mustContain(t, between(body, `data-metric="cash"`, `</li>`), cash.Money.Display())
			// One sync is one point: no trend yet, and no change to report.
			mustContain(t, tile, "Not enough history for a trend yet")
			mustNotContain(t, tile, "30-day change")
			for _, rec := range h.Health.Recommendations {
				mustContain(t, body, html.EscapeString(rec.Title),
					htmlText(rec.Detail)+`</p><details class="why"><summary>Why</summary><p>`+htmlText(rec.Why)+`</p></details>`)
			}
			mustNotContain(t, body, "NaN", "Inf")
			checkDashboardScore(t, body, h.Health)

			// The receivables metric sums account balances, the recommendations the
			// open invoices: each says which it is.
			rec := liveMetric(t, a, fx.org, scoring.MetricReceivables)
			mustContain(t, body, "Receivables (account balances)</a>", rec.Money.Display())
			mustNotContain(t, body, ">Receivables</a>", "Receivables not yet due", "Receivables 1-30 days")
			mustContain(t, body, "Owed on open invoices, not yet due</a>", "Owed on open invoices, over 90 days past due</a>")
			for _, m := range regexp.MustCompile(`([0-9,.]+ USD) owed`).FindAllStringSubmatch(body, -1) {
				if m[1] == rec.Money.Display() {
					t.Errorf("%s is both the receivables balance and an amount owed on open invoices", m[1])
				}
			}
		})

		t.Run("metric_page", func(t *testing.T) {
			owner := a.UILogin(fx.owner.Email)
			body := string(owner.Get("/orgs/"+fx.org+"/metrics/cash_ratio").Expect(t, http.StatusOK).Body)
			m := liveMetric(t, a, fx.org, scoring.MetricCashRatio)
			mustContain(t, body, `data-testid="metric-value">`+metricText(m)+`<`, html.EscapeString(m.Formula),
				"Operating Account", "Savings", `id="metric-chart-title"`, `name="class"`, "Accounts behind this metric")
			// Overdue share names invoices by number, not by Wave id.
			body = string(owner.Get("/orgs/"+fx.org+"/metrics/overdue_share").Expect(t, http.StatusOK).Body)
			od := liveMetric(t, a, fx.org, scoring.MetricOverdueShare)
			mustContain(t, body, metricText(od), "<caption>Bands</caption>", "(this business)")
			if !regexp.MustCompile(`<tr><td>1\d\d\d</td><td>[A-Z][^<]+</td><td class="num">[0-9,.]+ USD</td>`).MatchString(body) {
				t.Error("the overdue share's invoices are not listed by number, customer and amount")
			}
			owner.Get("/orgs/"+fx.org+"/metrics/no_such_metric").Expect(t, http.StatusNotFound)
			// The metrics added for issue 11 have pages of their own, with their formula
			// and what they show now (one sync: no history yet, so their reasons).
			for _, name := range []string{scoring.MetricDPO, scoring.MetricCashConversion, scoring.MetricReturnOnAssets,
				scoring.MetricInterestCover, scoring.MetricRunwayWeeks, scoring.MetricCashBufferWeeks} {
				m := liveMetric(t, a, fx.org, name)
				body := string(owner.Get("/orgs/"+fx.org+"/metrics/"+name).Expect(t, http.StatusOK).Body)
				// html/template also escapes "+", which the formulas of sums have.
				formula := strings.ReplaceAll(html.EscapeString(m.Formula), "+", "&#43;")
				mustContain(t, body, `data-testid="metric-value">`+metricText(m)+`<`, formula, html.EscapeString(m.Reason))
				mustNotContain(t, body, "NaN", "Inf")
			}
		})

		t.Run("roles", func(t *testing.T) {
			savings := accountNamed(t, a, fx.org, "Savings")
			action := "/orgs/" + fx.org + "/mapping/" + url.PathEscape(savings.AccountID)
			viewer := a.UILogin(fx.viewer.Email)
			body := string(viewer.Get("/orgs/"+fx.org+"/metrics/cash_ratio").Expect(t, http.StatusOK).Body)
			mustNotContain(t, body, `name="class"`, "Reset to default", `action="`+action)
			// A hidden form is not the protection: the route refuses the post.
			viewer.Post(action, url.Values{"class": {"excluded"}, "metric": {"cash_ratio"}}).Expect(t, http.StatusForbidden)
			viewer.Post(action+"/reset", url.Values{}).Expect(t, http.StatusForbidden)
			mustNotContain(t, string(viewer.Get("/orgs/"+fx.org).Expect(t, http.StatusOK).Body), `data-testid="sync-now"`)
			viewer.Get("/orgs/"+fx.org+"/history").Expect(t, http.StatusOK)

			advisor := a.UILogin(fx.advisor.Email)
			mustContain(t, string(advisor.Get("/orgs/"+fx.org+"/metrics/cash_ratio").Expect(t, http.StatusOK).Body), `name="class"`)

			// Outsiders learn nothing, not even that the organization exists.
			outsider := a.UILogin(fx.outsider.Email)
			for _, p := range []string{"", "/metrics/cash_ratio", "/history"} {
				outsider.Get("/orgs/"+fx.org+p).Expect(t, http.StatusNotFound)
			}
			outsider.Post(action, url.Values{"class": {"excluded"}}).Expect(t, http.StatusNotFound)

			anon := a.UIAnonymous()
			res := anon.Get("/orgs/"+fx.org+"/metrics/cash_ratio").Expect(t, http.StatusSeeOther)
			if loc := res.Header.Get("Location"); loc != "/login?next="+url.QueryEscape("/orgs/"+fx.org+"/metrics/cash_ratio") {
				t.Errorf("anonymous visitor sent to %s", loc)
			}
			if os, err := db.AccountOverrides(context.Background(), fx.org); err != nil || len(os) != 0 {
				t.Errorf("refused posts changed the mapping: %+v, %v", os, err)
			}
		})

		t.Run("mapping_editor", func(t *testing.T) {
			owner := a.UILogin(fx.owner.Email)
			page := "/orgs/" + fx.org + "/metrics/cash_ratio"
			owner.Get(page).Expect(t, http.StatusOK)
			before := liveMetric(t, a, fx.org, scoring.MetricCashRatio)
			savings := accountNamed(t, a, fx.org, "Savings")
			action := "/orgs/" + fx.org + "/mapping/" + url.PathEscape(savings.AccountID)

			// Without the page's token the post is refused and nothing changes.
			owner.Send("POST", action, url.Values{"class": {"other_current_asset"}, "metric": {"cash_ratio"}}, false).
				Expect(t, http.StatusForbidden)

			// A class that does not exist shows the page again with the row's error and
			// the typed note kept.
			res := owner.Post(action, url.Values{"class": {"piggy_bank"}, "note": {"kept note"}, "metric": {"cash_ratio"}}).
				Expect(t, http.StatusUnprocessableEntity)
			row := between(string(res.Body), `data-account="Savings"`, `</tr>`)
			mustContain(t, row, `aria-invalid="true"`, "Class must be one of", `value="kept note"`)
			res.Has(t, `role="alert"`)
			res = owner.Post(action, url.Values{"class": {"cash"}, "note": {strings.Repeat("n", 501)}, "metric": {"cash_ratio"}}).
				Expect(t, http.StatusUnprocessableEntity)
			mustContain(t, between(string(res.Body), `data-account="Savings"`, `</tr>`), "Note ")

			// Saving moves the account and changes the ratio at once.
			res = owner.Post(action, url.Values{"class": {"other_current_asset"}, "note": {"locked deposit"}, "metric": {"cash_ratio"}}).
				Expect(t, http.StatusSeeOther)
			if loc := res.Header.Get("Location"); loc != page+"#mapping" {
				t.Errorf("saved mapping redirects to %s", loc)
			}
			after := liveMetric(t, a, fx.org, scoring.MetricCashRatio)
			if after.Value == nil || before.Value == nil || *after.Value >= *before.Value {
				t.Fatalf("cash ratio %v -> %v, want it to fall", before.Value, after.Value)
			}
			body := string(owner.Get(page).Expect(t, http.StatusOK).Body)
			mustContain(t, body, html.EscapeString(noticeMessages["mapping_saved"]), `data-testid="metric-value">`+metricText(after)+`<`,
				"“locked deposit”", "Reset to default (Cash)")
			mustContain(t, between(body, `data-account="Savings"`, `</tr>`), `value="other_current_asset" selected`)

			// An unknown account is a 404, not a 500.
			owner.Post("/orgs/"+fx.org+"/mapping/"+url.PathEscape("no such account"), url.Values{"class": {"cash"}}).
				Expect(t, http.StatusNotFound)

			// Reset returns to the default, once.
			res = owner.Post(action+"/reset", url.Values{"metric": {"cash_ratio"}}).Expect(t, http.StatusSeeOther)
			if loc := res.Header.Get("Location"); loc != page+"#mapping" {
				t.Errorf("reset redirects to %s", loc)
			}
			if got := liveMetric(t, a, fx.org, scoring.MetricCashRatio); *got.Value != *before.Value {
				t.Errorf("after reset cash ratio %v, want %v", *got.Value, *before.Value)
			}
			owner.Get(page).Has(t, html.EscapeString(noticeMessages["mapping_reset"]))
			owner.Post(action+"/reset", url.Values{"metric": {"cash_ratio"}}).Expect(t, http.StatusNotFound)
			// Without a metric to return to, the dashboard is next.
			res = owner.Post(action, url.Values{"class": {"cash"}}).Expect(t, http.StatusSeeOther)
			if loc := res.Header.Get("Location"); loc != "/orgs/"+fx.org {
				t.Errorf("a post without its metric redirects to %s", loc)
			}
		})

		t.Run("history", func(t *testing.T) {
			// An organization of its own, without Wave: the rescores the subtests
			// above queued for fx.org may still be recording scores, which would
			// land between the page and the store's answer.
			ctx := context.Background()
			historian := a.RegisterDirect("Historian")
			org := historian.OrgID
			a.CreateAssessment(org, historian.ID)
			// The first score was made by the previous method.
			for i, score := range []float64{35, 62.5, 81} {
				s, method := score, scoring.HealthMethodVersion
				if i == 0 {
					method = "fh-health-v1"
				}
				if err := db.InsertHealthScore(ctx, org, finhealth.HealthScore{Status: finhealth.MetricOK, Score: &s,
					Tier: scoring.Tier(s), MethodVersion: method,
					AsOf: a.Clock.Now().Add(time.Duration(i-3) * 24 * time.Hour)}); err != nil {
					t.Fatal(err)
				}
			}
			owner := a.UILogin(historian.Email)
			body := string(owner.Get("/orgs/"+org+"/history").Expect(t, http.StatusOK).Body)
			scores, _, err := db.HealthHistory(ctx, org, time.Time{}, time.Time{}, "", 100)
			if err != nil {
				t.Fatal(err)
			}
			chart := between(body, `id="history-chart-title"`, `</svg>`)
			if n := strings.Count(chart, `class="dot series-1"`); n != len(scores) {
				t.Errorf("the chart marks %d scores, the store has %d", n, len(scores))
			}
			if n := strings.Count(chart, `class="dot series-2"`); n != 1 {
				t.Errorf("the chart marks %d questionnaire scores, want 1", n)
			}
			mustContain(t, body, ">35.0<", ">62.5<", ">81.0<", "Vulnerable", "Healthy", "Questionnaire version "+strconv.Itoa(scoring.Current().Version))
			// One marker, at the second score (two days back), named by the new method.
			second := a.Clock.Now().Add(-2 * 24 * time.Hour)
			if n := strings.Count(chart, `<line class="marker"`); n != 1 {
				t.Errorf("%d method markers, want 1", n)
			}
			mustContain(t, chart, `class="marker-label"`, ">method "+scoring.HealthMethodVersion+"<",
				"method "+scoring.HealthMethodVersion+" from "+second.UTC().Format("2 Jan 2006"))
			mustContain(t, body, "Scoring method changed", "Scored with method "+scoring.HealthMethodVersion+" from "+second.UTC().Format("2 Jan 2006, 15:04 UTC"),
				"scored with method "+scoring.HealthMethodVersion+" from here")
			if n := strings.Count(body, "from here"); n != 1 {
				t.Errorf("%d score rows say the method changed, want 1", n)
			}
		})
	})
}

// TestLiveHealthReadsOneSnapshotWhole: the live health reads only the dates of the
// balance history and the one snapshot the metrics compare with, and gets exactly
// what scoring makes of the whole history.
func TestLiveHealthReadsOneSnapshotWhole(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newWaveAPI(t, db, servertest.WaveOptions{StartWorker: true})
		owner := a.RegisterDirect("Owner")
		a.ConnectAndSync(owner, owner.OrgID, a.Wave.Fake.Seed().AcmeBusinessID)
		ctx := context.Background()
		dates, err := db.BalanceSnapshotDates(ctx, owner.OrgID, time.Time{}, time.Time{})
		if err != nil || len(dates) != 1 {
			t.Fatalf("snapshots after the first sync: %d, %v", len(dates), err)
		}
		snap, err := db.LedgerSnapshot(ctx, owner.OrgID, dates[0].AsOf)
		if err != nil {
			t.Fatal(err)
		}
		// Earlier books: every balance four fifths of today's, so that cash, costs and
		// sales all grew since; 91 days back is the base, the others are decoys.
		for _, days := range []int{20, 91, 150, 500} {
			older := snap.Balances()
			older.AsOf = dates[0].AsOf.AddDate(0, 0, -days)
			for i := range older.Balances {
				older.Balances[i].Balance.Minor = older.Balances[i].Balance.Minor * 4 / 5
			}
			if err := db.InsertBalanceSnapshot(ctx, owner.OrgID, older); err != nil {
				t.Fatal(err)
			}
		}
		got := a.Health(owner, owner.OrgID)
		want, wantMetrics := a.ExpectedHealth(owner.OrgID, nil)
		servertest.CompareHealth(t, got, want, wantMetrics)
		for _, m := range got.Metrics {
			if m.Name == scoring.MetricCashBufferDays && (m.Status != finhealth.MetricOK || !strings.Contains(fmt.Sprint(m.Inputs), dates[0].AsOf.AddDate(0, 0, -91).Format(time.DateOnly))) {
				t.Errorf("cash buffer days do not compare with the snapshot 91 days back: %+v", m)
			}
		}
	})
}

// TestUIDashboardEmptyStates: a new organization is greeted with the two ways to
// start; the metric pages explain that the books are missing rather than failing.
func TestUIDashboardEmptyStates(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		owner := a.RegisterDirect("Newcomer")
		c := a.UILogin(owner.Email)
		body := string(c.Get("/orgs/"+owner.OrgID).Expect(t, http.StatusOK).Body)
		mustContain(t, body, "Let's find out how healthy your business is",
			`href="/orgs/`+owner.OrgID+`/questionnaire"`, `href="/orgs/`+owner.OrgID+`/wave"`)
		mustNotContain(t, body, "score-gauge")

		body = string(c.Get("/orgs/"+owner.OrgID+"/metrics/current_ratio").Expect(t, http.StatusOK).Body)
		mustContain(t, body, "Current ratio", "Wave is not connected", "Not enough data")
		body = string(c.Get("/orgs/"+owner.OrgID+"/history").Expect(t, http.StatusOK).Body)
		mustContain(t, body, "No score has been recorded yet", "Not enough data yet")

		// With answers but no books, the score is the questionnaire's and the
		// metrics say why they are missing.
		a.CreateAssessment(owner.OrgID, owner.ID)
		body = string(c.Get("/orgs/"+owner.OrgID).Expect(t, http.StatusOK).Body)
		mustContain(t, body, "score-gauge", "Not enough data.", "Wave is not connected",
			"No books behind this score: it rests on the questionnaire answers alone.")
		mustNotContain(t, body, "Let's find out", "NaN")
	})
}

// between is the part of s from the first start to the next end after it.
func between(s, start, end string) string {
	i := strings.Index(s, start)
	if i < 0 {
		return ""
	}
	j := strings.Index(s[i:], end)
	if j < 0 {
		return s[i:]
	}
	return s[i : i+j]
}

// TestAllPages: pages are read until the list ends, or stop once max items are held.
func TestAllPages(t *testing.T) {
	pages := map[string][]int{"": {1, 2}, "b": {3, 4}, "c": {5}}
	next := map[string]string{"": "b", "b": "c", "c": ""}
	read := func(cursor string) ([]int, string, error) { return pages[cursor], next[cursor], nil }
	if got, more, err := allPages(10, read); err != nil || more || !slices.Equal(got, []int{1, 2, 3, 4, 5}) {
		t.Errorf("all pages: %v, more %v, %v", got, more, err)
	}
	if got, more, err := allPages(3, read); err != nil || !more || !slices.Equal(got, []int{1, 2, 3, 4}) {
		t.Errorf("stopping at 3: %v, more %v, %v", got, more, err)
	}
}

// checkDashboardScore: the page shows the API's score, pillars, halves, change and
// confidence, and its figures add up: the score is the pillars' scores times their
// weights, each pillar its halves' scores times theirs, and the change its parts.
// Every shown score is rounded to 0.05 at most and the weights sum to 1, so the
// sums may differ from the shown total by the rounding of the parts (0.05) and of
// the total (0.05): 0.1 at most.
func checkDashboardScore(t *testing.T, body string, h finhealth.HealthScore) {
	t.Helper()
	shown := func(s string) float64 {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("not a shown score: %q", s)
		}
		return v
	}
	score := shown(formatScore(h.Score))
	mustContain(t, body, `data-testid="score">`+formatScore(h.Score)+`<`)
	sum := 0.0
	for _, pl := range h.Pillars {
		block := between(body, `data-pillar="`+pl.ID+`"`, `</ul>`)
		weight := "Weight " + formatWeight(pl.Weight)
		if e := formatWeight(pl.EffectiveWeight); e != formatWeight(pl.Weight) {
			weight += " → " + e
		}
		mustContain(t, block, `>`+html.EscapeString(pl.Label)+`<`, `<span class="num">`+formatScore(pl.Score)+`</span>`, weight)
		if pl.Score == nil {
			continue
		}
		sum += pl.EffectiveWeight * shown(formatScore(pl.Score))
		halves, halfSum := 0, 0.0
		for _, hv := range []struct {
			label string
			h     *finhealth.PillarHalf
		}{{"Books", pl.Books}, {"Answers", pl.Answers}} {
			if hv.h == nil {
				continue
			}
			halves++
			mustContain(t, block, hv.label+" "+formatWeight(hv.h.Weight))
			mustContain(t, block, `<strong>`+formatScore(hv.h.Score)+`</strong>`)
			if hv.h.Score != nil {
				halfSum += hv.h.EffectiveWeight * shown(formatScore(hv.h.Score))
			}
		}
		if halves == 0 || math.Abs(halfSum-shown(formatScore(pl.Score))) > 0.1 {
			t.Errorf("%s: the halves add up to %.2f, the page shows %s", pl.ID, halfSum, formatScore(pl.Score))
		}
	}
	if math.Abs(sum-score) > 0.1 {
		t.Errorf("the pillars add up to %.2f, the page shows %.1f", sum, score)
	}
	mustNotContain(t, body, "(books)", "(questionnaire)")

	if h.Change == nil || h.Confidence == nil {
		t.Fatalf("the fixture was scored before its assessment and has books: want a change and a confidence, got %+v, %+v", h.Change, h.Confidence)
	}
	change := between(body, `data-testid="score-change"`, `</div>`)
	mustContain(t, change, "Since "+h.Change.PreviousAsOf.UTC().Format("2 Jan 2006")+": "+htmlText(formatDelta(h.Change.Delta)))
	tenths := 0
	for _, part := range h.Change.Parts {
		mustContain(t, change, `<span class="num nowrap">`+htmlText(formatDelta(part.Delta))+`</span> `+htmlText(part.Text))
		tenths += int(math.Round(part.Delta * 10))
	}
	if tenths != int(math.Round(h.Change.Delta*10)) {
		t.Errorf("the parts add up to %d tenths, the change is %.1f", tenths, h.Change.Delta)
	}
	conf := between(body, `data-testid="confidence"`, `</div>`)
	mustContain(t, conf, capitalize(h.Confidence.Level)+" books confidence")
	for _, is := range h.Confidence.Issues {
		mustContain(t, conf, htmlText(is.Text), htmlText(is.Action))
	}
}
