package ui

import (
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"finhealth"
	fhttp "finhealth/http"
	"finhealth/http/internal/servertest"
	"finhealth/store"
)

var (
	htmlRow  = regexp.MustCompile(`(?s)<tr data-[a-z]+="[^"]*">(.*?)</tr>`)
	htmlCell = regexp.MustCompile(`(?s)<t[hd][^>]*>(.*?)</t[hd]>`)
	htmlTag  = regexp.MustCompile(`(?s)<[^>]+>`)
	spaces   = regexp.MustCompile(`\s+`)
)

// visibleText is markup reduced to its text, with runs of space collapsed. Text
// only for screen readers (.visually-hidden) stays in: it is part of what the page
// says.
func visibleText(markup string) string {
	return strings.TrimSpace(spaces.ReplaceAllString(html.UnescapeString(htmlTag.ReplaceAllString(markup, " ")), " "))
}

// tableRows returns the text of each cell of each data row of a page's tables.
func tableRows(body []byte) [][]string {
	var rows [][]string
	for _, m := range htmlRow.FindAllStringSubmatch(string(body), -1) {
		var cells []string
		for _, c := range htmlCell.FindAllStringSubmatch(m[1], -1) {
			cells = append(cells, visibleText(c[1]))
		}
		rows = append(rows, cells)
	}
	return rows
}

// firstCells is the first cell of every row: the organization or user named.
func firstCells(rows [][]string) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r[0]
	}
	return out
}

// TestUIPortfolio checks the portfolio page against the same fixture as the API's
// portfolio test: which organizations it lists, the values each row shows, every
// sort and filter, validation of the query, and the empty state.
func TestUIPortfolio(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		fx := servertest.NewPortfolioFixture(t, a)
		me := a.UILogin(fx.Me.Email)

		res := me.Get("/portfolio").Expect(t, http.StatusOK)
		rows := tableRows(res.Body)
		byName := map[string][]string{}
		for _, r := range rows {
			name, _, _ := strings.Cut(r[0], " Wave: ")
			byName[name] = r
		}
		// Columns: organization, role, score, tier, change, flags, last sync.
		want := map[string][]string{
			"Me's business": {"Me's business", "Owner", "82.0", "Healthy", "+12.0 up 12.0 points",
				"Overdue invoices 15% Cash buffer 14 days", "Wave not connected"},
			"Bravo's business": {"Bravo's business Wave: Bravo Books", "Advisor", "40.0", "Coping",
				"– no score 30 days ago to compare with", "Reconnect Wave", "just now"},
			"Echo's business": {"Echo's business", "Owner", "–", "Not enough data",
				"– no score 30 days ago to compare with", "None", "Wave not connected"},
		}
		if len(rows) != len(want) {
			t.Fatalf("portfolio rows %v, want the three organizations owned or advised", firstCells(rows))
		}
		for name, cells := range want {
			if got := byName[name]; strings.Join(got, " | ") != strings.Join(cells, " | ") {
				t.Errorf("row %s:\n got %q\nwant %q", name, got, cells)
			}
		}
		body := string(res.Body)
		for _, s := range []string{
			`<a href="/orgs/` + fx.Me.OrgID + `">Me&#39;s business</a>`, // the name opens the dashboard
			`<span class="badge badge-bad">Overdue invoices 15%</span>`,
			`<span class="badge badge-warn">Reconnect Wave</span>`,
			`3 organizations · 2 flagged`,
		} {
			if !strings.Contains(body, s) {
				t.Errorf("the portfolio page lacks %s", s)
			}
		}

		for query, names := range map[string][]string{
			"":                         {"Bravo's business", "Echo's business", "Me's business"},
			"?sort=name&dir=desc":      {"Me's business", "Echo's business", "Bravo's business"},
			"?sort=score":              {"Bravo's business", "Me's business", "Echo's business"},
			"?sort=score&dir=desc":     {"Me's business", "Bravo's business", "Echo's business"},
			"?sort=change&dir=desc":    {"Me's business", "Bravo's business", "Echo's business"},
			"?sort=last_sync&dir=desc": {"Bravo's business", "Echo's business", "Me's business"},
			"?tier=coping":             {"Bravo's business"},
			"?tier=none":               {"Echo's business"},
			"?tier=healthy&q=ME":       {"Me's business"},
			"?flag=needs_reconnect":    {"Bravo's business"},
			"?flag=cash_buffer_low":    {"Me's business"},
			"?q=+bRAV+":                {"Bravo's business"},
			"?q=zulu":                  nil,
		} {
			got := firstCells(tableRows(me.Get("/portfolio"+query).Expect(t, http.StatusOK).Body))
			for i := range got {
				got[i], _, _ = strings.Cut(got[i], " Wave: ")
			}
			if strings.Join(got, ",") != strings.Join(names, ",") {
				t.Errorf("portfolio%s: %v, want %v", query, got, names)
			}
		}

		// The current sort is marked on its header, whose link reverses it and keeps
		// the filters; the other headers sort ascending.
		sorted := string(me.Get("/portfolio?sort=score&dir=desc&flag=cash_buffer_low").Expect(t, http.StatusOK).Body)
		for _, s := range []string{
			`<th scope="col" aria-sort="descending" class="num"><a class="sort-link" href="/portfolio?dir=asc&amp;flag=cash_buffer_low&amp;sort=score">Score`,
			`<a class="sort-link" href="/portfolio?dir=asc&amp;flag=cash_buffer_low&amp;sort=name">Organization`,
			`<input type="hidden" name="sort" value="score">`,
			`<input type="hidden" name="dir" value="desc">`,
			`<a href="/portfolio?dir=desc&amp;sort=score">Clear filters</a>`,
		} {
			if !strings.Contains(sorted, s) {
				t.Errorf("the sorted, filtered page lacks %s", s)
			}
		}
		if n := strings.Count(sorted, "aria-sort="); n != 1 {
			t.Errorf("%d headers carry aria-sort, want the sorted one only", n)
		}
		if !strings.Contains(string(me.Get("/portfolio?q=zulu").Body), "No organization matches these filters") {
			t.Error("a filter matching nothing does not say so")
		}

		// Bad parameters are named, not applied, and the page still lists everything.
		for query, problem := range map[string]string{
			"?tier=gold":                     "Tier: must be one of healthy, coping, vulnerable, none.",
			"?flag=late":                     "Flag: must be one of overdue_share_high, cash_buffer_low, needs_reconnect.",
			"?sort=risk":                     "Sort: must be one of score, change, name, last_sync.",
			"?dir=up":                        "Direction: must be asc or desc.",
			"?q=" + strings.Repeat("x", 101): "Name: must be at most 100 characters.",
		} {
			res := me.Get("/portfolio"+query).Expect(t, http.StatusUnprocessableEntity)
			if !strings.Contains(html.UnescapeString(string(res.Body)), problem) {
				t.Errorf("portfolio%s does not say %q", query, problem)
			}
			if n := len(tableRows(res.Body)); n != 3 {
				t.Errorf("portfolio%s lists %d organizations, want all 3", query, n)
			}
		}

		// Someone who owns or advises nothing (a viewer elsewhere) gets the empty state.
		onlyViewer := a.CreateUser("Viewer", finhealth.RoleUser)
		a.AddMember(fx.Viewed.OrgID, fx.Viewed.ID, &onlyViewer, finhealth.OrgRoleViewer)
		empty := a.UILogin(onlyViewer.Email).Get("/portfolio").Expect(t, http.StatusOK)
		if !strings.Contains(string(empty.Body), "No client organizations yet") || strings.Contains(string(empty.Body), "<table") {
			t.Errorf("empty portfolio page:\n%s", empty.Body)
		}
	})
}

// TestUIPortfolioPages checks that the page lists the filtered, sorted portfolio a
// page at a time, in the API's order, with links that keep the filters and the
// order and reach every organization.
func TestUIPortfolioPages(t *testing.T) {
	defer func(n int) { portfolioPageSize = n }(portfolioPageSize)
	portfolioPageSize = 2
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		fx := servertest.NewPortfolioFixture(t, a)
		me := a.UILogin(fx.Me.Email)

		var apiList struct {
			Items []fhttp.PortfolioItem `json:"items"`
		}
		a.Get("/api/v1/portfolio?sort=score&order=desc", fx.Me.Token).Expect(t, http.StatusOK).Decode(t, &apiList)
		var api []string
		for _, it := range apiList.Items {
			api = append(api, it.Name)
		}
		var paged []string
		for _, page := range []string{"", "&page=2"} {
			res := me.Get("/portfolio?sort=score&dir=desc"+page).Expect(t, http.StatusOK)
			for _, name := range firstCells(tableRows(res.Body)) {
				name, _, _ = strings.Cut(name, " Wave: ")
				paged = append(paged, name)
			}
		}
		if strings.Join(paged, ",") != strings.Join(api, ",") {
			t.Errorf("pages list %v, the API %v", paged, api)
		}

		first := string(me.Get("/portfolio?sort=score&dir=desc").Expect(t, http.StatusOK).Body)
		for _, s := range []string{
			`Organizations 1–2 of 3`,
			`<a href="/portfolio?dir=desc&amp;page=1&amp;sort=score" aria-current="page">1</a>`,
			`<a href="/portfolio?dir=desc&amp;page=2&amp;sort=score" rel="next">Next</a>`,
		} {
			if !strings.Contains(first, s) {
				t.Errorf("the first page lacks %s", s)
			}
		}
		if strings.Contains(first, `rel="prev"`) {
			t.Error("the first page links to a previous one")
		}
		last := string(me.Get("/portfolio?sort=score&dir=desc&page=2").Expect(t, http.StatusOK).Body)
		if !strings.Contains(last, `Organizations 3–3 of 3`) || !strings.Contains(last, `<a href="/portfolio?dir=desc&amp;page=1&amp;sort=score" rel="prev">Previous</a>`) || strings.Contains(last, `rel="next"`) {
			t.Errorf("the last page's pager:\n%s", last)
		}
		// Past the last page shows the last; the header still counts everything.
		if got := firstCells(tableRows(me.Get("/portfolio?page=9").Expect(t, http.StatusOK).Body)); len(got) != 1 {
			t.Errorf("page 9 of 2 lists %v, want the last page's one organization", got)
		}
		// Filtering pages the matches only: one page, no pager, and the count of matches.
		filtered := string(me.Get("/portfolio?q=business&tier=coping").Expect(t, http.StatusOK).Body)
		if strings.Contains(filtered, `class="pager"`) || !strings.Contains(filtered, "1 of 3 organizations match the filters") {
			t.Errorf("a one-page filtered list:\n%s", filtered)
		}
		for _, bad := range []string{"0", "x", "-1"} {
			res := me.Get("/portfolio?page="+bad).Expect(t, http.StatusUnprocessableEntity)
			if !strings.Contains(html.UnescapeString(string(res.Body)), "Page: must be a whole number from 1.") || len(tableRows(res.Body)) != 2 {
				t.Errorf("page=%s: not named, or not the first page", bad)
			}
		}
	})
}

// TestUIOrgSwitchCap checks that the top bar lists the organizations to switch to
// only up to orgSwitchMax: past that the portfolio, linked from every page, finds one
// by name, and an organization's pages name it instead.
func TestUIOrgSwitchCap(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		me := a.RegisterDirect("Many")
		join := func() {
			client := a.RegisterDirect("Client")
			a.AddMember(client.OrgID, client.ID, &me, finhealth.OrgRoleAdvisor)
		}
		for range orgSwitchMax - 1 {
			join()
		}
		ui := a.UILogin(me.Email)
		dashboard := "/orgs/" + me.OrgID
		if body := string(ui.Get(dashboard).Expect(t, http.StatusOK).Body); strings.Count(body, `<option value="`) != orgSwitchMax {
			t.Errorf("with %d organizations the switcher lists %d", orgSwitchMax, strings.Count(body, `<option value="`))
		}
		join()
		body := string(ui.Get(dashboard).Expect(t, http.StatusOK).Body)
		if strings.Contains(body, `id="org-switch"`) || !strings.Contains(body, `<span class="org-name">Many`) || !strings.Contains(body, `<a href="/portfolio"`) {
			t.Errorf("past %d organizations the top bar still lists them, or does not name this one:\n%s", orgSwitchMax, body)
		}
	})
}
