package scoring

import (
	"maps"
	"strings"
	"testing"

	"finhealth"
)

// The golden businesses of issue 11 (golden_test.go) are whole books worked out by
// hand, metric by metric up to the combined score, its change and its first advice.
// This file holds what they share: the books as a table of accounts with their
// balances now (bakeryAsOf) and at the earlier snapshot 90 days before, and the
// expectations they are checked against.

// goldenLine is one account of a golden business. A zero then is also an account
// opened since the earlier snapshot: flows treat both alike.
type goldenLine struct {
	id, name  string
	typ       finhealth.AccountType
	sub       finhealth.AccountSubtypeValue
	side      finhealth.NormalBalance
	now, then int64
}

type goldenBooks struct {
	lines     []goldenLine
	invoices  []finhealth.Invoice
	overrides []finhealth.AccountOverride
	// foreign are accounts held in another currency than the business's, which the
	// metrics leave out; they have no earlier balance.
	foreign []finhealth.LedgerAccount
	// subtypes is Wave's subtype list as served, from which a missing side is filled in.
	subtypes []finhealth.AccountSubtype
}

// build is the ledger snapshot, its history (one snapshot 90 days earlier) and the
// default mapping with the books' overrides applied.
func (b goldenBooks) build(t *testing.T) (finhealth.LedgerSnapshot, []finhealth.BalanceSnapshot, finhealth.AccountMapping) {
	t.Helper()
	snap := smallBusiness()
	then := make(map[string]int64, len(b.lines))
	for _, l := range b.lines {
		snap.Accounts = append(snap.Accounts, account(l.id, l.name, l.typ, l.sub, l.side, usd(l.now)))
		then[l.id] = l.then
	}
	snap.Accounts = append(snap.Accounts, b.foreign...)
	snap.Invoices = b.invoices
	mapping, err := ApplyOverrides(DefaultAccountMapping(snap.Accounts, b.subtypes), b.overrides)
	if err != nil {
		t.Fatal(err)
	}
	return snap, snapshotAgo(90, then), mapping
}

// health is the books' metrics and combined score with the assessment a (nil: none).
func (b goldenBooks) health(t *testing.T, a *finhealth.Assessment) ([]finhealth.MetricValue, finhealth.HealthScore) {
	t.Helper()
	snap, history, mapping := b.build(t)
	ms := ComputeMetrics(snap, history, mapping, bakeryAsOf)
	return ms, HealthOf(ms, a, &snap, mapping, bakeryAsOf)
}

// goldenAssessment scores v2 answers as the store would keep them.
func goldenAssessment(t *testing.T, id string, values map[string]string) *finhealth.Assessment {
	t.Helper()
	q := Current()
	a, err := Score(q, answersFor(t, q, values))
	if err != nil {
		t.Fatal(err)
	}
	a.ID, a.CreatedAt = id, day(2025, 6, 1)
	return a
}

// withAnswers is values with some answers changed, as in a retake.
func withAnswers(values map[string]string, changed map[string]string) map[string]string {
	out := maps.Clone(values)
	maps.Copy(out, changed)
	return out
}

// goldenMetric is what one scored metric must show: a value in a band (valued), a
// band without a number (special), or not enough data with a reason containing band.
type goldenMetric struct {
	name   string
	value  float64
	band   string
	points int
	kind   byte // 'v' valued, 's' special, 'n' not enough data
}

func valued(name string, v float64, band string, points int) goldenMetric {
	return goldenMetric{name, v, band, points, 'v'}
}
func special(name, band string, points int) goldenMetric {
	return goldenMetric{name: name, band: band, points: points, kind: 's'}
}
func missing(name, reason string) goldenMetric {
	return goldenMetric{name: name, band: reason, kind: 'n'}
}

// goldenPillar is a pillar's score and its halves' (-1: no score).
type goldenPillar struct{ score, books, answers float64 }

type goldenPart struct {
	kind, component string
	delta           float64
}

// golden is everything a golden business asserts about its score.
type golden struct {
	metrics    []goldenMetric
	pillars    map[string]goldenPillar
	score      float64
	tier       string
	previous   float64
	delta      float64
	parts      []goldenPart
	topAdvice  string
	confidence string
}

func checkGolden(t *testing.T, ms []finhealth.MetricValue, hs, prev finhealth.HealthScore, want golden) {
	t.Helper()
	listed := make(map[string]bool, len(want.metrics))
	for _, w := range want.metrics {
		listed[w.name] = true
		switch w.kind {
		case 'v':
			wantValue(t, ms, w.name, w.value, w.band, w.points)
		case 's':
			m := metricNamed(t, ms, w.name)
			if m.Status != finhealth.MetricOK || m.Value != nil || m.Band != w.band || m.Points == nil || *m.Points != w.points {
				t.Errorf("%s = %s %v %q %v, want %q with %d points", w.name, m.Status, deref(m.Value), m.Band, deref(m.Points), w.band, w.points)
			}
		default:
			wantNotEnough(t, ms, w.name, w.band)
		}
	}
	// Every scored metric is asserted, so a golden business cannot leave one unchecked.
	for _, d := range pillarDefs {
		for _, wm := range d.metrics {
			if !listed[wm.name] {
				t.Errorf("the golden business does not assert %s", wm.name)
			}
		}
	}

	half := func(h *finhealth.PillarHalf) float64 {
		if h == nil || h.Score == nil {
			return -1
		}
		return *h.Score
	}
	for _, p := range hs.Pillars {
		w, ok := want.pillars[p.ID]
		if !ok {
			t.Errorf("pillar %s is not asserted", p.ID)
			continue
		}
		got := goldenPillar{-1, half(p.Books), half(p.Answers)}
		if p.Score != nil {
			got.score = *p.Score
		}
		if got != w {
			t.Errorf("pillar %s = %+v, want %+v", p.ID, got, w)
		}
	}

	if hs.Score == nil || *hs.Score != want.score || hs.Tier != want.tier {
		t.Errorf("score %v %s, want %v %s", deref(hs.Score), hs.Tier, want.score, want.tier)
	}
	if prev.Score == nil || *prev.Score != want.previous {
		t.Errorf("previous score %v, want %v", deref(prev.Score), want.previous)
	}
	Attribute(&hs, &prev)
	if ch := hs.Change; ch == nil || ch.Delta != want.delta || len(ch.Parts) != len(want.parts) {
		t.Errorf("change %+v, want %v in %d parts", ch, want.delta, len(want.parts))
	} else {
		for i, p := range ch.Parts {
			if w := want.parts[i]; p.Kind != w.kind || p.Component != w.component || p.Delta != w.delta {
				t.Errorf("change part %d = %s %s %v (%s), want %+v", i, p.Kind, p.Component, p.Delta, p.Text, w)
			}
		}
	}

	if len(hs.Recommendations) == 0 || hs.Recommendations[0].Category != want.topAdvice {
		t.Errorf("recommendations %+v, want %s first", hs.Recommendations, want.topAdvice)
	} else if r := hs.Recommendations[0]; r.Title == "" || r.Why == "" || strings.Count(r.Detail, ". ") > 0 {
		t.Errorf("first recommendation is not a title, one sentence and a why: %+v", r)
	}
	if hs.Confidence == nil || hs.Confidence.Level != want.confidence {
		t.Errorf("confidence %+v, want %s", hs.Confidence, want.confidence)
	}
}

// confidenceCodes lists a confidence's issue codes, comma-separated.
func confidenceCodes(c *finhealth.Confidence) string {
	var codes []string
	for _, is := range c.Issues {
		codes = append(codes, is.Code)
	}
	return strings.Join(codes, ",")
}
