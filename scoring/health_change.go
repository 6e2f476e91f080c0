package scoring

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"

	"finhealth"
)

// maxChangeParts is how many causes a change lists before it sums the rest: a reader
// acts on the largest few.
const maxChangeParts = 4

// Attribute explains cur's change since prev, the previous score recorded with other
// inputs, from the two stored explanations alone (nil prev: a first score). A
// component's part is its contribution to this score (effective weight × points) minus
// its contribution to the previous one, so the exact parts add up to the exact change;
// a retaken questionnaire is one part. Each part is rounded to one decimal and any
// rounding difference goes to the largest, so the shown parts add up to the shown
// change (each score rounded to one decimal, then subtracted). A change across method
// versions cannot be split by cause and is one part that says so.
func Attribute(cur *finhealth.HealthScore, prev *finhealth.HealthScore) {
	cur.Change = nil
	if prev == nil || prev.Score == nil || cur.Score == nil {
		return
	}
	dt := tenths(*cur.Score) - tenths(*prev.Score)
	ch := &finhealth.ScoreChange{PreviousScore: *prev.Score, PreviousAsOf: prev.AsOf, Delta: float64(dt) / 10, Parts: []finhealth.ChangePart{}}
	cur.Change = ch
	if prev.MethodVersion != cur.MethodVersion {
		ch.Parts = []finhealth.ChangePart{{
			Kind: finhealth.ChangeMethod, Label: "Scoring method changed", Delta: ch.Delta,
			Text: fmt.Sprintf("The scoring method changed from %s to %s in between, so this change cannot be split by cause.",
				prev.MethodVersion, cur.MethodVersion),
		}}
		return
	}

	before := make(map[string]*finhealth.HealthComponent, len(prev.Components))
	for i := range prev.Components {
		before[prev.Components[i].Name] = &prev.Components[i]
	}
	retaken := cur.AssessmentID != prev.AssessmentID
	type cause struct {
		part  finhealth.ChangePart
		exact float64
	}
	var causes []cause
	quest := -1 // the retaken questionnaire's index in causes
	seen := make(map[string]bool, len(cur.Components))
	add := func(c, p *finhealth.HealthComponent) {
		d := contribution(c) - contribution(p)
		ref := c
		if ref == nil {
			ref = p
		}
		if retaken && ref.Source == finhealth.SourceQuestionnaire {
			if quest < 0 {
				quest = len(causes)
				causes = append(causes, cause{part: finhealth.ChangePart{Kind: finhealth.ChangeQuestionnaire,
					Label: "Questionnaire", Text: "The questionnaire was answered again."}})
			}
			causes[quest].exact += d
			return
		}
		if math.Abs(d) < 1e-9 {
			return
		}
		kind := finhealth.ChangeMetric
		if ref.Source == finhealth.SourceQuestionnaire {
			kind = finhealth.ChangeAnswers
		}
		causes = append(causes, cause{exact: d, part: finhealth.ChangePart{
			Kind: kind, Component: ref.Name, Label: ref.Label, Text: changeText(c, p)}})
	}
	for i := range cur.Components {
		c := &cur.Components[i]
		seen[c.Name] = true
		add(c, before[c.Name])
	}
	for i := range prev.Components {
		if p := &prev.Components[i]; !seen[p.Name] {
			add(nil, p)
		}
	}
	slices.SortStableFunc(causes, func(x, y cause) int { return cmp.Compare(math.Abs(y.exact), math.Abs(x.exact)) })
	if len(causes) > maxChangeParts {
		rest := cause{part: finhealth.ChangePart{Kind: finhealth.ChangeOther, Label: "Smaller changes",
			Text: strconv.Itoa(len(causes)-maxChangeParts+1) + " smaller changes together."}}
		for _, c := range causes[maxChangeParts-1:] {
			rest.exact += c.exact
		}
		causes = append(causes[:maxChangeParts-1], rest)
	}
	if len(causes) == 0 {
		return
	}
	var sum int64
	largest := 0 // the summed smaller changes may outweigh every part shown alone
	for i := range causes {
		t := int64(math.Round(causes[i].exact * 10))
		causes[i].part.Delta = float64(t) / 10
		sum += t
		if math.Abs(causes[i].exact) > math.Abs(causes[largest].exact) {
			largest = i
		}
	}
	// The largest part absorbs the rounding, so the parts add up to the shown change.
	causes[largest].part.Delta = float64(tenths(causes[largest].part.Delta)+dt-sum) / 10
	for i, c := range causes {
		// A part that rounds to nothing says nothing; the sum is unchanged without it.
		if i == largest || c.part.Delta != 0 {
			ch.Parts = append(ch.Parts, c.part)
		}
	}
}

// contribution is a component's share of its score's points; nil or without data, none.
func contribution(c *finhealth.HealthComponent) float64 {
	if c == nil || c.Status != finhealth.MetricOK || c.Points == nil {
		return 0
	}
	return c.EffectiveWeight * *c.Points
}

// changeText says what moved for one component, in the terms a reader sees.
func changeText(c, p *finhealth.HealthComponent) string {
	scored := func(x *finhealth.HealthComponent) bool {
		return x != nil && x.Status == finhealth.MetricOK && x.Points != nil
	}
	okNow, okBefore := scored(c), scored(p)
	switch {
	case okNow && !okBefore:
		return fmt.Sprintf("%s now has enough data: %s points.", c.Label, oneDecimal(*c.Points))
	case !okNow && okBefore:
		why := ""
		if c == nil {
			why = " (it is no longer part of the score)"
		} else if c.Reason != "" {
			why = " (" + c.Reason + ")"
		}
		return fmt.Sprintf("%s no longer counts%s.", p.Label, why)
	case *c.Points != *p.Points:
		verb := "rose"
		if *c.Points < *p.Points {
			verb = "fell"
		}
		if c.Value != nil && p.Value != nil && *c.Value != *p.Value {
			dir := "rose"
			if *c.Value < *p.Value {
				dir = "fell"
			}
			return fmt.Sprintf("%s %s from %s to %s%s (%s to %s points).", c.Label, dir, valueShown(p), valueShown(c), unitSuffix(c.Unit),
				oneDecimal(*p.Points), oneDecimal(*c.Points))
		}
		return fmt.Sprintf("%s %s from %s to %s points.", c.Label, verb, oneDecimal(*p.Points), oneDecimal(*c.Points))
	}
	return fmt.Sprintf("%s is unchanged at %s points; its weight moved from %.1f%% to %.1f%% as other parts gained or lost data.",
		c.Label, oneDecimal(*c.Points), p.EffectiveWeight*100, c.EffectiveWeight*100)
}

func valueShown(c *finhealth.HealthComponent) string {
	d := 1
	if c.Unit == finhealth.UnitRatio {
		d = 2
	}
	return strconv.FormatFloat(*c.Value, 'f', d, 64)
}

func unitSuffix(u finhealth.MetricUnit) string {
	switch u {
	case finhealth.UnitPercent:
		return "%"
	case finhealth.UnitDays:
		return " days"
	case finhealth.UnitMonths:
		return " months"
	}
	return ""
}
