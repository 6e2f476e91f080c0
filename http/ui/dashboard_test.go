package ui

import (
	"reflect"
	"testing"
	"time"

	"finhealth"
)

func TestScoreFormats(t *testing.T) {
	for v, want := range map[float64]string{43.25: "43.3", 62.5: "62.5", 81: "81.0", 0: "0.0"} {
		if got := formatScore(&v); got != want {
			t.Errorf("formatScore(%v) = %q, want %q", v, got, want)
		}
	}
	for d, want := range map[float64]string{-6.1: "−6.1", 2: "+2.0", 0: "0.0", -0.04: "0.0"} {
		if got := formatDelta(d); got != want {
			t.Errorf("formatDelta(%v) = %q, want %q", d, got, want)
		}
	}
	// 30/85 = 0.352941...: one decimal of a percentage; whole shares stay whole.
	for w, want := range map[float64]string{0.3: "30%", 30.0 / 85: "35.3%", 0.6: "60%", 1: "100%", 0: "0%"} {
		if got := formatWeight(w); got != want {
			t.Errorf("formatWeight(%v) = %q, want %q", w, got, want)
		}
	}
}

// TestPillarRows: the weights a reader needs to recompute the score, and why they
// moved. Receivables has no data, so the other four share its 15%: liquidity's 30
// of the remaining 85 is 35.3%. Liquidity has no answers: its books carry it all,
// 0.6 -> 1. Its score is its books' 41.4.
func TestPillarRows(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	missing := finhealth.PillarHalf{Status: finhealth.MetricNotEnoughData, Reason: "Not answered.", Weight: 0.4}
	pillars := []finhealth.HealthPillar{
		{ID: "liquidity", Label: "Liquidity", Score: f(41.4), Weight: 0.3, EffectiveWeight: 30.0 / 85,
			Books:   &finhealth.PillarHalf{Score: f(41.4), Weight: 0.6, EffectiveWeight: 1},
			Answers: &missing},
		{ID: "receivables", Label: "Receivables", Reason: "No invoices.", Weight: 0.15,
			Books:   &finhealth.PillarHalf{Reason: "No invoices.", Weight: 0.6},
			Answers: &missing},
		{ID: "planning_controls", Label: "Planning and controls", Score: f(46), Weight: 0.1, EffectiveWeight: 10.0 / 85,
			Answers: &finhealth.PillarHalf{Score: f(46), Weight: 1, EffectiveWeight: 1}},
	}
	got := pillarRows(pillars)
	want := []pillarRow{
		{ID: "liquidity", Label: "Liquidity", Score: "41.4", Rating: rating{Label: "Coping", Class: "warn"},
			weights: weights{"30%", "35.3%", "receivables has no data"},
			Halves: []halfRow{{"Books", "41.4", "", weights{"60%", "100%", "the answers have no data"}},
				{"Answers", "–", "Not answered.", weights{"40%", "0%", "no data, its weight moves to the books"}}}},
		{ID: "receivables", Label: "Receivables", Score: "–", Rating: rating{Label: "Not enough data"}, Reason: "No invoices.",
			weights: weights{"15%", "0%", "no data, its weight moves to the other pillars"},
			Halves:  []halfRow{{"Books", "–", "No invoices.", weights{Weight: "60%"}}, {"Answers", "–", "Not answered.", weights{Weight: "40%"}}}},
		{ID: "planning_controls", Label: "Planning and controls", Score: "46.0", Rating: rating{Label: "Coping", Class: "warn"},
			weights: weights{"10%", "11.8%", "receivables has no data"},
			Halves:  []halfRow{{"Answers", "46.0", "", weights{Weight: "100%"}}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("pillar rows\n got %+v\nwant %+v", got, want)
	}
	if s := joinAnd([]string{"receivables", "planning"}); s != "receivables and planning" {
		t.Errorf("joinAnd: %q", s)
	}
}

// TestMethodChanges: a marker where a score's method differs from the one before.
func TestMethodChanges(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 11, d, 0, 0, 0, 0, time.UTC) }
	// Newest first, as the store answers.
	scores := []finhealth.HealthScore{{MethodVersion: "v2", AsOf: day(4)}, {MethodVersion: "v2", AsOf: day(3)},
		{MethodVersion: "v1", AsOf: day(2)}, {MethodVersion: "v1", AsOf: day(1)}}
	if got := methodChanges(scores); !reflect.DeepEqual(got, []chartMarker{{At: day(3), Label: "method v2"}}) {
		t.Errorf("method changes: %+v", got)
	}
	if got := methodChanges(scores[:2]); got != nil {
		t.Errorf("one method, markers %+v", got)
	}
}
