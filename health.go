package finhealth

import (
	"context"
	"time"
)

// HealthService answers "how healthy is this business?" once, for everyone who asks:
// the API, every page that shows the score and the worker that records it all call
// Health, so that the same books can never score differently depending on who asks.
//
// Health reads every input (the connection, the books, the balance history, the
// owners' account mapping, Wave's subtype list, the latest assessment) in one read
// transaction, so that the answer describes one moment of the store. A sync commits
// its pages as it reads them: a read during a running sync sees the books as the
// pages committed so far left them (every page whole, never half of one), dated by
// the last finished sync's balance snapshot; the score recorded when the sync
// finishes is computed by this same call from the books it leaves.
type HealthService interface {
	// Health computes the organization's combined health as of now from what is
	// stored. It is never ENOTFOUND for an organization without books or answers:
	// the report then says what is missing.
	Health(ctx context.Context, orgID string, now time.Time) (*HealthReport, error)
}

// HealthReport is an organization's combined health with everything it was computed
// from.
type HealthReport struct {
	// AsOf is when the score was computed (the health score's as-of).
	AsOf time.Time
	// Ledger says whether the books contributed and, when not, why.
	Ledger LedgerSource
	// Books are the books the metrics were computed from, dated by the balance
	// snapshot of the sync that read them; nil without synced books.
	Books *LedgerSnapshot
	// Metrics explain the ledger components: inputs, formula, thresholds, bands and
	// points, or why there was not enough data; nil without synced books.
	Metrics []MetricValue
	// Mapping is the account mapping the metrics used (defaults with the owners'
	// overrides); nil without synced books.
	Mapping *AccountMapping
	// Assessment is the latest questionnaire, nil when none was answered.
	Assessment *Assessment
	// Health combines the metrics and the assessment.
	Health HealthScore
	// OverridesIgnored, when set, says why the owners' account-mapping overrides
	// could not be applied (one this version no longer accepts): the defaults stood
	// in for all of them, and the caller should log it.
	OverridesIgnored string
}

// LedgerSource says whether the books contributed to a health report, and why not
// when they did not.
type LedgerSource struct {
	Available        bool                 `json:"available"`
	ConnectionStatus string               `json:"connection_status"`
	Reason           string               `json:"reason,omitempty"`
	AsOf             *time.Time           `json:"as_of,omitempty"`
	BusinessName     string               `json:"business_name,omitempty"`
	Limitations      []BusinessLimitation `json:"limitations"`
}

// Scored reports whether the report has anything to record: books or answers.
func (r *HealthReport) Scored() bool { return r.Assessment != nil || len(r.Metrics) > 0 }
