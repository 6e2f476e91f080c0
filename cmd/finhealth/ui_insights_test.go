package main

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestUIDashboardAfterWaveSync: an owner connects the simulated Wave, and the
// dashboard shows the combined score with its gauge and pillars, and metric tiles
// with values and ratings; the history page charts the score recorded by the sync.
// Dashboard and history fit a 360 px phone.
func TestUIDashboardAfterWaveSync(t *testing.T) {
	a := startApp(t, nil)
	ctx := browser(t)
	signUp(t, ctx, a, "Dana Owner", "dana@example.com", "Dana's Deli")
	orgID := connectSimulatedWave(t, ctx, a)

	act(t, ctx, "opening the dashboard",
		chromedp.Navigate(a.URL+"/orgs/"+orgID),
		chromedp.WaitVisible(`[data-testid="score"]`, chromedp.ByQuery))
	shot(t, ctx, "dashboard")
	score := text(t, ctx, `[data-testid="score"]`)
	if v, err := strconv.ParseFloat(score, 64); err != nil || v < 0 || v > 100 || !strings.Contains(score, ".") {
		t.Fatalf("score = %q, want a number from 0 to 100 with one decimal", score)
	}
	if tier := text(t, ctx, ".score-caption .tier"); tier != "Healthy" && tier != "Coping" && tier != "Vulnerable" {
		t.Errorf("tier = %q", tier)
	}
	var gauges, edges, bars, pillars, tiles int
	act(t, ctx, "counting the charts and tiles",
		chromedp.Evaluate(`document.querySelectorAll('svg.gauge[role="img"] title').length`, &gauges),
		chromedp.Evaluate(`document.querySelectorAll('svg.gauge line.gauge-edge').length`, &edges),
		chromedp.Evaluate(`document.querySelectorAll('svg.bars[role="img"] rect.bar-track').length`, &bars),
		chromedp.Evaluate(`document.querySelectorAll('.pillar-list li[data-pillar]').length`, &pillars),
		chromedp.Evaluate(`document.querySelectorAll('li.tile').length`, &tiles))
	// One set of five pillars, each with its weight, and the 40 and 80 tier edges.
	if gauges != 1 || edges != 2 || bars != 5 || pillars != 5 || tiles < 10 {
		t.Errorf("gauge %d with %d tier edges, pillar bars %d, pillars listed %d, tiles %d; want 1 with 2, 5, 5, at least 10",
			gauges, edges, bars, pillars, tiles)
	}
	if w := text(t, ctx, `li[data-pillar="liquidity"] p`); !strings.HasPrefix(w, "Weight 30%") {
		t.Errorf("liquidity's weight reads %q", w)
	}
	if c := text(t, ctx, `[data-testid="confidence"] .badge`); !strings.HasSuffix(c, " books confidence") {
		t.Errorf("confidence = %q", c)
	}
	// The why of a recommendation opens without JavaScript's help from the page.
	var whyOpen bool
	act(t, ctx, "opening a recommendation's why",
		chromedp.Click(`.recs details.why summary`, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector('.recs details.why').open`, &whyOpen))
	if !whyOpen {
		t.Error("the first recommendation's why does not open")
	}
	if v := text(t, ctx, `li.tile[data-metric="current_ratio"] .tile-value`); v == "" || strings.Contains(v, "Not enough") {
		t.Errorf("current ratio tile = %q, want a value", v)
	}
	if r := text(t, ctx, `li.tile[data-metric="current_ratio"] .badge`); r != "Healthy" && r != "Watch" && r != "Weak" {
		t.Errorf("current ratio rating = %q", r)
	}
	if s := text(t, ctx, `[data-testid="connection-status"]`); s != "Connected" {
		t.Errorf("the dashboard's sync box says %q", s)
	}
	// Metrics that need a month of history say so instead of showing a number.
	if v := text(t, ctx, `li.tile[data-metric="cash_buffer_days"] .tile-value`); v != "Not enough data" {
		t.Errorf("cash buffer days right after the first sync = %q", v)
	}

	// A tile opens its metric.
	act(t, ctx, "opening a metric from its tile",
		chromedp.Click(`li.tile[data-metric="current_ratio"] h3 a`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="metric-value"]`, chromedp.ByQuery))
	if h := text(t, ctx, "main h1"); h != "Current ratio" {
		t.Errorf("metric page heading = %q", h)
	}

	act(t, ctx, "opening the history",
		chromedp.Click(`nav.orgnav a[href$="/history"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`svg#history-chart, svg[aria-labelledby^="history-chart"]`, chromedp.ByQuery))
	var dots int
	act(t, ctx, "counting the recorded scores", chromedp.Evaluate(`document.querySelectorAll('svg[aria-labelledby^="history-chart"] circle.series-1').length`, &dots))
	if dots < 1 {
		t.Error("the history chart shows no score after a sync")
	}
	shot(t, ctx, "history")

	for _, page := range []string{"/orgs/" + orgID, "/orgs/" + orgID + "/history"} {
		act(t, ctx, "a phone-sized "+page, mobile(), chromedp.Navigate(a.URL+page), chromedp.WaitVisible("nav.orgnav", chromedp.ByQuery))
		if overflows(t, ctx) {
			shot(t, ctx, "overflow-360-"+slug(page))
			t.Errorf("%s scrolls sideways at 360 px", page)
		}
	}
	shot(t, ctx, "history-mobile")
}

// TestUIEditAccountMapping: on the cash ratio's page an owner moves a bank account
// out of cash and sees the ratio fall at once; resetting it brings the ratio back.
func TestUIEditAccountMapping(t *testing.T) {
	a := startApp(t, nil)
	ctx := browser(t)
	signUp(t, ctx, a, "Mona Owner", "mona@example.com", "Mona's Mill")
	orgID := connectSimulatedWave(t, ctx, a)

	page := a.URL + "/orgs/" + orgID + "/metrics/cash_ratio"
	act(t, ctx, "opening the cash ratio", chromedp.Navigate(page), chromedp.WaitVisible(`[data-testid="metric-value"]`, chromedp.ByQuery))
	before := ratio(t, text(t, ctx, `[data-testid="metric-value"]`))

	const savings = `tr[data-account="Savings"]`
	act(t, ctx, "moving Savings to other current assets",
		chromedp.SetValue(savings+` select[name="class"]`, "other_current_asset", chromedp.ByQuery),
		chromedp.SendKeys(savings+` input[name="note"]`, "a fixed-term deposit", chromedp.ByQuery),
		chromedp.Click(savings+` form.mapping-form button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.notice`, chromedp.ByQuery))
	if n := text(t, ctx, ".notice"); !strings.Contains(n, "mapping saved") {
		t.Errorf("notice = %q", n)
	}
	after := ratio(t, text(t, ctx, `[data-testid="metric-value"]`))
	if after >= before {
		t.Fatalf("cash ratio %.2f -> %.2f: moving a bank account out of cash must lower it", before, after)
	}
	// The account now sits with the other accounts, with who changed it and why.
	act(t, ctx, "showing the other accounts", chromedp.Click(`details.mapping-others summary`, chromedp.ByQuery),
		chromedp.WaitVisible(savings+` form[action$="/reset"] button`, chromedp.ByQuery))
	if row := text(t, ctx, savings); !strings.Contains(row, "Set by Mona Owner") || !strings.Contains(row, "a fixed-term deposit") {
		t.Errorf("the changed row says %q", row)
	}
	act(t, ctx, "scrolling to the mapping", chromedp.ScrollIntoView(`#mapping`, chromedp.ByQuery))
	shot(t, ctx, "metric-detail")

	act(t, ctx, "resetting Savings to its default",
		chromedp.Click(savings+` form[action$="/reset"] button`, chromedp.ByQuery),
		// The page before had a notice too: the new page is the one without an
		// override to reset.
		chromedp.WaitNotPresent(`form[action$="/reset"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="metric-value"]`, chromedp.ByQuery))
	if n := text(t, ctx, ".notice"); !strings.Contains(n, "reset") {
		t.Errorf("notice after the reset = %q", n)
	}
	if back := ratio(t, text(t, ctx, `[data-testid="metric-value"]`)); back != before {
		t.Errorf("after the reset the cash ratio is %.2f, want %.2f again", back, before)
	}

	act(t, ctx, "a phone-sized metric page", mobile(), chromedp.Reload(), chromedp.WaitVisible(`[data-testid="metric-value"]`, chromedp.ByQuery))
	if overflows(t, ctx) {
		shot(t, ctx, "overflow-360-metric")
		t.Error("the metric page scrolls sideways at 360 px")
	}
	shot(t, ctx, "metric-detail-mobile")
}

func ratio(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("%q is not a ratio", s)
	}
	return v
}
