package scoring

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"finhealth"
)

func TestScoreAllBest(t *testing.T) {
	q := v1(t)
	a, err := Score(q, extremeAnswers(q, true))
	if err != nil {
		t.Fatal(err)
	}
	if a.Score != 100 || a.Tier != finhealth.TierHealthy {
		t.Errorf("score %v %s, want 100 healthy", a.Score, a.Tier)
	}
	for _, c := range a.Categories {
		if c.Score != 100 {
			t.Errorf("%s = %v, want 100", c.Category, c.Score)
		}
	}
	// Every pillar ties at 100, so the first pillar is the one to watch.
	want := []finhealth.Recommendation{{
		Category: "liquidity",
		Priority: 1,
		Title:    "Keep up the habits that got you here",
		Detail:   strings.ReplaceAll(scorers[0].doc.Maintenance.Detail, "{category}", "Liquidity"),
	}}
	if !reflect.DeepEqual(a.Recommendations, want) {
		t.Errorf("recommendations = %+v, want %+v", a.Recommendations, want)
	}
	if !strings.Contains(a.Recommendations[0].Detail, "Watch Liquidity most closely") {
		t.Errorf("maintenance detail does not name the pillar: %q", a.Recommendations[0].Detail)
	}
}

func TestScoreAllWorst(t *testing.T) {
	q := v1(t)
	a, err := Score(q, extremeAnswers(q, false))
	if err != nil {
		t.Fatal(err)
	}
	if a.Score != 0 || a.Tier != finhealth.TierVulnerable {
		t.Errorf("score %v %s, want 0 vulnerable", a.Score, a.Tier)
	}
	for _, c := range a.Categories {
		if c.Score != 0 {
			t.Errorf("%s = %v, want 0", c.Category, c.Score)
		}
	}
	// All five pillars tie at 0: the first three in questionnaire order are chosen,
	// and within liquidity all answers tie at 0, so its first two questions speak.
	got := recommendationSummary(a.Recommendations)
	want := []string{"1 liquidity", "2 profitability", "3 receivables_payables"}
	if !slices.Equal(got, want) {
		t.Errorf("recommendations = %v, want %v", got, want)
	}
	r := a.Recommendations[0]
	if r.Title != "Build a cash buffer of at least 27 days" {
		t.Errorf("title = %q", r.Title)
	}
	if want := adviceOf(t, "cash_buffer_days").Detail + " " + adviceOf(t, "short_term_coverage").Detail; r.Detail != want {
		t.Errorf("detail = %q, want %q", r.Detail, want)
	}
}

func TestScoreMixed(t *testing.T) {
	q := v1(t)
	a, err := Score(q, answersFor(t, q, mixedAnswers))
	if err != nil {
		t.Fatal(err)
	}
	// liquidity            (25 + 45 + 65 + 80) / 4 = 215 / 4 = 53.75  -> 53.8 (half up)
	// profitability        (70 + 85 + 55 + 75) / 4 = 285 / 4 = 71.25  -> 71.3 (half up)
	// receivables_payables (70 + 70 + 100) / 3     = 240 / 3 = 80      -> 80.0
	// debt                 (90 + 100 + 85) / 3     = 275 / 3 = 91.666. -> 91.7
	// planning_controls    (30 + 65 + 65 + 35) / 4 = 195 / 4 = 48.75  -> 48.8 (half up)
	// overall (53.8 + 71.3 + 80.0 + 91.7 + 48.8) / 5 = 345.6 / 5 = 69.12 -> 69.1 coping
	wantCats := []finhealth.CategoryScore{
		{Category: "liquidity", Label: "Liquidity", Score: 53.8},
		{Category: "profitability", Label: "Profitability", Score: 71.3},
		{Category: "receivables_payables", Label: "Receivables & payables", Score: 80},
		{Category: "debt", Label: "Debt", Score: 91.7},
		{Category: "planning_controls", Label: "Planning & controls", Score: 48.8},
	}
	if !reflect.DeepEqual(a.Categories, wantCats) {
		t.Errorf("categories = %+v\nwant %+v", a.Categories, wantCats)
	}
	if a.Score != 69.1 || a.Tier != finhealth.TierCoping {
		t.Errorf("score %v %s, want 69.1 coping", a.Score, a.Tier)
	}
	if a.QuestionnaireID != "sbfhc" || a.QuestionnaireVersion != 1 || a.AlgorithmVersion != "sbfhc-mean-v1" {
		t.Errorf("provenance = %s v%d %s", a.QuestionnaireID, a.QuestionnaireVersion, a.AlgorithmVersion)
	}
	if a.ID != "" || a.OrganizationID != "" || a.UserID != "" || !a.CreatedAt.IsZero() {
		t.Errorf("store fields set: %+v", a)
	}

	// Weak pillars: planning 48.8, liquidity 53.8, profitability 71.3; receivables at
	// exactly 80.0 is not weak. Each speaks through its lowest answers under 60:
	// planning budget_forecast 30 then insurance 35; liquidity cash_buffer_days 25
	// then short_term_coverage 45; profitability only owner_pay 55.
	want := []finhealth.Recommendation{
		{Category: "planning_controls", Priority: 1, Title: adviceOf(t, "budget_forecast").Title,
			Detail: adviceOf(t, "budget_forecast").Detail + " " + adviceOf(t, "insurance").Detail},
		{Category: "liquidity", Priority: 2, Title: "Build a cash buffer of at least 27 days",
			Detail: adviceOf(t, "cash_buffer_days").Detail + " " + adviceOf(t, "short_term_coverage").Detail},
		{Category: "profitability", Priority: 3, Title: adviceOf(t, "owner_pay").Title,
			Detail: adviceOf(t, "owner_pay").Detail},
	}
	if !reflect.DeepEqual(a.Recommendations, want) {
		t.Errorf("recommendations = %+v\nwant %+v", a.Recommendations, want)
	}
	if !strings.Contains(a.Recommendations[1].Detail, "at least 27 days of expenses") {
		t.Errorf("cash advice lost its target: %q", a.Recommendations[1].Detail)
	}
}

func TestScorePillarsRoundedBeforeMean(t *testing.T) {
	q := v1(t)
	a, err := Score(q, answersFor(t, q, map[string]string{
		"cash_buffer_days":    "days_under_15",  // 0
		"short_term_coverage": "not_covered",    // 0
		"cash_shortfalls":     "never",          // 100
		"tax_set_aside":       "when_due",       // 25
		"net_margin":          "loss",           // 0
		"revenue_trend":       "flat",           // 60
		"owner_pay":           "reduced",        // 55
		"pricing_review":      "last_12_months", // 75
		"overdue_share":       "over_30",        // 0
		"days_to_get_paid":    "days_46_60",     // 35
		"bills_on_time":       "mostly_on_time", // 70
		"debt_service_share":  "from_20_to_30",  // 20
		"missed_payments":     "in_arrears",     // 0
		"credit_access":       "costly_only",    // 30
		"budget_forecast":     "quarterly",      // 70
		"books_review":        "behind",         // 0
		"separate_finances":   "fully",          // 100
		"insurance":           "minimum",        // 35
	}))
	if err != nil {
		t.Fatal(err)
	}
	// liquidity 125/4 = 31.25 -> 31.3; profitability 190/4 = 47.5; receivables 105/3
	// = 35.0; debt 50/3 = 16.666. -> 16.7; planning 205/4 = 51.25 -> 51.3.
	// Mean of the rounded pillars: 181.8 / 5 = 36.36 -> 36.4. The mean of the
	// unrounded pillars would be 181.666. / 5 = 36.33 -> 36.3: the score must be the
	// mean of the numbers the user sees.
	got := make([]float64, len(a.Categories))
	for i, c := range a.Categories {
		got[i] = c.Score
	}
	if want := []float64{31.3, 47.5, 35, 16.7, 51.3}; !slices.Equal(got, want) {
		t.Errorf("pillars = %v, want %v", got, want)
	}
	if a.Score != 36.4 || a.Tier != finhealth.TierVulnerable {
		t.Errorf("score %v %s, want 36.4 vulnerable", a.Score, a.Tier)
	}
	// All five pillars are weak; only the three weakest are recommended, weakest first.
	if got, want := recommendationSummary(a.Recommendations), []string{"1 debt", "2 liquidity", "3 receivables_payables"}; !slices.Equal(got, want) {
		t.Errorf("recommendations = %v, want %v", got, want)
	}
	// debt: missed_payments 0 comes before debt_service_share 20; credit_access 30 is
	// the third low answer and is left out.
	r := a.Recommendations[0]
	if r.Title != adviceOf(t, "missed_payments").Title ||
		r.Detail != adviceOf(t, "missed_payments").Detail+" "+adviceOf(t, "debt_service_share").Detail {
		t.Errorf("debt recommendation = %+v", r)
	}
}

func TestRoundDiv(t *testing.T) {
	for _, c := range []struct{ num, den, want int }{
		{0, 4, 0},
		{2150, 4, 538}, // 537.5 rounds up
		{2140, 4, 535},
		{1700, 3, 567}, // 566.66
		{1000, 3, 333}, // 333.33
		{3456, 5, 691}, // 691.2
		{3457, 5, 691}, // 691.4
		{3458, 5, 692}, // 691.6
		{1000, 1, 1000},
	} {
		if got := roundDiv(c.num, c.den); got != c.want {
			t.Errorf("roundDiv(%d, %d) = %d, want %d", c.num, c.den, got, c.want)
		}
	}
}

func TestTier(t *testing.T) {
	for _, c := range []struct {
		score float64
		want  string
	}{
		{0, finhealth.TierVulnerable},
		{39.9, finhealth.TierVulnerable},
		{40, finhealth.TierCoping},
		{79.9, finhealth.TierCoping},
		{80, finhealth.TierHealthy},
		{100, finhealth.TierHealthy},
	} {
		if got := Tier(c.score); got != c.want {
			t.Errorf("Tier(%v) = %s, want %s", c.score, got, c.want)
		}
	}
}

func TestScoreAnswersInQuestionnaireOrder(t *testing.T) {
	q := v1(t)
	in := answersFor(t, q, mixedAnswers)
	slices.Reverse(in)
	for i := range in {
		in[i].Points = 999 // submitted points must be ignored
	}
	before := slices.Clone(in)
	a, err := Score(q, in)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, before) {
		t.Error("Score modified its input")
	}
	if len(a.Answers) != len(q.Questions) {
		t.Fatalf("%d answers, want %d", len(a.Answers), len(q.Questions))
	}
	for i, qu := range q.Questions {
		got := a.Answers[i]
		var want finhealth.Option
		for _, o := range qu.Options {
			if o.Value == mixedAnswers[qu.ID] {
				want = o
			}
		}
		if got.QuestionID != qu.ID || got.Value != want.Value || got.Points != want.Points {
			t.Errorf("answer %d = %+v, want %s=%s (%d)", i, got, qu.ID, want.Value, want.Points)
		}
	}
	if a.Score != 69.1 {
		t.Errorf("score %v, want 69.1 whatever the order", a.Score)
	}
}

func TestScoreErrors(t *testing.T) {
	q := v1(t)
	valid := func() []finhealth.Answer { return answersFor(t, q, mixedAnswers) }
	allRequired := make(map[string]string)
	for _, qu := range q.Questions {
		allRequired["answers."+qu.ID] = "required"
	}
	const cashOptions = "expected one of days_90_plus, days_45_90, days_27_44, days_15_26, days_under_15"

	for _, c := range []struct {
		name    string
		answers func() []finhealth.Answer
		want    map[string]string
	}{
		{
			name:    "unknown question",
			answers: func() []finhealth.Answer { return append(valid(), finhealth.Answer{QuestionID: "revenue", Value: "x"}) },
			want:    map[string]string{"answers[18].question_id": `unknown question "revenue"`},
		},
		{
			name: "duplicate",
			answers: func() []finhealth.Answer {
				return append(valid(), finhealth.Answer{QuestionID: "cash_buffer_days", Value: "days_90_plus"})
			},
			want: map[string]string{"answers[18].question_id": `duplicate answer to "cash_buffer_days"`},
		},
		{
			name: "bad option",
			answers: func() []finhealth.Answer {
				a := valid()
				a[0].Value = "lots"
				return a
			},
			want: map[string]string{"answers[0].value": `"lots" is not an option of "cash_buffer_days"; ` + cashOptions},
		},
		{
			name: "empty option",
			answers: func() []finhealth.Answer {
				a := valid()
				a[17].Value = ""
				return a
			},
			want: map[string]string{"answers[17].value": `"" is not an option of "insurance"; expected one of reviewed, not_reviewed, minimum, none`},
		},
		{
			name:    "missing",
			answers: func() []finhealth.Answer { return valid()[:17] },
			want:    map[string]string{"answers.insurance": "required"},
		},
		{
			name:    "empty list names every question",
			answers: func() []finhealth.Answer { return []finhealth.Answer{} },
			want:    allRequired,
		},
		{
			name:    "nil list names every question",
			answers: func() []finhealth.Answer { return nil },
			want:    allRequired,
		},
		{
			name: "duplicate with a bad option",
			answers: func() []finhealth.Answer {
				return append(valid(), finhealth.Answer{QuestionID: "cash_buffer_days", Value: "lots"})
			},
			want: map[string]string{
				"answers[18].question_id": `duplicate answer to "cash_buffer_days"`,
				"answers[18].value":       `"lots" is not an option of "cash_buffer_days"; ` + cashOptions,
			},
		},
		{
			name: "every problem at once",
			answers: func() []finhealth.Answer {
				a := valid()[:16] // drops separate_finances and insurance
				a[0].Value = "lots"
				a[3].QuestionID = "Tax_Set_Aside" // ids are case-sensitive; tax_set_aside goes missing
				return append(a,
					finhealth.Answer{QuestionID: "net_margin", Value: "loss"},
					finhealth.Answer{QuestionID: "", Value: ""},
				)
			},
			want: map[string]string{
				"answers[0].value":          `"lots" is not an option of "cash_buffer_days"; ` + cashOptions,
				"answers[3].question_id":    `unknown question "Tax_Set_Aside"`,
				"answers[16].question_id":   `duplicate answer to "net_margin"`,
				"answers[17].question_id":   `unknown question ""`,
				"answers.tax_set_aside":     "required",
				"answers.separate_finances": "required",
				"answers.insurance":         "required",
			},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, err := Score(q, c.answers())
			if a != nil {
				t.Errorf("got an assessment with an error: %+v", a)
			}
			var fe *finhealth.Error
			if !errors.As(err, &fe) {
				t.Fatalf("error %v (%T), want *finhealth.Error", err, err)
			}
			if fe.Code != finhealth.EINVALID || fe.Message == "" {
				t.Errorf("code %q message %q", fe.Code, fe.Message)
			}
			if !reflect.DeepEqual(fe.Fields, c.want) {
				t.Errorf("fields:\n got %q\nwant %q", fe.Fields, c.want)
			}
		})
	}
}

func TestScoreRejectsBrokenQuestionnaire(t *testing.T) {
	if _, err := Score(nil, nil); err == nil || finhealth.ErrorCode(err) != finhealth.EINTERNAL {
		t.Errorf("nil questionnaire: %v, want an internal error", err)
	}
	q := cloneQuestionnaire(v1(t))
	q.Questions[1].ID = q.Questions[0].ID
	_, err := Score(q, extremeAnswers(v1(t), true))
	if err == nil || finhealth.ErrorCode(err) != finhealth.EINTERNAL {
		t.Errorf("broken questionnaire: %v, want an internal error, not the caller's fault", err)
	}
}

// A copy of an embedded version, such as one read back from the database, scores and
// advises exactly like the original.
func TestScoreCopyOfQuestionnaire(t *testing.T) {
	q := v1(t)
	cp := cloneQuestionnaire(q)
	for _, set := range [][]finhealth.Answer{extremeAnswers(q, true), extremeAnswers(q, false), answersFor(t, q, mixedAnswers)} {
		want, err := Score(q, set)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Score(cp, set)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("copy scored\n%+v\nwant\n%+v", got, want)
		}
	}
}

// A questionnaire that is not embedded here still scores, with generic advice.
func TestScoreOtherQuestionnaire(t *testing.T) {
	q := &finhealth.Questionnaire{
		ID: "tiny", Version: 3, Title: "Tiny",
		Categories: []finhealth.Category{{ID: "cash", Label: "Cash"}, {ID: "habits", Label: "Habits"}},
		Questions: []finhealth.Question{
			{ID: "a", Category: "cash", Text: "A?", Options: []finhealth.Option{{Value: "y", Label: "Y", Points: 100}, {Value: "n", Label: "N", Points: 0}}},
			{ID: "b", Category: "cash", Text: "B?", Options: []finhealth.Option{{Value: "y", Label: "Y", Points: 100}, {Value: "n", Label: "N", Points: 33}}},
			{ID: "c", Category: "habits", Text: "C?", Options: []finhealth.Option{{Value: "y", Label: "Y", Points: 90}, {Value: "n", Label: "N", Points: 0}}},
		},
	}
	a, err := Score(q, []finhealth.Answer{{QuestionID: "c", Value: "y"}, {QuestionID: "b", Value: "n"}, {QuestionID: "a", Value: "y"}})
	if err != nil {
		t.Fatal(err)
	}
	// cash (100 + 33) / 2 = 66.5; habits 90; overall (66.5 + 90) / 2 = 78.25 -> 78.3.
	if a.Score != 78.3 || a.Categories[0].Score != 66.5 || a.Categories[1].Score != 90 {
		t.Errorf("scored %+v", a)
	}
	if len(a.Recommendations) != 1 || a.Recommendations[0].Category != "cash" || a.Recommendations[0].Title == "" {
		t.Errorf("recommendations = %+v", a.Recommendations)
	}
}

// A weak pillar with no single bad answer still gets advice: the pillar's own.
func TestRecommendationWithoutLowAnswers(t *testing.T) {
	q := v1(t)
	set := extremeAnswers(q, true)
	for i, v := range []string{"days_27_44", "covered_1_5x", "once", "estimated_payments"} {
		set[i].Value = v // liquidity (60 + 90 + 65 + 80) / 4 = 73.75 -> 73.8, nothing under 60
	}
	a, err := Score(q, set)
	if err != nil {
		t.Fatal(err)
	}
	if a.Categories[0].Score != 73.8 {
		t.Fatalf("liquidity = %v, want 73.8", a.Categories[0].Score)
	}
	want := []finhealth.Recommendation{{Category: "liquidity", Priority: 1,
		Title: adviceOf(t, "liquidity").Title, Detail: adviceOf(t, "liquidity").Detail}}
	if !reflect.DeepEqual(a.Recommendations, want) {
		t.Errorf("recommendations = %+v, want %+v", a.Recommendations, want)
	}
}

// Within a weak pillar the two lowest answers speak, lowest first.
func TestRecommendationUsesLowestAnswers(t *testing.T) {
	q := v1(t)
	values := map[string]string{}
	for _, a := range extremeAnswers(q, true) {
		values[a.QuestionID] = a.Value
	}
	values["budget_forecast"] = "rough"         // 30
	values["books_review"] = "year_end"         // 20
	values["separate_finances"] = "often_mixed" // 25
	values["insurance"] = "minimum"             // 35
	a, err := Score(q, answersFor(t, q, values))
	if err != nil {
		t.Fatal(err)
	}
	want := []finhealth.Recommendation{{Category: "planning_controls", Priority: 1,
		Title:  adviceOf(t, "books_review").Title,
		Detail: adviceOf(t, "books_review").Detail + " " + adviceOf(t, "separate_finances").Detail}}
	if !reflect.DeepEqual(a.Recommendations, want) {
		t.Errorf("recommendations = %+v, want %+v", a.Recommendations, want)
	}
}

// Every pillar below 80 is recommended, up to three, and priorities count from 1.
func TestRecommendationCount(t *testing.T) {
	q := v1(t)
	for weak := 0; weak <= len(q.Categories); weak++ {
		set := extremeAnswers(q, true)
		worst := extremeAnswers(q, false)
		for i, qu := range q.Questions {
			if slices.IndexFunc(q.Categories, func(c finhealth.Category) bool { return c.ID == qu.Category }) < weak {
				set[i] = worst[i]
			}
		}
		a, err := Score(q, set)
		if err != nil {
			t.Fatal(err)
		}
		want := min(max(weak, 1), maxRecommendations)
		if len(a.Recommendations) != want {
			t.Errorf("%d weak pillars: %d recommendations, want %d", weak, len(a.Recommendations), want)
		}
		for i, r := range a.Recommendations {
			if r.Priority != i+1 || r.Title == "" || r.Detail == "" {
				t.Errorf("%d weak pillars: recommendation %d = %+v", weak, i, r)
			}
		}
	}
}

func TestScoreConcurrent(t *testing.T) {
	q := v1(t)
	set := answersFor(t, q, mixedAnswers)
	want, err := Score(q, set)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 200 {
				got, err := Score(q, set)
				if err != nil || !reflect.DeepEqual(got, want) {
					t.Errorf("concurrent Score = %+v, %v", got, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func recommendationSummary(recs []finhealth.Recommendation) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = fmt.Sprintf("%d %s", r.Priority, r.Category)
	}
	return out
}

func cloneQuestionnaire(q *finhealth.Questionnaire) *finhealth.Questionnaire {
	cp := *q
	cp.Categories = slices.Clone(q.Categories)
	cp.Questions = slices.Clone(q.Questions)
	for i := range cp.Questions {
		cp.Questions[i].Options = slices.Clone(q.Questions[i].Options)
	}
	return &cp
}

// A pillar at exactly 80 is healthy and is not recommended; just below, it is.
func TestRecommendationBoundary(t *testing.T) {
	q := v1(t)
	values := map[string]string{}
	for _, a := range extremeAnswers(q, true) {
		values[a.QuestionID] = a.Value
	}
	values["overdue_share"] = "from_5_to_15"  // 70
	values["days_to_get_paid"] = "days_31_45" // 70: receivables (70 + 70 + 100) / 3 = 80.0
	a, err := Score(q, answersFor(t, q, values))
	if err != nil {
		t.Fatal(err)
	}
	// Overall (100 + 100 + 80 + 100 + 100) / 5 = 96.0; receivables is the one to watch.
	if a.Score != 96 || len(a.Recommendations) != 1 || a.Recommendations[0].Category != "receivables_payables" ||
		a.Recommendations[0].Title != current.doc.Maintenance.Title ||
		!strings.Contains(a.Recommendations[0].Detail, "Watch Receivables & payables most closely") {
		t.Errorf("at 80.0: score %v, recommendations %+v", a.Score, a.Recommendations)
	}

	values["bills_on_time"] = "mostly_on_time" // receivables 210 / 3 = 70.0, weak
	values["revenue_trend"] = "grew_under_10"  // profitability 385 / 4 = 96.25 -> 96.3, healthy
	a, err = Score(q, answersFor(t, q, values))
	if err != nil {
		t.Fatal(err)
	}
	// No answer in receivables is under 60, so the pillar's own advice is given.
	want := []finhealth.Recommendation{{Category: "receivables_payables", Priority: 1,
		Title: adviceOf(t, "receivables_payables").Title, Detail: adviceOf(t, "receivables_payables").Detail}}
	if !reflect.DeepEqual(a.Recommendations, want) {
		t.Errorf("at 70.0: recommendations %+v, want %+v", a.Recommendations, want)
	}
}
