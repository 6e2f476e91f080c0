package scoring

import (
	"math"

	"finhealth"
)

// Metric names: stable identifiers for the metric time series and the API.
const (
	MetricCash             = "cash"
	MetricReceivables      = "receivables"
	MetricWorkingCapital   = "working_capital"
	MetricCurrentRatio     = "current_ratio"
	MetricQuickRatio       = "quick_ratio"
	MetricCashRatio        = "cash_ratio"
	MetricOverdueShare     = "overdue_share"
	MetricAgingCurrent     = "ar_aging_current"
	MetricAging1To30       = "ar_aging_1_30"
	MetricAging31To60      = "ar_aging_31_60"
	MetricAging61To90      = "ar_aging_61_90"
	MetricAgingOver90      = "ar_aging_over_90"
	MetricDSO              = "dso"
	MetricDebtToEquity     = "debt_to_equity"
	MetricRevenue30d       = "invoiced_revenue_30d"
	MetricRevenue90d       = "invoiced_revenue_90d"
	MetricRevenue365d      = "invoiced_revenue_365d"
	MetricRevenueGrowth30d = "revenue_growth_30d"
	MetricRevenueGrowth90d = "revenue_growth_90d"
	MetricRevenueGrowth1y  = "revenue_growth_365d"
	MetricCashBufferDays   = "cash_buffer_days"
	MetricRunwayMonths     = "runway_months"
	MetricNetMargin        = "net_margin"
	MetricGrossMargin      = "gross_margin"

	MetricCashBufferWeeks = "cash_buffer_weeks"
	MetricRunwayWeeks     = "runway_weeks"
	MetricDPO             = "days_payables_outstanding"
	MetricCashConversion  = "cash_conversion_cycle"
	MetricReturnOnAssets  = "return_on_assets"
	MetricInterestCover   = "interest_cover"
)

// band is one band of a metric: values in [min, max), or, when special, a named case
// that has no number (no liabilities, negative equity, cash not falling).
type band struct {
	name    string
	label   string
	min     float64
	max     float64
	points  int
	special bool
}

var inf = math.Inf(1)

// metricDef is everything about a metric that does not depend on the business.
type metricDef struct {
	name       string
	label      string
	unit       finhealth.MetricUnit
	formula    string
	thresholds string
	bands      []band
	// decimals is the rounding of the shown value, which is also what is banded.
	decimals int
}

// The bands follow scoring.md section 3 where it cites thresholds, and the points
// follow the questionnaire's points for the same facts (cash buffer days, overdue share,
// days to get paid, net margin, revenue trend), so that the books and the answers speak
// the same language. Points step at band edges rather than growing with the value:
// beyond a healthy level more is not better, and a step is what a reader can check.
var metricDefs = []metricDef{
	{name: MetricCash, label: "Cash", unit: finhealth.UnitMoney,
		formula: "sum of the balances above zero of the accounts mapped as cash (an overdrawn account is a current liability)"},
	{name: MetricReceivables, label: "Receivables (account balances)", unit: finhealth.UnitMoney,
		formula: "sum of the balances of the accounts mapped as receivables"},
	{name: MetricWorkingCapital, label: "Working capital", unit: finhealth.UnitMoney,
		formula:    "current assets - current liabilities",
		thresholds: "Negative working capital is a warning: what falls due within a year exceeds what will turn into cash."},
	{name: MetricCurrentRatio, label: "Current ratio", unit: finhealth.UnitRatio, decimals: 2,
		formula:    "current assets / current liabilities",
		thresholds: "Below 1.0 the business cannot cover its short-term debts; 1.0 to 1.5 is exposed; 1.5 to 3 is healthy; above 3 may be idle cash.",
		bands: []band{
			{name: "critical", label: "below 0.5: cannot cover short-term debts", min: -inf, max: 0.5, points: 0},
			{name: "poor", label: "0.5 to 1.0: cannot cover short-term debts", min: 0.5, max: 1.0, points: 20},
			{name: "exposed", label: "1.0 to 1.5: exposed", min: 1.0, max: 1.5, points: 50},
			{name: "healthy", label: "1.5 to 3: healthy", min: 1.5, max: 3.0, points: 100},
			{name: "idle_cash", label: "3 and above: may be idle cash, still fairly good", min: 3.0, max: inf, points: 85},
			{name: "no_short_term_liabilities", label: "no short-term liabilities: healthy", special: true, points: 100},
		}},
	{name: MetricQuickRatio, label: "Quick ratio", unit: finhealth.UnitRatio, decimals: 2,
		formula:    "(cash + money in transit + receivables) / current liabilities",
		thresholds: "1.0 or more is satisfactory: the business can pay its short-term debts without selling inventory.",
		bands: []band{
			{name: "poor", label: "below 0.5", min: -inf, max: 0.5, points: 0},
			{name: "weak", label: "0.5 to 1.0: below the usual minimum", min: 0.5, max: 1.0, points: 40},
			{name: "satisfactory", label: "1.0 and above: satisfactory", min: 1.0, max: inf, points: 100},
			{name: "no_short_term_liabilities", label: "no short-term liabilities: satisfactory", special: true, points: 100},
		}},
	{name: MetricCashRatio, label: "Cash ratio", unit: finhealth.UnitRatio, decimals: 2,
		formula:    "cash / current liabilities",
		thresholds: "No standard cut-off: shown for context and not scored."},
	{name: MetricOverdueShare, label: "Overdue share of receivables", unit: finhealth.UnitPercent, decimals: 1,
		formula:    "amount due on open invoices past their due date / amount due on all open invoices x 100",
		thresholds: "Weighed heavily: money customers owe late is the receivable most likely never to arrive.",
		bands: []band{
			{name: "low", label: "under 5%", min: -inf, max: 5, points: 100},
			{name: "watch", label: "5% to 15%", min: 5, max: 15, points: 70},
			{name: "high", label: "15% to 30%", min: 15, max: 30, points: 30},
			{name: "severe", label: "30% and above", min: 30, max: inf, points: 0},
			{name: "nothing_outstanding", label: "no open receivables", special: true, points: 100},
		}},
	{name: MetricAgingCurrent, label: "Owed on open invoices, not yet due", unit: finhealth.UnitMoney,
		formula: "amount due on open invoices not past their due date"},
	{name: MetricAging1To30, label: "Owed on open invoices, 1-30 days past due", unit: finhealth.UnitMoney,
		formula: "amount due on open invoices 1 to 30 days past their due date"},
	{name: MetricAging31To60, label: "Owed on open invoices, 31-60 days past due", unit: finhealth.UnitMoney,
		formula: "amount due on open invoices 31 to 60 days past their due date"},
	{name: MetricAging61To90, label: "Owed on open invoices, 61-90 days past due", unit: finhealth.UnitMoney,
		formula: "amount due on open invoices 61 to 90 days past their due date"},
	{name: MetricAgingOver90, label: "Owed on open invoices, over 90 days past due", unit: finhealth.UnitMoney,
		formula: "amount due on open invoices more than 90 days past their due date"},
	{name: MetricDSO, label: "Days sales outstanding", unit: finhealth.UnitDays, decimals: 1,
		formula:    "amount due on open invoices / invoiced sales of the last 90 days x 90",
		thresholds: "30 to 45 days is typical (it varies by industry); longer means customers hold your cash.",
		bands: []band{
			{name: "fast", label: "under 30 days: faster than typical", min: -inf, max: 30, points: 100},
			{name: "typical", label: "30 to 45 days: typical", min: 30, max: 45, points: 80},
			{name: "slow", label: "45 to 60 days: slow", min: 45, max: 60, points: 45},
			{name: "very_slow", label: "60 to 90 days: very slow", min: 60, max: 90, points: 15},
			{name: "critical", label: "90 days and more", min: 90, max: inf, points: 0},
			{name: "no_recent_sales", label: "money still owed but nothing invoiced in the last 90 days", special: true, points: 0},
		}},
	{name: MetricDebtToEquity, label: "Debt-to-equity", unit: finhealth.UnitRatio, decimals: 2,
		formula:    "total liabilities / equity, where equity = total assets - total liabilities",
		thresholds: "Below 1 is fairly safe; 2 and above is risky; negative equity (liabilities above assets) is the most serious.",
		bands: []band{
			{name: "low", label: "under 0.5: low", min: -inf, max: 0.5, points: 100},
			{name: "fairly_safe", label: "0.5 to 1: fairly safe", min: 0.5, max: 1, points: 85},
			{name: "elevated", label: "1 to 2: elevated", min: 1, max: 2, points: 50},
			{name: "risky", label: "2 to 4: risky", min: 2, max: 4, points: 15},
			{name: "very_high", label: "4 and above: very high", min: 4, max: inf, points: 0},
			{name: "no_liabilities", label: "no liabilities", special: true, points: 100},
			{name: "negative_equity", label: "liabilities equal or exceed assets", special: true, points: 0},
		}},
	{name: MetricRevenue30d, label: "Invoiced sales, last 30 days", unit: finhealth.UnitMoney,
		formula: "sum of the totals (tax included) of issued invoices dated within the last 30 days"},
	{name: MetricRevenue90d, label: "Invoiced sales, last 90 days", unit: finhealth.UnitMoney,
		formula: "sum of the totals (tax included) of issued invoices dated within the last 90 days"},
	{name: MetricRevenue365d, label: "Invoiced sales, last 365 days", unit: finhealth.UnitMoney,
		formula: "sum of the totals (tax included) of issued invoices dated within the last 365 days"},
	{name: MetricRevenueGrowth30d, label: "Invoiced sales growth, 30 days", unit: finhealth.UnitPercent, decimals: 1,
		formula:    "(invoiced sales of the last 30 days - of the 30 days before) / of the 30 days before x 100",
		thresholds: "Shown for context and not scored: a month is too short to tell a trend from noise.",
	},
	{name: MetricRevenueGrowth90d, label: "Invoiced sales growth, 90 days", unit: finhealth.UnitPercent, decimals: 1,
		formula:    "(invoiced sales of the last 90 days - of the 90 days before) / of the 90 days before x 100",
		thresholds: growthThresholds, bands: growthBands},
	{name: MetricRevenueGrowth1y, label: "Invoiced sales growth, 365 days", unit: finhealth.UnitPercent, decimals: 1,
		formula:    "(invoiced sales of the last 365 days - of the 365 days before) / of the 365 days before x 100",
		thresholds: growthThresholds, bands: growthBands},
	{name: MetricCashBufferDays, label: "Cash buffer days", unit: finhealth.UnitDays, decimals: 1,
		formula:    "cash / average daily outflows, where outflows = growth of cost of sales and expense balances between two snapshots",
		thresholds: "The median US small business holds 27 days of outflows in cash, and half hold fewer than 15 (JPMorgan Chase Institute).",
		bands: []band{
			{name: "critical", label: "under 15 days: where the weakest half of small businesses are", min: -inf, max: 15, points: 0},
			{name: "thin", label: "15 to 27 days: below the median", min: 15, max: 27, points: 25},
			{name: "median", label: "27 to 45 days: around the median", min: 27, max: 45, points: 60},
			{name: "comfortable", label: "45 to 90 days: comfortable", min: 45, max: 90, points: 85},
			{name: "strong", label: "90 days and more: strong", min: 90, max: inf, points: 100},
		}},
	{name: MetricRunwayMonths, label: "Cash runway", unit: finhealth.UnitMonths, decimals: 1,
		formula:    "cash / monthly burn, where burn = fall in cash not paid for by borrowing (change in cash - change in borrowings) between two snapshots per 30.4375 days",
		thresholds: "Cash that is not falling has no limit; under 3 months at the current pace is critical.",
		bands: []band{
			{name: "critical", label: "under 3 months", min: -inf, max: 3, points: 0},
			{name: "short", label: "3 to 6 months", min: 3, max: 6, points: 30},
			{name: "moderate", label: "6 to 12 months", min: 6, max: 12, points: 65},
			{name: "long", label: "12 to 24 months", min: 12, max: 24, points: 90},
			{name: "very_long", label: "24 months and more", min: 24, max: inf, points: 100},
			{name: "not_burning", label: "cash, net of borrowing, did not fall: no limit", special: true, points: 100},
		}},
	{name: MetricNetMargin, label: "Net margin", unit: finhealth.UnitPercent, decimals: 1,
		formula:    "(sales + other income - cost of sales - expenses) / sales x 100, from balance changes between two snapshots",
		thresholds: "10-20% is strong, 5-10% acceptable, 0-5% thin, below 0 urgent.",
		bands: []band{
			{name: "loss", label: "below 0%: a loss, urgent", min: -inf, max: 0, points: 0},
			{name: "thin", label: "0% to 5%: thin", min: 0, max: 5, points: 30},
			{name: "acceptable", label: "5% to 10%: acceptable", min: 5, max: 10, points: 70},
			{name: "strong", label: "10% and above: strong", min: 10, max: inf, points: 100},
			{name: "loss_without_sales", label: "a loss with no sales", special: true, points: 0},
		}},
	{name: MetricGrossMargin, label: "Gross margin", unit: finhealth.UnitPercent, decimals: 1,
		formula:    "(sales - cost of sales) / sales x 100, from balance changes between two snapshots",
		thresholds: "Varies too much by industry for one cut-off: shown for context and not scored."},
	{name: MetricCashBufferWeeks, label: "Cash buffer in weeks", unit: finhealth.UnitWeeks, decimals: 1,
		formula:    "cash buffer days / 7, from the same cash and outflows",
		thresholds: "The cash buffer in days, in weeks for planning: shown for context and not scored (the days are scored)."},
	{name: MetricRunwayWeeks, label: "Cash runway in weeks", unit: finhealth.UnitWeeks, decimals: 1,
		formula:    "cash / weekly burn, where burn = fall in cash not paid for by borrowing (change in cash - change in borrowings) between two snapshots per 7 days",
		thresholds: "The runway in weeks, for planning: shown for context and not scored (the months are scored)."},
	{name: MetricDPO, label: "Days payables outstanding", unit: finhealth.UnitDays, decimals: 1,
		formula: "payables (accounts payable, bills and other payables) / cost of sales and expenses between two snapshots " +
			"x days between them",
		thresholds: "Under 45 days pays suppliers on usual terms; 90 days and more is stretching suppliers, a liquidity warning. " +
			"Books with no payables recorded are not enough data, never full points.",
		bands: []band{
			{name: "prompt", label: "under 45 days: on usual terms", min: -inf, max: 45, points: 100},
			{name: "stretched", label: "45 to 60 days: stretched", min: 45, max: 60, points: 70},
			{name: "slow", label: "60 to 90 days: slow", min: 60, max: 90, points: 30},
			{name: "critical", label: "90 days and more: stretching suppliers", min: 90, max: inf, points: 0},
		}},
	{name: MetricCashConversion, label: "Cash conversion cycle", unit: finhealth.UnitDays, decimals: 1,
		formula: "days inventory outstanding + days sales outstanding - days payables outstanding, where days inventory " +
			"outstanding = inventory / cost of sales between two snapshots x days between them",
		thresholds: "How long cash is tied up between paying suppliers and being paid; it varies by industry, so it is shown " +
			"for context and not scored. Only for businesses that hold inventory."},
	{name: MetricReturnOnAssets, label: "Return on assets", unit: finhealth.UnitPercent, decimals: 1,
		formula: "net profit between two snapshots x 365 / days between them / total assets x 100, where net profit = " +
			"sales + other income - cost of sales - expenses",
		thresholds: "Below 0 the assets lose money; 5-10% is good and 10% and more strong for a small business.",
		bands: []band{
			{name: "loss", label: "below 0%: a loss", min: -inf, max: 0, points: 0},
			{name: "low", label: "0% to 2%: low", min: 0, max: 2, points: 30},
			{name: "moderate", label: "2% to 5%: moderate", min: 2, max: 5, points: 60},
			{name: "good", label: "5% to 10%: good", min: 5, max: 10, points: 85},
			{name: "strong", label: "10% and above: strong", min: 10, max: inf, points: 100},
		}},
	{name: MetricInterestCover, label: "Interest cover", unit: finhealth.UnitRatio, decimals: 2,
		formula: "earnings before interest / interest expense between two snapshots, where interest expense is the expense " +
			"accounts whose name contains \"interest\" and earnings before interest = net profit + interest expense",
		thresholds: "Under 1.5 earnings barely cover the interest (a loss before interest is the lowest band); 3 to 5 is " +
			"adequate; 5 and more is strong.",
		bands: []band{
			{name: "critical", label: "under 1.5: interest barely covered, or a loss before interest", min: -inf, max: 1.5, points: 0},
			{name: "thin", label: "1.5 to 3: thin", min: 1.5, max: 3, points: 40},
			{name: "adequate", label: "3 to 5: adequate", min: 3, max: 5, points: 80},
			{name: "strong", label: "5 and above: strong", min: 5, max: inf, points: 100},
		}},
}

const growthThresholds = "Falling sales are the warning; growth of 10% or more scores fully (a cap: faster is not scored higher)."

var growthBands = []band{
	{name: "falling_fast", label: "falling by more than 10%", min: -inf, max: -10, points: 0},
	{name: "falling", label: "falling by 2% to 10%", min: -10, max: -2, points: 30},
	{name: "flat", label: "within 2% either way: flat", min: -2, max: 2, points: 60},
	{name: "growing", label: "growing by 2% to 10%", min: 2, max: 10, points: 85},
	{name: "growing_fast", label: "growing by 10% or more", min: 10, max: inf, points: 100},
}

// MetricNames lists every metric ComputeMetrics returns, in the order it returns them,
// for validating a client's choice of series.
func MetricNames() []string {
	out := make([]string, len(metricDefs))
	for i, d := range metricDefs {
		out[i] = d.name
	}
	return out
}

var defByName = func() map[string]*metricDef {
	m := make(map[string]*metricDef, len(metricDefs))
	for i := range metricDefs {
		m[metricDefs[i].name] = &metricDefs[i]
	}
	return m
}()

// exportBands renders bands for the API, with open ends as nil.
func exportBands(bs []band) []finhealth.MetricBand {
	if len(bs) == 0 {
		return nil
	}
	out := make([]finhealth.MetricBand, len(bs))
	for i, b := range bs {
		out[i] = finhealth.MetricBand{Name: b.name, Label: b.label, Points: b.points}
		if b.special {
			continue
		}
		if !math.IsInf(b.min, 0) {
			out[i].Min = ptr(b.min)
		}
		if !math.IsInf(b.max, 0) {
			out[i].Max = ptr(b.max)
		}
	}
	return out
}

// bandOf returns the band v falls in; v is finite, and the bands of a metric cover the
// whole line, so the fallback to the worst band is only a guard.
func bandOf(bs []band, v float64) band {
	for _, b := range bs {
		if !b.special && v >= b.min && v < b.max {
			return b
		}
	}
	return bs[0]
}

func specialBand(bs []band, name string) band {
	for _, b := range bs {
		if b.special && b.name == name {
			return b
		}
	}
	panic("scoring: no special band " + name)
}

func ptr[T any](v T) *T { return &v }

// roundTo rounds half away from zero to d decimals, the way the value is shown.
func roundTo(v float64, d int) float64 {
	p := math.Pow10(d)
	r := math.Round(v*p) / p
	if r == 0 {
		return 0 // no "-0" on screen
	}
	return r
}
