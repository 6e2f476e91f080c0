package ui

import (
	"context"
	"html/template"
	"net/http"
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
	// HasBars is false when no pillar has data to draw.
	HasBars    bool
	PillarRows []pillarRow
	// Missing are the pillars without data, grouped by why.
	Missing []missingPillars
	Tiles   []metricTile
	// Others are the metrics shown for context, listed without a tile.
	Others []metricTile
	// Sync is the Wave box (last sync, "Sync now", live progress) of the Wave pages.
	Sync syncCard
}

type pillarRow struct {
	Label  string
	Score  string
	Rating rating
	Reason string
}

// missingPillars are pillars without data for one reason (the five questionnaire
// pillars share "not answered").
type missingPillars struct {
	Labels []string
	Reason string
}

func addMissing(groups []missingPillars, label, reason string) []missingPillars {
	for i := range groups {
		if groups[i].Reason == reason {
			groups[i].Labels = append(groups[i].Labels, label)
			return groups
		}
	}
	return append(groups, missingPillars{Labels: []string{label}, Reason: reason})
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

	// Pillars without data are listed in words rather than drawn as empty bars.
	bars := make([]scoreBar, 0, len(h.Health.Pillars))
	for _, pl := range h.Health.Pillars {
		row := pillarRow{Label: pl.Label, Score: formatScore(pl.Score), Reason: pl.Reason}
		if pl.Score != nil {
			row.Rating = rating{Label: tierLabel(scoring.Tier(*pl.Score)), Class: ratingClass(*pl.Score)}
			bars = append(bars, scoreBar{Label: pl.Label, Value: pl.Score})
		} else {
			row.Rating = rating{Label: "Not enough data"}
			p.Missing = addMissing(p.Missing, pl.Label, pl.Reason)
		}
		p.PillarRows = append(p.PillarRows, row)
	}
	p.Pillars, p.HasBars = barsSVG("pillar-bars", "Pillar scores", bars), len(bars) > 0

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

func newTile(orgID string, m finhealth.MetricValue) metricTile {
	t := metricTile{Name: m.Name, Label: m.Label, Value: metricText(m), Rating: metricRating(m.Status, m.Points),
		Reason: m.Reason, Note: m.Note, URL: "/orgs/" + orgID + "/metrics/" + m.Name, HasValue: m.Status == finhealth.MetricOK}
	if m.Value != nil || m.Money != nil {
		t.Band = capitalize(bandLabel(m.Bands, m.Band))
	}
	return t
}
