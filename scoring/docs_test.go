package scoring

import (
	"fmt"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"finhealth"
)

// docPath is the page that promises to describe exactly what this package does.
const docPath = "../docs/scoring.md"

// docTable is a Markdown table of the page with the heading it sits under.
type docTable struct {
	heading string
	header  []string
	rows    [][]string
}

var (
	backticked = regexp.MustCompile("`([a-z0-9_]+)`")
	sharedName = regexp.MustCompile("`([a-z0-9_]+)` ([0-9]+)%")
	firstNum   = regexp.MustCompile(`-?[0-9]+(\.[0-9]+)?`)
)

func docTables(doc string) []docTable {
	var out []docTable
	heading := ""
	var cur *docTable
	for _, line := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(line, "|") {
			cur = nil
			if strings.HasPrefix(line, "#") {
				heading = line
			}
			continue
		}
		cells := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		switch {
		case cur == nil:
			out = append(out, docTable{heading: heading, header: cells})
			cur = &out[len(out)-1]
		case strings.HasPrefix(cells[0], "---"):
		default:
			cur.rows = append(cur.rows, cells)
		}
	}
	return out
}

// tablesHeaded are the tables whose first column is named first.
func tablesHeaded(ts []docTable, first string) []docTable {
	var out []docTable
	for _, t := range ts {
		if t.header[0] == first {
			out = append(out, t)
		}
	}
	return out
}

func nameOf(cell string) string {
	if m := backticked.FindStringSubmatch(cell); m != nil {
		return m[1]
	}
	return ""
}

// numberIn is the first number of a cell ("30%", "more than 7 days").
func numberIn(cell string) (float64, bool) {
	m := firstNum.FindString(cell)
	if m == "" {
		return 0, false
	}
	v, err := strconv.ParseFloat(m, 64)
	return v, err == nil
}

// edge reads a band edge: empty is an open end (open), a number is the edge.
func edge(cell string, open float64) (float64, error) {
	if cell == "" {
		return open, nil
	}
	return strconv.ParseFloat(cell, 64)
}

// checkDoc lists every disagreement between the page and the code: bands, pillar and
// metric weights, the halves' shares, tier edges, the recommendation and confidence
// thresholds, and any metric the page leaves out.
func checkDoc(doc string) []string {
	var errs []string
	fail := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	ts := docTables(doc)

	for _, d := range metricDefs {
		if !strings.Contains(doc, "`"+d.name+"`") {
			fail("metric %s is not documented", d.name)
		}
	}
	bandTables := tablesHeaded(ts, "band")
	for _, t := range bandTables {
		for _, n := range backticked.FindAllStringSubmatch(t.heading, -1) {
			if d, ok := defByName[n[1]]; !ok || len(d.bands) == 0 {
				fail("bands documented for %s, which has none in the code", n[1])
			}
		}
	}
	for _, d := range metricDefs {
		if len(d.bands) == 0 {
			continue
		}
		var found []docTable
		for _, t := range bandTables {
			if strings.Contains(t.heading, "`"+d.name+"`") {
				found = append(found, t)
			}
		}
		if len(found) != 1 {
			fail("%s: %d band tables on the page, want 1", d.name, len(found))
			continue
		}
		errs = append(errs, checkBands(d, found[0])...)
	}

	var pillars []docTable
	for _, t := range tablesHeaded(ts, "pillar") {
		// The worked example's tables have pillars too; the definition lists their metrics.
		if len(t.header) > 2 && strings.HasPrefix(t.header[2], "books metrics") {
			pillars = append(pillars, t)
		}
	}
	if len(pillars) != 1 {
		fail("%d pillar tables, want 1", len(pillars))
	} else {
		errs = append(errs, checkPillars(pillars[0])...)
	}

	want := map[string]map[string]float64{
		"half":      {"books": booksShare, "answers": answersShare},
		"threshold": {"recommend_under": healthyComponent, "urgent_under": urgentComponent},
	}
	for first, values := range want {
		errs = append(errs, checkValues(ts, first, values)...)
	}
	errs = append(errs, checkTiers(ts)...)
	errs = append(errs, checkConfidence(ts)...)
	return errs
}

func checkBands(d metricDef, t docTable) []string {
	var errs []string
	if len(t.rows) != len(d.bands) {
		return []string{fmt.Sprintf("%s: %d bands on the page, %d in the code", d.name, len(t.rows), len(d.bands))}
	}
	for i, b := range d.bands {
		row := t.rows[i]
		if len(row) < 4 {
			errs = append(errs, fmt.Sprintf("%s: band row %d has %d cells", d.name, i, len(row)))
			continue
		}
		pts, err := strconv.Atoi(row[3])
		special := row[1] == "—" && row[2] == "—"
		lo, errLo := edge(row[1], -inf)
		hi, errHi := edge(row[2], inf)
		switch {
		case nameOf(row[0]) != b.name || err != nil || pts != b.points || special != b.special:
			errs = append(errs, fmt.Sprintf("%s: band %q on the page is %v, the code has %s worth %d (special %v)", d.name, row[0], row, b.name, b.points, b.special))
		case !special && (errLo != nil || errHi != nil || lo != b.min || hi != b.max):
			errs = append(errs, fmt.Sprintf("%s: band %s runs from %q under %q on the page, [%v, %v) in the code", d.name, b.name, row[1], row[2], b.min, b.max))
		}
	}
	return errs
}

func checkPillars(t docTable) []string {
	var errs []string
	if len(t.rows) != len(pillarDefs) {
		return []string{fmt.Sprintf("%d pillars on the page, %d in the code", len(t.rows), len(pillarDefs))}
	}
	for i, d := range pillarDefs {
		row := t.rows[i]
		w, ok := numberIn(row[1])
		if nameOf(row[0]) != d.id || !ok || w != float64(d.weight) {
			errs = append(errs, fmt.Sprintf("pillar row %d is %q at %q, the code has %s at %d%%", i, row[0], row[1], d.id, d.weight))
		}
		var page, code []string
		for _, m := range sharedName.FindAllStringSubmatch(row[2], -1) {
			page = append(page, m[1]+" "+m[2])
		}
		for _, m := range d.metrics {
			code = append(code, m.name+" "+strconv.Itoa(m.weight))
		}
		if !slices.Equal(page, code) || len(backticked.FindAllString(row[2], -1)) != len(code) {
			errs = append(errs, fmt.Sprintf("pillar %s: books %v on the page, %v in the code", d.id, page, code))
		}
	}
	return errs
}

// checkValues compares a two-column table of named figures with the code's.
func checkValues(ts []docTable, first string, want map[string]float64) []string {
	var errs []string
	got := map[string]float64{}
	for _, t := range tablesHeaded(ts, first) {
		for _, row := range t.rows {
			if v, ok := numberIn(row[1]); ok {
				got[nameOf(row[0])] = v
			}
		}
	}
	for name, w := range want {
		if v, ok := got[name]; !ok || v != w {
			errs = append(errs, fmt.Sprintf("%s %s: %v on the page (found %v), %v in the code", first, name, v, ok, w))
		}
	}
	return errs
}

// checkTiers reads each tier's edges by what Tier does just at and just below them.
func checkTiers(ts []docTable) []string {
	var errs []string
	seen := map[string]bool{}
	for _, t := range tablesHeaded(ts, "tier") {
		for _, row := range t.rows {
			tier := nameOf(row[0])
			seen[tier] = true
			for _, c := range []struct {
				cell   string
				inside bool // whether the edge itself is in the tier
			}{{row[1], true}, {row[2], false}} {
				if c.cell == "" {
					continue
				}
				e, err := strconv.ParseFloat(c.cell, 64)
				below := math.Nextafter(e, -inf)
				if err != nil || (Tier(e) == tier) != c.inside || (Tier(below) == tier) == c.inside {
					errs = append(errs, fmt.Sprintf("tier %s: edge %q disagrees with Tier (%s at %v, %s just below)", tier, c.cell, Tier(e), e, Tier(below)))
				}
			}
		}
	}
	for _, tier := range []string{finhealth.TierHealthy, finhealth.TierCoping, finhealth.TierVulnerable} {
		if !seen[tier] {
			errs = append(errs, "tier "+tier+" is not documented")
		}
	}
	return errs
}

func checkConfidence(ts []docTable) []string {
	const day = 24
	want := map[string][2]float64{
		"uncategorized": {uncategorizedMedium, uncategorizedLow},
		"sync_age":      {staleLedger.Hours() / day, syncAgeLow.Hours() / day},
		"review":        {1, math.NaN()},
		"no_payables":   {math.NaN(), math.NaN()},
	}
	var errs []string
	seen := map[string]bool{}
	for _, t := range tablesHeaded(ts, "issue") {
		for _, row := range t.rows {
			code := nameOf(row[0])
			w, ok := want[code]
			if !ok || len(row) < 3 {
				errs = append(errs, fmt.Sprintf("confidence issue %q is not in the code", row[0]))
				continue
			}
			seen[code] = true
			for i, cell := range row[1:3] {
				v, has := numberIn(cell)
				if has != !math.IsNaN(w[i]) || (has && v != w[i]) {
					errs = append(errs, fmt.Sprintf("confidence %s: %q on the page, %v in the code", code, cell, w[i]))
				}
			}
		}
	}
	for code := range want {
		if !seen[code] {
			errs = append(errs, "confidence issue "+code+" is not documented")
		}
	}
	return errs
}

func readDoc(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestDocsMatchCode(t *testing.T) {
	for _, e := range checkDoc(readDoc(t)) {
		t.Error(e)
	}
}

// Each edit below makes the page disagree with the code in one figure, and the check
// must say so: a check that passes whatever the page says proves nothing.
func TestDocsCatchDrift(t *testing.T) {
	doc := readDoc(t)
	for _, tc := range []struct{ name, old, new string }{
		{"band points", "| `idle_cash` | 3 | | 85 |", "| `idle_cash` | 3 | | 80 |"},
		{"band edge", "| `thin` | 15 | 27 | 25 |", "| `thin` | 15 | 28 | 25 |"},
		{"band missing", "| `no_liabilities` | — | — | 100 | no liabilities |\n", ""},
		{"pillar weight", "| Liquidity (`liquidity`) | 30% |", "| Liquidity (`liquidity`) | 35% |"},
		{"metric share", "`quick_ratio` 15%", "`quick_ratio` 20%"},
		{"half share", "| `books` | 60% |", "| `books` | 65% |"},
		{"tier edge", "| `coping` | 40 | 80 |", "| `coping` | 40 | 79.9 |"},
		{"urgent threshold", "| `urgent_under` | 40 |", "| `urgent_under` | 30 |"},
		{"confidence threshold", "| `uncategorized` | 2% of", "| `uncategorized` | 3% of"},
		{"sync age", "more than 30 days", "more than 31 days"},
		{"metric undocumented", "#### Interest cover (`interest_cover`)", "#### Interest cover"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if strings.Count(doc, tc.old) != 1 {
				t.Fatalf("the page no longer has %q exactly once", tc.old)
			}
			if errs := checkDoc(strings.Replace(doc, tc.old, tc.new, 1)); len(errs) == 0 {
				t.Errorf("changing %q to %q went unnoticed", tc.old, tc.new)
			}
		})
	}
}

// The confidence issues the page documents are the ones BooksConfidence raises: books
// with every doubt at once (an uncategorized expense of 900.00 against 100.00 on a
// flagged loan is 90% of the balances; a sync 31 days old; no payables).
func TestDocsConfidenceIssues(t *testing.T) {
	accounts := []finhealth.LedgerAccount{
		account("unc", "Uncategorized expense", finhealth.AccountExpense, finhealth.SubtypeUncategorizedExpense, finhealth.NormalDebit, usd(90_000)),
		account("loc", "Line of credit", finhealth.AccountLiability, finhealth.SubtypeLoans, finhealth.NormalCredit, usd(10_000)),
	}
	snap := finhealth.LedgerSnapshot{AsOf: bakeryAsOf, Currency: "USD", CurrencyExponent: 2, Accounts: accounts}
	conf := BooksConfidence(&snap, DefaultAccountMapping(accounts, nil), bakeryAsOf.AddDate(0, 0, 31))
	got := map[string]string{}
	for _, is := range conf.Issues {
		got[is.Code] = is.Level
	}
	want := map[string]string{"uncategorized": "low", "review": "medium", "sync_age": "low", "no_payables": "medium"}
	if fmt.Sprint(got) != fmt.Sprint(want) || conf.Level != finhealth.ConfidenceLow {
		t.Errorf("issues %v at %s, want %v at low", got, conf.Level, want)
	}
}

// bakeryV2Answers are the Maple & Rye owner's questionnaire v2 answers of the page's
// worked example (§8), points in the comments.
var bakeryV2Answers = map[string]string{
	"cash_buffer_days": "days_45_90", "short_term_coverage": "covered_1_5x", "cash_shortfalls": "once", // 85, 90, 65
	"tax_set_aside": "when_due", "bills_on_time": "mostly_on_time", // 25, 70: liquidity 335 / 5 = 67
	"overdue_share": "from_15_to_30", "days_to_get_paid": "under_30_days", // 30, 100: receivables 65
	"net_margin": "margin_5_10", "revenue_trend": "fell_2_10", "owner_pay": "reduced", "pricing_review": "last_12_months", // 70, 30, 55, 75: 57.5
	"debt_service_share": "under_10", "missed_payments": "never", "credit_access": "bank_would_lend", // 90, 100, 85: 91.667
	"budget_forecast": "quarterly", "books_review": "monthly", "separate_finances": "mostly", "insurance": "minimum", // 70, 100, 65, 35: 67.5
}

// TestDocsWorkedExample asserts the figures of docs/scoring.md §8, worked out there by
// hand:
//
//	liquidity      books (100x25 + 100x15 + 85x25 + 65x25 + 100x10) / 100 = 87.5; 52.5 + 0.4 x 67 = 79.3
//	receivables    books (30x60 + 100x40) / 100 = 58; 34.8 + 26 = 60.8
//	profitability  books (70x35 + 100x15 + 30x30 + 85x20) / 100 = 65.5; 39.3 + 23 = 62.3
//	debt           books 15 (interest cover has no data); 9 + 36.667 = 45.667 -> 45.7
//	planning       67.5
//	score          23.79 + 9.12 + 15.575 + 9.133 + 6.75 = 64.368 -> 64.4, coping
//	previous       the v1 hand answers on the same books: 61.898 -> 61.9; change +2.5, one part
func TestDocsWorkedExample(t *testing.T) {
	ms := ComputeMetrics(bakerySnapshot(), bakeryHistory(), bakeryMapping(t), bakeryAsOf)
	q := Current()
	a, err := Score(q, answersFor(t, q, bakeryV2Answers))
	if err != nil {
		t.Fatal(err)
	}
	a.ID = "assess-2"
	snap := bakerySnapshot()
	hs := HealthOf(ms, a, &snap, bakeryMapping(t), bakeryAsOf)
	if hs.Score == nil || *hs.Score != 64.4 || hs.Tier != finhealth.TierCoping || a.Score != 69.7 {
		t.Fatalf("score %v %s (questionnaire %v), want 64.4 coping (69.7)", deref(hs.Score), hs.Tier, a.Score)
	}
	want := map[string][3]float64{ // pillar, books, answers; -1: no books half
		"liquidity": {79.3, 87.5, 67}, "receivables": {60.8, 58, 65}, "profitability_growth": {62.3, 65.5, 57.5},
		"debt_solvency": {45.7, 15, 91.7}, "planning_controls": {67.5, -1, 67.5},
	}
	for _, p := range hs.Pillars {
		w := want[p.ID]
		var books any = -1.0
		if p.Books != nil {
			books = deref(p.Books.Score)
		}
		if deref(p.Score) != w[0] || books != w[1] || deref(p.Answers.Score) != w[2] {
			t.Errorf("%s: %v, books %v, answers %v; want %v", p.ID, deref(p.Score), books, deref(p.Answers.Score), w)
		}
	}
	var recs []string
	for _, r := range hs.Recommendations {
		recs = append(recs, r.Category+": "+r.Title)
	}
	if got := strings.Join(recs, "; "); got != "overdue_share: Collect overdue invoices; revenue_growth_365d: Invoiced sales are falling; "+
		"debt_to_equity: Reduce leverage" {
		t.Errorf("recommendations %s", got)
	}
	if c := hs.Confidence; c == nil || c.Level != finhealth.ConfidenceMedium || len(c.Issues) != 1 || c.Issues[0].Code != "review" ||
		c.Issues[0].Text != "2 accounts are flagged for review." {
		t.Errorf("confidence %+v", hs.Confidence)
	}

	prev := CombinedHealth(ms, v1Assessment(t, handAnswers), bakeryAsOf)
	Attribute(&hs, &prev)
	if ch := hs.Change; deref(prev.Score) != 61.9 || ch == nil || ch.Delta != 2.5 || len(ch.Parts) != 1 ||
		ch.Parts[0].Kind != finhealth.ChangeQuestionnaire || ch.Parts[0].Delta != 2.5 {
		t.Errorf("previous %v, change %+v", deref(prev.Score), hs.Change)
	}

	// Without the April snapshot: liquidity books on the two ratios, (100x25 + 100x15)
	// / 40 = 100; profitability books on growth, (30x30 + 85x20) / 50 = 52.
	hs = CombinedHealth(ComputeMetrics(bakerySnapshot(), nil, bakeryMapping(t), bakeryAsOf), a, bakeryAsOf)
	for _, p := range hs.Pillars {
		if w := map[string]float64{"liquidity": 100, "profitability_growth": 52}[p.ID]; w != 0 && deref(p.Books.Score) != w {
			t.Errorf("%s books without history: %v, want %v", p.ID, deref(p.Books.Score), w)
		}
	}
}
