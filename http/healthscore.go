package http

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"finhealth"
	"finhealth/scoring"
)

// defaultSeriesWindow is the range of GET .../metrics without ?from=.
const defaultSeriesWindow = 365 * 24 * time.Hour

// healthView is the combined health score computed now from what is stored, so that
// a mapping change or a new assessment shows at once, before the worker records it.
type healthView struct {
	// Status is "ok" with a score, or "no_data" when there is neither a ledger nor an
	// assessment; Message then says what to do.
	Status        string                 `json:"status"`
	Message       string                 `json:"message,omitempty"`
	Ledger        finhealth.LedgerSource `json:"ledger"`
	Questionnaire questionnaireSource    `json:"questionnaire"`
	// Health carries the pillars and the components with their points and weights.
	Health finhealth.HealthScore `json:"health"`
	// Metrics explain the ledger components (matched by name): inputs, formula,
	// thresholds, bands and points, or why there was not enough data. They include
	// the informational metrics that are shown but not scored.
	Metrics []finhealth.MetricValue `json:"metrics"`
}

type questionnaireSource struct {
	Available    bool       `json:"available"`
	AssessmentID string     `json:"assessment_id,omitempty"`
	AnsweredAt   *time.Time `json:"answered_at,omitempty"`
}

const msgNoHealthData = "There is nothing to score yet: answer the financial health questionnaire " +
	"(about five minutes), or connect Wave so that finhealth can read your books."

func (s *Server) healthScore(w http.ResponseWriter, r *http.Request, c *call) error {
	v, err := s.healthNow(r.Context(), c.orgID)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, v)
	return nil
}

// healthNow is the organization's combined health computed from what is stored now;
// the API and the dashboard both show it.
func (s *Server) healthNow(ctx context.Context, orgID string) (healthView, error) {
	v, _, err := s.healthAndBooks(ctx, orgID)
	return v, err
}

// healthAndBooks is healthNow with the books the metrics were computed from (nil
// without synced books), for pages that explain a metric's inputs by name. The
// computation is the store's HealthService, the one the worker records: a page and
// the stored score never answer differently for the same books.
func (s *Server) healthAndBooks(ctx context.Context, orgID string) (healthView, *finhealth.LedgerSnapshot, error) {
	r, err := s.st.Health(ctx, orgID, s.now().UTC())
	if err != nil {
		return healthView{}, nil, err
	}
	if r.OverridesIgnored != "" {
		s.log.LogAttrs(ctx, slog.LevelWarn, "account overrides ignored",
			slog.String("organization_id", orgID), slog.String("error", r.OverridesIgnored))
	}
	v := healthView{Status: "ok", Ledger: r.Ledger, Health: r.Health}
	if r.Assessment != nil {
		answered := r.Assessment.CreatedAt
		v.Questionnaire = questionnaireSource{Available: true, AssessmentID: r.Assessment.ID, AnsweredAt: &answered}
	}
	if v.Health.Status != finhealth.MetricOK {
		v.Status, v.Message = "no_data", msgNoHealthData
	}
	normalizeHealth(&v.Health)
	v.Metrics = normalizeMetrics(r.Metrics)
	return v, r.Books, nil
}

// applyOverrides is the default mapping of accounts (following Wave's subtype list)
// with overrides applied, as the health service maps them.
func (s *Server) applyOverrides(ctx context.Context, orgID string, src *finhealth.MappingAccounts) finhealth.AccountMapping {
	mapping := scoring.DefaultAccountMapping(src.Accounts, src.Subtypes)
	m, err := scoring.ApplyOverrides(mapping, src.Overrides)
	if err != nil {
		// Stored overrides were valid when set; one this version no longer accepts
		// must not hide every metric, so the defaults stand in, as in the score.
		s.log.LogAttrs(ctx, slog.LevelWarn, "account overrides ignored",
			slog.String("organization_id", orgID), slog.String("error", err.Error()))
		return mapping
	}
	return m
}

// normalizeHealth makes empty lists [] rather than null, for clients and the
// document alike.
func normalizeHealth(h *finhealth.HealthScore) {
	if h.Pillars == nil {
		h.Pillars = []finhealth.HealthPillar{}
	}
	if h.Components == nil {
		h.Components = []finhealth.HealthComponent{}
	}
	if h.Recommendations == nil {
		h.Recommendations = []finhealth.Recommendation{}
	}
}

func normalizeMetrics(ms []finhealth.MetricValue) []finhealth.MetricValue {
	if ms == nil {
		return []finhealth.MetricValue{}
	}
	for i := range ms {
		if ms[i].Inputs == nil {
			ms[i].Inputs = []finhealth.MetricInput{}
		}
	}
	return ms
}

// healthHistory serves the stored scores, newest first.
func (s *Server) healthHistory(w http.ResponseWriter, r *http.Request, c *call) error {
	limit, cursor, err := pageParams(r)
	if err != nil {
		return err
	}
	from, to, err := timeRange(r, time.Time{})
	if err != nil {
		return err
	}
	scores, next, err := s.st.HealthHistory(r.Context(), c.orgID, from, to, cursor, limit)
	if err != nil {
		return err
	}
	for i := range scores {
		normalizeHealth(&scores[i])
	}
	s.writeJSON(w, r, http.StatusOK, newPage(scores, next))
	return nil
}

// timeRange reads ?from= and ?to=; a zero to is no upper bound.
func timeRange(r *http.Request, defaultFrom time.Time) (from, to time.Time, err error) {
	f := fieldErrors{}
	from = parseTimeParam(r, f, "from", false)
	to = parseTimeParam(r, f, "to", true)
	if err := f.err(); err != nil {
		return from, to, err
	}
	if from.IsZero() {
		from = defaultFrom
	}
	if !to.IsZero() && from.After(to) {
		f.add("from", "must not be after to")
	}
	return from, to, f.err()
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

func (s *Server) metricSeries(w http.ResponseWriter, r *http.Request, c *call) error {
	known := scoring.MetricNames()
	names, err := metricNames(r, known)
	if err != nil {
		return err
	}
	from, to, err := timeRange(r, s.now().UTC().Add(-defaultSeriesWindow))
	if err != nil {
		return err
	}
	points, err := s.st.MetricSeries(r.Context(), c.orgID, names, from, to)
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
	s.writeJSON(w, r, http.StatusOK, v)
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
			unknown = append(unknown, truncate(n, 40))
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

func (s *Server) latestMetrics(w http.ResponseWriter, r *http.Request, c *call) error {
	ms, err := s.st.LatestMetrics(r.Context(), c.orgID)
	if err != nil {
		return err
	}
	v := latestMetricsView{Items: normalizeMetrics(ms)}
	for _, m := range ms {
		if v.AsOf == nil || m.AsOf.After(*v.AsOf) {
			asOf := m.AsOf
			v.AsOf = &asOf
		}
	}
	s.writeJSON(w, r, http.StatusOK, v)
	return nil
}
