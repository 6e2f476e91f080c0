package scoring

import (
	"math"
	"strings"
	"testing"

	"finhealth"
)

func partsSum(c *finhealth.ScoreChange) float64 {
	s := 0.0
	for _, p := range c.Parts {
		s += p.Delta
	}
	return s
}

// TestAttributeByHand: the same books a month apart, DSO rising from 38 days (80
// points) to 52 days (45 points), the questionnaire unchanged.
//
//	before  receivables (100 x 60 + 80 x 40) / 100 = 92; liquidity 100 (current ratio)
//	        (30 x 100 + 15 x 92) / 45 = 4,380 / 45 = 97.333 -> 97.3
//	after   receivables (100 x 60 + 45 x 40) / 100 = 78
//	        (30 x 100 + 15 x 78) / 45 = 4,170 / 45 = 92.667 -> 92.7
//	change  92.7 - 97.3 = -4.6; DSO's effective weight is 15/45 x 40/100 = 0.1333,
//	        so its part is 0.1333 x (45 - 80) = -4.667 -> -4.7, and the largest part
//	        absorbs the rounding: -4.6.
func TestAttributeByHand(t *testing.T) {
	dso := func(days float64, points int) finhealth.MetricValue {
		m := scored(MetricDSO, points)
		m.Value, m.Unit, m.Label = &days, finhealth.UnitDays, "Days sales outstanding"
		return m
	}
	before := CombinedHealth([]finhealth.MetricValue{scored(MetricCurrentRatio, 100), scored(MetricOverdueShare, 100), dso(38, 80)}, nil, bakeryAsOf.AddDate(0, -1, 0))
	after := CombinedHealth([]finhealth.MetricValue{scored(MetricCurrentRatio, 100), scored(MetricOverdueShare, 100), dso(52, 45)}, nil, bakeryAsOf)
	if *before.Score != 97.3 || *after.Score != 92.7 {
		t.Fatalf("scores %v then %v, want 97.3 then 92.7", *before.Score, *after.Score)
	}
	Attribute(&after, &before)
	c := after.Change
	if c == nil || c.Delta != -4.6 || c.PreviousScore != 97.3 || !c.PreviousAsOf.Equal(before.AsOf) || len(c.Parts) != 1 {
		t.Fatalf("change %+v", c)
	}
	p := c.Parts[0]
	if p.Kind != finhealth.ChangeMetric || p.Component != MetricDSO || p.Delta != -4.6 ||
		p.Text != "Days sales outstanding rose from 38.0 to 52.0 days (80.0 to 45.0 points)." {
		t.Errorf("part %+v", p)
	}

	// A first score has nothing to explain; the same score again changes by 0.
	Attribute(&after, nil)
	if after.Change != nil {
		t.Errorf("first score explained: %+v", after.Change)
	}
	same := after
	Attribute(&same, &after)
	if same.Change == nil || same.Change.Delta != 0 || len(same.Change.Parts) != 0 {
		t.Errorf("no change: %+v", same.Change)
	}
}

// A retaken questionnaire is one part; data that arrives moves weights, which is
// named; the parts always add up to the shown change.
func TestAttributeRetakeAndNewData(t *testing.T) {
	a1 := v1Assessment(t, handAnswers)
	before := CombinedHealth(handMetrics()[:6], a1, bakeryAsOf.AddDate(0, -1, 0))
	better := map[string]string{}
	for k, v := range handAnswers {
		better[k] = v
	}
	better["cash_buffer_days"], better["budget_forecast"] = "days_90_plus", "monthly"
	a2 := v1Assessment(t, better)
	a2.ID = "assess-2"
	after := CombinedHealth(handMetrics(), a2, bakeryAsOf)
	Attribute(&after, &before)
	c := after.Change
	if c == nil {
		t.Fatal("no change")
	}
	if want := float64(tenths(*after.Score)-tenths(*before.Score)) / 10; c.Delta != want || math.Abs(partsSum(c)-want) > 1e-9 {
		t.Errorf("delta %v, parts sum %v, want %v", c.Delta, partsSum(c), want)
	}
	kinds := map[string]int{}
	for _, p := range c.Parts {
		kinds[p.Kind]++
		if p.Text == "" || p.Delta == 0 && p != c.Parts[0] {
			t.Errorf("part %+v", p)
		}
	}
	if kinds[finhealth.ChangeQuestionnaire] != 1 || len(c.Parts) > maxChangeParts {
		t.Errorf("parts %+v", c.Parts)
	}
	found := false
	for _, p := range c.Parts {
		found = found || strings.Contains(p.Text, "now has enough data") || p.Kind == finhealth.ChangeOther
	}
	if !found {
		t.Errorf("the metrics that gained data are not named: %+v", c.Parts)
	}
}

// Rounding: every part rounds, and the largest absorbs the difference so the parts
// add up to the shown change, over many pairs of scores.
func TestAttributeAlwaysAddsUp(t *testing.T) {
	names := []string{MetricCurrentRatio, MetricQuickRatio, MetricCashBufferDays, MetricOverdueShare, MetricDSO,
		MetricNetMargin, MetricRevenueGrowth1y, MetricDebtToEquity}
	build := func(seed int) finhealth.HealthScore {
		var ms []finhealth.MetricValue
		for i, n := range names {
			if (seed+i)%5 == 0 {
				continue // missing data moves weights
			}
			ms = append(ms, scored(n, (seed*37+i*53)%101))
		}
		return CombinedHealth(ms, nil, bakeryAsOf)
	}
	for s := 0; s < 500; s++ {
		prev, cur := build(s), build(s+1)
		Attribute(&cur, &prev)
		c := cur.Change
		want := float64(tenths(*cur.Score)-tenths(*prev.Score)) / 10
		if c == nil || c.Delta != want || math.Abs(partsSum(c)-want) > 1e-9 {
			t.Fatalf("seed %d: %+v, want delta %v", s, c, want)
		}
	}
}

// Across method versions the change is one part that says so.
func TestAttributeMethodChange(t *testing.T) {
	old := CombinedHealth([]finhealth.MetricValue{scored(MetricCurrentRatio, 50)}, nil, bakeryAsOf.AddDate(0, -1, 0))
	old.MethodVersion = "fh-health-v1"
	cur := CombinedHealth([]finhealth.MetricValue{scored(MetricCurrentRatio, 100)}, nil, bakeryAsOf)
	Attribute(&cur, &old)
	if c := cur.Change; c == nil || c.Delta != 50 || len(c.Parts) != 1 || c.Parts[0].Kind != finhealth.ChangeMethod || c.Parts[0].Delta != 50 {
		t.Errorf("%+v", cur.Change)
	}
}
