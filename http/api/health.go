package api

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"finhealth"
	fhttp "finhealth/http"
	"finhealth/scoring"
)

func (s warehouse) healthScore(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	view := r.URL.Query().Get("view")
	if view != "" && view != "full" && view != "summary" {
		return finhealth.InvalidFields("Unknown view.", map[string]string{"view": "must be full or summary"})
	}
	v, err := s.srv.HealthNow(r.Context(), c.OrgID)
	if err != nil {
		return err
	}
	if view == "summary" {
		s.srv.WriteJSON(w, r, http.StatusOK, newHealthSummary(&v))
		return nil
	}
	s.srv.WriteJSON(w, r, http.StatusOK, v)
	return nil
}

// healthSummary is GET .../health?view=summary: what a list or a phone shows, a
// few kilobytes instead of the full view's hundred (which carries every metric's
// inputs, formula and bands). Its fields are the full view's, by the same names.
type healthSummary struct {
	Status          string                     `json:"status"`
	Message         string                     `json:"message,omitempty"`
	Score           *float64                   `json:"score"`
	Tier            string                     `json:"tier,omitempty"`
	Pillars         []finhealth.HealthPillar   `json:"pillars"`
	Recommendations []finhealth.Recommendation `json:"recommendations"`
	Change          *finhealth.ScoreChange     `json:"change,omitempty"`
	Confidence      *finhealth.Confidence      `json:"confidence,omitempty"`
	AsOf            time.Time                  `json:"as_of"`
}

func newHealthSummary(v *fhttp.HealthView) healthSummary {
	h := &v.Health
	return healthSummary{Status: v.Status, Message: v.Message, Score: h.Score, Tier: h.Tier, Pillars: h.Pillars,
		Recommendations: h.Recommendations, Change: h.Change, Confidence: h.Confidence, AsOf: h.AsOf}
}

// healthHistory serves the stored scores, newest first.
func (s warehouse) healthHistory(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	limit, cursor, err := fhttp.PageParams(r)
	if err != nil {
		return err
	}
	from, to, err := fhttp.TimeRange(r, time.Time{})
	if err != nil {
		return err
	}
	scores, next, err := s.st.HealthHistory(r.Context(), c.OrgID, from, to, cursor, limit)
	if err != nil {
		return err
	}
	for i := range scores {
		fhttp.NormalizeHealth(&scores[i])
	}
	s.srv.WriteJSON(w, r, http.StatusOK, newPage(scores, next))
	return nil
}

// metricSeriesView is the time series of the chosen metrics, one series per name.
type metricSeriesView struct {
	From   time.Time      `json:"from"`
	To     *time.Time     `json:"to"`
	Series []metricSeries `json:"series"`
}

type metricSeries struct {
	Name   string               `json:"name"`
	Unit   finhealth.MetricUnit `json:"unit,omitempty"`
	Points []metricPoint        `json:"points"`
}

type metricPoint struct {
	AsOf   time.Time              `json:"as_of"`
	Status finhealth.MetricStatus `json:"status"`
	Value  *float64               `json:"value"`
	Money  *finhealth.Money       `json:"money,omitempty"`
	Band   string                 `json:"band,omitempty"`
	Points *int                   `json:"points"`
}

// maxSeriesNames bounds ?names=; there are fewer metrics than this.
const maxSeriesNames = 50

func (s warehouse) metricSeries(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	known := scoring.MetricNames()
	names, err := metricNames(r, known)
	if err != nil {
		return err
	}
	from, to, err := fhttp.TimeRange(r, s.now().UTC().Add(-fhttp.DefaultSeriesWindow))
	if err != nil {
		return err
	}
	points, err := s.st.MetricSeries(r.Context(), c.OrgID, names, from, to)
	if err != nil {
		return err
	}
	if len(names) == 0 {
		names = known
	}
	byName := make(map[string]*metricSeries, len(names))
	v := metricSeriesView{From: from, Series: make([]metricSeries, len(names))}
	if !to.IsZero() {
		v.To = &to
	}
	for i, n := range names {
		v.Series[i] = metricSeries{Name: n, Points: []metricPoint{}}
		byName[n] = &v.Series[i]
	}
	for _, p := range points {
		ser := byName[p.Name]
		if ser == nil {
			continue
		}
		ser.Unit = p.Unit
		ser.Points = append(ser.Points, metricPoint{AsOf: p.AsOf, Status: p.Status, Value: p.Value, Money: p.Money, Band: p.Band, Points: p.Points})
	}
	s.srv.WriteJSON(w, r, http.StatusOK, v)
	return nil
}

// metricNames reads ?names=a,b; none means every metric.
func metricNames(r *http.Request, known []string) ([]string, error) {
	raw := r.URL.Query().Get("names")
	if strings.TrimSpace(raw) == "" {
		return nil, nil
	}
	parts := strings.Split(raw, ",")
	if len(parts) > maxSeriesNames {
		return nil, finhealth.InvalidFields("Too many metrics.", map[string]string{"names": "must name at most 50 metrics"})
	}
	var names, unknown []string
	for _, p := range parts {
		n := strings.TrimSpace(p)
		switch {
		case n == "" || slices.Contains(names, n):
		case slices.Contains(known, n):
			names = append(names, n)
		default:
			unknown = append(unknown, fhttp.Truncate(n, 40))
		}
	}
	if len(unknown) > 0 {
		return nil, finhealth.InvalidFields("Unknown metric names.", map[string]string{
			"names": "unknown: " + strings.Join(unknown, ", ") + "; known: " + strings.Join(known, ", "),
		})
	}
	return names, nil
}

// latestMetricsView is the newest stored computation of the metrics, explained.
type latestMetricsView struct {
	AsOf  *time.Time              `json:"as_of"`
	Items []finhealth.MetricValue `json:"items"`
}

func (s warehouse) latestMetrics(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	ms, err := s.st.LatestMetrics(r.Context(), c.OrgID)
	if err != nil {
		return err
	}
	v := latestMetricsView{Items: fhttp.NormalizeMetrics(ms)}
	for _, m := range ms {
		if v.AsOf == nil || m.AsOf.After(*v.AsOf) {
			asOf := m.AsOf
			v.AsOf = &asOf
		}
	}
	s.srv.WriteJSON(w, r, http.StatusOK, v)
	return nil
}
