package scoring

import (
	"encoding/json"
	"go/parser"
	"go/token"
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

// The shape the product asks for: 18 questions in five pillars of 3-4 questions, 4-5
// uneven options each running from a best answer worth 100 to a worst worth 0.
func TestCurrentQuestionnaireShape(t *testing.T) {
	q := Current()
	if q.ID != "sbfhc" || q.Version != 1 || q.Title != "Small Business Financial Health Check" {
		t.Errorf("current = %s v%d %q", q.ID, q.Version, q.Title)
	}
	var cats []string
	for _, c := range q.Categories {
		cats = append(cats, c.ID+"="+c.Label)
	}
	want := []string{"liquidity=Liquidity", "profitability=Profitability",
		"receivables_payables=Receivables & payables", "debt=Debt", "planning_controls=Planning & controls"}
	if !slices.Equal(cats, want) {
		t.Errorf("categories = %q, want %q", cats, want)
	}
	if len(q.Questions) != 18 {
		t.Errorf("%d questions, want 18", len(q.Questions))
	}
	perCat := map[string]int{}
	for _, qu := range q.Questions {
		perCat[qu.Category]++
		if n := len(qu.Options); n < 4 || n > 5 {
			t.Errorf("%s has %d options, want 4-5", qu.ID, n)
		}
		lo, hi := 100, 0
		points := map[int]bool{}
		for _, o := range qu.Options {
			lo, hi = min(lo, o.Points), max(hi, o.Points)
			points[o.Points] = true
		}
		if lo != 0 || hi != 100 || len(points) < 4 {
			t.Errorf("%s: points run %d-%d with %d distinct values; want 0-100 and at least 4", qu.ID, lo, hi, len(points))
		}
		if adviceOf(t, qu.ID).Detail == "" {
			t.Errorf("%s has no advice", qu.ID)
		}
	}
	for id, n := range perCat {
		if n < 3 || n > 4 {
			t.Errorf("%s has %d questions, want 3-4", id, n)
		}
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
				if len(o) != 2 || o["value"] == nil || o["label"] == nil {
					t.Errorf("%s: option %v, want exactly value and label", qu.ID, o)
				}
			}
		}
	}
}

func TestLoadRejectsBadData(t *testing.T) {
	good, err := os.ReadFile("questionnaires/sbfhc-v1.json")
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
		_, err := loadAll(fstest.MapFS{"questionnaires/sbfhc-v2.json": {Data: good}})
		if err == nil || !strings.Contains(err.Error(), "must be named sbfhc-v1.json") {
			t.Errorf("loadAll error %v", err)
		}
	})
	t.Run("versions sorted and newest is current", func(t *testing.T) {
		v2 := strings.Replace(string(good), `"version": 1`, `"version": 2`, 1)
		all, err := loadAll(fstest.MapFS{
			"questionnaires/sbfhc-v2.json": {Data: []byte(v2)},
			"questionnaires/sbfhc-v1.json": {Data: good},
		})
		if err != nil || len(all) != 2 || all[0].q.Version != 1 || all[1].q.Version != 2 {
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
