package scoring

import (
	"math"

	"finhealth"
)

// answerPillar is what an assessment says about one pillar: the sum of its answered
// items' points over n items (in units of 1/scale point), and how many of its items
// were answered "not applicable".
type answerPillar struct {
	sum, n, scale int
	notApplicable int
}

// v1CategoryPillar places the first questionnaire's pillars in the combined score's:
// its answers stay valid, and are read by what they measure.
var v1CategoryPillar = map[string]string{
	"liquidity":            "liquidity",
	"profitability":        "profitability_growth",
	"receivables_payables": "receivables",
	"debt":                 "debt_solvency",
	"planning_controls":    "planning_controls",
}

// questionPillar overrides the category of a question that measures another pillar:
// paying suppliers late is spending cash the business does not have, a liquidity
// matter, although the first questionnaire asked it beside receivables.
var questionPillar = map[string]string{"bills_on_time": "liquidity"}

func pillarOf(questionID, category string) string {
	if p, ok := questionPillar[questionID]; ok {
		return p
	}
	for _, d := range pillarDefs {
		if d.id == category {
			return category
		}
	}
	return v1CategoryPillar[category]
}

// answerPillars sorts an assessment's answers into the combined score's pillars. An
// answer keeps the points it was given when it was scored (a first-version "I don't
// know" keeps its 10): a stored assessment is never re-scored. An assessment whose
// questionnaire this version does not know, or without answers, is read from its
// pillar scores instead.
func answerPillars(a *finhealth.Assessment) map[string]*answerPillar {
	if a == nil {
		return nil
	}
	out := make(map[string]*answerPillar)
	get := func(id string, scale int) *answerPillar {
		p := out[id]
		if p == nil {
			p = &answerPillar{scale: scale}
			out[id] = p
		}
		return p
	}
	if q, ok := Lookup(a.QuestionnaireID, a.QuestionnaireVersion); ok && len(a.Answers) > 0 {
		category := make(map[string]string, len(q.Questions))
		for _, qq := range q.Questions {
			category[qq.ID] = qq.Category
		}
		for _, ans := range a.Answers {
			id := pillarOf(ans.QuestionID, category[ans.QuestionID])
			if id == "" {
				continue
			}
			p := get(id, 1)
			if ans.NotApplicable {
				// "Not applicable" drops the item from its pillar's mean.
				p.notApplicable++
				continue
			}
			p.sum += min(max(ans.Points, 0), 100)
			p.n++
		}
		return out
	}
	for _, c := range a.Categories {
		id := pillarOf("", c.Category)
		if id == "" || math.IsNaN(c.Score) || c.Score < 0 || c.Score > 100 {
			continue
		}
		if c.NotApplicable {
			get(id, 10).notApplicable++
			continue
		}
		p := get(id, 10)
		p.sum += int(tenths(c.Score))
		p.n++
	}
	return out
}
