package ui

import (
	"context"
	"html/template"
	"net/http"
	"strings"
	"time"

	"finhealth"
	fhttp "finhealth/http"
	"finhealth/scoring"
)

// insightPages are the dashboard, the metric detail pages (with the account mapping
// editor) and the history.
type insightPages struct{ *Handler }

// uiInsightRoutes are the dashboard, metric detail (with the account mapping
// editor) and history pages. Each mirrors the permission of the API route whose
// data it shows.
func (s insightPages) uiInsightRoutes() []uiRoute {
	return []uiRoute{
		{"GET", "/orgs/{id}", fhttp.Org(finhealth.PermHealthRead), s.uiDashboard},
		{"GET", "/orgs/{id}/metrics/{name}", fhttp.Org(finhealth.PermHealthRead), s.uiMetric},
		{"POST", "/orgs/{id}/mapping/{account_id}", fhttp.Org(finhealth.PermMappingEdit), s.uiSetMapping},
		{"POST", "/orgs/{id}/mapping/{account_id}/reset", fhttp.Org(finhealth.PermMappingEdit), s.uiResetMapping},
		{"GET", "/orgs/{id}/history", fhttp.Org(finhealth.PermHealthRead), s.uiHistory},
	}
}

// sparklineWindow is the trend a tile draws: a quarter shows the direction without
// reading a year of every metric (the metric page charts the year), and covers
// the 30 to 60 days back that the change over 30 days compares with.
const sparklineWindow = 90 * 24 * time.Hour

// dashboardPage is an organization's dashboard: the live combined score, its
// pillars, the metric tiles and what to do next.
type dashboardPage struct {
	OrgID  string
	Health fhttp.HealthView
	// Onboarding is set when there is nothing at all yet: no answers, no Wave.
	Onboarding bool
	Gauge      template.HTML
	Tier       string
	TierClass  string
	Pillars    template.HTML
	PillarRows []pillarRow
	// Change is the attribution of the change since the previous score; nil for a
	// first score.
	Change *changeView
	// Confidence is the books' quality; nil without books.
	Confidence *confidenceView
	Tiles      []metricTile
	// Others are the metrics shown for context, listed without a tile.
	Others []metricTile
	// Sync is the Wave box (last sync, "Sync now", live progress) of the Wave pages.
	Sync syncCard
}

// pillarRow is one pillar with its weight in the score and the two halves it
// blends, so that the score can be recomputed by hand from the page: the score is
// the sum of each pillar's score times its effective weight.
type pillarRow struct {
	ID     string
	Label  string
	Score  string
	Rating rating
	Reason string
	weights
	Halves []halfRow
}

// weights are a nominal share and, when it differs, the share after the weight of
// parts without data moved to the others, with why.
type weights struct {
	Weight    string
	Effective string
	Moved     string
}

func newWeights(nominal, effective float64, moved string) weights {
	w := weights{Weight: formatWeight(nominal)}
	if e := formatWeight(effective); e != w.Weight {
		w.Effective, w.Moved = e, moved
	}
	return w
}

// halfRow is the books or the answers half of a pillar.
type halfRow struct {
	Label  string
	Score  string
	Reason string
	weights
}

// changeView is what moved the score since the previous one: the parts add up to
// the shown delta exactly (scoring gives the rounding to the largest part).
type changeView struct {
	Since    time.Time
	Previous string
	Delta    string
	Parts    []changePart
}

type changePart struct {
	Delta string
	Text  string
}

// confidenceView is how far the books behind the score can be trusted.
type confidenceView struct {
	Level  string
	Class  string
	Issues []finhealth.ConfidenceIssue
}

// metricTile is one metric at a glance; Change and Spark come from its series.
type metricTile struct {
	Name   string
	Label  string
	Value  string
	Rating rating
	Band   string
	Change string
	Spark  template.HTML
	Reason string
	Note   string
	URL    string
	// HasValue is false for "not enough data", which is shown smaller than a number.
	HasValue bool
}

func (s insightPages) uiDashboard(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	p, err := s.dashboard(r.Context(), c)
	if err != nil {
		return err
	}
	return s.render(w, r, c, http.StatusOK, "dashboard.html", "Dashboard", p)
}

// dashboard builds the page from HealthNow (what the API's GET .../health answers),
// the Wave pages' sync box and one query for the series of every tile.
func (s insightPages) dashboard(ctx context.Context, c *fhttp.Call) (dashboardPage, error) {
	orgID := c.OrgID
	h, err := s.srv.HealthNow(ctx, orgID)
	if err != nil {
		return dashboardPage{}, err
	}
	p := dashboardPage{OrgID: orgID, Health: h,
		Onboarding: h.Status != "ok" && !h.Questionnaire.Available && h.Ledger.ConnectionStatus == fhttp.NotConnected}
	if p.Onboarding {
		return p, nil
	}
	if p.Sync, err = s.uiSyncCard(ctx, c, "/orgs/"+orgID); err != nil {
		return p, err
	}
	p.Tier = tierLabel(h.Health.Tier)
	if h.Health.Score != nil {
		p.TierClass = ratingClass(*h.Health.Score)
	}
	p.Gauge = gaugeSVG("score-gauge", h.Health.Score, p.Tier)

	p.PillarRows = pillarRows(h.Health.Pillars)
	bars := make([]scoreBar, 0, len(p.PillarRows))
	for i, pl := range h.Health.Pillars {
		bars = append(bars, scoreBar{Label: pl.Label + " · " + p.PillarRows[i].Weight, Value: pl.Score})
	}
	p.Pillars = barsSVG("pillar-bars", "Pillar scores", bars)
	p.Change = newChangeView(h.Health.Change)
	if c := h.Health.Confidence; c != nil {
		p.Confidence = &confidenceView{Level: capitalize(c.Level) + " books confidence", Class: confidenceClass[c.Level], Issues: c.Issues}
	}

	if !h.Ledger.Available {
		return p, nil
	}
	// The tiles are cash and the scored metrics in the order of their pillars; the
	// rest are context.
	tiled := []string{scoring.MetricCash}
	for _, comp := range h.Health.Components {
		if comp.Source == finhealth.SourceLedger {
			tiled = append(tiled, comp.Name)
		}
	}
	byName := make(map[string]finhealth.MetricValue, len(h.Metrics))
	for _, m := range h.Metrics {
		byName[m.Name] = m
	}
	asOf := *h.Ledger.AsOf
	stored, err := s.st.MetricSeries(ctx, orgID, tiled, asOf.Add(-sparklineWindow), time.Time{})
	if err != nil {
		return p, err
	}
	series := make(map[string][]finhealth.MetricPoint, len(tiled))
	for _, pt := range stored {
		series[pt.Name] = append(series[pt.Name], pt)
	}
	for _, name := range tiled {
		m, ok := byName[name]
		if !ok {
			continue
		}
		t := newTile(orgID, m)
		// A metric without a value has its reason to show instead of a trend; one
		// with a single point has no trend or change to speak of yet.
		if m.Status == finhealth.MetricOK {
			all := withLive(series[name], m)
			points := chartPoints(all)
			t.Spark = sparklineSVG("spark-"+name, m.Label, points, func(v float64) string { return formatUnit(m.Unit, v) })
			if len(points) > 1 {
				t.Change = metricChange(all)
			}
		}
		p.Tiles = append(p.Tiles, t)
		delete(byName, name)
	}
	for _, m := range h.Metrics {
		if _, ok := byName[m.Name]; ok {
			p.Others = append(p.Others, newTile(orgID, m))
		}
	}
	return p, nil
}

// confidenceClass colours a confidence level like the ratings.
var confidenceClass = map[string]string{finhealth.ConfidenceHigh: "good", finhealth.ConfidenceMedium: "warn", finhealth.ConfidenceLow: "bad"}

// pillarRows are the pillars with their weights and halves. A pillar's weight moves
// when another has no data; a half's when the other half has none.
func pillarRows(pillars []finhealth.HealthPillar) []pillarRow {
	var missing []string
	for _, pl := range pillars {
		if pl.Score == nil {
			missing = append(missing, strings.ToLower(pl.Label))
		}
	}
	movedIn := ""
	if len(missing) > 0 {
		movedIn = joinAnd(missing) + map[bool]string{true: " has", false: " have"}[len(missing) == 1] + " no data"
	}
	rows := make([]pillarRow, 0, len(pillars))
	for _, pl := range pillars {
		row := pillarRow{ID: pl.ID, Label: pl.Label, Score: formatScore(pl.Score), Reason: pl.Reason,
			Rating: rating{Label: "Not enough data"}}
		moved := movedIn
		if pl.Score != nil {
			row.Rating = rating{Label: tierLabel(scoring.Tier(*pl.Score)), Class: ratingClass(*pl.Score)}
		} else {
			moved = "no data, its weight moves to the other pillars"
		}
		row.weights = newWeights(pl.Weight, pl.EffectiveWeight, moved)
		halves := []struct {
			label, other string
			h, o         *finhealth.PillarHalf
		}{{"Books", "the answers", pl.Books, pl.Answers}, {"Answers", "the books", pl.Answers, pl.Books}}
		for _, hv := range halves {
			if hv.h == nil {
				continue
			}
			hr := halfRow{Label: hv.label, Score: formatScore(hv.h.Score), Reason: hv.h.Reason}
			switch {
			case pl.Score == nil:
				// A pillar without data has no halves to share between.
				hr.weights = weights{Weight: formatWeight(hv.h.Weight)}
			case hv.h.Score == nil:
				hr.weights = newWeights(hv.h.Weight, 0, "no data, its weight moves to "+hv.other)
			default:
				hr.weights = newWeights(hv.h.Weight, hv.h.EffectiveWeight, hv.other+" have no data")
			}
			row.Halves = append(row.Halves, hr)
		}
		rows = append(rows, row)
	}
	return rows
}

// joinAnd lists names as people do: "a", "a and b", "a, b and c".
func joinAnd(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// newChangeView shows a score change; nil for a first score.
func newChangeView(c *finhealth.ScoreChange) *changeView {
	if c == nil {
		return nil
	}
	prev := c.PreviousScore
	v := &changeView{Since: c.PreviousAsOf, Previous: formatScore(&prev), Delta: formatDelta(c.Delta)}
	for _, part := range c.Parts {
		v.Parts = append(v.Parts, changePart{Delta: formatDelta(part.Delta), Text: part.Text})
	}
	return v
}

func newTile(orgID string, m finhealth.MetricValue) metricTile {
	t := metricTile{Name: m.Name, Label: m.Label, Value: metricText(m), Rating: metricRating(m.Status, m.Points),
		Reason: m.Reason, Note: m.Note, URL: "/orgs/" + orgID + "/metrics/" + m.Name, HasValue: m.Status == finhealth.MetricOK}
	if m.Value != nil || m.Money != nil {
		t.Band = capitalize(bandLabel(m.Bands, m.Band))
	}
	return t
}
