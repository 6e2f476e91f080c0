package ui

import (
	"fmt"
	"maps"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"finhealth"
	fhttp "finhealth/http"
)

// portfolioPages are the advisor portfolio.
type portfolioPages struct{ *Handler }

// uiPortfolioRoutes are the advisor portfolio.
func (s portfolioPages) uiPortfolioRoutes() []uiRoute {
	return []uiRoute{
		{"GET", "/portfolio", fhttp.AnyUser, s.uiPortfolio},
	}
}

// portfolioPage is every organization the caller owns or advises, as the API's
// GET /portfolio lists them, filtered and sorted by the page's query.
type portfolioPage struct {
	// Rows are the page's share of the filtered, sorted list.
	Rows []portfolioRow
	// Total is the number of organizations before filtering: 0 is the empty state.
	Total int
	// Matched is the number after filtering, on every page together.
	Matched int
	Flagged int
	Pager   portfolioPager
	Form    form
	Columns map[string]portfolioColumn
	Tiers   []portfolioOption
	Flags   []portfolioOption
	// Sort and Dir ride along in the filter form, so filtering keeps the order.
	Sort, Dir string
	Filtered  bool
	// ClearHref lists everything again in the same order.
	ClearHref string
	// Problems names each invalid parameter with what is wrong with it, including
	// those (sort, dir) that have no visible control to show the error next to.
	Problems []string
}

var portfolioFieldLabels = map[string]string{
	"q": "Name", "tier": "Tier", "flag": "Flag", "sort": "Sort", "dir": "Direction", "page": "Page",
}

// portfolioPageSize is how many organizations a page lists. Rendering every row of
// a 2,000-client portfolio cost about 60 ms of html/template alone, and nobody reads
// 2,000 rows: sorting (lowest score first) and filtering (by flag) bring what needs
// attention to the first page, and the pager reaches every other row. A variable so
// that tests can page a small fixture.
var portfolioPageSize = 200

// portfolioPager says which rows of the filtered list a page shows and links to the
// others, keeping the filters and the order.
type portfolioPager struct {
	From, To, Of int
	Prev, Next   string
	// Pages has a link per page; a single page has none.
	Pages []portfolioPageLink
}

type portfolioPageLink struct {
	N       int
	Href    string
	Current bool
}

// portfolioRow is one organization with its display values worked out here, where
// they are tested, rather than in the template.
type portfolioRow struct {
	fhttp.PortfolioItem
	TierKey string
	// Change is the 30-day change as shown ("+4", "−3", "0"), ChangeDir "up",
	// "down" or "", and ChangeText the same in words for screen readers.
	Change, ChangeDir, ChangeText string
	Badges                        []portfolioBadge
	SyncNote                      string
	SyncFailed                    bool
}

type portfolioBadge struct {
	Label string
	Class string
}

// portfolioColumn is a sortable column's header: the link that sorts by it (the
// other direction when it is already the sort) and its aria-sort.
type portfolioColumn struct {
	Href     string
	AriaSort string
}

type portfolioOption struct {
	Value, Label string
}

// tierNone filters the organizations without a score yet.
const tierNone = "none"

var (
	portfolioTiers = []portfolioOption{
		{finhealth.TierHealthy, tierLabel(finhealth.TierHealthy)},
		{finhealth.TierCoping, tierLabel(finhealth.TierCoping)},
		{finhealth.TierVulnerable, tierLabel(finhealth.TierVulnerable)},
		{tierNone, tierLabel("")},
	}
	portfolioFlags = []portfolioOption{
		{fhttp.FlagOverdueShareHigh, "Many overdue invoices"},
		{fhttp.FlagCashBufferLow, "Low cash buffer"},
		{fhttp.FlagNeedsReconnect, "Wave needs reconnecting"},
	}
)

func (s portfolioPages) uiPortfolio(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	q := r.URL.Query()
	p := portfolioPage{Tiers: portfolioTiers, Flags: portfolioFlags, Form: form{Values: q}}
	status := http.StatusOK
	// Both validations report everything they find; whatever is invalid is then
	// left out (the default order, no such filter) rather than refusing the page.
	bad := fhttp.FieldErrors{}
	key, desc, err := fhttp.PortfolioOrder(q.Get("sort"), q.Get("dir"), "dir")
	if err != nil {
		key, desc = "name", false
		maps.Copy(bad, finhealth.ErrorFields(err))
	}
	filter, err := newPortfolioFilter(q)
	if err != nil {
		maps.Copy(bad, finhealth.ErrorFields(err))
	}
	page := 1
	if v := q.Get("page"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n >= 1 {
			page = n
		} else {
			bad.Add("page", "must be a whole number from 1")
		}
	}
	if err := bad.Err(); err != nil {
		if p.Form, p.Problems, err = listProblems(q, err, portfolioFieldLabels); err != nil {
			return err
		}
		status = http.StatusUnprocessableEntity
	}
	p.Sort, p.Dir = key, "asc"
	if desc {
		p.Dir = "desc"
	}
	p.ClearHref = "/portfolio?" + url.Values{"sort": {p.Sort}, "dir": {p.Dir}}.Encode()

	items, err := s.insights.PortfolioItems(r.Context(), c.User.ID, key, desc)
	if err != nil {
		return err
	}
	p.Total = len(items)
	p.Filtered = filter != (portfolioFilter{})
	matched := make([]fhttp.PortfolioItem, 0, len(items))
	for _, it := range items {
		// Every flag makes a badge, so this counts the rows that show one.
		if len(it.Flags) > 0 {
			p.Flagged++
		}
		if filter.matches(it) {
			matched = append(matched, it)
		}
	}
	p.Matched = len(matched)
	var shown []fhttp.PortfolioItem
	p.Pager, shown = portfolioPaging(q, page, matched)
	p.Rows = make([]portfolioRow, len(shown))
	for i, it := range shown {
		p.Rows[i] = newPortfolioRow(it)
	}
	p.Columns = portfolioColumns(q, key, desc)
	return s.render(w, r, c, status, "portfolio.html", "Portfolio", p)
}

// portfolioFilter narrows the portfolio: Name is a case-insensitive substring of the
// organization's name, Tier a tier or tierNone, Flag one flag.
type portfolioFilter struct {
	Name, Tier, Flag string
}

// newPortfolioFilter reads ?q=&tier=&flag=. Whatever is invalid is reported and not
// applied, so the page still lists the organizations.
func newPortfolioFilter(q url.Values) (portfolioFilter, error) {
	f := fhttp.FieldErrors{}
	var pf portfolioFilter
	if name := strings.TrimSpace(q.Get("q")); len(name) > 100 {
		f.Add("q", "must be at most 100 characters")
	} else {
		pf.Name = strings.ToLower(name)
	}
	if t := q.Get("tier"); t != "" {
		if knownOption(portfolioTiers, t) {
			pf.Tier = t
		} else {
			f.Add("tier", "must be one of healthy, coping, vulnerable, none")
		}
	}
	if fl := q.Get("flag"); fl != "" {
		if knownOption(portfolioFlags, fl) {
			pf.Flag = fl
		} else {
			f.Add("flag", "must be one of "+fhttp.FlagOverdueShareHigh+", "+fhttp.FlagCashBufferLow+", "+fhttp.FlagNeedsReconnect)
		}
	}
	return pf, f.Err()
}

func knownOption(opts []portfolioOption, v string) bool {
	for _, o := range opts {
		if o.Value == v {
			return true
		}
	}
	return false
}

func (f portfolioFilter) matches(it fhttp.PortfolioItem) bool {
	if f.Name != "" && !strings.Contains(strings.ToLower(it.Name), f.Name) {
		return false
	}
	switch {
	case f.Tier == "":
	case f.Tier == tierNone:
		if it.Tier != nil {
			return false
		}
	case it.Tier == nil || *it.Tier != f.Tier:
		return false
	}
	if f.Flag != "" {
		for _, fl := range it.Flags {
			if fl == f.Flag {
				return true
			}
		}
		return false
	}
	return true
}

func newPortfolioRow(it fhttp.PortfolioItem) portfolioRow {
	row := portfolioRow{PortfolioItem: it}
	if it.Tier != nil {
		row.TierKey = *it.Tier
	}
	if it.Change30d != nil {
		// One decimal, like the scores it is the difference of.
		n := math.Round(*it.Change30d*10) / 10
		row.Change = formatDelta(n)
		switch {
		case n > 0:
			row.ChangeDir, row.ChangeText = "up", "up "+strconv.FormatFloat(n, 'f', 1, 64)+" points"
		case n < 0:
			row.ChangeDir, row.ChangeText = "down", "down "+strconv.FormatFloat(-n, 'f', 1, 64)+" points"
		default:
			row.ChangeText = "no change"
		}
	}
	for _, fl := range it.Flags {
		row.Badges = append(row.Badges, flagBadge(fl, it))
	}
	switch {
	case it.LastSync.Status != nil && finhealth.SyncStatus(*it.LastSync.Status) == finhealth.SyncFailed:
		row.SyncFailed = true
		row.SyncNote = "Last sync failed"
	case it.LastSync.At == nil && it.Connection.Status == fhttp.NotConnected:
		row.SyncNote = "Wave not connected"
	case it.LastSync.At == nil:
		row.SyncNote = "Not synced yet"
	}
	return row
}

// flagBadge names a flag with the number behind it, so that the badge reads on its
// own and its colour is never the only signal.
func flagBadge(flag string, it fhttp.PortfolioItem) portfolioBadge {
	switch flag {
	case fhttp.FlagOverdueShareHigh:
		return portfolioBadge{Label: fmt.Sprintf("Overdue invoices %.0f%%", *it.OverdueShare.Value), Class: "badge-bad"}
	case fhttp.FlagCashBufferLow:
		return portfolioBadge{Label: fmt.Sprintf("Cash buffer %s", plural(int(math.Floor(*it.CashBufferDays.Value)), "day")), Class: "badge-bad"}
	case fhttp.FlagNeedsReconnect:
		return portfolioBadge{Label: "Reconnect Wave", Class: "badge-warn"}
	}
	return portfolioBadge{Label: capitalize(flag), Class: "badge-warn"}
}

// portfolioPaging picks page n (from 1) of the matched items; past the last page it
// shows the last, so that a link kept while clients left still lists some.
func portfolioPaging(q url.Values, n int, matched []fhttp.PortfolioItem) (portfolioPager, []fhttp.PortfolioItem) {
	pages := max(1, (len(matched)+portfolioPageSize-1)/portfolioPageSize)
	n = min(n, pages)
	from, to := (n-1)*portfolioPageSize, min(n*portfolioPageSize, len(matched))
	pg := portfolioPager{From: from + 1, To: to, Of: len(matched)}
	if pages == 1 {
		return pg, matched
	}
	v := url.Values{}
	for _, f := range []string{"q", "tier", "flag", "sort", "dir"} {
		if q.Get(f) != "" {
			v.Set(f, q.Get(f))
		}
	}
	href := func(i int) string {
		v.Set("page", strconv.Itoa(i))
		return "/portfolio?" + v.Encode()
	}
	for i := 1; i <= pages; i++ {
		pg.Pages = append(pg.Pages, portfolioPageLink{N: i, Href: href(i), Current: i == n})
	}
	if n > 1 {
		pg.Prev = href(n - 1)
	}
	if n < pages {
		pg.Next = href(n + 1)
	}
	return pg, matched[from:to]
}

// portfolioColumns builds the sortable headers. Each link keeps the filters; the
// current sort's link reverses it, another column starts with the direction that
// puts what needs attention first (lowest score and change, oldest sync).
func portfolioColumns(q url.Values, key string, desc bool) map[string]portfolioColumn {
	cols := map[string]portfolioColumn{}
	for k := range fhttp.PortfolioSorts {
		dir := "asc"
		col := portfolioColumn{}
		if k == key {
			col.AriaSort = "ascending"
			if desc {
				col.AriaSort = "descending"
			} else {
				dir = "desc"
			}
		}
		v := url.Values{}
		for _, f := range []string{"q", "tier", "flag"} {
			if q.Get(f) != "" {
				v.Set(f, q.Get(f))
			}
		}
		v.Set("sort", k)
		v.Set("dir", dir)
		col.Href = "/portfolio?" + v.Encode()
		cols[k] = col
	}
	return cols
}
