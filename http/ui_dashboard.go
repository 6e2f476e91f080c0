package http

import (
	"context"
	"html/template"
	"net/http"
	"time"

	"finhealth"
	"finhealth/scoring"
)

// uiInsightRoutes are the dashboard, metric detail (with the account mapping
// editor) and history pages. Each mirrors the permission of the API route whose
// data it shows.
func (s *Server) uiInsightRoutes() []uiRoute {
	return []uiRoute{
		{"GET", "/orgs/{id}", org(finhealth.PermHealthRead), s.uiDashboard},
		{"GET", "/orgs/{id}/metrics/{name}", org(finhealth.PermHealthRead), s.uiMetric},
		{"POST", "/orgs/{id}/mapping/{account_id}", org(finhealth.PermMappingEdit), s.uiSetMapping},
		{"POST", "/orgs/{id}/mapping/{account_id}/reset", org(finhealth.PermMappingEdit), s.uiResetMapping},
		{"GET", "/orgs/{id}/history", org(finhealth.PermHealthRead), s.uiHistory},
	}
}

// dashboardPage is an organization's dashboard: the live combined score, its
// pillars, the metric tiles and what to do next.
type dashboardPage struct {
	OrgID  string
	Health healthView
	// Onboarding is set when there is nothing at all yet: no answers, no Wave.
	Onboarding bool
	Gauge      template.HTML
	Tier       string
	TierClass  string
	Pillars    template.HTML
	PillarRows []pillarRow
	Tiles      []metricTile
	// Others are the metrics shown for context, listed without a tile.
	Others []metricTile
}

type pillarRow struct {
	Label  string
	Score  string
	Rating rating
	Reason string
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
}

func (s *Server) uiDashboard(w http.ResponseWriter, r *http.Request, c *uiCall) error {
	p, err := s.dashboard(r.Context(), c.orgID)
	if err != nil {
		return err
	}
	return s.render(w, r, c, http.StatusOK, "dashboard.html", "Dashboard", p)
}

// dashboard builds the page from healthNow (what the API's GET .../health answers)
// and one query for the series of every tile.
func (s *Server) dashboard(ctx context.Context, orgID string) (dashboardPage, error) {
	h, err := s.healthNow(ctx, orgID)
	if err != nil {
		return dashboardPage{}, err
	}
	p := dashboardPage{OrgID: orgID, Health: h,
		Onboarding: h.Status != "ok" && !h.Questionnaire.Available && h.Ledger.ConnectionStatus == notConnected}
	if p.Onboarding {
		return p, nil
	}
	p.Tier = tierLabel(h.Health.Tier)
	if h.Health.Score != nil {
		p.TierClass = ratingClass(*h.Health.Score)
	}
	p.Gauge = gaugeSVG("score-gauge", h.Health.Score, p.Tier)

	bars := make([]chartBar, 0, len(h.Health.Pillars))
	for _, pl := range h.Health.Pillars {
		row := pillarRow{Label: pl.Label, Score: formatScore(pl.Score), Reason: pl.Reason}
		if pl.Score != nil {
			row.Rating = rating{Label: tierLabel(scoring.Tier(*pl.Score)), Class: ratingClass(*pl.Score)}
		} else {
			row.Rating = rating{Label: "Not enough data"}
		}
		p.PillarRows = append(p.PillarRows, row)
		bars = append(bars, chartBar{Label: pl.Label, Value: pl.Score, Missing: pl.Reason})
	}
	p.Pillars = barsSVG("pillar-bars", "Pillar scores", bars)

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
	stored, err := s.st.MetricSeries(ctx, orgID, tiled, asOf.Add(-defaultSeriesWindow), time.Time{})
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
		all := withLive(series[name], m)
		t.Change = metricChange(all)
		t.Spark = sparklineSVG("spark-"+name, m.Label, chartPoints(all), func(v float64) string { return formatUnit(m.Unit, v) })
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
		Reason: m.Reason, Note: m.Note, URL: "/orgs/" + orgID + "/metrics/" + m.Name}
	if m.Value != nil || m.Money != nil {
		t.Band = capitalize(bandLabel(m.Bands, m.Band))
	}
	return t
}
