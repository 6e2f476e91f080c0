package scoring

import (
	"math"
	"time"

	"finhealth"
)

// HealthMethodVersion names the combined-score method: the ledger metrics, their bands
// and points, the weights and the redistribution rule. It is stored with every score
// and must change whenever CombinedHealth or ComputeMetrics would give a different
// result for the same books and answers.
const HealthMethodVersion = "fh-health-v1"

// The two sources' shares of the score when both are present, in percent. The books
// get the larger share because they are measured rather than remembered; the answers
// keep a real one because they hold what the books cannot show (plans, insurance,
// habits, how bills get paid).
const (
	ledgerShare        = 60
	questionnaireShare = 40
)

// healthyComponent is the points from which no recommendation is made, as for the
// questionnaire's pillars.
const healthyComponent = 80

type weightedMetric struct {
	name   string
	weight int // share of its pillar, in percent
}

// ledgerPillar groups metrics that answer one question about the business. Within a
// pillar a metric without enough data leaves its weight to its siblings, so the
// pillar keeps its weight as long as one of them is known (as in Projection Genie's
// scorecard: inapplicable metrics are dropped and the category keeps its weight).
type ledgerPillar struct {
	id      string
	label   string
	share   int // percent of the whole score when both sources are present
	metrics []weightedMetric
}

// ledgerPillars: the shares (21 + 12 + 9 + 18 = 60) follow the anchors of scoring.md
// section 4 adapted to what Wave can give. Liquidity is first because running out of
// cash is what ends small businesses (JPMorgan Chase Institute); profitability and
// growth next (Projection Genie weighs profitability most, but margins need a month of
// snapshots, and growth stands in until then); receivables, where a small business's
// cash is most often stuck, with overdue share weighed heavily as scoring.md asks;
// solvency last, since many small businesses carry little debt. Cash ratio, gross
// margin, 30-day growth and the amounts are shown but not scored: they have no standard
// cut-off or repeat a scored metric.
var ledgerPillars = []ledgerPillar{
	{id: "ledger_liquidity", label: "Liquidity (books)", share: 21, metrics: []weightedMetric{
		{MetricCurrentRatio, 30}, {MetricQuickRatio, 20}, {MetricCashBufferDays, 30}, {MetricRunwayMonths, 20},
	}},
	{id: "ledger_receivables", label: "Receivables (books)", share: 12, metrics: []weightedMetric{
		{MetricOverdueShare, 60}, {MetricDSO, 40},
	}},
	{id: "ledger_solvency", label: "Solvency (books)", share: 9, metrics: []weightedMetric{
		{MetricDebtToEquity, 100},
	}},
	{id: "ledger_profitability_growth", label: "Profitability and growth (books)", share: 18, metrics: []weightedMetric{
		{MetricNetMargin, 50}, {MetricRevenueGrowth1y, 30}, {MetricRevenueGrowth90d, 20},
	}},
}

// questionnairePrefix makes questionnaire pillar ids distinct from ledger ones
// ("liquidity" exists in both).
const questionnairePrefix = "questionnaire_"

// Staleness beyond which the score says its inputs are old.
const (
	staleLedger     = 7 * 24 * time.Hour
	staleAssessment = 365 * 24 * time.Hour
)

// pillarCalc is a pillar while the score is worked out; points are in tenths so that
// rounding is exact.
type pillarCalc struct {
	out    finhealth.HealthPillar
	weight int // nominal, in units where the whole score is 100 x number of questionnaire pillars
	tenths int
	ok     bool
	comps  []int // indices into components
	shares []int // each component's share of the pillar, in percent
	okSum  int   // the shares of the components with data
}

// CombinedHealth blends ledger metrics (from ComputeMetrics; nil when no accounting is
// connected) and the latest assessment (nil when none) into one 0-100 score.
//
// The score is a weighted mean of pillars: four ledger pillars with 60% and the
// questionnaire's pillars with 40% shared equally. A ledger pillar's score is the
// weighted mean of the points of its metrics that have data, and a questionnaire
// pillar's is the assessment's. A part without enough data never counts as zero: a
// metric's weight goes to the other metrics of its pillar, and a pillar with no data
// at all gives its weight to all other pillars in proportion to theirs. So with no
// ledger the score is exactly the questionnaire score, with no assessment it rests on
// the ledger alone, and with neither there is no score (status not_enough_data).
// Pillar scores are rounded to one decimal before they are combined, so the score is
// exactly the weighted mean of the numbers shown; all rounding is on integer tenths.
//
// Recommendations address the components (ledger metrics and questionnaire pillars)
// under 80 points that cost the score most, that is with the largest effective weight
// x (100 - points), at most three, each quoting the numbers behind it. asOf is the
// moment the score describes; nothing here reads the clock.
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

	qPillars := questionnairePillars(latest)
	var (
		pillars []pillarCalc
		comps   []finhealth.HealthComponent
	)
	for _, lp := range ledgerPillars {
		var p pillarCalc
		p, comps = lp.calc(byName, len(metrics) == 0, len(qPillars), comps)
		pillars = append(pillars, p)
	}
	for _, qp := range qPillars {
		var p pillarCalc
		p, comps = qp.calc(len(qPillars), comps)
		pillars = append(pillars, p)
	}
	wsum, acc := redistribute(pillars, comps)
	for _, p := range pillars {
		hs.Pillars = append(hs.Pillars, p.out)
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
			Detail: "A score needs at least one source: the 18-question financial health check takes about five minutes, " +
				"and connecting Wave adds ratios computed from your books.",
		}}
		return hs
	}
	score := float64(roundDiv(acc, wsum)) / 10
	hs.Status = finhealth.MetricOK
	hs.Score = &score
	hs.Tier = Tier(score)
	hs.Recommendations = recommendHealth(hs.Components, byName, latest)
	return hs
}

// calc scores the pillar from the metrics that have points and appends its
// components to comps. nQ, the number of questionnaire pillars, sets the unit of
// the weights (the whole score is 100 x nQ), so that every weight is an exact
// integer until the one division that shows it. noBooks tells a metric missing
// because nothing is connected from one that was not computed.
func (lp ledgerPillar) calc(byName map[string]*finhealth.MetricValue, noBooks bool, nQ int, comps []finhealth.HealthComponent) (pillarCalc, []finhealth.HealthComponent) {
	total := 100 * nQ
	p := pillarCalc{weight: lp.share * nQ}
	p.out = finhealth.HealthPillar{ID: lp.id, Label: lp.label, Source: finhealth.SourceLedger,
		Weight: float64(p.weight) / float64(total)}
	var num, den int
	for _, wm := range lp.metrics {
		c := finhealth.HealthComponent{
			Name: wm.name, Label: defByName[wm.name].label, Source: finhealth.SourceLedger, Pillar: lp.id,
			Weight: float64(p.weight*wm.weight) / float64(total*100),
		}
		if pts, ok, reason := metricPoints(byName[wm.name], noBooks); ok {
			c.Status, c.Points = finhealth.MetricOK, ptr(float64(pts))
			num += wm.weight * pts * 10
			den += wm.weight
			p.okSum += wm.weight
		} else {
			c.Status, c.Reason = finhealth.MetricNotEnoughData, reason
			if p.out.Reason == "" {
				p.out.Reason = reason
			}
		}
		p.comps = append(p.comps, len(comps))
		p.shares = append(p.shares, wm.weight)
		comps = append(comps, c)
	}
	if den > 0 {
		p.ok, p.tenths, p.out.Reason = true, roundDiv(num, den), ""
	}
	return p, comps
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

// calc is the questionnaire pillar as one component of its own, weighed in the
// units of ledgerPillar.calc, appended to comps.
func (qp questionnairePillar) calc(nQ int, comps []finhealth.HealthComponent) (pillarCalc, []finhealth.HealthComponent) {
	p := pillarCalc{weight: questionnaireShare, out: qp.out, tenths: qp.tenths, ok: qp.ok}
	p.out.Weight = float64(p.weight) / float64(100*nQ)
	c := finhealth.HealthComponent{
		Name: qp.out.ID, Label: qp.out.Label, Source: finhealth.SourceQuestionnaire, Pillar: qp.out.ID,
		Status: finhealth.MetricNotEnoughData, Reason: qp.out.Reason, Weight: p.out.Weight,
	}
	if qp.ok {
		c.Status, c.Reason, c.Points = finhealth.MetricOK, "", ptr(float64(qp.tenths)/10)
	}
	p.comps, p.shares, p.okSum = []int{len(comps)}, []int{100}, 100
	return p, append(comps, c)
}

// redistribute gives each pillar with data weight / (sum of weights with data), and
// within a pillar each component with data a share of that in proportion to its
// weight, so that missing data never counts as zero. It returns that sum and the
// pillars' weighted tenths, whose quotient is the score.
func redistribute(pillars []pillarCalc, comps []finhealth.HealthComponent) (wsum, acc int) {
	for _, p := range pillars {
		if p.ok {
			wsum += p.weight
			acc += p.weight * p.tenths
		}
	}
	for i := range pillars {
		p := &pillars[i]
		if !p.ok {
			p.out.Status = finhealth.MetricNotEnoughData
			continue
		}
		p.out.Status = finhealth.MetricOK
		p.out.Score = ptr(float64(p.tenths) / 10)
		p.out.EffectiveWeight = float64(p.weight) / float64(wsum)
		// One division of exact integers, so a weight of 0.042 reads 0.042.
		for k, ci := range p.comps {
			if comps[ci].Status == finhealth.MetricOK {
				comps[ci].EffectiveWeight = float64(p.weight*p.shares[k]) / float64(wsum*p.okSum)
			}
		}
	}
	return wsum, acc
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

type questionnairePillar struct {
	out    finhealth.HealthPillar
	tenths int
	ok     bool
}

// questionnairePillars are the assessment's pillars, or, without an assessment, the
// current questionnaire's pillars marked as missing, so that the response shows what
// answering it would add.
func questionnairePillars(a *finhealth.Assessment) []questionnairePillar {
	pillar := func(id, label string) finhealth.HealthPillar {
		return finhealth.HealthPillar{ID: questionnairePrefix + id, Label: label + " (questionnaire)", Source: finhealth.SourceQuestionnaire}
	}
	if a == nil {
		q := Current()
		out := make([]questionnairePillar, len(q.Categories))
		for i, c := range q.Categories {
			out[i].out = pillar(c.ID, c.Label)
			out[i].out.Reason = "The questionnaire has not been answered."
		}
		return out
	}
	if len(a.Categories) == 0 {
		// An assessment without pillar scores still has its overall score.
		p := questionnairePillar{out: pillar("overall", "Questionnaire")}
		p.tenths, p.ok = tenthsOf(a.Score)
		if !p.ok {
			p.out.Reason = "The assessment has no valid score."
		}
		return []questionnairePillar{p}
	}
	out := make([]questionnairePillar, len(a.Categories))
	for i, c := range a.Categories {
		out[i].out = pillar(c.Category, c.Label)
		out[i].tenths, out[i].ok = tenthsOf(c.Score)
		if !out[i].ok {
			out[i].out.Reason = "The assessment has no valid score for this pillar."
		}
	}
	return out
}

// tenthsOf reads a stored one-decimal score exactly; anything outside 0-100 is not a
// score finhealth made.
func tenthsOf(score float64) (int, bool) {
	if math.IsNaN(score) || score < 0 || score > 100 {
		return 0, false
	}
	return int(math.Round(score * 10)), true
}
