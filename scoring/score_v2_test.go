package scoring

import (
	"maps"
	"reflect"
	"testing"

	"finhealth"
)

func TestScoreMixedV2(t *testing.T) {
	q := Current()
	a, err := Score(q, answersFor(t, q, mixedAnswersV2))
	if err != nil {
		t.Fatal(err)
	}
	// liquidity            (25 + 45 + 65 + 80 + 100) / 5 = 315 / 5 = 63.0
	// profitability_growth (70 + 85 + 55 + 75) / 4       = 285 / 4 = 71.25 -> 71.3 (half up)
	// debt_solvency        (90 + 100 + 85) / 3           = 275 / 3 = 91.67 -> 91.7
	// receivables          (70 + 80) / 2                 = 150 / 2 = 75.0
	// planning_controls    (30 + 65 + 65 + 35) / 4       = 195 / 4 = 48.75 -> 48.8 (half up)
	// overall (63.0 + 71.3 + 91.7 + 75.0 + 48.8) / 5 = 349.8 / 5 = 69.96 -> 70.0 coping
	wantCats := []finhealth.CategoryScore{
		{Category: "liquidity", Label: "Liquidity", Score: 63},
		{Category: "profitability_growth", Label: "Profitability and growth", Score: 71.3},
		{Category: "debt_solvency", Label: "Debt and solvency", Score: 91.7},
		{Category: "receivables", Label: "Receivables", Score: 75},
		{Category: "planning_controls", Label: "Planning and controls", Score: 48.8},
	}
	if !reflect.DeepEqual(a.Categories, wantCats) {
		t.Errorf("categories = %+v\nwant %+v", a.Categories, wantCats)
	}
	if a.Score != 70 || a.Tier != finhealth.TierCoping {
		t.Errorf("score %v %s, want 70.0 coping", a.Score, a.Tier)
	}
	if a.QuestionnaireID != "sbfhc" || a.QuestionnaireVersion != 2 || a.AlgorithmVersion != "sbfhc-mean-v2" {
		t.Errorf("provenance = %s v%d %s", a.QuestionnaireID, a.QuestionnaireVersion, a.AlgorithmVersion)
	}
	// Weak: planning 48.8, liquidity 63.0, profitability 71.3 (receivables 75.0 is the
	// fourth and is left out).
	if got := recommendationSummary(a.Recommendations); !reflect.DeepEqual(got,
		[]string{"1 planning_controls", "2 liquidity", "3 profitability_growth"}) {
		t.Errorf("recommendations = %v", got)
	}
}

// A business with no sales yet, trading for under two years: the questions that
// cannot apply drop out of their pillar's mean, and a pillar with nothing that
// applies drops out of the overall mean instead of counting as zero.
func TestScoreNotApplicable(t *testing.T) {
	q := Current()
	values := maps.Clone(mixedAnswersV2)
	values["revenue_trend"] = "trading_under_2_years"
	values["overdue_share"] = "no_sales_yet"
	values["days_to_get_paid"] = "no_sales_yet"
	a, err := Score(q, answersFor(t, q, values))
	if err != nil {
		t.Fatal(err)
	}
	// liquidity            315 / 5                 = 63.0
	// profitability_growth (70 + 55 + 75) / 3       = 200 / 3 = 66.67 -> 66.7 (revenue_trend left out)
	// debt_solvency        275 / 3                 = 91.7
	// receivables          nothing applies: no score, not in the mean
	// planning_controls    195 / 4                 = 48.8
	// overall (63.0 + 66.7 + 91.7 + 48.8) / 4 = 270.2 / 4 = 67.55 -> 67.6 coping (half up)
	wantCats := []finhealth.CategoryScore{
		{Category: "liquidity", Label: "Liquidity", Score: 63},
		{Category: "profitability_growth", Label: "Profitability and growth", Score: 66.7},
		{Category: "debt_solvency", Label: "Debt and solvency", Score: 91.7},
		{Category: "receivables", Label: "Receivables", NotApplicable: true},
		{Category: "planning_controls", Label: "Planning and controls", Score: 48.8},
	}
	if !reflect.DeepEqual(a.Categories, wantCats) {
		t.Errorf("categories = %+v\nwant %+v", a.Categories, wantCats)
	}
	if a.Score != 67.6 || a.Tier != finhealth.TierCoping {
		t.Errorf("score %v %s, want 67.6 coping", a.Score, a.Tier)
	}
	na := map[string]bool{}
	for _, ans := range a.Answers {
		if ans.NotApplicable {
			na[ans.QuestionID] = true
			if ans.Points != 0 {
				t.Errorf("%s: not applicable with %d points", ans.QuestionID, ans.Points)
			}
		}
	}
	if want := map[string]bool{"revenue_trend": true, "overdue_share": true, "days_to_get_paid": true}; !maps.Equal(na, want) {
		t.Errorf("not-applicable answers = %v, want %v", na, want)
	}
	// Profitability's advice comes from owner_pay (55), its one low answer that
	// applies: revenue_trend's 0 is not a low answer but no answer.
	want := []finhealth.Recommendation{
		{Category: "planning_controls", Priority: 1, Title: currentAdvice(t, "budget_forecast").Title,
			Detail: currentAdvice(t, "budget_forecast").Detail + " " + currentAdvice(t, "insurance").Detail},
		{Category: "liquidity", Priority: 2, Title: currentAdvice(t, "cash_buffer_days").Title,
			Detail: currentAdvice(t, "cash_buffer_days").Detail + " " + currentAdvice(t, "short_term_coverage").Detail},
		{Category: "profitability_growth", Priority: 3, Title: currentAdvice(t, "owner_pay").Title,
			Detail: currentAdvice(t, "owner_pay").Detail},
	}
	if !reflect.DeepEqual(a.Recommendations, want) {
		t.Errorf("recommendations = %+v\nwant %+v", a.Recommendations, want)
	}
}

// With every pillar that applies at 100, the maintenance advice watches a scored
// pillar, never the one without a score.
func TestScoreNotApplicableMaintenance(t *testing.T) {
	q := Current()
	answers := extremeAnswers(q, true)
	for i := range answers {
		switch answers[i].QuestionID {
		case "overdue_share", "days_to_get_paid":
			answers[i].Value = "no_sales_yet"
		}
	}
	a, err := Score(q, answers)
	if err != nil {
		t.Fatal(err)
	}
	// (100 + 100 + 100 + 100) / 4 = 100; receivables has no score.
	if a.Score != 100 || !a.Categories[3].NotApplicable {
		t.Fatalf("score %v, categories %+v", a.Score, a.Categories)
	}
	if len(a.Recommendations) != 1 || a.Recommendations[0].Category != "liquidity" {
		t.Errorf("recommendations = %+v, want maintenance on liquidity", a.Recommendations)
	}
}

// "I don't know" scores what the worst real answer does, never more.
func TestScoreUnknownIsNoBetterThanWorst(t *testing.T) {
	q := Current()
	points := func(question, value string) int {
		values := maps.Clone(mixedAnswersV2)
		values[question] = value
		a, err := Score(q, answersFor(t, q, values))
		if err != nil {
			t.Fatal(err)
		}
		for _, ans := range a.Answers {
			if ans.QuestionID == question {
				return ans.Points
			}
		}
		t.Fatalf("%s not answered", question)
		return 0
	}
	if u, worst := points("net_margin", "unknown"), points("net_margin", "loss"); u != 0 || worst != 0 {
		t.Errorf("net margin: unknown %d, a loss %d; want 0 and 0", u, worst)
	}
	if u, worst := points("short_term_coverage", "unknown"), points("short_term_coverage", "not_covered"); u != 0 || worst != 0 {
		t.Errorf("coverage: unknown %d, not covered %d; want 0 and 0", u, worst)
	}
}
