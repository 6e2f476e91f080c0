package scoring

import (
	"encoding/json"
	"go/parser"
	"go/token"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
)

func TestEmbeddedQuestionnairesValidate(t *testing.T) {
	all, err := loadAll(embedded)
	if err != nil {
		t.Fatalf("embedded questionnaires do not validate:\n%v", err)
	}
	if len(all) == 0 {
		t.Fatal("no embedded questionnaires")
	}
	if got := Questionnaires(); len(got) != len(all) || !slices.Contains(got, Current()) {
		t.Errorf("Questionnaires() = %d versions, must include Current()", len(got))
	}
	for _, q := range Questionnaires() {
		got, ok := Lookup(q.ID, q.Version)
		if !ok || got != q {
			t.Errorf("Lookup(%s, %d) = %v, %v", q.ID, q.Version, got, ok)
		}
	}
	if _, ok := Lookup("sbfhc", 0); ok {
		t.Error("Lookup of a version that does not exist succeeded")
	}
}

// The shape the product asks for: 18 questions in the five pillars of the combined
// score (whose ids it relies on), each with real answers running from a best worth
// 100 to a worst worth 0 and uneven in between.
func TestCurrentQuestionnaireShape(t *testing.T) {
	q := Current()
	if q.ID != "sbfhc" || q.Version != 2 || q.Title != "Small Business Financial Health Check" {
		t.Errorf("current = %s v%d %q", q.ID, q.Version, q.Title)
	}
	if got := algorithmFor(q); got != "sbfhc-mean-v2" || AlgorithmVersion != "sbfhc-mean-v2" {
		t.Errorf("current is scored with %q, want sbfhc-mean-v2", got)
	}
	var cats []string
	for _, c := range q.Categories {
		cats = append(cats, c.ID+"="+c.Label)
	}
	want := []string{"liquidity=Liquidity", "profitability_growth=Profitability and growth",
		"debt_solvency=Debt and solvency", "receivables=Receivables", "planning_controls=Planning and controls"}
	if !slices.Equal(cats, want) {
		t.Errorf("categories = %q, want %q", cats, want)
	}
	if len(q.Questions) != 18 {
		t.Errorf("%d questions, want 18", len(q.Questions))
	}
	perCat := map[string][]string{}
	for _, qu := range q.Questions {
		perCat[qu.Category] = append(perCat[qu.Category], qu.ID)
		lo, hi := 100, 0
		points := map[int]bool{}
		for _, o := range qu.Options {
			if o.Unknown || o.NotApplicable {
				continue
			}
			lo, hi = min(lo, o.Points), max(hi, o.Points)
			points[o.Points] = true
		}
		if lo != 0 || hi != 100 || len(points) < 4 {
			t.Errorf("%s: points run %d-%d with %d distinct values; want 0-100 and at least 4", qu.ID, lo, hi, len(points))
		}
		if currentAdvice(t, qu.ID).Detail == "" {
			t.Errorf("%s has no advice", qu.ID)
		}
	}
	// Payables are liquidity; how customers pay is receivables; tax arrears are asked
	// in the tax question only.
	wantIn := map[string][]string{
		"liquidity":            {"cash_buffer_days", "short_term_coverage", "cash_shortfalls", "tax_set_aside", "bills_on_time"},
		"profitability_growth": {"net_margin", "revenue_trend", "owner_pay", "pricing_review"},
		"debt_solvency":        {"debt_service_share", "missed_payments", "credit_access"},
		"receivables":          {"overdue_share", "days_to_get_paid"},
		"planning_controls":    {"budget_forecast", "books_review", "separate_finances", "insurance"},
	}
	for id, qs := range wantIn {
		if !slices.Equal(perCat[id], qs) {
			t.Errorf("%s asks %q, want %q", id, perCat[id], qs)
		}
	}
	for _, qu := range q.Questions {
		if qu.ID != "tax_set_aside" && strings.Contains(strings.ToLower(qu.Text), "tax instalment") {
			t.Errorf("%s asks about tax arrears again: %q", qu.ID, qu.Text)
		}
	}
	// "I don't know" and "not applicable" are where the issue puts them.
	flagged := map[string][]string{}
	for _, qu := range q.Questions {
		for _, o := range qu.Options {
			if o.Unknown {
				flagged["unknown"] = append(flagged["unknown"], qu.ID)
			}
			if o.NotApplicable {
				flagged["not_applicable"] = append(flagged["not_applicable"], qu.ID)
			}
		}
	}
	if want := []string{"short_term_coverage", "net_margin"}; !slices.Equal(flagged["unknown"], want) {
		t.Errorf("unknown options on %q, want %q", flagged["unknown"], want)
	}
	if want := []string{"revenue_trend", "overdue_share", "days_to_get_paid"}; !slices.Equal(flagged["not_applicable"], want) {
		t.Errorf("not-applicable options on %q, want %q", flagged["not_applicable"], want)
	}
}

// Where a question asks for a fact the books measure, each of its ranged options is
// one of the metric's bands, read from the metric's own definition: same edges, and
// every number in the range scores in the books what the answer scores.
func TestQuestionBandsAgreeWithBookMetrics(t *testing.T) {
	paired := map[string]string{}
	for _, dq := range current.doc.Questions {
		if dq.BookMetric == "" {
			continue
		}
		paired[dq.ID] = dq.BookMetric
		bands := defByName[dq.BookMetric].bands
		ranged := 0
		for _, o := range dq.Options {
			if o.Range == nil {
				continue
			}
			ranged++
			lo, hi := o.Range.bounds()
			// Probe the range's ends and a point inside it; an open end is probed far out.
			probes := []float64{max(lo, -1e6), (max(lo, -1e6) + min(hi, 1e6)) / 2, math.Nextafter(min(hi, 1e6), -inf)}
			for _, v := range probes {
				if b := bandOf(bands, v); b.points != o.Points || b.min != lo || b.max != hi {
					t.Errorf("%s %q: at %g the %s band is %q [%g, %g) worth %d; the option is [%g, %g) worth %d",
						dq.ID, o.Label, v, dq.BookMetric, b.label, b.min, b.max, b.points, lo, hi, o.Points)
				}
			}
		}
		nonSpecial := 0
		for _, b := range bands {
			if !b.special {
				nonSpecial++
			}
		}
		if ranged != nonSpecial {
			t.Errorf("%s: %d ranged options for %d %s bands", dq.ID, ranged, nonSpecial, dq.BookMetric)
		}
	}
	want := map[string]string{
		"cash_buffer_days": MetricCashBufferDays, "days_to_get_paid": MetricDSO, "overdue_share": MetricOverdueShare,
		"net_margin": MetricNetMargin, "revenue_trend": MetricRevenueGrowth1y,
	}
	if !maps.Equal(paired, want) {
		t.Errorf("paired questions = %v, want %v", paired, want)
	}
}

// Points steer answers if published, so the questionnaire's JSON (what GET
// /api/v1/questionnaire returns) must never carry them.
func TestQuestionnaireJSONHasNoPoints(t *testing.T) {
	for _, q := range Questionnaires() {
		data, err := json.Marshal(q)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			t.Fatal(err)
		}
		var walk func(path string, v any)
		walk = func(path string, v any) {
			switch v := v.(type) {
			case map[string]any:
				for k, e := range v {
					if strings.Contains(strings.ToLower(k), "point") {
						t.Errorf("%s v%d: %s.%s is published", q.ID, q.Version, path, k)
					}
					walk(path+"."+k, e)
				}
			case []any:
				for i, e := range v {
					walk(path+"["+strconv.Itoa(i)+"]", e)
				}
			}
		}
		walk("$", v)

		// The API contract's shape.
		var shape struct {
			ID        string `json:"id"`
			Version   int    `json:"version"`
			Questions []struct {
				ID, Category, Text string
				Options            []map[string]any
			} `json:"questions"`
		}
		if err := json.Unmarshal(data, &shape); err != nil {
			t.Fatal(err)
		}
		if shape.ID == "" || shape.Version == 0 || len(shape.Questions) == 0 {
			t.Fatalf("contract fields missing: %s", data)
		}
		for _, qu := range shape.Questions {
			for _, o := range qu.Options {
				if o["value"] == nil || o["label"] == nil {
					t.Errorf("%s: option %v, want a value and a label", qu.ID, o)
				}
				for k, v := range o {
					if (k == "unknown" || k == "not_applicable") && v != true {
						t.Errorf("%s: option %v: %s is published only when true", qu.ID, o, k)
					} else if k != "value" && k != "label" && k != "unknown" && k != "not_applicable" {
						t.Errorf("%s: option %v publishes %s", qu.ID, o, k)
					}
				}
			}
		}
	}
}

func TestLoadRejectsBadData(t *testing.T) {
	good, err := os.ReadFile("questionnaires/sbfhc-v2.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		change func(d *document)
		want   string
	}{
		{"duplicate question", func(d *document) { d.Questions[1].ID = d.Questions[0].ID }, `question "cash_buffer_days" is defined twice`},
		{"duplicate category", func(d *document) { d.Categories[1].ID = "liquidity" }, `category "liquidity" is defined twice`},
		{"unknown category", func(d *document) { d.Questions[0].Category = "cash" }, `unknown category "cash"`},
		{"points over 100", func(d *document) { d.Questions[0].Options[0].Points = 101 }, "101 points, outside 0-100"},
		{"negative points", func(d *document) { d.Questions[0].Options[0].Points = -1 }, "-1 points, outside 0-100"},
		{"one option", func(d *document) { d.Questions[0].Options = d.Questions[0].Options[:1] }, "1 options, need at least 2"},
		{"duplicate option", func(d *document) { d.Questions[0].Options[1].Value = d.Questions[0].Options[0].Value }, `option "days_90_plus" is defined twice`},
		{"option not a slug", func(d *document) { d.Questions[0].Options[0].Value = "90+ days" }, `option value "90+ days" is not a slug`},
		{"question id not a slug", func(d *document) { d.Questions[0].ID = "Cash" }, `question id "Cash" is not a slug`},
		{"empty pillar", func(d *document) {
			d.Categories = append(d.Categories, category{ID: "growth", Label: "Growth", Recommendation: advice{"t", "d"}})
		}, `category "growth" has no questions`},
		{"no version", func(d *document) { d.Version = 0 }, "versions start at 1"},
		{"question without advice", func(d *document) { d.Questions[2].Recommendation = advice{} }, `question "cash_shortfalls": recommendation needs`},
		{"pillar without advice", func(d *document) { d.Categories[4].Recommendation.Detail = " " }, `category "planning_controls": recommendation needs`},
		{"no maintenance advice", func(d *document) { d.Maintenance = advice{} }, "maintenance: recommendation needs"},
		// short_term_coverage's worst real answer is worth 0.
		{"unknown above the worst answer", func(d *document) { d.Questions[1].Options[4].Points = 10 },
			`unknown option "unknown" has 10 points, more than the worst real answer's 0`},
		{"not applicable with points", func(d *document) { d.Questions[6].Options[5].Points = 50 },
			`not-applicable option "trading_under_2_years" has 50 points`},
		{"unknown and not applicable", func(d *document) { d.Questions[6].Options[5].Unknown = true },
			`"trading_under_2_years" cannot be both unknown and not applicable`},
		{"only one real answer", func(d *document) {
			d.Questions[2].Options = []option{d.Questions[2].Options[0], {Value: "na", Label: "n/a", NotApplicable: true}}
		}, `question "cash_shortfalls": 1 real answers`},
		{"everything can be not applicable", func(d *document) {
			for i := range d.Questions {
				d.Questions[i].Options = append(d.Questions[i].Options, option{Value: "na", Label: "n/a", NotApplicable: true})
			}
		}, "every question can be not applicable"},
		{"overlapping ranges", func(d *document) { d.Questions[5].Options[1].Range.Below = ptr(10.5) },
			`options "margin_10_plus" and "margin_5_10" overlap`},
		{"empty range", func(d *document) { d.Questions[5].Options[1].Range.From = ptr(10.0) }, `"margin_5_10": range [10, 10) is empty`},
		{"band points disagree", func(d *document) { d.Questions[0].Options[2].Points = 65 },
			`option "days_27_44" has 65 points, the cash_buffer_days band "27 to 45 days: around the median" has 60`},
		{"band edge disagrees", func(d *document) {
			d.Questions[0].Options[2].Range.Below = ptr(46.0)
			d.Questions[0].Options[1].Range.From = ptr(46.0)
		}, `no option covers the cash_buffer_days band "27 to 45 days: around the median"`},
		{"unknown book metric", func(d *document) { d.Questions[0].BookMetric = "cash_days" }, `book metric "cash_days" is not a scored metric`},
	} {
		t.Run(c.name, func(t *testing.T) {
			var d document
			if err := json.Unmarshal(good, &d); err != nil {
				t.Fatal(err)
			}
			c.change(&d)
			data, err := json.Marshal(d)
			if err != nil {
				t.Fatal(err)
			}
			_, err = load(data)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("load error %v, want one containing %q", err, c.want)
			}
		})
	}

	t.Run("unknown field", func(t *testing.T) {
		data := strings.Replace(string(good), `"points": 100`, `"pionts": 100`, 1)
		if _, err := load([]byte(data)); err == nil || !strings.Contains(err.Error(), "pionts") {
			t.Errorf("load error %v, want the misspelt field named", err)
		}
	})
	t.Run("file name disagrees with content", func(t *testing.T) {
		_, err := loadAll(fstest.MapFS{"questionnaires/sbfhc-v3.json": {Data: good}})
		if err == nil || !strings.Contains(err.Error(), "must be named sbfhc-v2.json") {
			t.Errorf("loadAll error %v", err)
		}
	})
	t.Run("versions sorted and newest is current", func(t *testing.T) {
		v10 := strings.Replace(string(good), `"version": 2`, `"version": 10`, 1)
		all, err := loadAll(fstest.MapFS{
			"questionnaires/sbfhc-v10.json": {Data: []byte(v10)},
			"questionnaires/sbfhc-v2.json":  {Data: good},
		})
		if err != nil || len(all) != 2 || all[0].q.Version != 2 || all[1].q.Version != 10 {
			t.Errorf("loadAll = %v, %v", all, err)
		}
	})
}

func TestIsSlug(t *testing.T) {
	for s, want := range map[string]bool{
		"days_90_plus": true, "a": true, "x1": true, "90": true,
		"": false, "_a": false, "a_": false, "a__b": false, "A": false, "a-b": false, "a b": false, "é": false,
		strings.Repeat("a", 65): false,
	} {
		if got := isSlug(s); got != want {
			t.Errorf("isSlug(%q) = %v", s, got)
		}
	}
}

// DESIGN.md: scoring imports only the standard library and the root package, so that
// every adapter can use it without pulling in another adapter.
func TestImportsOnlyStandardLibraryAndRoot(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			first, _, _ := strings.Cut(p, "/")
			if strings.Contains(first, ".") || strings.HasPrefix(p, "finhealth/") {
				t.Errorf("%s imports %s", name, p)
			}
		}
	}
}
