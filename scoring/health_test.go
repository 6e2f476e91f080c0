package scoring

import (
	"math"
	"slices"
	"strings"
	"testing"

	"finhealth"
)

func mixedAssessment(t testing.TB) *finhealth.Assessment {
	t.Helper()
	q := v1(t)
	a, err := Score(q, answersFor(t, q, mixedAnswers))
	if err != nil {
		t.Fatal(err)
	}
	a.ID = "assess-1"
	a.CreatedAt = day(2025, 5, 20)
	return a
}

func sumEffective(hs finhealth.HealthScore) (pillars, comps float64) {
	for _, p := range hs.Pillars {
		pillars += p.EffectiveWeight
	}
	for _, c := range hs.Components {
		comps += c.EffectiveWeight
	}
	return pillars, comps
}

func checkWeights(t *testing.T, hs finhealth.HealthScore) {
	t.Helper()
	p, c := sumEffective(hs)
	if math.Abs(p-1) > 1e-9 || math.Abs(c-1) > 1e-9 {
		t.Errorf("effective weights sum to %v (pillars) and %v (components), want 1", p, c)
	}
	var nominal float64
	for _, comp := range hs.Components {
		nominal += comp.Weight
		if comp.Status != finhealth.MetricOK && (comp.EffectiveWeight != 0 || comp.Points != nil || comp.Reason == "") {
			t.Errorf("%s without data: effective %v, points %v, reason %q", comp.Name, comp.EffectiveWeight, comp.Points, comp.Reason)
		}
	}
	if math.Abs(nominal-1) > 1e-9 {
		t.Errorf("nominal weights sum to %v", nominal)
	}
}

// TestBakeryHealth works out the combined score of the fixture with the mixed
// questionnaire answers.
//
// Ledger pillars (points from TestBakeryMetrics, metric weights within the pillar):
//
//	liquidity      current 100 x 30 + quick 100 x 20 + buffer 85 x 30 + runway 65 x 20 = 8,850 / 100 = 88.5
//	receivables    overdue 30 x 60 + DSO 100 x 40                                   = 5,800 / 100 = 58.0
//	solvency       debt-to-equity 15                                                               = 15.0
//	profit/growth  net 70 x 50 + growth 365d 30 x 30 + growth 90d 85 x 20           = 6,100 / 100 = 61.0
//
// Questionnaire pillars (TestScoreMixed): 53.8, 71.3, 80.0, 91.7, 48.8.
// Weights with five questionnaire pillars, in units of 1/500: ledger 21x5=105, 12x5=60,
// 9x5=45, 18x5=90; questionnaire 40 each.
//
//	105 x 885 + 60 x 580 + 45 x 150 + 90 x 610 = 92,925 + 34,800 + 6,750 + 54,900 = 189,375
//	40 x (538 + 713 + 800 + 917 + 488) = 40 x 3,456                            = 138,240
//	(189,375 + 138,240) / 500 = 655.23 tenths -> 65.5, coping
//
// Score lost by each component under 80 (effective weight x (100 - points)):
// debt-to-equity 0.09 x 85 = 7.65; overdue share 0.072 x 70 = 5.04; planning & controls
// 0.08 x 51.2 = 4.10; growth 365d 0.054 x 70 = 3.78; questionnaire liquidity 0.08 x 46.2
// = 3.70; net margin 0.09 x 30 = 2.7; ... so the three recommendations are
// debt-to-equity, overdue share, then planning & controls.
func TestBakeryHealth(t *testing.T) {
	ms := ComputeMetrics(bakerySnapshot(), bakeryHistory(), bakeryMapping(t), bakeryAsOf)
	a := mixedAssessment(t)
	hs := CombinedHealth(ms, a, bakeryAsOf)

	if hs.Status != finhealth.MetricOK || hs.Score == nil || *hs.Score != 65.5 || hs.Tier != finhealth.TierCoping {
		t.Fatalf("score %v %s %s, want 65.5 coping", deref(hs.Score), hs.Tier, hs.Status)
	}
	if hs.MethodVersion != HealthMethodVersion || hs.AssessmentID != "assess-1" || hs.AlgorithmVersion != "sbfhc-mean-v1" ||
		hs.QuestionnaireVersion != 1 || !hs.AsOf.Equal(bakeryAsOf) || hs.LedgerAsOf == nil || !hs.LedgerAsOf.Equal(bakeryAsOf) {
		t.Errorf("provenance %+v", hs)
	}
	wantPillars := map[string]float64{
		"ledger_liquidity": 88.5, "ledger_receivables": 58, "ledger_solvency": 15, "ledger_profitability_growth": 61,
		"questionnaire_liquidity": 53.8, "questionnaire_profitability": 71.3, "questionnaire_receivables_payables": 80,
		"questionnaire_debt": 91.7, "questionnaire_planning_controls": 48.8,
	}
	if len(hs.Pillars) != len(wantPillars) {
		t.Fatalf("%d pillars", len(hs.Pillars))
	}
	for _, p := range hs.Pillars {
		if p.Score == nil || *p.Score != wantPillars[p.ID] {
			t.Errorf("pillar %s = %v, want %v", p.ID, deref(p.Score), wantPillars[p.ID])
		}
		if p.Weight != p.EffectiveWeight {
			t.Errorf("pillar %s: nothing missing, yet weight %v became %v", p.ID, p.Weight, p.EffectiveWeight)
		}
	}
	checkWeights(t, hs)
	if len(hs.Components) != 10+5 {
		t.Errorf("%d components, want 10 metrics and 5 pillars", len(hs.Components))
	}
	for _, c := range hs.Components {
		if c.Name == MetricOverdueShare && (math.Abs(c.Weight-0.072) > 1e-12 || *c.Points != 30) {
			t.Errorf("overdue share component %+v", c)
		}
	}

	got := make([]string, len(hs.Recommendations))
	for i, r := range hs.Recommendations {
		got[i] = r.Category
		if r.Priority != i+1 {
			t.Errorf("priority %d at %d", r.Priority, i)
		}
	}
	if want := []string{MetricDebtToEquity, MetricOverdueShare, "questionnaire_planning_controls"}; !slices.Equal(got, want) {
		t.Fatalf("recommendations %v, want %v", got, want)
	}
	de := hs.Recommendations[0]
	for _, s := range []string{"2.07", "46,000.00 USD", "22,200.00 USD", "30,000.00 USD"} {
		if !strings.Contains(de.Title+de.Detail, s) {
			t.Errorf("debt-to-equity advice lacks %q: %s / %s", s, de.Title, de.Detail)
		}
	}
	od := hs.Recommendations[1]
	for _, s := range []string{"27.8%", "2,500.00 USD", "9,000.00 USD", "400.00 USD of it by more than 90 days",
		"Northside Deli (1,200.00 USD), Harbor Cafe (600.00 USD), Green Grocer (400.00 USD)"} {
		if !strings.Contains(od.Title+od.Detail, s) {
			t.Errorf("overdue advice lacks %q: %s / %s", s, od.Title, od.Detail)
		}
	}
	pc := hs.Recommendations[2]
	if !strings.HasPrefix(pc.Detail, "Your questionnaire answers put Planning & controls at 48.8 out of 100.") &&
		!strings.Contains(pc.Detail, "at 48.8 out of 100") {
		t.Errorf("planning advice %q", pc.Detail)
	}
	var fromAssessment bool
	for _, r := range a.Recommendations {
		fromAssessment = fromAssessment || (r.Category == "planning_controls" && r.Title == pc.Title && strings.HasSuffix(pc.Detail, r.Detail))
	}
	if !fromAssessment {
		t.Errorf("planning advice should reuse the assessment's: %+v", pc)
	}
}

// Without history, the liquidity and profitability pillars rest on the metrics they
// have, and the total weight still sums to 1.
//
// Ledger only (no assessment): liquidity = (100 x 30 + 100 x 20) / 50 = 100.0;
// receivables 58.0; solvency 15.0; profit/growth = (30 x 30 + 85 x 20) / 50 = 52.0.
//
//	(105 x 1000 + 60 x 580 + 45 x 150 + 90 x 520) / 300 = 193,350 / 300 = 644.5 -> 645 tenths = 64.5
//
// Effective weights: pillars 105/300 = 0.35, 0.2, 0.15, 0.3; current ratio 0.35 x 30/50
// = 0.21, quick ratio 0.14; net margin, cash buffer and runway 0.
func TestHealthWithoutHistoryOrAssessment(t *testing.T) {
	ms := ComputeMetrics(bakerySnapshot(), nil, bakeryMapping(t), bakeryAsOf)
	hs := CombinedHealth(ms, nil, bakeryAsOf)
	if hs.Score == nil || *hs.Score != 64.5 || hs.Tier != finhealth.TierCoping {
		t.Fatalf("score %v %s, want 64.5", deref(hs.Score), hs.Tier)
	}
	checkWeights(t, hs)
	eff := map[string]float64{}
	for _, c := range hs.Components {
		eff[c.Name] = c.EffectiveWeight
	}
	for name, w := range map[string]float64{
		MetricCurrentRatio: 0.21, MetricQuickRatio: 0.14, MetricCashBufferDays: 0, MetricRunwayMonths: 0,
		MetricOverdueShare: 0.12, MetricDSO: 0.08, MetricDebtToEquity: 0.15,
		MetricNetMargin: 0, MetricRevenueGrowth1y: 0.18, MetricRevenueGrowth90d: 0.12,
		"questionnaire_liquidity": 0,
	} {
		if math.Abs(eff[name]-w) > 1e-12 {
			t.Errorf("%s effective weight %v, want %v", name, eff[name], w)
		}
	}
	for _, p := range hs.Pillars {
		if p.Source == finhealth.SourceQuestionnaire && (p.Status != finhealth.MetricNotEnoughData || p.Score != nil || p.Reason == "") {
			t.Errorf("questionnaire pillar without an assessment: %+v", p)
		}
	}
}

// With no ledger, the score is exactly the questionnaire's.
func TestHealthQuestionnaireOnly(t *testing.T) {
	q := v1(t)
	for _, answers := range [][]finhealth.Answer{
		answersFor(t, q, mixedAnswers), extremeAnswers(q, true), extremeAnswers(q, false),
	} {
		a, err := Score(q, answers)
		if err != nil {
			t.Fatal(err)
		}
		for _, ms := range [][]finhealth.MetricValue{nil, ComputeMetrics(finhealth.LedgerSnapshot{}, nil, finhealth.AccountMapping{}, bakeryAsOf)} {
			hs := CombinedHealth(ms, a, bakeryAsOf)
			if hs.Score == nil || *hs.Score != a.Score || hs.Tier != a.Tier {
				t.Errorf("score %v %s, want the assessment's %v %s", deref(hs.Score), hs.Tier, a.Score, a.Tier)
			}
			checkWeights(t, hs)
		}
	}
	// Every rounding of five pillar scores agrees with the questionnaire's own.
	for i := 0; i < 2000; i++ {
		cats := make([]finhealth.CategoryScore, 5)
		tenths := 0
		for c := range cats {
			v := (i*37 + c*211) % 1001
			cats[c] = finhealth.CategoryScore{Category: string(rune('a' + c)), Score: float64(v) / 10}
			tenths += v
		}
		want := float64(roundDiv(tenths, 5)) / 10
		hs := CombinedHealth(nil, &finhealth.Assessment{Categories: cats, Score: want}, bakeryAsOf)
		if *hs.Score != want {
			t.Fatalf("%v: %v, want %v", cats, *hs.Score, want)
		}
	}
}

func TestHealthNothing(t *testing.T) {
	hs := CombinedHealth(nil, nil, bakeryAsOf)
	if hs.Status != finhealth.MetricNotEnoughData || hs.Score != nil || hs.Tier != "" || len(hs.Recommendations) != 1 || hs.Reason == "" {
		t.Errorf("%+v", hs)
	}
	if hs.MethodVersion != HealthMethodVersion || hs.LedgerAsOf != nil {
		t.Errorf("method version %q, ledger as of %v", hs.MethodVersion, hs.LedgerAsOf)
	}
}

// scored builds a metric as ComputeMetrics would leave it, with the given points.
func scored(name string, points int) finhealth.MetricValue {
	v := float64(points)
	return finhealth.MetricValue{Name: name, Status: finhealth.MetricOK, Value: &v, Points: &points, AsOf: bakeryAsOf}
}

func TestHealthTierBoundaries(t *testing.T) {
	cats := func(scores ...float64) *finhealth.Assessment {
		a := &finhealth.Assessment{}
		for i, s := range scores {
			a.Categories = append(a.Categories, finhealth.CategoryScore{Category: string(rune('a' + i)), Score: s})
		}
		return a
	}
	for _, tc := range []struct {
		name    string
		metrics []finhealth.MetricValue
		a       *finhealth.Assessment
		score   float64
		tier    string
	}{
		{"ledger 80", []finhealth.MetricValue{scored(MetricDebtToEquity, 80)}, nil, 80, finhealth.TierHealthy},
		{"ledger 79", []finhealth.MetricValue{scored(MetricDebtToEquity, 79)}, nil, 79, finhealth.TierCoping},
		{"ledger 40", []finhealth.MetricValue{scored(MetricDSO, 40)}, nil, 40, finhealth.TierCoping},
		{"ledger 39", []finhealth.MetricValue{scored(MetricDSO, 39)}, nil, 39, finhealth.TierVulnerable},
		{"answers 80.0", nil, cats(80, 80, 80, 80, 80), 80, finhealth.TierHealthy},
		{"answers 79.9", nil, cats(79.9, 79.9, 79.9, 79.9, 79.9), 79.9, finhealth.TierCoping},
		{"answers 40.0", nil, cats(40, 40, 40, 40, 40), 40, finhealth.TierCoping},
		{"answers 39.9", nil, cats(39.9, 39.9, 39.9, 39.9, 39.9), 39.9, finhealth.TierVulnerable},
		// 79.95 as a mean rounds up to 80.0 before the tier is read: (79.9 + 80.0) / 2
		// over two equal pillars.
		{"rounded up to 80", nil, cats(79.9, 80), 80, finhealth.TierHealthy},
		// One questionnaire pillar, so ledger units are share x 1: solvency 9 at 100
		// against the answers' 40 at 72.7: (9 x 1000 + 40 x 727) / 49 = 38,080 / 49
		// = 777.1 tenths -> 77.7.
		{"blend", []finhealth.MetricValue{scored(MetricDebtToEquity, 100)}, cats(72.7), 77.7, finhealth.TierCoping},
		{"both 100", []finhealth.MetricValue{scored(MetricCurrentRatio, 100)}, cats(100, 100), 100, finhealth.TierHealthy},
		{"both 0", []finhealth.MetricValue{scored(MetricCurrentRatio, 0)}, cats(0, 0), 0, finhealth.TierVulnerable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := CombinedHealth(tc.metrics, tc.a, bakeryAsOf)
			if hs.Score == nil || *hs.Score != tc.score || hs.Tier != tc.tier {
				t.Errorf("score %v %s, want %v %s", deref(hs.Score), hs.Tier, tc.score, tc.tier)
			}
			checkWeights(t, hs)
		})
	}
}

// A business healthy everywhere gets one maintenance note, naming its weakest part.
func TestHealthMaintenance(t *testing.T) {
	ms := []finhealth.MetricValue{scored(MetricCurrentRatio, 100), scored(MetricOverdueShare, 85), scored(MetricNetMargin, 100)}
	q := v1(t)
	a, _ := Score(q, extremeAnswers(q, true))
	hs := CombinedHealth(ms, a, bakeryAsOf)
	if len(hs.Recommendations) != 1 || hs.Recommendations[0].Category != MetricOverdueShare ||
		!strings.Contains(hs.Recommendations[0].Detail, "85 points") {
		t.Errorf("%+v", hs.Recommendations)
	}
}

// Points outside 0-100 (a hand-made metric) are clamped, and a metric "ok" without
// points counts as missing.
func TestHealthDefensive(t *testing.T) {
	bad := scored(MetricCurrentRatio, 250)
	none := scored(MetricQuickRatio, 0)
	none.Points = nil
	hs := CombinedHealth([]finhealth.MetricValue{bad, none, scored(MetricDSO, -20)}, nil, bakeryAsOf)
	// liquidity 100 (105 units), receivables 0 (60 units): 105,000 / 165 = 636.4 -> 63.6
	if *hs.Score != 63.6 {
		t.Errorf("score %v, want 63.6", *hs.Score)
	}
	checkWeights(t, hs)
}

// Every recommendation text quotes numbers, for every weak metric the score can carry.
func TestMetricAdviceQuotesNumbers(t *testing.T) {
	ms := ComputeMetrics(bakerySnapshot(), bakeryHistory(), bakeryMapping(t), bakeryAsOf)
	for _, p := range ledgerPillars {
		for _, wm := range p.metrics {
			m := metricNamed(t, ms, wm.name)
			title, detail := metricAdvice(&m)
			if title == "" || detail == "" || strings.Contains(title+detail, "unknown amount") || strings.Contains(title+detail, "%!") {
				t.Errorf("%s: %q / %q", wm.name, title, detail)
			}
			if !strings.ContainsAny(title+detail, "0123456789") {
				t.Errorf("%s quotes no number: %q", wm.name, detail)
			}
		}
	}
	// The special cases have their own wording.
	for _, m := range []finhealth.MetricValue{
		func() finhealth.MetricValue {
			m := metricNamed(t, ms, MetricDSO)
			m.Band, m.Value = "no_recent_sales", nil
			return m
		}(),
		func() finhealth.MetricValue {
			m := metricNamed(t, ms, MetricNetMargin)
			v := -4.2
			m.Value = &v
			return m
		}(),
	} {
		title, detail := metricAdvice(&m)
		if strings.Contains(title+detail, "n/a") || strings.Contains(title+detail, "%!") {
			t.Errorf("%s: %q / %q", m.Name, title, detail)
		}
	}
}

func TestHealthStaleNotes(t *testing.T) {
	ms := ComputeMetrics(bakerySnapshot(), nil, bakeryMapping(t), bakeryAsOf)
	a := mixedAssessment(t)
	a.CreatedAt = day(2024, 1, 1)
	hs := CombinedHealth(ms, a, bakeryAsOf.AddDate(0, 0, 30))
	if len(hs.Notes) != 2 {
		t.Errorf("notes %q", hs.Notes)
	}
}
