package scoring

import (
	"math"
	"math/big"
	"strings"
	"testing"

	"finhealth"
)

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

// scored builds a metric as ComputeMetrics would leave it, with the given points.
func scored(name string, points int) finhealth.MetricValue {
	v := float64(points)
	return finhealth.MetricValue{Name: name, Status: finhealth.MetricOK, Value: &v, Points: &points, AsOf: bakeryAsOf}
}

// v1Assessment is a stored first-version assessment: its answers keep the points they
// were scored with, and the combined score reads them by what they measure.
func v1Assessment(t testing.TB, values map[string]string) *finhealth.Assessment {
	t.Helper()
	q, ok := Lookup("sbfhc", 1)
	if !ok {
		t.Fatal("questionnaire sbfhc v1 is not known")
	}
	a, err := Score(q, answersFor(t, q, values))
	if err != nil {
		t.Fatal(err)
	}
	a.ID, a.CreatedAt = "assess-1", day(2025, 5, 20)
	return a
}

// handAnswers are v1 answers whose points the hand computation below uses.
var handAnswers = map[string]string{
	"cash_buffer_days":    "days_15_26",      // 25, liquidity
	"short_term_coverage": "covered_1x",      // 45, liquidity
	"cash_shortfalls":     "once",            // 65, liquidity
	"tax_set_aside":       "when_due",        // 25, liquidity
	"bills_on_time":       "mostly_on_time",  // 70, liquidity (payables)
	"overdue_share":       "from_5_to_15",    // 70, receivables
	"days_to_get_paid":    "days_31_45",      // 70, receivables
	"net_margin":          "margin_0_5",      // 30, profitability and growth
	"revenue_trend":       "flat",            // 60
	"owner_pay":           "reduced",         // 55
	"pricing_review":      "last_12_months",  // 75
	"debt_service_share":  "under_10",        // 90, debt and solvency
	"missed_payments":     "never",           // 100
	"credit_access":       "bank_would_lend", // 85
	"budget_forecast":     "quarterly",       // 70, planning and controls
	"books_review":        "monthly",         // 100
	"separate_finances":   "mostly",          // 65
	"insurance":           "minimum",         // 35
}

func handMetrics() []finhealth.MetricValue {
	return []finhealth.MetricValue{
		scored(MetricCurrentRatio, 100), scored(MetricQuickRatio, 40), scored(MetricCashBufferDays, 25), scored(MetricRunwayMonths, 0),
		scored(MetricOverdueShare, 70), scored(MetricDSO, 45),
		scored(MetricNetMargin, 30), scored(MetricRevenueGrowth1y, 60), scored(MetricRevenueGrowth90d, 100),
		scored(MetricDebtToEquity, 85),
	}
}

// TestHealthByHand works a whole score out by hand. Days payables outstanding, return
// on assets and interest cover have no data, so their weight goes to their siblings.
//
//	liquidity   books   (100x25 + 40x15 + 25x25 + 0x25) / 90 = 3,725 / 90 = 41.3889
//	            answers (25 + 45 + 65 + 25 + 70) / 5 = 46
//	            pillar  0.6 x 41.3889 + 0.4 x 46 = 43.2333 -> 43.2
//	receivables books (70x60 + 45x40) / 100 = 60; answers (70 + 70) / 2 = 70; pillar 64.0
//	profit      books (30x35 + 60x30 + 100x20) / 85 = 4,850 / 85 = 57.0588
//	            answers (30 + 60 + 55 + 75) / 4 = 55; pillar 34.2353 + 22 = 56.2353 -> 56.2
//	debt        books 85; answers (90 + 100 + 85) / 3 = 91.6667; pillar 51 + 36.6667 = 87.6667 -> 87.7
//	planning    answers only (70 + 100 + 65 + 35) / 4 = 67.5
//	score       0.30 x 43.2333 + 0.15 x 64 + 0.25 x 56.2353 + 0.20 x 87.6667 + 0.10 x 67.5
//	            = 12.97 + 9.6 + 14.0588 + 17.5333 + 6.75 = 60.912 (77,663 / 1,275) -> 60.9, coping
//
// The weak parts, most urgent first: runway (0 points, liquidity, effective weight
// 0.3 x 0.6 x 25/90 = 0.05, 5 points lost) and cash buffer (25 points, 3.75 lost) are
// urgent and in the first pillar; net margin (30) is urgent but in a later pillar, so
// it comes third although quick ratio (40) is in liquidity: 40 is not urgent.
func TestHealthByHand(t *testing.T) {
	hs := CombinedHealth(handMetrics(), v1Assessment(t, handAnswers), bakeryAsOf)
	if hs.Score == nil || *hs.Score != 60.9 || hs.Tier != finhealth.TierCoping || hs.MethodVersion != "fh-health-v2" {
		t.Fatalf("score %v %s %s, want 60.9 coping fh-health-v2", deref(hs.Score), hs.Tier, hs.MethodVersion)
	}
	checkWeights(t, hs)
	want := map[string]struct{ score, books, answers float64 }{
		"liquidity":            {43.2, 41.4, 46},
		"receivables":          {64, 60, 70},
		"profitability_growth": {56.2, 57.1, 55},
		"debt_solvency":        {87.7, 85, 91.7},
	}
	for _, p := range hs.Pillars {
		if p.ID == "planning_controls" {
			if p.Books != nil || p.Answers.EffectiveWeight != 1 || *p.Score != 67.5 || p.Weight != 0.1 {
				t.Errorf("planning: %+v %+v", p, p.Answers)
			}
			continue
		}
		w, ok := want[p.ID]
		if !ok || *p.Score != w.score || *p.Books.Score != w.books || *p.Answers.Score != w.answers ||
			p.Books.EffectiveWeight != 0.6 || p.Answers.EffectiveWeight != 0.4 {
			t.Errorf("%s: score %v books %v answers %v, want %+v", p.ID, deref(p.Score), deref(p.Books.Score), deref(p.Answers.Score), w)
		}
	}
	var titles []string
	for _, r := range hs.Recommendations {
		titles = append(titles, r.Category)
		if r.Title == "" || r.Detail == "" || r.Why == "" || strings.Count(r.Detail, ". ") > 0 {
			t.Errorf("recommendation %s is not a title, one sentence and a why: %+v", r.Category, r)
		}
	}
	if strings.Join(titles, ",") != "runway_months,cash_buffer_days,net_margin" {
		t.Errorf("recommendations %v", titles)
	}
	for _, c := range hs.Components {
		if c.Name == MetricRunwayMonths && math.Abs(c.EffectiveWeight-0.05) > 1e-12 {
			t.Errorf("runway effective weight %v, want 0.05", c.EffectiveWeight)
		}
		if c.Name == MetricDPO && (c.Status != finhealth.MetricNotEnoughData || c.Reason == "") {
			t.Errorf("days payables outstanding without data: %+v", c)
		}
	}
}

// A half without data gives its weight to the other; a pillar with neither gives its
// weight to the other pillars.
func TestHealthRedistribution(t *testing.T) {
	// Books only, two pillars: liquidity (current 100) and debt (D/E 50):
	// (30 x 100 + 20 x 50) / 50 = 80.0.
	hs := CombinedHealth([]finhealth.MetricValue{scored(MetricCurrentRatio, 100), scored(MetricDebtToEquity, 50)}, nil, bakeryAsOf)
	if *hs.Score != 80 || hs.Tier != finhealth.TierHealthy {
		t.Errorf("score %v %s, want 80 healthy", *hs.Score, hs.Tier)
	}
	checkWeights(t, hs)
	for _, p := range hs.Pillars {
		switch p.ID {
		case "liquidity":
			if p.EffectiveWeight != 0.6 || p.Books.EffectiveWeight != 1 || p.Answers.Status != finhealth.MetricNotEnoughData ||
				p.Answers.Reason != "The questionnaire has not been answered." {
				t.Errorf("liquidity %+v books %+v answers %+v", p, p.Books, p.Answers)
			}
		case "receivables", "profitability_growth", "planning_controls":
			if p.Status != finhealth.MetricNotEnoughData || p.Score != nil || p.Reason == "" || p.EffectiveWeight != 0 {
				t.Errorf("%s without data: %+v", p.ID, p)
			}
		}
	}

	// Answers only: the pillars' answers weighed 30/15/25/20/10, not the
	// questionnaire's plain mean of pillars:
	// 0.30 x 46 + 0.15 x 70 + 0.25 x 55 + 0.20 x 91.6667 + 0.10 x 67.5
	// = 13.8 + 10.5 + 13.75 + 18.3333 + 6.75 = 63.1333 -> 63.1.
	hs = CombinedHealth(nil, v1Assessment(t, handAnswers), bakeryAsOf)
	if *hs.Score != 63.1 {
		t.Errorf("answers only: %v, want 63.1", *hs.Score)
	}
	checkWeights(t, hs)
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

// The score is rounded once, half away from zero, and the tier is read from the
// rounded score.
func TestHealthRoundingAndTiers(t *testing.T) {
	for _, tc := range []struct {
		name    string
		metrics []finhealth.MetricValue
		score   float64
		tier    string
	}{
		{"80", []finhealth.MetricValue{scored(MetricDebtToEquity, 80)}, 80, finhealth.TierHealthy},
		{"79", []finhealth.MetricValue{scored(MetricDebtToEquity, 79)}, 79, finhealth.TierCoping},
		{"40", []finhealth.MetricValue{scored(MetricDSO, 40)}, 40, finhealth.TierCoping},
		{"39", []finhealth.MetricValue{scored(MetricDSO, 39)}, 39, finhealth.TierVulnerable},
		// Liquidity books (current 80 x 25 + quick 79 x 15) / 40 = 3,185 / 40 = 79.625
		// -> 79.6; with debt 80: (30 x 79.625 + 20 x 80) / 50 = 79.775 -> 79.8.
		{"once", []finhealth.MetricValue{scored(MetricCurrentRatio, 80), scored(MetricQuickRatio, 79), scored(MetricDebtToEquity, 80)}, 79.8, finhealth.TierCoping},
		// (100 x 25 + 59 x 15) / 40 = 84.625; with D/E 75: (30 x 84.625 + 20 x 75) / 50
		// = 80.775 -> 80.8: rounded once from the exact value, not from 84.6.
		{"exact", []finhealth.MetricValue{scored(MetricCurrentRatio, 100), scored(MetricQuickRatio, 59), scored(MetricDebtToEquity, 75)}, 80.8, finhealth.TierHealthy},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := CombinedHealth(tc.metrics, nil, bakeryAsOf)
			if hs.Score == nil || *hs.Score != tc.score || hs.Tier != tc.tier {
				t.Errorf("score %v %s, want %v %s", deref(hs.Score), hs.Tier, tc.score, tc.tier)
			}
			checkWeights(t, hs)
		})
	}
	for _, tc := range []struct {
		num, den int64
		want     float64
	}{{7995, 100, 80}, {-7995, 100, -80}, {7994, 100, 79.9}, {1, 20, 0.1}, {1, 21, 0}, {0, 1, 0}} {
		if got := round1(big.NewRat(tc.num, tc.den)); got != tc.want {
			t.Errorf("round1(%d/%d) = %v, want %v", tc.num, tc.den, got, tc.want)
		}
	}
}

// A business healthy everywhere gets one maintenance note, naming its weakest part.
func TestHealthMaintenance(t *testing.T) {
	ms := []finhealth.MetricValue{scored(MetricCurrentRatio, 100), scored(MetricOverdueShare, 85), scored(MetricNetMargin, 100)}
	hs := CombinedHealth(ms, nil, bakeryAsOf)
	if len(hs.Recommendations) != 1 || hs.Recommendations[0].Category != MetricOverdueShare ||
		!strings.Contains(hs.Recommendations[0].Detail, "85.0 points") {
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
	// liquidity 100 (30), receivables 0 (15): 3,000 / 45 = 66.67 -> 66.7
	if *hs.Score != 66.7 {
		t.Errorf("score %v, want 66.7", *hs.Score)
	}
	checkWeights(t, hs)
}

// Every recommendation quotes numbers, for every weak metric the score can carry.
func TestMetricAdviceQuotesNumbers(t *testing.T) {
	ms := ComputeMetrics(bakerySnapshot(), bakeryHistory(), bakeryMapping(t), bakeryAsOf)
	// A recommendation is only made for a metric with points.
	byName := map[string]bool{}
	for _, m := range ms {
		byName[m.Name] = m.Status == finhealth.MetricOK
	}
	for _, p := range pillarDefs {
		for _, wm := range p.metrics {
			if !byName[wm.name] {
				continue
			}
			m := metricNamed(t, ms, wm.name)
			r := metricAdvice(&m)
			text := r.Title + r.Detail + r.Why
			if r.Title == "" || r.Detail == "" || r.Why == "" || strings.Contains(text, "unknown amount") || strings.Contains(text, "%!") {
				t.Errorf("%s: %+v", wm.name, r)
			}
			if !strings.ContainsAny(r.Detail, "0123456789") {
				t.Errorf("%s quotes no number: %q", wm.name, r.Detail)
			}
		}
	}
}

func TestHealthStaleNotes(t *testing.T) {
	ms := ComputeMetrics(bakerySnapshot(), nil, bakeryMapping(t), bakeryAsOf)
	a := v1Assessment(t, handAnswers)
	a.CreatedAt = day(2024, 1, 1)
	hs := CombinedHealth(ms, a, bakeryAsOf.AddDate(0, 0, 30))
	if len(hs.Notes) != 2 {
		t.Errorf("notes %q", hs.Notes)
	}
}

// A pre-revenue start-up answers "not applicable" where a question cannot apply: the
// items drop out of their pillar's mean, and a pillar with nothing applicable drops
// out of the score, its weight going to the others.
//
//	liquidity    (25 + 0 ("I don't know") + 100 + 100 + 100) / 5 = 65
//	profit       (0 + 15 + 100) / 3 = 38.3333 (revenue trend not applicable)
//	debt         (100 + 100 + 85) / 3 = 95
//	receivables  both "no sales yet": no score
//	planning     100
//	score        (30 x 65 + 25 x 38.3333 + 20 x 95 + 10 x 100) / 85 = 5,808.33 / 85 = 68.33 -> 68.3
func TestHealthNotApplicable(t *testing.T) {
	q := Current()
	a, err := Score(q, answersFor(t, q, map[string]string{
		"cash_buffer_days": "days_15_26", "short_term_coverage": "unknown", "cash_shortfalls": "never",
		"tax_set_aside": "separate_account", "bills_on_time": "on_time",
		"net_margin": "loss", "revenue_trend": "trading_under_2_years", "owner_pay": "nothing", "pricing_review": "last_6_months",
		"debt_service_share": "none", "missed_payments": "never", "credit_access": "bank_would_lend",
		"overdue_share": "no_sales_yet", "days_to_get_paid": "no_sales_yet",
		"budget_forecast": "monthly", "books_review": "monthly", "separate_finances": "fully", "insurance": "reviewed",
	}))
	if err != nil {
		t.Fatal(err)
	}
	hs := CombinedHealth(nil, a, bakeryAsOf)
	if hs.Score == nil || *hs.Score != 68.3 {
		t.Fatalf("score %v, want 68.3", deref(hs.Score))
	}
	checkWeights(t, hs)
	for _, p := range hs.Pillars {
		switch p.ID {
		case "receivables":
			if p.Status != finhealth.MetricNotEnoughData || !strings.Contains(p.Answers.Reason, "not applicable") {
				t.Errorf("receivables: %+v %+v", p, p.Answers)
			}
		case "profitability_growth":
			if *p.Score != 38.3 {
				t.Errorf("profitability %v, want 38.3", *p.Score)
			}
		}
	}
}
