package http

import (
	"context"
	"log/slog"
	"time"

	"finhealth"
	"finhealth/scoring"
)

// ledgerHistoryWindow is how far back the metrics look for an earlier balance
// snapshot (scoring uses one 25 to 400 days older than the books), as the worker does.
const ledgerHistoryWindow = 401 * 24 * time.Hour

// DefaultSeriesWindow is the range of GET .../metrics without ?from=.
const DefaultSeriesWindow = 365 * 24 * time.Hour

// HealthView is the combined health score computed now from what is stored, so that
// a mapping change or a new assessment shows at once, before the worker records it.
type HealthView struct {
	// Status is "ok" with a score, or "no_data" when there is neither a ledger nor an
	// assessment; Message then says what to do.
	Status        string              `json:"status"`
	Message       string              `json:"message,omitempty"`
	Ledger        ledgerSource        `json:"ledger"`
	Questionnaire questionnaireSource `json:"questionnaire"`
	// Health carries the pillars and the components with their points and weights.
	Health finhealth.HealthScore `json:"health"`
	// Metrics explain the ledger components (matched by name): inputs, formula,
	// thresholds, bands and points, or why there was not enough data. They include
	// the informational metrics that are shown but not scored.
	Metrics []finhealth.MetricValue `json:"metrics"`
}

// ledgerSource says whether the books contributed, and why not when they did not.
type ledgerSource struct {
	Available        bool                           `json:"available"`
	ConnectionStatus string                         `json:"connection_status"`
	Reason           string                         `json:"reason,omitempty"`
	AsOf             *time.Time                     `json:"as_of,omitempty"`
	BusinessName     string                         `json:"business_name,omitempty"`
	Limitations      []finhealth.BusinessLimitation `json:"limitations"`
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
// without synced books), for pages that explain a metric's inputs by name.
func (s *Server) HealthAndBooks(ctx context.Context, orgID string) (HealthView, *finhealth.LedgerSnapshot, error) {
	now := s.now().UTC()
	metrics, snap, src, err := s.liveLedger(ctx, orgID, now)
	if err != nil {
		return HealthView{}, nil, err
	}
	latest, err := s.st.LatestAssessment(ctx, orgID)
	if finhealth.ErrorCode(err) == finhealth.ENOTFOUND {
		latest, err = nil, nil
	}
	if err != nil {
		return HealthView{}, nil, err
	}
	v := HealthView{Status: "ok", Ledger: src, Health: scoring.CombinedHealth(metrics, latest, now)}
	if latest != nil {
		answered := latest.CreatedAt
		v.Questionnaire = questionnaireSource{Available: true, AssessmentID: latest.ID, AnsweredAt: &answered}
	}
	if v.Health.Status != finhealth.MetricOK {
		v.Status, v.Message = "no_data", msgNoHealthData
	}
	NormalizeHealth(&v.Health)
	v.Metrics = NormalizeMetrics(metrics)
	return v, snap, nil
}

// liveLedger computes the metrics of the stored books exactly as the worker's
// rescore does: the books are dated by the newest balance snapshot (when the last
// sync read them), not by now, so that windows and aging describe what was read and
// the score can say when the books are old. Metrics and the snapshot are nil when
// there are no synced books.
func (s *Server) liveLedger(ctx context.Context, orgID string, now time.Time) ([]finhealth.MetricValue, *finhealth.LedgerSnapshot, ledgerSource, error) {
	src := ledgerSource{ConnectionStatus: NotConnected, Limitations: []finhealth.BusinessLimitation{}}
	conn, err := s.st.WaveConnection(ctx, orgID)
	switch {
	case finhealth.ErrorCode(err) == finhealth.ENOTFOUND:
		src.Reason = "Wave is not connected: connect it to add ratios computed from your books."
		return nil, nil, src, nil
	case err != nil:
		return nil, nil, src, err
	}
	src.ConnectionStatus, src.BusinessName = string(conn.Status), conn.BusinessName
	if conn.Business != nil {
		if l := conn.Business.Limitations(); l != nil {
			src.Limitations = l
		}
	}
	if conn.BusinessID == "" {
		src.Reason = "Choose which Wave business to assess."
		return nil, nil, src, nil
	}
	from := now.Add(-ledgerHistoryWindow)
	history, err := s.st.BalanceSnapshotDates(ctx, orgID, from, now)
	if err != nil {
		return nil, nil, src, err
	}
	if len(history) == 0 {
		switch conn.Status {
		case finhealth.WaveNeedsReconnect:
			src.Reason = finhealth.WaveReconnectReason(conn.StatusReason).Message()
		case finhealth.WaveDisconnected:
			src.Reason = "Wave was disconnected before any books were read."
		default:
			src.Reason = "The first sync of your books has not finished yet."
		}
		return nil, nil, src, nil
	}
	asOf := history[len(history)-1].AsOf
	snap, err := s.st.LedgerSummary(ctx, orgID, asOf)
	if finhealth.ErrorCode(err) == finhealth.ENOTFOUND {
		src.Reason = "No Wave business is connected."
		return nil, nil, src, nil
	}
	if err != nil {
		return nil, nil, src, err
	}
	mapping, err := s.effectiveMapping(ctx, orgID, snap.Accounts)
	if err != nil {
		return nil, nil, src, err
	}
	if history, err = s.withBaseBalances(ctx, orgID, history, snap, asOf, from, now); err != nil {
		return nil, nil, src, err
	}
	src.Available, src.AsOf = true, &asOf
	return scoring.ComputeMetrics(*snap, history, mapping, asOf), snap, src, nil
}

// withBaseBalances fills in the balances of the one snapshot of history (dates
// only) that the metrics compare with: reading a year of snapshots whole was most of
// a dashboard's time. Should that snapshot be gone by now (the business was changed
// in between), the whole history is read instead, which is never wrong.
func (s *Server) withBaseBalances(ctx context.Context, orgID string, history []finhealth.BalanceSnapshot,
	snap *finhealth.LedgerSnapshot, asOf, from, to time.Time) ([]finhealth.BalanceSnapshot, error) {
	booksAt := snap.AsOf
	if booksAt.IsZero() {
		booksAt = asOf
	}
	i := scoring.BaseSnapshot(history, booksAt, snap.Currency, snap.CurrencyExponent)
	if i < 0 {
		return history, nil
	}
	whole, err := s.st.BalanceHistory(ctx, orgID, history[i].AsOf, history[i].AsOf)
	if err != nil {
		return nil, err
	}
	if len(whole) == 1 && whole[0].AsOf.Equal(history[i].AsOf) {
		history[i] = whole[0]
		return history, nil
	}
	return s.st.BalanceHistory(ctx, orgID, from, to)
}

// effectiveMapping is the default mapping with the organization's overrides applied.
// Wave's subtype list is not stored, so the defaults come from the accounts' own
// types and sides, which the stored accounts always carry (the worker's rescore does
// the same after a restart).
func (s *Server) effectiveMapping(ctx context.Context, orgID string, accounts []finhealth.LedgerAccount) (finhealth.AccountMapping, error) {
	overrides, err := s.st.AccountOverrides(ctx, orgID)
	if err != nil {
		return finhealth.AccountMapping{}, err
	}
	return s.applyOverrides(ctx, orgID, accounts, overrides), nil
}

// applyOverrides is the default mapping of accounts with overrides applied.
func (s *Server) applyOverrides(ctx context.Context, orgID string, accounts []finhealth.LedgerAccount, overrides []finhealth.AccountOverride) finhealth.AccountMapping {
	mapping := scoring.DefaultAccountMapping(accounts, nil)
	m, err := scoring.ApplyOverrides(mapping, overrides)
	if err != nil {
		// Stored overrides were valid when set; one this version no longer accepts
		// must not hide every metric, so the defaults stand in, as in the worker.
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
