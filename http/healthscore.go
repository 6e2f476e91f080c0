package http

import (
	"context"
	"log/slog"
	"time"

	"finhealth"
	"finhealth/scoring"
)

// DefaultSeriesWindow is the range of GET .../metrics without ?from=.
const DefaultSeriesWindow = 365 * 24 * time.Hour

// HealthView is the combined health score computed now from what is stored, so that
// a mapping change or a new assessment shows at once, before the worker records it.
type HealthView struct {
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

// HealthNow is the organization's combined health computed from what is stored now;
// the API and the dashboard both show it.
func (s *Server) HealthNow(ctx context.Context, orgID string) (HealthView, error) {
	v, _, err := s.HealthAndBooks(ctx, orgID)
	return v, err
}

// HealthAndBooks is HealthNow with the books the metrics were computed from (nil
// without synced books), for pages that explain a metric's inputs by name. The
// computation is the store's HealthService, the one the worker records: a page and
// the stored score never answer differently for the same books.
func (s *Server) HealthAndBooks(ctx context.Context, orgID string) (HealthView, *finhealth.LedgerSnapshot, error) {
	r, err := s.st.Health(ctx, orgID, s.now().UTC())
	if err != nil {
		return HealthView{}, nil, err
	}
	if r.OverridesIgnored != "" {
		s.log.LogAttrs(ctx, slog.LevelWarn, "account overrides ignored",
			slog.String("organization_id", orgID), slog.String("error", r.OverridesIgnored))
	}
	v := HealthView{Status: "ok", Ledger: r.Ledger, Health: r.Health}
	if r.Assessment != nil {
		answered := r.Assessment.CreatedAt
		v.Questionnaire = questionnaireSource{Available: true, AssessmentID: r.Assessment.ID, AnsweredAt: &answered}
	}
	if v.Health.Status != finhealth.MetricOK {
		v.Status, v.Message = "no_data", msgNoHealthData
	}
	NormalizeHealth(&v.Health)
	v.Metrics = NormalizeMetrics(r.Metrics)
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

// NormalizeHealth makes empty lists [] rather than null, for clients and the
// document alike.
func NormalizeHealth(h *finhealth.HealthScore) {
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

// NormalizeMetrics makes empty lists [] rather than null, as NormalizeHealth does.
func NormalizeMetrics(ms []finhealth.MetricValue) []finhealth.MetricValue {
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
