package scoring

import (
	"math"
	"math/big"
	"time"

	"finhealth"
)

// HealthMethodVersion names the combined-score method: the ledger metrics, their bands
// and points, the pillars, their weights and the redistribution rule. It is stored with
// every score and must change whenever CombinedHealth or ComputeMetrics would give a
// different result for the same books and answers.
const HealthMethodVersion = "fh-health-v2"

// The books' and the answers' shares of a pillar that has both, in percent. The books
// get the larger share because they are measured rather than remembered; the answers
// keep a real one because they hold what the books cannot show (plans, insurance,
// habits, how bills get paid).
const (
	booksShare   = 60
	answersShare = 40
)

// healthyComponent is the points from which no recommendation is made, as for the
// questionnaire's pillars.
const healthyComponent = 80

type weightedMetric struct {
	name   string
	weight int // share of its pillar's books half, in percent
}

// pillarDef is one question about the business, answered by the books and by the
// questionnaire together. Within a half a metric without enough data leaves its
// weight to its siblings (as in Projection Genie's scorecard: inapplicable metrics are
// dropped and the category keeps its weight).
type pillarDef struct {
	id      string
	label   string
	weight  int // percent of the whole score
	metrics []weightedMetric
}

// pillarDefs are the score's five pillars, cash first as the anchors of scoring.md §4
// weigh it: running out of cash is what ends small businesses (JPMorgan Chase
// Institute), so liquidity has the largest share (30); profitability and growth next
// (25: Projection Genie weighs profitability most, but margins need a month of
// snapshots, and growth stands in until then); debt and solvency (20), as in the
// scorecards' solvency share; receivables (15), where a small business's cash is most
// often stuck, with overdue share weighed heavily as scoring.md asks; planning and
// controls (10), which only the answers can show. Payables belong to liquidity: paying
// suppliers late is spending cash one does not have. Cash ratio, gross margin, 30-day
// growth, the cash conversion cycle and the amounts are shown but not scored: they have
// no standard cut-off or repeat a scored metric. The order is the urgency order of
// the recommendations.
var pillarDefs = []pillarDef{
	{id: "liquidity", label: "Liquidity", weight: 30, metrics: []weightedMetric{
		{MetricCurrentRatio, 25}, {MetricQuickRatio, 15}, {MetricCashBufferDays, 25}, {MetricRunwayMonths, 25}, {MetricDPO, 10},
	}},
	{id: "receivables", label: "Receivables", weight: 15, metrics: []weightedMetric{
		{MetricOverdueShare, 60}, {MetricDSO, 40},
	}},
	{id: "profitability_growth", label: "Profitability and growth", weight: 25, metrics: []weightedMetric{
		{MetricNetMargin, 35}, {MetricReturnOnAssets, 15}, {MetricRevenueGrowth1y, 30}, {MetricRevenueGrowth90d, 20},
	}},
	{id: "debt_solvency", label: "Debt and solvency", weight: 20, metrics: []weightedMetric{
		{MetricDebtToEquity, 70}, {MetricInterestCover, 30},
	}},
	{id: "planning_controls", label: "Planning and controls", weight: 10},
}

// answersPrefix names a pillar's answers component.
const answersPrefix = "answers_"

// Staleness beyond which the score says its inputs are old.
const (
	staleLedger     = 7 * 24 * time.Hour
	staleAssessment = 365 * 24 * time.Hour
)

// scoredPart is a scored component while the score is worked out: exact points and its
// share of its half.
type scoredPart struct {
	comp   int // index into the components
	points *big.Rat
	share  int
}

// half is the books or the answers half of a pillar while the score is worked out.
type half struct {
	out   *finhealth.PillarHalf
	share int          // nominal share of the pillar, percent
	parts []scoredPart // the components with data
	sum   int          // their shares
	exact *big.Rat
}

func (h *half) ok() bool { return h != nil && h.sum > 0 }

// CombinedHealth blends ledger metrics (from ComputeMetrics; nil when no accounting is
// connected) and the latest assessment (nil when none) into one 0-100 score.
//
// The score is a weighted mean of five pillars. Each pillar blends a books half (the
// weighted mean of its metrics' points, 60%) and an answers half (the mean of its
// answered questionnaire items, 40%). A part without enough data never counts as
// zero: a metric's weight goes to the other metrics of its half, a half with no data
// gives its weight to the other half, and a pillar with neither gives its weight to
// the other pillars in proportion to theirs. So with no ledger the score rests on the
// answers alone, with no assessment on the books alone, and with neither there is no
// score (status not_enough_data). The arithmetic is exact (rationals) and the score is
// rounded once, to one decimal, half away from zero; pillar and half scores are
// rounded from their exact values for display only.
//
// Recommendations address the components under 80 points, most urgent first: a weak
// part of a pillar earlier in the cash-first order before a weak part of a later one,
// each quoting the numbers behind it. asOf is the moment the score describes; nothing
// here reads the clock.
func CombinedHealth(metrics []finhealth.MetricValue, latest *finhealth.Assessment, asOf time.Time) finhealth.HealthScore {
	byName := make(map[string]*finhealth.MetricValue, len(metrics))
	var ledgerAsOf time.Time
	for i := range metrics {
		byName[metrics[i].Name] = &metrics[i]
		if metrics[i].AsOf.After(ledgerAsOf) {
			ledgerAsOf = metrics[i].AsOf
		}
	}
	hs := finhealth.HealthScore{MethodVersion: HealthMethodVersion, AsOf: asOf}
	if !ledgerAsOf.IsZero() {
		hs.LedgerAsOf = &ledgerAsOf
	}
	answers := answerPillars(latest)

	var comps []finhealth.HealthComponent
	halves := make([][2]*half, len(pillarDefs))
	wsum := 0
	for i, d := range pillarDefs {
		p := finhealth.HealthPillar{ID: d.id, Label: d.label, Weight: float64(d.weight) / 100}
		var books, ans *half
		if len(d.metrics) > 0 {
			books, comps = d.books(byName, len(metrics) == 0, comps)
			p.Books = books.out
		}
		ans, comps = d.answers(answers, latest, books == nil, comps)
		p.Answers = ans.out
		halves[i] = [2]*half{books, ans}
		if books.ok() || ans.ok() {
			wsum += d.weight
		}
		hs.Pillars = append(hs.Pillars, p)
	}

	score := new(big.Rat)
	for i, d := range pillarDefs {
		p := &hs.Pillars[i]
		books, ans := halves[i][0], halves[i][1]
		hsum := 0
		for _, h := range halves[i] {
			if h.ok() {
				hsum += h.share
			}
		}
		if hsum == 0 {
			p.Status = finhealth.MetricNotEnoughData
			p.Reason = pillarReason(books, ans)
			continue
		}
		p.Status = finhealth.MetricOK
		p.EffectiveWeight = ratFloat(big.NewRat(int64(d.weight), int64(wsum)))
		pillarExact := new(big.Rat)
		for _, h := range []*half{books, ans} {
			if !h.ok() {
				continue
			}
			hw := big.NewRat(int64(h.share), int64(hsum))
			h.out.EffectiveWeight = ratFloat(hw)
			pillarExact.Add(pillarExact, new(big.Rat).Mul(hw, h.exact))
			for _, pt := range h.parts {
				// pillar share x half share x part share, one exact product.
				eff := new(big.Rat).SetFrac64(int64(d.weight*h.share*pt.share), int64(wsum*hsum*h.sum))
				comps[pt.comp].EffectiveWeight = ratFloat(eff)
				score.Add(score, eff.Mul(eff, pt.points))
			}
		}
		p.Score = ptr(round1(pillarExact))
	}
	hs.Components = comps

	if latest != nil {
		hs.AssessmentID = latest.ID
		hs.QuestionnaireVersion = latest.QuestionnaireVersion
		hs.AlgorithmVersion = latest.AlgorithmVersion
	}
	hs.Notes = staleNotes(latest, ledgerAsOf, asOf)

	if wsum == 0 {
		hs.Status = finhealth.MetricNotEnoughData
		hs.Reason = "There is neither an accounting connection with usable data nor a questionnaire answer to score."
		hs.Recommendations = []finhealth.Recommendation{{
			Category: "getting_started",
			Priority: 1,
			Title:    "Answer the questionnaire or connect Wave",
			Detail:   "Answer the five-minute financial health check, or connect Wave, to get a first score.",
			Why: "A score needs at least one source: the questionnaire holds what only you know (plans, habits, how bills get paid), " +
				"and connecting Wave adds ratios computed from your books.",
		}}
		return hs
	}
	s := round1(score)
	hs.Status = finhealth.MetricOK
	hs.Score = &s
	hs.Tier = Tier(s)
	hs.Recommendations = recommendHealth(hs.Components, byName, latest)
	return hs
}

// books is the pillar's books half: the weighted mean of the points of its metrics
// that have data. noBooks tells a metric missing because nothing is connected from
// one that was not computed.
func (d pillarDef) books(byName map[string]*finhealth.MetricValue, noBooks bool, comps []finhealth.HealthComponent) (*half, []finhealth.HealthComponent) {
	h := &half{share: booksShare, out: &finhealth.PillarHalf{Weight: float64(booksShare) / 100}}
	num := 0
	for _, wm := range d.metrics {
		m := byName[wm.name]
		c := finhealth.HealthComponent{
			Name: wm.name, Label: metricLabel(wm.name, m), Source: finhealth.SourceLedger, Pillar: d.id,
			Weight: float64(d.weight*booksShare*wm.weight) / 1e6,
		}
		if m != nil {
			c.Value, c.Unit = m.Value, m.Unit
		}
		if pts, ok, reason := metricPoints(m, noBooks); ok {
			c.Status, c.Points = finhealth.MetricOK, ptr(float64(pts))
			h.parts = append(h.parts, scoredPart{comp: len(comps), points: big.NewRat(int64(pts), 1), share: wm.weight})
			h.sum += wm.weight
			num += wm.weight * pts
		} else {
			c.Status, c.Reason = finhealth.MetricNotEnoughData, reason
			if h.out.Reason == "" {
				h.out.Reason = reason
			}
		}
		comps = append(comps, c)
	}
	if h.sum > 0 {
		h.exact = big.NewRat(int64(num), int64(h.sum))
		h.out.Status, h.out.Reason, h.out.Score = finhealth.MetricOK, "", ptr(round1(h.exact))
	} else {
		h.out.Status = finhealth.MetricNotEnoughData
	}
	return h, comps
}

// metricLabel is the metric's own label, or the definition's when it was not computed.
func metricLabel(name string, m *finhealth.MetricValue) string {
	if m != nil && m.Label != "" {
		return m.Label
	}
	if d, ok := defByName[name]; ok {
		return d.label
	}
	return name
}

// answers is the pillar's answers half as one component: the mean of its answered
// items. alone is set for a pillar without a books half, whose answers carry it all.
func (d pillarDef) answers(ap map[string]*answerPillar, a *finhealth.Assessment, alone bool, comps []finhealth.HealthComponent) (*half, []finhealth.HealthComponent) {
	share := answersShare
	if alone {
		share = 100
	}
	h := &half{share: share, out: &finhealth.PillarHalf{Weight: float64(share) / 100}}
	c := finhealth.HealthComponent{
		Name: answersPrefix + d.id, Label: d.label + " (answers)", Source: finhealth.SourceQuestionnaire, Pillar: d.id,
		Weight: float64(d.weight*share) / 1e4,
	}
	switch p := ap[d.id]; {
	case a == nil:
		c.Reason = "The questionnaire has not been answered."
	case p == nil || p.n == 0:
		c.Reason = "No question of this pillar was answered."
		if p != nil && p.notApplicable > 0 {
			c.Reason = "Every question of this pillar was answered “not applicable”."
		}
	default:
		h.exact = big.NewRat(int64(p.sum), int64(p.n*p.scale))
		h.parts = []scoredPart{{comp: len(comps), points: h.exact, share: 100}}
		h.sum = 100
		c.Status, c.Points = finhealth.MetricOK, ptr(ratFloat(h.exact))
		h.out.Status, h.out.Score = finhealth.MetricOK, ptr(round1(h.exact))
	}
	if c.Status == "" {
		c.Status = finhealth.MetricNotEnoughData
		h.out.Status, h.out.Reason = finhealth.MetricNotEnoughData, c.Reason
	}
	return h, append(comps, c)
}

// pillarReason says why a pillar has no score, naming each half's reason.
func pillarReason(books, ans *half) string {
	switch {
	case books == nil:
		return ans.out.Reason
	case books.out.Reason == ans.out.Reason:
		return books.out.Reason
	}
	return "Books: " + books.out.Reason + " Answers: " + ans.out.Reason
}

// metricPoints are a metric's points clamped to 0-100, or why it has none (m is nil
// when the metric is missing).
func metricPoints(m *finhealth.MetricValue, noBooks bool) (points int, ok bool, reason string) {
	switch {
	case m == nil && noBooks:
		return 0, false, "No accounting data is connected."
	case m == nil:
		return 0, false, "This metric was not computed."
	case m.Status != finhealth.MetricOK || m.Points == nil:
		if m.Reason == "" {
			return 0, false, "Not enough data."
		}
		return 0, false, m.Reason
	}
	return min(max(*m.Points, 0), 100), true, ""
}

// staleNotes say which input is old enough to mislead: an assessment over a year
// old, books not read for a week.
func staleNotes(latest *finhealth.Assessment, ledgerAsOf, asOf time.Time) []string {
	var notes []string
	if latest != nil && !latest.CreatedAt.IsZero() && asOf.Sub(latest.CreatedAt) > staleAssessment {
		notes = append(notes, "The questionnaire was last answered on "+
			latest.CreatedAt.UTC().Format(time.DateOnly)+", over a year ago: answer it again so the score reflects today.")
	}
	if !ledgerAsOf.IsZero() && asOf.Sub(ledgerAsOf) > staleLedger {
		notes = append(notes, "The books were last read on "+ledgerAsOf.UTC().Format(time.DateOnly)+
			": sync Wave so the ledger metrics are current.")
	}
	return notes
}

// round1 rounds an exact value to one decimal, half away from zero, once.
func round1(r *big.Rat) float64 {
	x := new(big.Rat).Mul(r, big.NewRat(10, 1))
	num, den := new(big.Int).Abs(x.Num()), x.Denom()
	// floor((2|n| + d) / 2d) rounds |x| half up.
	q := new(big.Int).Quo(new(big.Int).Add(new(big.Int).Lsh(num, 1), den), new(big.Int).Lsh(den, 1))
	t := q.Int64()
	if x.Sign() < 0 {
		t = -t
	}
	return float64(t) / 10
}

func ratFloat(r *big.Rat) float64 {
	f, _ := r.Float64()
	return f
}

// tenths is a one-decimal score as an exact integer.
func tenths(score float64) int64 { return int64(math.Round(score * 10)) }
