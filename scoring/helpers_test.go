package scoring

import (
	"testing"

	"finhealth"
)

// answersFor builds a full answer set in questionnaire order from question id to
// option value; it fails the test if a question is left out, so that a test cannot
// pass by accident on a missing answer.
func answersFor(t testing.TB, q *finhealth.Questionnaire, values map[string]string) []finhealth.Answer {
	t.Helper()
	if len(values) != len(q.Questions) {
		t.Fatalf("answer set has %d answers, questionnaire has %d questions", len(values), len(q.Questions))
	}
	out := make([]finhealth.Answer, 0, len(q.Questions))
	for _, qu := range q.Questions {
		v, ok := values[qu.ID]
		if !ok {
			t.Fatalf("answer set misses %q", qu.ID)
		}
		out = append(out, finhealth.Answer{QuestionID: qu.ID, Value: v})
	}
	return out
}

// extremeAnswers answers every question with its best (or worst) option by points.
func extremeAnswers(q *finhealth.Questionnaire, best bool) []finhealth.Answer {
	out := make([]finhealth.Answer, len(q.Questions))
	for i, qu := range q.Questions {
		pick := qu.Options[0]
		for _, o := range qu.Options {
			if (best && o.Points > pick.Points) || (!best && o.Points < pick.Points) {
				pick = o
			}
		}
		out[i] = finhealth.Answer{QuestionID: qu.ID, Value: pick.Value}
	}
	return out
}

// v1 is the first questionnaire version, which stored assessments still answer.
func v1(t testing.TB) *finhealth.Questionnaire {
	t.Helper()
	q, ok := Lookup(currentID, 1)
	if !ok {
		t.Fatal("sbfhc version 1 is not embedded")
	}
	return q
}

// mixedAnswers is a plausible small business answering version 1: thin cash, fair
// profit, good debt, weak planning. TestScoreMixed works its score out by hand.
var mixedAnswers = map[string]string{
	"cash_buffer_days":    "days_15_26",         // 25
	"short_term_coverage": "covered_1x",         // 45
	"cash_shortfalls":     "once",               // 65
	"tax_set_aside":       "estimated_payments", // 80
	"net_margin":          "margin_5_10",        // 70
	"revenue_trend":       "grew_under_10",      // 85
	"owner_pay":           "reduced",            // 55
	"pricing_review":      "last_12_months",     // 75
	"overdue_share":       "from_5_to_15",       // 70
	"days_to_get_paid":    "days_31_45",         // 70
	"bills_on_time":       "on_time",            // 100
	"debt_service_share":  "under_10",           // 90
	"missed_payments":     "never",              // 100
	"credit_access":       "bank_would_lend",    // 85
	"budget_forecast":     "rough",              // 30
	"books_review":        "quarterly",          // 65
	"separate_finances":   "mostly",             // 65
	"insurance":           "minimum",            // 35
}

// mixedAnswersV2 is the same business answering version 2, which it answers the
// same way where the question is the same; TestScoreMixedV2 works it out by hand.
var mixedAnswersV2 = map[string]string{
	"cash_buffer_days":    "days_15_26",         // 25
	"short_term_coverage": "covered_1x",         // 45
	"cash_shortfalls":     "once",               // 65
	"tax_set_aside":       "estimated_payments", // 80
	"bills_on_time":       "on_time",            // 100
	"net_margin":          "margin_5_10",        // 70
	"revenue_trend":       "grew_2_10",          // 85
	"owner_pay":           "reduced",            // 55
	"pricing_review":      "last_12_months",     // 75
	"debt_service_share":  "under_10",           // 90
	"missed_payments":     "never",              // 100
	"credit_access":       "bank_would_lend",    // 85
	"overdue_share":       "from_5_to_15",       // 70
	"days_to_get_paid":    "days_30_44",         // 80
	"budget_forecast":     "rough",              // 30
	"books_review":        "quarterly",          // 65
	"separate_finances":   "mostly",             // 65
	"insurance":           "minimum",            // 35
}

// adviceOf returns the recommendation text version 1 has for a question or pillar.
func adviceOf(t testing.TB, id string) advice {
	t.Helper()
	s, _ := lookupScorer(currentID, 1)
	return adviceIn(t, s.doc, id)
}

// currentAdvice returns the recommendation text the current version has for a
// question or pillar.
func currentAdvice(t testing.TB, id string) advice {
	t.Helper()
	return adviceIn(t, current.doc, id)
}

func adviceIn(t testing.TB, doc *document, id string) advice {
	t.Helper()
	for _, dq := range doc.Questions {
		if dq.ID == id {
			return dq.Recommendation
		}
	}
	for _, dc := range doc.Categories {
		if dc.ID == id {
			return dc.Recommendation
		}
	}
	t.Fatalf("no advice for %q", id)
	return advice{}
}
