package finhealth

import "time"

// The ledger metrics and the combined health score are computed by package scoring from
// the types below. They are domain types rather than scoring's own because the store
// keeps them (the account mapping, snapshots, the metric time series, scores) and the
// HTTP layer shows them, and neither should depend on how scoring computes them.

// AccountClass is what an account's balance counts as in the ledger metrics. Each account
// has exactly one class, so a balance can never be counted twice; the aggregates the
// ratios need (current assets, current liabilities, borrowings) are unions of classes.
type AccountClass string

// Account classes.
const (
	ClassCash              AccountClass = "cash"                // bank and cash accounts
	ClassMoneyInTransit    AccountClass = "money_in_transit"    // card processor clearing, transfers between accounts
	ClassReceivable        AccountClass = "receivable"          // owed by customers and others, due within a year
	ClassOtherCurrentAsset AccountClass = "other_current_asset" // inventory, prepayments, other current assets
	ClassLongTermAsset     AccountClass = "long_term_asset"     // equipment, accumulated depreciation (contra), other long-term assets
	ClassCurrentLiability  AccountClass = "current_liability"   // card balances, payables, sales tax, payroll, customer prepayments
	ClassCurrentDebt       AccountClass = "current_debt"        // borrowings due within a year
	ClassLongTermDebt      AccountClass = "long_term_debt"      // borrowings due after a year (loans, owner loans by default)
	ClassLongTermLiability AccountClass = "long_term_liability" // other obligations due after a year
	ClassEquity            AccountClass = "equity"              // owner contributions, retained earnings
	ClassRevenue           AccountClass = "revenue"             // sales income (discounts as contra)
	ClassOtherIncome       AccountClass = "other_income"        // interest, exchange gains: profit but not sales
	ClassCostOfSales       AccountClass = "cost_of_sales"
	ClassExpense           AccountClass = "expense"
	ClassExcluded          AccountClass = "excluded" // left out of every metric
)

// AccountClasses lists every class in the order a mapping screen shows them.
func AccountClasses() []AccountClass {
	return []AccountClass{
		ClassCash, ClassMoneyInTransit, ClassReceivable, ClassOtherCurrentAsset, ClassLongTermAsset,
		ClassCurrentLiability, ClassCurrentDebt, ClassLongTermDebt, ClassLongTermLiability,
		ClassEquity, ClassRevenue, ClassOtherIncome, ClassCostOfSales, ClassExpense, ClassExcluded,
	}
}

// Valid reports whether c is one of the classes above; an override naming any other is
// rejected, because an unknown class would silently drop the account from every ratio.
func (c AccountClass) Valid() bool {
	switch c {
	case ClassCash, ClassMoneyInTransit, ClassReceivable, ClassOtherCurrentAsset, ClassLongTermAsset,
		ClassCurrentLiability, ClassCurrentDebt, ClassLongTermDebt, ClassLongTermLiability,
		ClassEquity, ClassRevenue, ClassOtherIncome, ClassCostOfSales, ClassExpense, ClassExcluded:
		return true
	}
	return false
}

// IsCurrentAsset reports whether the class counts in current assets.
func (c AccountClass) IsCurrentAsset() bool {
	return c == ClassCash || c == ClassMoneyInTransit || c == ClassReceivable || c == ClassOtherCurrentAsset
}

// IsAsset reports whether the class counts in total assets.
func (c AccountClass) IsAsset() bool { return c.IsCurrentAsset() || c == ClassLongTermAsset }

// IsCurrentLiability reports whether the class counts in current liabilities.
func (c AccountClass) IsCurrentLiability() bool {
	return c == ClassCurrentLiability || c == ClassCurrentDebt
}

// IsLiability reports whether the class counts in total liabilities.
func (c AccountClass) IsLiability() bool {
	return c.IsCurrentLiability() || c == ClassLongTermDebt || c == ClassLongTermLiability
}

// IsDebt reports whether the class is borrowing (as opposed to trade obligations).
func (c AccountClass) IsDebt() bool { return c == ClassCurrentDebt || c == ClassLongTermDebt }

// NaturalSide is the side on which balances of the class grow. An account whose own
// normal balance is the other side is a contra account of the class: its balance is
// subtracted from the class total.
func (c AccountClass) NaturalSide() NormalBalance {
	switch {
	case c.IsAsset(), c == ClassCostOfSales, c == ClassExpense:
		return NormalDebit
	case c.IsLiability(), c == ClassEquity, c == ClassRevenue, c == ClassOtherIncome:
		return NormalCredit
	}
	return ""
}

// AccountOverride is an owner's or advisor's decision about one account's class. It is
// kept with who made it and when, because a ratio is only as right as its
// classification and the person reading it must be able to see who changed it.
type AccountOverride struct {
	AccountID string       `json:"account_id"`
	Class     AccountClass `json:"class"`
	SetBy     string       `json:"set_by"` // user id
	SetAt     time.Time    `json:"set_at"`
	Note      string       `json:"note,omitempty"`
}

// AccountMappingEntry is one account's place in the metrics.
type AccountMappingEntry struct {
	AccountID   string              `json:"account_id"`
	AccountName string              `json:"account_name"`
	Type        AccountType         `json:"type"`
	Subtype     AccountSubtypeValue `json:"subtype"`
	// NormalBalance is the account's own side, from the provider; it decides Contra.
	NormalBalance NormalBalance `json:"normal_balance,omitempty"`
	// DefaultClass is what the provider's subtype implies; Class is what counts, which
	// differs only when Override is set.
	DefaultClass AccountClass `json:"default_class"`
	Class        AccountClass `json:"class"`
	// Contra means the balance is subtracted from its class (accumulated depreciation
	// against equipment, discounts against sales).
	Contra bool `json:"contra"`
	// Review says why an owner or advisor should confirm the class; it is empty once an
	// override records their decision.
	Review   string           `json:"review,omitempty"`
	Override *AccountOverride `json:"override,omitempty"`
}

// AccountMapping says which accounts feed which metric inputs.
type AccountMapping struct {
	Entries []AccountMappingEntry `json:"entries"`
	// StaleOverrides name accounts no longer in the chart (deleted in the provider).
	// They are kept so that nobody's decision disappears without a trace.
	StaleOverrides []AccountOverride `json:"stale_overrides,omitempty"`
}

// Entry returns the mapping of one account.
func (m AccountMapping) Entry(accountID string) (AccountMappingEntry, bool) {
	for _, e := range m.Entries {
		if e.AccountID == accountID {
			return e, true
		}
	}
	return AccountMappingEntry{}, false
}

// LedgerSnapshot is the state of a business's books at one moment: what the metrics
// are computed from. Balances are current as of AsOf (the provider has no history);
// Invoices need be only the open ones plus those dated within the last two years, which
// is all the windows and the year-on-year growth look at.
type LedgerSnapshot struct {
	AsOf             time.Time       `json:"as_of"`
	BusinessID       string          `json:"business_id"`
	Currency         string          `json:"currency"`          // the business's home currency
	CurrencyExponent int             `json:"currency_exponent"` // its minor-unit digits
	Accounts         []LedgerAccount `json:"accounts"`
	Invoices         []Invoice       `json:"invoices"`
	Customers        []Customer      `json:"customers"`
	// InvoicesUnavailable says why invoices could not be read (classic invoicing);
	// empty when they were. It separates "no invoices" from "cannot see invoices", which
	// must not score the same.
	InvoicesUnavailable string `json:"invoices_unavailable,omitempty"`
	// InvoiceSummary, when set, stands in for Invoices: the same invoices summed by the
	// database (WarehouseService.LedgerSummary), with the metrics' figures exactly
	// those Invoices would give. Invoices is then empty.
	InvoiceSummary *InvoiceSummary `json:"invoice_summary,omitempty"`
	// CustomerTotals, when set, stands in for Customers likewise.
	CustomerTotals *CustomerTotals `json:"customer_totals,omitempty"`
}

// InvoiceSummary is what the ledger metrics need of a business's invoices, summed by
// the database instead of listed, so that reading it does not grow with every invoice
// ever issued. It covers the invoices LedgerSnapshot would list (the open ones and
// those dated within two years of its AsOf) and is cut at Day:
//
//   - Open sums the owed invoices (a receivable status, amount due above zero) by due
//     date and currency; the metrics age them from the dates.
//   - Issued sums the issued invoices (a known status other than DRAFT and SAVED) dated
//     from IssuedFrom on, by invoice date and currency: invoiced sales and growth.
//   - Amounts in another currency or exponent than the business's cannot be summed
//     without their own exchange rates, so the invoices behind such groups are listed
//     whole in Others (and their groups are counts only).
//   - Largest lists whole, for each aging bucket, the open invoices in the business's
//     currency with the largest amounts due (ties by id), as many as a metric input
//     names; OverdueCustomers sums what is past due by customer for every customer
//     who can rank among those a metric names.
//
// Package scoring defines the buckets, windows and numbers listed
// (scoring.InvoiceSummaryBounds) and checks a summary before using it.
type InvoiceSummary struct {
	// Day is the calendar day the summary was cut at (the books' AsOf as a date, at
	// midnight UTC): aging and windows count from it.
	Day        time.Time    `json:"day"`
	IssuedFrom time.Time    `json:"issued_from"`
	Open       []InvoiceSum `json:"open"`
	Issued     []InvoiceSum `json:"issued"`
	// Unknown counts the invoices with a status finhealth does not know.
	Unknown          int               `json:"unknown"`
	Others           []Invoice         `json:"others"`
	Largest          []Invoice         `json:"largest"`
	OverdueCustomers []CustomerOverdue `json:"overdue_customers"`
}

// InvoiceSum is a group of invoices with the same date and currency: their count and
// the exact sum of one amount (amount due for open invoices, total for issued ones).
type InvoiceSum struct {
	// Date is the due date (Open) or the invoice date (Issued); zero when the invoices
	// have none.
	Date time.Time `json:"date"`
	// Currency and Exponent are the amounts' (the invoice's currency when the amounts
	// name none).
	Currency string `json:"currency"`
	Exponent int    `json:"exponent"`
	Amount   int64  `json:"amount"`
	Count    int    `json:"count"`
	// MaxAbs is at least the largest magnitude among the amounts summed: with Count, a
	// bound on every partial sum, which says whether a sum in another order could
	// overflow. Open groups may leave it zero: amounts due are positive, so their
	// total bounds their partial sums.
	MaxAbs uint64 `json:"max_abs"`
}

// CustomerOverdue is what one customer owes past due on open invoices in the
// business's currency, with the customer's name as the first of those invoices by id
// that names it (NameInvoice).
type CustomerOverdue struct {
	CustomerWaveID string `json:"customer_wave_id"`
	Amount         int64  `json:"amount"`
	Name           string `json:"name,omitempty"`
	NameInvoice    string `json:"name_invoice,omitempty"`
}

// CustomerTotals sums the customers' outstanding and overdue amounts as the
// provider reports them, over the customers with a balance: Counted of them in the
// business's currency, Other in another currency or exponent (not summed).
type CustomerTotals struct {
	Outstanding int64 `json:"outstanding"`
	Overdue     int64 `json:"overdue"`
	Counted     int   `json:"counted"`
	Other       int   `json:"other"`
}

// AccountBalance is one account's balance in a stored snapshot.
type AccountBalance struct {
	AccountID string `json:"account_id"`
	Balance   Money  `json:"balance"` // in the business's home currency
}

// BalanceSnapshot is the compact dated record of every account's balance that the
// warehouse keeps at each sync. A series of them is the only history there is, since
// the provider reports current balances only; cash buffer, runway and margins come
// from the changes between two of them.
type BalanceSnapshot struct {
	AsOf             time.Time        `json:"as_of"`
	Currency         string           `json:"currency"`
	CurrencyExponent int              `json:"currency_exponent"`
	Balances         []AccountBalance `json:"balances"`
}

// Balances returns the compact record of s's account balances.
func (s LedgerSnapshot) Balances() BalanceSnapshot {
	out := BalanceSnapshot{
		AsOf:             s.AsOf,
		Currency:         s.Currency,
		CurrencyExponent: s.CurrencyExponent,
		Balances:         make([]AccountBalance, len(s.Accounts)),
	}
	for i, a := range s.Accounts {
		out.Balances[i] = AccountBalance{AccountID: a.WaveID, Balance: a.Balance}
	}
	return out
}

// MetricUnit is what a metric's value measures.
type MetricUnit string

// Metric units.
const (
	UnitRatio   MetricUnit = "ratio"
	UnitMoney   MetricUnit = "money"
	UnitDays    MetricUnit = "days"
	UnitPercent MetricUnit = "percent"
	UnitMonths  MetricUnit = "months"
	UnitWeeks   MetricUnit = "weeks"
)

// MetricStatus says whether a metric could be computed.
type MetricStatus string

// Metric statuses.
const (
	MetricOK            MetricStatus = "ok"
	MetricNotEnoughData MetricStatus = "not_enough_data"
)

// MetricValue is one ledger metric, with everything needed to explain it: the inputs
// and the accounts or invoices behind them, the formula, the bands and which one the
// value falls in, and the points that band is worth.
type MetricValue struct {
	Name  string     `json:"name"`
	Label string     `json:"label"`
	Unit  MetricUnit `json:"unit"`
	// Value is set for ratios, days, percentages and months, rounded to what is shown
	// (the band is chosen from the rounded value, so the two never disagree). It is nil
	// when the metric has no finite value: not enough data, or a case such as "no
	// short-term liabilities" or "cash is not falling" that Note explains.
	Value *float64 `json:"value"`
	// Money is set instead of Value for amounts, which are never floats.
	Money  *Money       `json:"money,omitempty"`
	Status MetricStatus `json:"status"`
	// Reason says why there is not enough data.
	Reason     string        `json:"reason,omitempty"`
	Note       string        `json:"note,omitempty"`
	Inputs     []MetricInput `json:"inputs"`
	Formula    string        `json:"formula"`
	Thresholds string        `json:"thresholds,omitempty"`
	Bands      []MetricBand  `json:"bands,omitempty"`
	Band       string        `json:"band,omitempty"`
	// Points (0-100) are set for metrics that count in the health score; informational
	// metrics (cash, aging buckets, invoiced revenue) have none.
	Points *int `json:"points"`
	// Notes list what was left out and why (accounts in another currency, invoices with
	// an unknown status), so a surprising number can be traced.
	Notes []string  `json:"notes,omitempty"`
	AsOf  time.Time `json:"as_of"`
}

// MetricInput is one named input of a metric.
type MetricInput struct {
	Name   string   `json:"name"`
	Label  string   `json:"label"`
	Amount *Money   `json:"amount,omitempty"`
	Value  *float64 `json:"value,omitempty"`
	// Accounts are the ids of the accounts summed (all of them).
	Accounts []string `json:"accounts,omitempty"`
	// Invoices are the ids of the largest invoices summed, at most a hundred, and
	// InvoiceCount is how many there were in all; listing fifty thousand ids would
	// explain nothing.
	Invoices     []string `json:"invoices,omitempty"`
	InvoiceCount int      `json:"invoice_count,omitempty"`
}

// MetricBand is one band of a metric: values from Min (inclusive) to Max (exclusive),
// nil meaning unbounded, or a special case (Min and Max both nil) named by Label.
type MetricBand struct {
	Name   string   `json:"name"`
	Label  string   `json:"label"`
	Min    *float64 `json:"min"`
	Max    *float64 `json:"max"`
	Points int      `json:"points"`
}

// Health score component sources.
const (
	SourceLedger        = "ledger"
	SourceQuestionnaire = "questionnaire"
)

// HealthComponent is one scored part of the health score: a ledger metric, or one
// pillar's questionnaire answers. Weight is its nominal share of the score;
// EffectiveWeight is its share after the weight of parts without enough data has been
// spread over the others (the effective weights of all components sum to 1). Points
// are exact (a mean of answers may be 53.75); pages show them to one decimal.
type HealthComponent struct {
	Name            string       `json:"name"`
	Label           string       `json:"label"`
	Source          string       `json:"source"`
	Pillar          string       `json:"pillar"`
	Status          MetricStatus `json:"status"`
	Reason          string       `json:"reason,omitempty"`
	Points          *float64     `json:"points"`
	Weight          float64      `json:"weight"`
	EffectiveWeight float64      `json:"effective_weight"`
	// Value and Unit repeat a ledger metric's shown value, so that a later score can
	// say what moved ("days sales outstanding rose from 38.0 to 52.0") from the
	// stored score alone.
	Value *float64   `json:"value,omitempty"`
	Unit  MetricUnit `json:"unit,omitempty"`
}

// HealthPillar is one of the score's five pillars (liquidity, profitability and
// growth, debt and solvency, receivables, planning and controls). Each blends a books
// half (its ledger metrics) and an answers half (its questionnaire items); a half
// without data gives its weight to the other, and a pillar with neither gives its
// weight to the other pillars. Score is rounded to one decimal for display from the
// exact value the score was computed with.
type HealthPillar struct {
	ID              string       `json:"id"`
	Label           string       `json:"label"`
	Source          string       `json:"source,omitempty"`
	Status          MetricStatus `json:"status"`
	Reason          string       `json:"reason,omitempty"`
	Score           *float64     `json:"score"`
	Weight          float64      `json:"weight"`
	EffectiveWeight float64      `json:"effective_weight"`
	Books           *PillarHalf  `json:"books,omitempty"`
	Answers         *PillarHalf  `json:"answers,omitempty"`
}

// PillarHalf is the books or the answers half of a pillar. Weight is its nominal share
// of the pillar (0.6 for the books, 0.4 for the answers); EffectiveWeight is its share
// once a half without data has given its weight to the other.
type PillarHalf struct {
	Status          MetricStatus `json:"status"`
	Reason          string       `json:"reason,omitempty"`
	Score           *float64     `json:"score"`
	Weight          float64      `json:"weight"`
	EffectiveWeight float64      `json:"effective_weight"`
}

// ScoreChange explains the difference between a score and the previous one recorded
// with other inputs: Delta is the shown change (this score minus the previous, each
// rounded to one decimal) and the Parts add up to it exactly.
type ScoreChange struct {
	PreviousScore float64      `json:"previous_score"`
	PreviousAsOf  time.Time    `json:"previous_as_of"`
	Delta         float64      `json:"delta"`
	Parts         []ChangePart `json:"parts"`
}

// Kinds of ChangePart.
const (
	ChangeMetric        = "metric"        // a ledger metric's points or weight moved
	ChangeQuestionnaire = "questionnaire" // the questionnaire was retaken
	ChangeAnswers       = "answers"       // a pillar's answers weigh differently
	ChangeMethod        = "method"        // the scoring method changed in between
	ChangeOther         = "other"         // the remaining small parts, together
)

// ChangePart is one cause of a score change with its share of the change, to one
// decimal.
type ChangePart struct {
	Kind      string  `json:"kind"`
	Component string  `json:"component,omitempty"`
	Label     string  `json:"label"`
	Text      string  `json:"text"`
	Delta     float64 `json:"delta"`
}

// Confidence levels of the books behind a score.
const (
	ConfidenceHigh   = "high"
	ConfidenceMedium = "medium"
	ConfidenceLow    = "low"
)

// Confidence says how far the books behind a score can be trusted, and what to do
// about each doubt: balances in uncategorized or unknown accounts, accounts flagged
// for review, an old sync, no payables recorded.
type Confidence struct {
	Level  string            `json:"level"`
	Issues []ConfidenceIssue `json:"issues"`
}

// ConfidenceIssue is one doubt about the books, at the level it lowers confidence to.
type ConfidenceIssue struct {
	Code   string `json:"code"`
	Level  string `json:"level"`
	Text   string `json:"text"`
	Action string `json:"action"`
}

// HealthScore is the combined 0-100 score of a business from its ledger metrics and its
// latest questionnaire. Score is nil (and Status not_enough_data) only when there is
// neither a ledger nor an assessment.
type HealthScore struct {
	Status          MetricStatus      `json:"status"`
	Reason          string            `json:"reason,omitempty"`
	Score           *float64          `json:"score"`
	Tier            string            `json:"tier,omitempty"`
	Pillars         []HealthPillar    `json:"pillars"`
	Components      []HealthComponent `json:"components"`
	Recommendations []Recommendation  `json:"recommendations"`
	Notes           []string          `json:"notes,omitempty"`
	// MethodVersion names the method (metrics, bands, weights); it is stored with every
	// score so that an old score can be explained by the rules it was made with.
	MethodVersion string `json:"method_version"`
	// The assessment blended in, if any, and the versions it was scored with.
	AssessmentID         string `json:"assessment_id,omitempty"`
	QuestionnaireVersion int    `json:"questionnaire_version,omitempty"`
	AlgorithmVersion     string `json:"algorithm_version,omitempty"`
	// LedgerAsOf is when the books behind the ledger metrics were read; nil without them.
	LedgerAsOf *time.Time `json:"ledger_as_of,omitempty"`
	AsOf       time.Time  `json:"as_of"`
	// Change explains the difference from the previous score recorded with other
	// inputs; nil for a first score.
	Change *ScoreChange `json:"change,omitempty"`
	// Confidence judges the books behind the score; nil without books.
	Confidence *Confidence `json:"confidence,omitempty"`
}
