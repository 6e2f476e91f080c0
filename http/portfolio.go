package http

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"finhealth"
)

// Portfolio flags and the thresholds behind them. They mark the organizations an
// advisor should look at first: the cut-offs are where scoring's bands turn bad (an
// overdue share in the "high" band, a cash buffer in the "critical" one).
const (
	FlagOverdueShareHigh = "overdue_share_high"
	FlagCashBufferLow    = "cash_buffer_low"
	FlagNeedsReconnect   = "needs_reconnect"

	overdueShareHighPercent = 15
	cashBufferLowDays       = 15
)

// PortfolioItem is one organization in the caller's portfolio.
type PortfolioItem struct {
	OrganizationID string            `json:"organization_id"`
	Name           string            `json:"name"`
	Role           finhealth.OrgRole `json:"role"`
	Score          *float64          `json:"score"`
	Tier           *string           `json:"tier"`
	ScoreAsOf      *time.Time        `json:"score_as_of"`
	// Change30d is the score now minus the latest score at least 30 days old; null
	// without one.
	Change30d      *float64                   `json:"change_30d"`
	PreviousScore  *float64                   `json:"previous_score"`
	LastSync       portfolioSync              `json:"last_sync"`
	Connection     portfolioConnection        `json:"connection"`
	OverdueShare   *finhealth.PortfolioMetric `json:"overdue_share"`
	CashBufferDays *finhealth.PortfolioMetric `json:"cash_buffer_days"`
	Flags          []string                   `json:"flags"`
}

// portfolioSync is when the books were last read successfully, and how the newest
// run, whatever its outcome, ended.
type portfolioSync struct {
	At            *time.Time `json:"at"`
	Status        *string    `json:"status"`
	Error         *string    `json:"error"`
	RunFinishedAt *time.Time `json:"run_finished_at"`
}

type portfolioConnection struct {
	Status        string `json:"status"`
	Reason        string `json:"reason,omitempty"`
	ReasonMessage string `json:"reason_message,omitempty"`
	BusinessName  string `json:"business_name,omitempty"`
}

func newPortfolioItem(e finhealth.PortfolioEntry) PortfolioItem {
	it := PortfolioItem{
		OrganizationID: e.OrganizationID, Name: e.OrganizationName, Role: e.Role,
		Score: e.Score, ScoreAsOf: e.ScoreAsOf, Change30d: e.ScoreChange, PreviousScore: e.PreviousScore,
		LastSync:     portfolioSync{At: e.LastSyncAt, RunFinishedAt: e.LastRunFinished},
		Connection:   portfolioConnection{Status: NotConnected, BusinessName: e.BusinessName},
		OverdueShare: e.OverdueShare, CashBufferDays: e.CashBufferDays,
		Flags: []string{},
	}
	if e.Tier != "" {
		tier := e.Tier
		it.Tier = &tier
	}
	if e.LastRunStatus != "" {
		st := string(e.LastRunStatus)
		it.LastSync.Status = &st
	}
	if e.LastRunError != "" {
		msg := e.LastRunError
		it.LastSync.Error = &msg
	}
	if e.ConnectionStatus != "" {
		it.Connection.Status = string(e.ConnectionStatus)
	}
	if m := e.OverdueShare; m != nil && m.Status == finhealth.MetricOK && m.Value != nil && *m.Value >= overdueShareHighPercent {
		it.Flags = append(it.Flags, FlagOverdueShareHigh)
	}
	if m := e.CashBufferDays; m != nil && m.Status == finhealth.MetricOK && m.Value != nil && *m.Value < cashBufferLowDays {
		it.Flags = append(it.Flags, FlagCashBufferLow)
	}
	if e.ConnectionStatus == finhealth.WaveNeedsReconnect {
		it.Flags = append(it.Flags, FlagNeedsReconnect)
		it.Connection.Reason = e.ConnectionReason
		it.Connection.ReasonMessage = finhealth.WaveReconnectReason(e.ConnectionReason).Message()
	}
	return it
}

// PortfolioSorts are the orders GET /portfolio offers, each comparing two items in
// ascending order. Organizations without the value sort last in either direction:
// "no score yet" is neither the best nor the worst.
var PortfolioSorts = map[string]func(a, b *PortfolioItem) (int, bool){
	"name": func(a, b *PortfolioItem) (int, bool) {
		return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), true
	},
	"score":     func(a, b *PortfolioItem) (int, bool) { return comparePtr(a.Score, b.Score) },
	"change":    func(a, b *PortfolioItem) (int, bool) { return comparePtr(a.Change30d, b.Change30d) },
	"last_sync": func(a, b *PortfolioItem) (int, bool) { return compareTimePtr(a.LastSync.At, b.LastSync.At) },
}

// comparePtr compares two optional values; ok is false when either is missing, and
// c then puts the missing one last.
func comparePtr(a, b *float64) (c int, ok bool) {
	switch {
	case a == nil && b == nil:
		return 0, false
	case a == nil:
		return 1, false
	case b == nil:
		return -1, false
	}
	return cmp.Compare(*a, *b), true
}

func compareTimePtr(a, b *time.Time) (int, bool) {
	switch {
	case a == nil && b == nil:
		return 0, false
	case a == nil:
		return 1, false
	case b == nil:
		return -1, false
	}
	return a.Compare(*b), true
}

// PortfolioOrder validates a sort key (default "name") and direction; dirField
// names the direction's parameter, which the API calls "order" and the page "dir".
func PortfolioOrder(key, dir, dirField string) (string, bool, error) {
	f := FieldErrors{}
	key = cmp.Or(key, "name")
	if _, known := PortfolioSorts[key]; !known {
		f.Add("sort", "must be one of score, change, name, last_sync")
	}
	desc := false
	switch dir {
	case "", "asc":
	case "desc":
		desc = true
	default:
		f.Add(dirField, "must be asc or desc")
	}
	return key, desc, f.Err()
}

// PortfolioItems lists every organization the user owns or advises in the order of
// key (validated by PortfolioOrder), ties broken by name and then id so that the
// order is stable across requests.
func (s Insights) PortfolioItems(ctx context.Context, userID, key string, desc bool) ([]PortfolioItem, error) {
	entries, err := s.st.Portfolio(ctx, userID)
	if err != nil {
		return nil, err
	}
	less := PortfolioSorts[key]
	items := make([]PortfolioItem, len(entries))
	for i, e := range entries {
		items[i] = newPortfolioItem(e)
	}
	slices.SortStableFunc(items, func(a, b PortfolioItem) int {
		n, both := less(&a, &b)
		if both && desc {
			n = -n
		}
		if n != 0 {
			return n
		}
		return cmp.Or(strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)),
			strings.Compare(a.OrganizationID, b.OrganizationID))
	})
	return items, nil
}
