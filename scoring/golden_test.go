package scoring

import (
	"strings"
	"testing"

	"finhealth"
)

// Golden businesses: eight books from issue 11, each worked out by hand from the
// balances to the combined score. Amounts are in cents; every business is read on
// bakeryAsOf (30 June 2025) against a snapshot exactly 90 days earlier, so "days"
// is 90 throughout and a month is 30.4375 days. Pillar arithmetic: a pillar is
// 0.6 x books + 0.4 x answers (books alone or answers alone when the other half has
// no data), the score the pillars weighed 30/15/25/20/10 over the pillars that have
// data, rounded once to one decimal.

// retakeFrom is the business's answers before a retake: budget_forecast "none" (0)
// instead of "rough" (30), so planning was (0 + 65 + 65 + 35) / 4 = 41.25 and every
// other pillar is unchanged.
var retakeFrom = map[string]string{"budget_forecast": "none"}

// depreciationBooks is business 1 to 3: equipment bought on finance, depreciated, and
// the depreciation entered with the given sign and side.
//
//	account                      now          then
//	Checking                     1,000,000    1,150,000
//	Equipment                    2,500,000    2,500,000
//	Accumulated depreciation    (-)600,000   (-)450,000   contra asset
//	Accounts payable               480,000      480,000
//	Equipment finance            2,520,000    2,520,000   other long-term liability
//	Sales                        2,000,000    1,000,000
//	Rent                         1,000,000      400,000
//	Depreciation (expense)         300,000      150,000
//	Loan interest                  100,000       50,000
//
// Invoices, all paid: 6,000.00 on 10 June and 4,000.00 on 1 May (the last 90 days),
// 9,000.00 on 1 February (the 90 before, and the last 365), 18,000.00 on 1 May 2024
// (the 365 before).
func depreciationBooks(dep int64, side finhealth.NormalBalance) goldenBooks {
	A, L, I, X := assetT, liabT, incomeT, expenseT
	paid := finhealth.InvoicePaid
	return goldenBooks{
		lines: []goldenLine{
			{"chk", "Checking", A, finhealth.SubtypeCashAndBank, debit, 1_000_000, 1_150_000},
			{"ppe", "Equipment", A, finhealth.SubtypePropertyPlantEquipment, debit, 2_500_000, 2_500_000},
			{"dep", "Accumulated depreciation", A, finhealth.SubtypeDepreciationAndAmortization, side, dep, dep / 4 * 3},
			{"ap", "Accounts payable", L, finhealth.SubtypePayableBills, credit, 480_000, 480_000},
			{"fin", "Equipment finance", L, finhealth.SubtypeOtherLongTermLiability, credit, 2_520_000, 2_520_000},
			{"sales", "Sales", I, finhealth.SubtypeIncome, credit, 2_000_000, 1_000_000},
			{"rent", "Rent", X, finhealth.SubtypeExpense, debit, 1_000_000, 400_000},
			{"depx", "Depreciation", X, finhealth.SubtypeExpense, debit, 300_000, 150_000},
			{"int", "Loan interest", X, finhealth.SubtypeExpense, debit, 100_000, 50_000},
		},
		invoices: []finhealth.Invoice{
			invoice("g1", "c1", "Garage", paid, 600_000, 0, day(2025, 6, 10), day(2025, 7, 10)),
			invoice("g2", "c2", "Fleet", paid, 400_000, 0, day(2025, 5, 1), day(2025, 5, 31)),
			invoice("g3", "c1", "Garage", paid, 900_000, 0, day(2025, 2, 1), day(2025, 3, 3)),
			invoice("g4", "c2", "Fleet", paid, 1_800_000, 0, day(2024, 5, 1), day(2024, 5, 31)),
		},
	}
}

// TestGoldenDepreciation: businesses 1, 2 and 3, the same books under Wave's negative
// sign (-600,000 with a credit side), the positive sign (+600,000) and with no side
// (the subtype alone says contra). The depreciation takes its size off the assets
// every time.
//
// Flows over the 90 days:
//
//	sales 2,000,000 - 1,000,000 = 1,000,000
//	expenses rent 600,000 + depreciation 150,000 + interest 50,000 = 800,000
//	net profit 1,000,000 - 800,000 = 200,000; cash 1,000,000 - 1,150,000 = -150,000
//	borrowings none (equipment finance is a long-term liability, not a loan), unchanged
//
// Metrics:
//
//	current ratio  1,000,000 / 480,000 = 2.083 -> 2.08 healthy 100; quick the same, satisfactory 100
//	cash buffer    1,000,000 / (800,000 / 90 = 8,888.89 a day) = 112.5 strong 100
//	runway         1,000,000 / (150,000 / 90 x 30.4375 = 50,729.17) = 19.71 -> 19.7 long 90
//	DPO            480,000 / 800,000 x 90 = 54.0 stretched 70
//	overdue share  nothing open, invoices issued this year: nothing_outstanding 100
//	DSO            0 open / 1,000,000 x 90 = 0.0 fast 100
//	net margin     200,000 / 1,000,000 = 20.0% strong 100
//	ROA            assets 1,000,000 + 2,500,000 - 600,000 = 2,900,000;
//	               200,000 x 365 / 90 = 811,111.11 a year / 2,900,000 = 27.97% -> 28.0 strong 100
//	growth 1y      (600,000 + 400,000 + 900,000 = 1,900,000 - 1,800,000) / 1,800,000 = 5.56% -> 5.6 growing 85
//	growth 90d     (1,000,000 - 900,000) / 900,000 = 11.1% growing_fast 100
//	D/E            liabilities 480,000 + 2,520,000 = 3,000,000 > assets 2,900,000:
//	               equity -100,000, negative_equity 0 (adding the depreciation gave 11,000.00 and 2.73)
//	interest cover (200,000 + 50,000) / 50,000 = 5.0 strong 100
//
// Pillars, with mixedAnswersV2 (answers: liquidity 315/5 = 63, receivables 150/2 = 75,
// profitability 285/4 = 71.25, debt 275/3 = 91.67, planning 195/4 = 48.75):
//
//	liquidity      books (100x25 + 100x15 + 100x25 + 90x25 + 70x10) / 100 = 94.5
//	               0.6 x 94.5 + 0.4 x 63 = 56.7 + 25.2 = 81.9
//	receivables    books (100x60 + 100x40) / 100 = 100; 60 + 30 = 90.0
//	profitability  books (100x35 + 100x15 + 85x30 + 100x20) / 100 = 95.5; 57.3 + 28.5 = 85.8
//	debt           books (0x70 + 100x30) / 100 = 30; 18 + 36.667 = 54.667 -> 54.7
//	planning       answers only 48.75 -> 48.8
//	score          0.3 x 81.9 + 0.15 x 90 + 0.25 x 85.8 + 0.2 x 54.667 + 0.1 x 48.75
//	               = 24.57 + 13.5 + 21.45 + 10.933 + 4.875 = 75.328 -> 75.3 coping
//
// Before the retake planning was 41.25: the score was 75.328 - 0.1 x 7.5 = 74.578 ->
// 74.6. The change shown is 75.3 - 74.6 = 0.7, one questionnaire part (exactly 0.75,
// shown as 0.7 so that the part adds up to the change).
//
// Advice: the only urgent part (under 40) is debt-to-equity at 0, so rebuilding
// equity comes first. Confidence is high: payables recorded, nothing flagged.
func TestGoldenDepreciation(t *testing.T) {
	want := golden{
		metrics: []goldenMetric{
			valued(MetricCurrentRatio, 2.08, "healthy", 100),
			valued(MetricQuickRatio, 2.08, "satisfactory", 100),
			valued(MetricCashBufferDays, 112.5, "strong", 100),
			valued(MetricRunwayMonths, 19.7, "long", 90),
			valued(MetricDPO, 54, "stretched", 70),
			special(MetricOverdueShare, "nothing_outstanding", 100),
			valued(MetricDSO, 0, "fast", 100),
			valued(MetricNetMargin, 20, "strong", 100),
			valued(MetricReturnOnAssets, 28, "strong", 100),
			valued(MetricRevenueGrowth1y, 5.6, "growing", 85),
			valued(MetricRevenueGrowth90d, 11.1, "growing_fast", 100),
			special(MetricDebtToEquity, "negative_equity", 0),
			valued(MetricInterestCover, 5, "strong", 100),
		},
		pillars: map[string]goldenPillar{
			"liquidity":            {81.9, 94.5, 63},
			"receivables":          {90, 100, 75},
			"profitability_growth": {85.8, 95.5, 71.3},
			"debt_solvency":        {54.7, 30, 91.7},
			"planning_controls":    {48.8, -1, 48.8},
		},
		score: 75.3, tier: finhealth.TierCoping,
		previous: 74.6, delta: 0.7,
		parts:      []goldenPart{{finhealth.ChangeQuestionnaire, "", 0.7}},
		topAdvice:  MetricDebtToEquity,
		confidence: finhealth.ConfidenceHigh,
	}
	for _, tc := range []struct {
		name string
		dep  int64
		side finhealth.NormalBalance
	}{
		{"negative sign", -600_000, credit},
		{"positive sign", 600_000, credit},
		{"no side", -600_000, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			books := depreciationBooks(tc.dep, tc.side)
			if tc.side == "" {
				// As Wave serves it: the list gives the subtype its type's side (debit), so
				// only the subtype can say the account is contra.
				books.subtypes = wavesSubtypes
			}
			ms, hs := books.health(t, goldenAssessment(t, "retake", mixedAnswersV2))
			_, prev := books.health(t, goldenAssessment(t, "first", withAnswers(mixedAnswersV2, retakeFrom)))
			checkGolden(t, ms, hs, prev, want)
			de := metricNamed(t, ms, MetricDebtToEquity)
			wantAmount(t, de, "total_assets", 2_900_000, "chk", "ppe", "dep")
			wantAmount(t, de, "equity", -100_000)
		})
	}
}

// startupAnswers is a business with no sales yet, trading under two years: the
// questions about its sales answered "not applicable".
var startupAnswers = map[string]string{
	"cash_buffer_days":    "days_90_plus",          // 100, liquidity
	"short_term_coverage": "covered_2x",            // 100
	"cash_shortfalls":     "never",                 // 100
	"tax_set_aside":       "estimated_payments",    // 80
	"bills_on_time":       "on_time",               // 100
	"net_margin":          "loss",                  // 0, profitability and growth
	"revenue_trend":       "trading_under_2_years", // not applicable
	"owner_pay":           "nothing",               // 15
	"pricing_review":      "never",                 // 0
	"debt_service_share":  "none",                  // 100, debt and solvency
	"missed_payments":     "never",                 // 100
	"credit_access":       "unlikely",              // 0
	"overdue_share":       "no_sales_yet",          // not applicable, receivables
	"days_to_get_paid":    "no_sales_yet",          // not applicable
	"budget_forecast":     "monthly",               // 100, planning and controls
	"books_review":        "monthly",               // 100
	"separate_finances":   "fully",                 // 100
	"insurance":           "not_reviewed",          // 70
}

// TestGoldenStartup: business 4, a pre-revenue start-up that spent 12,000.00 in the
// quarter and has sold nothing yet. No invoices.
//
//	account            now          then
//	Checking           3,000,000    4,200,000
//	Accounts payable     160,000      160,000
//	Sales                      0            0
//	Rent                 700,000            0
//	Development          500,000            0
//
// Metrics (expenses 1,200,000 over 90 days, profit -1,200,000, no borrowings):
//
//	current ratio  3,000,000 / 160,000 = 18.75 idle_cash 85; quick 18.75 satisfactory 100
//	cash buffer    3,000,000 / (1,200,000 / 90 = 13,333.33 a day) = 225.0 strong 100
//	runway         3,000,000 / (1,200,000 / 90 x 30.4375 = 405,833.33) = 7.39 -> 7.4 moderate 65
//	DPO            160,000 / 1,200,000 x 90 = 12.0 prompt 100
//	overdue share, DSO, growth: no invoice at all, not enough data
//	net margin     a loss with no sales: loss_without_sales 0 (not "no data")
//	ROA            -1,200,000 x 365 / 90 = -4,866,666.67 / 3,000,000 = -162.2% loss 0
//	D/E            160,000 / (3,000,000 - 160,000 = 2,840,000) = 0.056 -> 0.06 low 100
//	interest cover no account named interest: not enough data
//
// Pillars (answers: liquidity (100+100+100+80+100)/5 = 96; profitability (0+15+0)/3
// = 5 with revenue trend dropped; debt (100+100+0)/3 = 66.67; receivables: both
// answers not applicable, no answers; planning (100+100+100+70)/4 = 92.5):
//
//	liquidity      books (85x25 + 100x15 + 100x25 + 65x25 + 100x10) / 100 = 87.5
//	               0.6 x 87.5 + 0.4 x 96 = 52.5 + 38.4 = 90.9
//	receivables    no books, no answers: no score, its 15 goes to the others (85 left)
//	profitability  books (0x35 + 0x15) / 50 = 0; 0 + 0.4 x 5 = 2.0
//	debt           books D/E alone 100; 60 + 26.667 = 86.667 -> 86.7
//	planning       92.5
//	score          (30 x 90.9 + 25 x 2 + 20 x 86.667 + 10 x 92.5) / 85
//	               = (2,727 + 50 + 1,733.33 + 925) / 85 = 5,435.33 / 85 = 63.945 -> 63.9 coping
//
// The previous score had the same books and no questionnaire yet: books alone over
// liquidity, profitability and debt (75): (30 x 87.5 + 25 x 0 + 20 x 100) / 75 =
// 4,625 / 75 = 61.667 -> 61.7, so the change is 63.9 - 61.7 = +2.2. Its exact parts
// (points x the change in effective weight, now pillar x 0.6 x share / 85, before
// pillar x share / 75):
//
//	questionnaire  (30 x 0.4 x 96 + 25 x 0.4 x 5 + 20 x 0.4 x 66.667 + 10 x 92.5) / 85 = 2,660.33 / 85 = +31.298
//	D/E            100 x (20 x 0.6 / 85 - 20 / 75) = 14.118 - 26.667 = -12.549
//	cash buffer    100 x (30 x 0.6 x 0.25 / 85 - 30 x 0.25 / 75) = 5.294 - 10 = -4.706
//	current ratio  85 x (0.052941 - 0.1) = -4.0; runway 65 x the same = -3.059
//	quick ratio    100 x (2.7 / 85 - 0.06) = -2.824; DPO 100 x (1.8 / 85 - 0.04) = -1.882
//	(net margin and ROA have 0 points either way)
//
// The four largest are listed and the rest summed: -4.0 - 3.059 - 2.824 - 1.882 =
// -11.765. Rounded 31.3 - 12.5 - 4.7 - 11.8 = 2.3; the largest part absorbs the 0.1
// so the parts add up to +2.2: 31.2.
//
// Advice: urgent parts are net margin (0), ROA (0) and the profitability answers (5),
// all in profitability; net margin loses most (weight 25 x 0.6 x 35/50 / 85 = 0.1235,
// 12.35 points, against 11.18 for the answers and 5.29 for ROA), so it leads.
func TestGoldenStartup(t *testing.T) {
	A, L, I, X := assetT, liabT, incomeT, expenseT
	books := goldenBooks{lines: []goldenLine{
		{"chk", "Checking", A, finhealth.SubtypeCashAndBank, debit, 3_000_000, 4_200_000},
		{"ap", "Accounts payable", L, finhealth.SubtypePayableBills, credit, 160_000, 160_000},
		{"sales", "Sales", I, finhealth.SubtypeIncome, credit, 0, 0},
		{"rent", "Rent", X, finhealth.SubtypeExpense, debit, 700_000, 0},
		{"dev", "Development", X, finhealth.SubtypeExpense, debit, 500_000, 0},
	}}
	ms, hs := books.health(t, goldenAssessment(t, "startup-1", startupAnswers))
	_, prev := books.health(t, nil)
	checkGolden(t, ms, hs, prev, golden{
		metrics: []goldenMetric{
			valued(MetricCurrentRatio, 18.75, "idle_cash", 85),
			valued(MetricQuickRatio, 18.75, "satisfactory", 100),
			valued(MetricCashBufferDays, 225, "strong", 100),
			valued(MetricRunwayMonths, 7.4, "moderate", 65),
			valued(MetricDPO, 12, "prompt", 100),
			missing(MetricOverdueShare, "No invoice was issued in the last 365 days"),
			missing(MetricDSO, "No invoice was issued in the last 90 days"),
			special(MetricNetMargin, "loss_without_sales", 0),
			valued(MetricReturnOnAssets, -162.2, "loss", 0),
			missing(MetricRevenueGrowth1y, "Nothing was invoiced in the 365 days before"),
			missing(MetricRevenueGrowth90d, "Nothing was invoiced in the 90 days before"),
			valued(MetricDebtToEquity, 0.06, "low", 100),
			missing(MetricInterestCover, "No interest expense found"),
		},
		pillars: map[string]goldenPillar{
			"liquidity":            {90.9, 87.5, 96},
			"receivables":          {-1, -1, -1},
			"profitability_growth": {2, 0, 5},
			"debt_solvency":        {86.7, 100, 66.7},
			"planning_controls":    {92.5, -1, 92.5},
		},
		score: 63.9, tier: finhealth.TierCoping,
		previous: 61.7, delta: 2.2,
		parts: []goldenPart{
			{finhealth.ChangeQuestionnaire, "", 31.2},
			{finhealth.ChangeMetric, MetricDebtToEquity, -12.5},
			{finhealth.ChangeMetric, MetricCashBufferDays, -4.7},
			{finhealth.ChangeOther, "", -11.8},
		},
		topAdvice:  MetricNetMargin,
		confidence: finhealth.ConfidenceHigh,
	})
	if a := metricNamed(t, ms, MetricNetMargin); a.Note == "" {
		t.Errorf("net margin says nothing of the loss: %+v", a)
	}
}

// overdraftBooks is business 5, a caterer with card sales and invoices paid on the
// spot, that bought an oven partly on its overdraft. bills is what accounts payable
// shows: 1,000,000 once the supplier bills are entered, 600,000 before.
//
//	account               now          then
//	Checking              2,000,000    2,300,000
//	Second account         -500,000            0   overdrawn
//	Kitchen equipment     1,000,000      200,000
//	Accounts payable      bills        1,000,000
//	Sales                 3,000,000    1,500,000
//	Food                    900,000      450,000   cost of sales
//	Wages                 1,500,000      750,000
//	Overdraft interest       30,000            0
//
// Invoices, all paid: 8,000.00 on 1 June and 7,000.00 on 15 April (the last 90 days),
// 20,000.00 on 1 March (the 90 before), 10,000.00 on 1 September 2024 (the last
// 365), 30,000.00 on 1 March 2024 (the 365 before).
func overdraftBooks(bills int64) goldenBooks {
	A, L, I, X := assetT, liabT, incomeT, expenseT
	paid := finhealth.InvoicePaid
	return goldenBooks{
		lines: []goldenLine{
			{"chk", "Checking", A, finhealth.SubtypeCashAndBank, debit, 2_000_000, 2_300_000},
			{"od", "Second account", A, finhealth.SubtypeCashAndBank, debit, -500_000, 0},
			{"oven", "Kitchen equipment", A, finhealth.SubtypePropertyPlantEquipment, debit, 1_000_000, 200_000},
			{"ap", "Accounts payable", L, finhealth.SubtypePayableBills, credit, bills, 1_000_000},
			{"sales", "Sales", I, finhealth.SubtypeIncome, credit, 3_000_000, 1_500_000},
			{"food", "Food", X, finhealth.SubtypeCostOfGoodsSold, debit, 900_000, 450_000},
			{"wages", "Wages", X, finhealth.SubtypePayrollExpenses, debit, 1_500_000, 750_000},
			{"odint", "Overdraft interest", X, finhealth.SubtypeExpense, debit, 30_000, 0},
		},
		invoices: []finhealth.Invoice{
			invoice("o1", "c1", "Office", paid, 800_000, 0, day(2025, 6, 1), day(2025, 6, 1)),
			invoice("o2", "c2", "Wedding", paid, 700_000, 0, day(2025, 4, 15), day(2025, 4, 15)),
			invoice("o3", "c1", "Office", paid, 2_000_000, 0, day(2025, 3, 1), day(2025, 3, 1)),
			invoice("o4", "c3", "School", paid, 1_000_000, 0, day(2024, 9, 1), day(2024, 9, 1)),
			invoice("o5", "c3", "School", paid, 3_000_000, 0, day(2024, 3, 1), day(2024, 3, 1)),
		},
	}
}

// TestGoldenOverdraft: business 5. The overdrawn account is owed to the bank: left out
// of cash and counted as a current liability, and its growth is borrowing, not an
// inflow. No questionnaire: the score is the books alone.
//
// Flows: sales 1,500,000; cost of sales 450,000; expenses 750,000 + 30,000 = 780,000;
// outflows 1,230,000; profit 1,500,000 - 1,230,000 = 270,000; cash (above zero)
// 2,000,000 - 2,300,000 = -300,000; borrowings (the overdraft) 0 -> 500,000.
//
//	current ratio  2,000,000 / (1,000,000 + 500,000) = 1.333 -> 1.33 exposed 50 (netting gave 1.50)
//	quick ratio    1.33 satisfactory 100
//	cash buffer    2,000,000 / (1,230,000 / 90 = 13,666.67 a day) = 146.34 -> 146.3 strong 100
//	runway         burn (300,000 + 500,000) / 90 x 30.4375 = 270,555.56 a month;
//	               2,000,000 / 270,555.56 = 7.39 -> 7.4 moderate 65
//	DPO            1,000,000 / 1,230,000 x 90 = 73.17 -> 73.2 slow 30
//	overdue share  nothing open: nothing_outstanding 100; DSO 0 / 1,500,000 x 90 = 0.0 fast 100
//	net margin     270,000 / 1,500,000 = 18.0% strong 100
//	ROA            assets 2,000,000 + 1,000,000 = 3,000,000 (the overdraft is not a negative asset);
//	               270,000 x 365 / 90 = 1,095,000 / 3,000,000 = 36.5% strong 100
//	growth 1y      (800,000 + 700,000 + 2,000,000 + 1,000,000 = 4,500,000 - 3,000,000) / 3,000,000 = 50.0% growing_fast 100
//	growth 90d     (1,500,000 - 2,000,000) / 2,000,000 = -25.0% falling_fast 0
//	D/E            1,500,000 / (3,000,000 - 1,500,000) = 1.0 elevated 50
//	interest cover (270,000 + 30,000) / 30,000 = 10.0 strong 100
//
// Pillars, books alone; planning has no data, so the other four share 90:
//
//	liquidity      (50x25 + 100x15 + 100x25 + 65x25 + 30x10) / 100 = 7,175 / 100 = 71.75 -> 71.8
//	receivables    100
//	profitability  (100x35 + 100x15 + 100x30 + 0x20) / 100 = 80
//	debt           (50x70 + 100x30) / 100 = 65
//	score          (30 x 71.75 + 15 x 100 + 25 x 80 + 20 x 65) / 90 = 6,952.5 / 90 = 77.25 -> 77.3 coping
//
// The previous score was read before 4,000.00 of supplier bills were entered (payables
// 600,000): current ratio 2,000,000 / 1,100,000 = 1.82 healthy 100; DPO 600,000 /
// 1,230,000 x 90 = 43.9 prompt 100; D/E 1,100,000 / 1,900,000 = 0.58 fairly_safe 85.
// Liquidity (100x25 + 1,500 + 2,500 + 1,625 + 100x10) / 100 = 86.25, debt (85x70 +
// 3,000) / 100 = 89.5: (30 x 86.25 + 1,500 + 2,000 + 20 x 89.5) / 90 = 8,027.5 / 90
// = 89.194 -> 89.2. The change is 77.3 - 89.2 = -11.9, each part points x effective
// weight (pillar x share / 90):
//
//	D/E            (50 - 85) x 20 x 0.7 / 90 = -5.444 -> -5.4
//	current ratio  (50 - 100) x 30 x 0.25 / 90 = -4.167 -> -4.2
//	DPO            (30 - 100) x 30 x 0.1 / 90 = -2.333 -> -2.3, together -11.9
//
// Advice: urgent parts are DPO (30, liquidity) and 90-day growth (0, profitability):
// liquidity comes first, so paying suppliers leads.
func TestGoldenOverdraft(t *testing.T) {
	ms, hs := overdraftBooks(1_000_000).health(t, nil)
	_, prev := overdraftBooks(600_000).health(t, nil)
	checkGolden(t, ms, hs, prev, golden{
		metrics: []goldenMetric{
			valued(MetricCurrentRatio, 1.33, "exposed", 50),
			valued(MetricQuickRatio, 1.33, "satisfactory", 100),
			valued(MetricCashBufferDays, 146.3, "strong", 100),
			valued(MetricRunwayMonths, 7.4, "moderate", 65),
			valued(MetricDPO, 73.2, "slow", 30),
			special(MetricOverdueShare, "nothing_outstanding", 100),
			valued(MetricDSO, 0, "fast", 100),
			valued(MetricNetMargin, 18, "strong", 100),
			valued(MetricReturnOnAssets, 36.5, "strong", 100),
			valued(MetricRevenueGrowth1y, 50, "growing_fast", 100),
			valued(MetricRevenueGrowth90d, -25, "falling_fast", 0),
			valued(MetricDebtToEquity, 1, "elevated", 50),
			valued(MetricInterestCover, 10, "strong", 100),
		},
		pillars: map[string]goldenPillar{
			"liquidity":            {71.8, 71.8, -1},
			"receivables":          {100, 100, -1},
			"profitability_growth": {80, 80, -1},
			"debt_solvency":        {65, 65, -1},
			"planning_controls":    {-1, -1, -1},
		},
		score: 77.3, tier: finhealth.TierCoping,
		previous: 89.2, delta: -11.9,
		parts: []goldenPart{
			{finhealth.ChangeMetric, MetricDebtToEquity, -5.4},
			{finhealth.ChangeMetric, MetricCurrentRatio, -4.2},
			{finhealth.ChangeMetric, MetricDPO, -2.3},
		},
		topAdvice:  MetricDPO,
		confidence: finhealth.ConfidenceHigh,
	})
	cr := metricNamed(t, ms, MetricCurrentRatio)
	wantAmount(t, cr, "current_liabilities", 1_500_000, "ap", "od")
	wantAmount(t, cr, "overdrafts", 500_000, "od")
	wantAmount(t, metricNamed(t, ms, MetricRunwayMonths), "monthly_burn", 270_556)
}

// creditBooks is business 6, a delivery firm with a line of credit and a term loan,
// both filed by Wave under LOANS. termLoan is the mapping's decision about the term
// loan: nil leaves the default (current debt, flagged for review).
//
//	account               now          then
//	Checking              1,400,000    1,000,000
//	Accounts receivable     600,000      500,000
//	Vehicles              4,000,000    4,000,000
//	Accounts payable        300,000      300,000
//	Line of credit        1,000,000            0   LOANS, default: current debt
//	Term loan             3,000,000    3,100,000   LOANS
//	Sales                 2,400,000    1,200,000
//	Wages                 1,800,000      900,000
//	Rent                    900,000      450,000
//	Term loan interest      120,000       60,000
//
// Invoices: l1 4,000.00 on 15 June, open and not yet due; l2 3,000.00 on 20 April, due
// 20 May, 2,000.00 still owed (41 days late); l3 5,000.00 on 10 May, paid (together
// 12,000.00 in the last 90 days); l4 10,000.00 on 1 February (the 90 before); l5
// 20,000.00 on 1 April 2024 (the 365 before).
func creditBooks(termLoan []finhealth.AccountOverride) goldenBooks {
	A, L, I, X := assetT, liabT, incomeT, expenseT
	return goldenBooks{
		lines: []goldenLine{
			{"chk", "Checking", A, finhealth.SubtypeCashAndBank, debit, 1_400_000, 1_000_000},
			{"ar", "Accounts receivable", A, finhealth.SubtypeReceivableInvoices, debit, 600_000, 500_000},
			{"vans", "Vehicles", A, finhealth.SubtypePropertyPlantEquipment, debit, 4_000_000, 4_000_000},
			{"ap", "Accounts payable", L, finhealth.SubtypePayableBills, credit, 300_000, 300_000},
			{"loc", "Line of credit", L, finhealth.SubtypeLoans, credit, 1_000_000, 0},
			{"term", "Term loan", L, finhealth.SubtypeLoans, credit, 3_000_000, 3_100_000},
			{"sales", "Sales", I, finhealth.SubtypeIncome, credit, 2_400_000, 1_200_000},
			{"wages", "Wages", X, finhealth.SubtypePayrollExpenses, debit, 1_800_000, 900_000},
			{"rent", "Rent", X, finhealth.SubtypeExpense, debit, 900_000, 450_000},
			{"tint", "Term loan interest", X, finhealth.SubtypeExpense, debit, 120_000, 60_000},
		},
		invoices: []finhealth.Invoice{
			invoice("l1", "c1", "Grocer", finhealth.InvoiceSent, 400_000, 400_000, day(2025, 6, 15), day(2025, 7, 15)),
			invoice("l2", "c2", "Pharmacy", finhealth.InvoicePartial, 300_000, 200_000, day(2025, 4, 20), day(2025, 5, 20)),
			invoice("l3", "c1", "Grocer", finhealth.InvoicePaid, 500_000, 0, day(2025, 5, 10), day(2025, 6, 9)),
			invoice("l4", "c2", "Pharmacy", finhealth.InvoicePaid, 1_000_000, 0, day(2025, 2, 1), day(2025, 3, 3)),
			invoice("l5", "c1", "Grocer", finhealth.InvoicePaid, 2_000_000, 0, day(2024, 4, 1), day(2024, 5, 1)),
		},
		overrides: termLoan,
	}
}

// TestGoldenCreditLines: business 6. The owner drew 10,000.00 on the line of credit
// and repaid 1,000.00 of the term loan; the advisor mapped the term loan as long-term
// debt, and the line stays current debt, flagged.
//
// Flows: sales 1,200,000; expenses 900,000 + 450,000 + 60,000 = 1,410,000; profit
// -210,000; cash +400,000; borrowings (1,000,000 + 3,000,000) - (0 + 3,100,000) = +900,000.
//
//	current ratio  (1,400,000 + 600,000) / (300,000 + 1,000,000) = 1.538 -> 1.54 healthy 100; quick the same, satisfactory 100
//	cash buffer    1,400,000 / (1,410,000 / 90 = 15,666.67 a day) = 89.36 -> 89.4 comfortable 85
//	runway         cash rose, but not by operations: 400,000 - 900,000 = -500,000;
//	               burn 500,000 / 90 x 30.4375 = 169,097.22 a month; 1,400,000 / 169,097.22 = 8.28 -> 8.3 moderate 65
//	               (counting the draw as an inflow would say "not burning", 100)
//	DPO            300,000 / 1,410,000 x 90 = 19.15 -> 19.1 prompt 100
//	overdue share  200,000 / (400,000 + 200,000) = 33.3% severe 0
//	DSO            600,000 / 1,200,000 x 90 = 45.0 slow 45
//	net margin     -210,000 / 1,200,000 = -17.5% loss 0
//	ROA            -210,000 x 365 / 90 = -851,666.67 / (2,000,000 + 4,000,000) = -14.19 -> -14.2 loss 0
//	growth 1y      (1,200,000 + 1,000,000 - 2,000,000) / 2,000,000 = 10.0% growing_fast 100
//	growth 90d     (1,200,000 - 1,000,000) / 1,000,000 = 20.0% growing_fast 100
//	D/E            4,300,000 / (6,000,000 - 4,300,000 = 1,700,000) = 2.53 risky 15
//	interest cover (-210,000 + 60,000) / 60,000 = -2.5 critical 0
//
// Pillars, with mixedAnswersV2 (answers 63, 75, 71.25, 91.67, 48.75 as in business 1):
//
//	liquidity      books (100x25 + 100x15 + 85x25 + 65x25 + 100x10) / 100 = 87.5; 52.5 + 25.2 = 77.7
//	receivables    books (0x60 + 45x40) / 100 = 18; 10.8 + 30 = 40.8
//	profitability  books (0x35 + 0x15 + 100x30 + 100x20) / 100 = 50; 30 + 28.5 = 58.5
//	debt           books (15x70 + 0x30) / 100 = 10.5; 6.3 + 36.667 = 42.967 -> 43.0
//	planning       48.75 -> 48.8
//	score          0.3 x 77.7 + 0.15 x 40.8 + 0.25 x 58.5 + 0.2 x 42.967 + 0.1 x 48.75
//	               = 23.31 + 6.12 + 14.625 + 8.593 + 4.875 = 57.523 -> 57.5 coping
//
// Before the advisor's override the term loan counted as current debt too: current
// liabilities 4,300,000, current and quick ratio 2,000,000 / 4,300,000 = 0.47 (critical
// 0, poor 0); liquidity books (0 + 0 + 85x25 + 65x25 + 100x10) / 100 = 47.5, pillar
// 28.5 + 25.2 = 53.7; score 57.523 - 0.3 x (77.7 - 53.7) = 50.323 -> 50.3. The change
// is +7.2: current ratio 100 x 0.3 x 0.6 x 0.25 = +4.5, quick ratio 100 x 0.3 x 0.6 x
// 0.15 = +2.7.
//
// Advice: urgent parts are overdue share (0, receivables), net margin, ROA (0,
// profitability), interest cover (0) and D/E (15, debt): receivables comes first, so
// collecting the overdue invoice leads. Confidence is medium: the line of credit is
// still flagged for review.
func TestGoldenCreditLines(t *testing.T) {
	term := []finhealth.AccountOverride{{AccountID: "term", Class: finhealth.ClassLongTermDebt, SetBy: "advisor-1", SetAt: day(2025, 6, 2), Note: "five-year loan"}}
	a := goldenAssessment(t, "credit-1", mixedAnswersV2)
	ms, hs := creditBooks(term).health(t, a)
	_, prev := creditBooks(nil).health(t, a)
	checkGolden(t, ms, hs, prev, golden{
		metrics: []goldenMetric{
			valued(MetricCurrentRatio, 1.54, "healthy", 100),
			valued(MetricQuickRatio, 1.54, "satisfactory", 100),
			valued(MetricCashBufferDays, 89.4, "comfortable", 85),
			valued(MetricRunwayMonths, 8.3, "moderate", 65),
			valued(MetricDPO, 19.1, "prompt", 100),
			valued(MetricOverdueShare, 33.3, "severe", 0),
			valued(MetricDSO, 45, "slow", 45),
			valued(MetricNetMargin, -17.5, "loss", 0),
			valued(MetricReturnOnAssets, -14.2, "loss", 0),
			valued(MetricRevenueGrowth1y, 10, "growing_fast", 100),
			valued(MetricRevenueGrowth90d, 20, "growing_fast", 100),
			valued(MetricDebtToEquity, 2.53, "risky", 15),
			valued(MetricInterestCover, -2.5, "critical", 0),
		},
		pillars: map[string]goldenPillar{
			"liquidity":            {77.7, 87.5, 63},
			"receivables":          {40.8, 18, 75},
			"profitability_growth": {58.5, 50, 71.3},
			"debt_solvency":        {43, 10.5, 91.7},
			"planning_controls":    {48.8, -1, 48.8},
		},
		score: 57.5, tier: finhealth.TierCoping,
		previous: 50.3, delta: 7.2,
		parts: []goldenPart{
			{finhealth.ChangeMetric, MetricCurrentRatio, 4.5},
			{finhealth.ChangeMetric, MetricQuickRatio, 2.7},
		},
		topAdvice:  MetricOverdueShare,
		confidence: finhealth.ConfidenceMedium,
	})
	run := metricNamed(t, ms, MetricRunwayMonths)
	wantAmount(t, run, "monthly_burn", 169_097)
	wantAmount(t, run, "borrowings", 4_000_000, "loc", "term")
	wantAmount(t, run, "borrowings_then", 3_100_000)
	if codes := confidenceCodes(hs.Confidence); codes != "review" {
		t.Errorf("confidence issues %s, want review (the line of credit)", codes)
	}
}

// inEuros is an invoice in euros at the exchange rate Wave gave it (amounts in euro
// cents).
func inEuros(inv finhealth.Invoice, rate string) finhealth.Invoice {
	inv.Currency, inv.ExchangeRate = "EUR", rate
	inv.Total, inv.AmountDue, inv.AmountPaid = eur(inv.Total.Minor), eur(inv.AmountDue.Minor), eur(inv.AmountPaid.Minor)
	return inv
}

// TestGoldenForeignCurrency: business 7, a design studio invoicing European clients in
// euros, each invoice converted at its own exchange rate (half away from zero to the
// cent, once), with a euro bank account the metrics leave out with a note.
//
//	account               now          then
//	Checking              2,500,000    2,000,000
//	Euro account          EUR 500,000      -        left out: not in USD
//	Accounts receivable   1,210,000      800,000
//	Accounts payable        500,000      400,000
//	Business card           300,000      200,000
//	Sales                 3,000,000    1,500,000
//	Subcontractors          600,000      300,000   cost of sales
//	Wages                   900,000      450,000
//	Rent                    450,000      225,000
//
// Invoices (USD cents after conversion):
//
//	f1 EUR 500,000 at 1.1, 5 June, open, not yet due        = 550,000
//	f2 EUR 600,000 at 1.05, 10 April, due 10 May, open      = 630,000 (51 days late)
//	f3 USD 320,000, 20 May, paid                            = 320,000
//	f4 EUR 1,234,567 at 1.0837, 1 March, paid               = 1,337,900.2579 -> 1,337,900
//	f5 USD 3,000,000, 1 June 2024, paid (the 365 before)    = 3,000,000
//	f6 EUR 200,000 with no rate, 20 June, open              = left out with a note
//
// Flows: sales 1,500,000; cost 300,000; expenses 450,000 + 225,000 = 675,000;
// outflows 975,000; profit 525,000; cash +500,000, no borrowings.
//
//	current ratio  (2,500,000 + 1,210,000) / (500,000 + 300,000) = 4.6375 -> 4.64 idle_cash 85; quick 4.64 satisfactory 100
//	cash buffer    2,500,000 / (975,000 / 90 = 10,833.33 a day) = 230.77 -> 230.8 strong 100
//	runway         cash rose with no borrowing: not_burning 100
//	DPO            500,000 / 975,000 x 90 = 46.15 -> 46.2 stretched 70
//	overdue share  630,000 / (550,000 + 630,000 = 1,180,000) = 53.39 -> 53.4 severe 0
//	DSO            1,180,000 / (550,000 + 630,000 + 320,000 = 1,500,000) x 90 = 70.8 very_slow 15
//	net margin     525,000 / 1,500,000 = 35.0% strong 100
//	ROA            525,000 x 365 / 90 = 2,129,166.67 / 3,710,000 = 57.39 -> 57.4 strong 100
//	growth 1y      (1,500,000 + 1,337,900 = 2,837,900 - 3,000,000) / 3,000,000 = -5.40 -> -5.4 falling 30
//	growth 90d     (1,500,000 - 1,337,900) / 1,337,900 = 12.12 -> 12.1 growing_fast 100
//	D/E            800,000 / (3,710,000 - 800,000 = 2,910,000) = 0.27 low 100
//	interest cover no account named interest: not enough data
//
// Pillars, with mixedAnswersV2 retaken to answer days to get paid "60 to 89 days"
// (15) rather than "30 to 44" (80): receivables answers (70 + 15) / 2 = 42.5.
//
//	liquidity      books (85x25 + 100x15 + 100x25 + 100x25 + 70x10) / 100 = 93.25 -> 93.3
//	               55.95 + 25.2 = 81.15 -> 81.2
//	receivables    books (0x60 + 15x40) / 100 = 6; 3.6 + 17 = 20.6
//	profitability  books (100x35 + 100x15 + 30x30 + 100x20) / 100 = 79; 47.4 + 28.5 = 75.9
//	debt           books D/E alone 100; 60 + 36.667 = 96.667 -> 96.7
//	planning       48.75 -> 48.8
//	score          24.345 + 3.09 + 18.975 + 19.333 + 4.875 = 70.618 -> 70.6 coping
//
// Before the retake receivables answered 75: pillar 3.6 + 30 = 33.6, score 70.618 +
// 0.15 x 13 = 72.568 -> 72.6; the change is -2.0, the questionnaire's (exactly -1.95).
//
// Advice: urgent parts are overdue share (0) and DSO (15) in receivables, and 1-year
// growth (30) in profitability; overdue share loses most (0.15 x 0.6 x 0.6 x 100 =
// 5.4 against 0.15 x 0.6 x 0.4 x 85 = 3.06) and leads.
func TestGoldenForeignCurrency(t *testing.T) {
	A, L, I, X := assetT, liabT, incomeT, expenseT
	sent, paid := finhealth.InvoiceSent, finhealth.InvoicePaid
	books := goldenBooks{
		lines: []goldenLine{
			{"chk", "Checking", A, finhealth.SubtypeCashAndBank, debit, 2_500_000, 2_000_000},
			{"ar", "Accounts receivable", A, finhealth.SubtypeReceivableInvoices, debit, 1_210_000, 800_000},
			{"ap", "Accounts payable", L, finhealth.SubtypePayableBills, credit, 500_000, 400_000},
			{"card", "Business card", L, finhealth.SubtypeCreditCard, credit, 300_000, 200_000},
			{"sales", "Sales", I, finhealth.SubtypeIncome, credit, 3_000_000, 1_500_000},
			{"subs", "Subcontractors", X, finhealth.SubtypeCostOfGoodsSold, debit, 600_000, 300_000},
			{"wages", "Wages", X, finhealth.SubtypePayrollExpenses, debit, 900_000, 450_000},
			{"rent", "Rent", X, finhealth.SubtypeExpense, debit, 450_000, 225_000},
		},
		foreign: []finhealth.LedgerAccount{account("eur", "Euro account", A, finhealth.SubtypeCashAndBank, debit, eur(500_000))},
		invoices: []finhealth.Invoice{
			inEuros(invoice("f1", "c1", "Lyon agency", sent, 500_000, 500_000, day(2025, 6, 5), day(2025, 7, 5)), "1.1"),
			inEuros(invoice("f2", "c2", "Berlin shop", sent, 600_000, 600_000, day(2025, 4, 10), day(2025, 5, 10)), "1.05"),
			invoice("f3", "c3", "Boston cafe", paid, 320_000, 0, day(2025, 5, 20), day(2025, 6, 19)),
			inEuros(invoice("f4", "c1", "Lyon agency", paid, 1_234_567, 0, day(2025, 3, 1), day(2025, 3, 31)), "1.0837"),
			invoice("f5", "c3", "Boston cafe", paid, 3_000_000, 0, day(2024, 6, 1), day(2024, 7, 1)),
			inEuros(invoice("f6", "c2", "Berlin shop", sent, 200_000, 200_000, day(2025, 6, 20), day(2025, 7, 20)), ""),
		},
	}
	ms, hs := books.health(t, goldenAssessment(t, "studio-2", withAnswers(mixedAnswersV2, map[string]string{"days_to_get_paid": "days_60_89"})))
	_, prev := books.health(t, goldenAssessment(t, "studio-1", mixedAnswersV2))
	checkGolden(t, ms, hs, prev, golden{
		metrics: []goldenMetric{
			valued(MetricCurrentRatio, 4.64, "idle_cash", 85),
			valued(MetricQuickRatio, 4.64, "satisfactory", 100),
			valued(MetricCashBufferDays, 230.8, "strong", 100),
			special(MetricRunwayMonths, "not_burning", 100),
			valued(MetricDPO, 46.2, "stretched", 70),
			valued(MetricOverdueShare, 53.4, "severe", 0),
			valued(MetricDSO, 70.8, "very_slow", 15),
			valued(MetricNetMargin, 35, "strong", 100),
			valued(MetricReturnOnAssets, 57.4, "strong", 100),
			valued(MetricRevenueGrowth1y, -5.4, "falling", 30),
			valued(MetricRevenueGrowth90d, 12.1, "growing_fast", 100),
			valued(MetricDebtToEquity, 0.27, "low", 100),
			missing(MetricInterestCover, "No interest expense found"),
		},
		pillars: map[string]goldenPillar{
			"liquidity":            {81.2, 93.3, 63},
			"receivables":          {20.6, 6, 42.5},
			"profitability_growth": {75.9, 79, 71.3},
			"debt_solvency":        {96.7, 100, 91.7},
			"planning_controls":    {48.8, -1, 48.8},
		},
		score: 70.6, tier: finhealth.TierCoping,
		previous: 72.6, delta: -2,
		parts:      []goldenPart{{finhealth.ChangeQuestionnaire, "", -2}},
		topAdvice:  MetricOverdueShare,
		confidence: finhealth.ConfidenceHigh,
	})
	od := metricNamed(t, ms, MetricOverdueShare)
	wantAmount(t, od, "open", 1_180_000)
	wantAmount(t, od, "overdue", 630_000)
	wantAmount(t, metricNamed(t, ms, MetricRevenue90d), "invoices", 1_500_000)
	if len(od.Notes) != 1 || !strings.HasPrefix(od.Notes[0], "1 invoice(s) in another currency without a usable exchange rate") {
		t.Errorf("invoice notes %q, want f6 left out", od.Notes)
	}
	cr := metricNamed(t, ms, MetricCurrentRatio)
	if len(cr.Notes) != 1 || !strings.Contains(cr.Notes[0], `"Euro account"`) || !strings.Contains(cr.Notes[0], "EUR") {
		t.Errorf("balance notes %q, want the euro account left out", cr.Notes)
	}
}

// healthyAnswers is a well-run business: every answer the best but pricing (reviewed
// in the last 12 months, 75), debt service (under 10%, 90) and insurance (not
// reviewed, 70).
var healthyAnswers = map[string]string{
	"cash_buffer_days":    "days_90_plus",     // 100, liquidity: 500 / 5 = 100
	"short_term_coverage": "covered_2x",       // 100
	"cash_shortfalls":     "never",            // 100
	"tax_set_aside":       "separate_account", // 100
	"bills_on_time":       "on_time",          // 100
	"net_margin":          "margin_10_plus",   // 100, profitability: 375 / 4 = 93.75
	"revenue_trend":       "grew_10_plus",     // 100
	"owner_pay":           "regular",          // 100
	"pricing_review":      "last_12_months",   // 75
	"debt_service_share":  "under_10",         // 90, debt: 290 / 3 = 96.67
	"missed_payments":     "never",            // 100
	"credit_access":       "line_in_place",    // 100
	"overdue_share":       "under_5",          // 100, receivables: 100
	"days_to_get_paid":    "under_30_days",    // 100
	"budget_forecast":     "monthly",          // 100, planning: 370 / 4 = 92.5
	"books_review":        "monthly",          // 100
	"separate_finances":   "fully",            // 100
	"insurance":           "not_reviewed",     // 70
}

// TestGoldenHealthy: business 8, a well-rounded hardware shop with stock, supplier
// bills and a term loan (mapped long-term by its advisor) whose interest is booked,
// so that DPO, the cash conversion cycle, ROA and interest cover are all computed.
//
//	account               now          then
//	Checking              4,000,000    3,500,000
//	Accounts receivable   1,000,000      900,000
//	Inventory             1,500,000    1,400,000
//	Fittings              5,000,000    5,000,000
//	Accounts payable      1,200,000    1,100,000
//	Business card         1,500,000    1,400,000
//	Term loan             2,000,000    2,100,000   LOANS, mapped to long-term debt
//	Sales                 9,000,000    4,500,000
//	Goods sold            3,600,000    1,800,000   cost of sales
//	Wages                 3,000,000    1,500,000
//	Rent                  1,200,000      600,000
//	Loan interest           100,000       50,000
//
// Invoices: h1 10,000.00 on 20 June, open, not yet due; h2 20,000.00 on 15 May and h3
// 15,000.00 on 10 April, paid (45,000.00 in the last 90 days); h4 40,000.00 on 15
// February (the 90 before); h5 70,000.00 on 15 May 2024 (the 365 before).
//
// Flows: sales 4,500,000; cost 1,800,000; expenses 1,500,000 + 600,000 + 50,000 =
// 2,150,000; outflows 3,950,000; profit 550,000; cash +500,000; borrowings -100,000.
//
//	current ratio  (4,000,000 + 1,000,000 + 1,500,000) / (1,200,000 + 1,500,000) = 2.407 -> 2.41 healthy 100
//	quick ratio    5,000,000 / 2,700,000 = 1.85 satisfactory 100
//	cash buffer    4,000,000 / (3,950,000 / 90 = 43,888.89 a day) = 91.14 -> 91.1 strong 100
//	runway         500,000 - (-100,000) = +600,000 from operations: not_burning 100
//	DPO            1,200,000 / 3,950,000 x 90 = 27.34 -> 27.3 prompt 100
//	overdue share  0 / 1,000,000 = 0.0 low 100; DSO 1,000,000 / 4,500,000 x 90 = 20.0 fast 100
//	cycle          inventory days 1,500,000 / 1,800,000 x 90 = 75.0; 75.0 + 20.0 - 27.3 = 67.7 (not scored)
//	net margin     550,000 / 4,500,000 = 12.22 -> 12.2 strong 100
//	ROA            550,000 x 365 / 90 = 2,230,555.56 / 11,500,000 = 19.40 -> 19.4 strong 100
//	growth 1y      (4,500,000 + 4,000,000 - 7,000,000) / 7,000,000 = 21.43 -> 21.4 growing_fast 100
//	growth 90d     (4,500,000 - 4,000,000) / 4,000,000 = 12.5 growing_fast 100
//	D/E            4,700,000 / (11,500,000 - 4,700,000 = 6,800,000) = 0.69 fairly_safe 85
//	interest cover (550,000 + 50,000) / 50,000 = 12.0 strong 100
//
// Pillars with healthyAnswers:
//
//	liquidity      books 100; 60 + 40 = 100
//	receivables    books 100; 100
//	profitability  books 100; 60 + 0.4 x 93.75 = 97.5
//	debt           books (85x70 + 100x30) / 100 = 89.5; 53.7 + 38.667 = 92.367 -> 92.4
//	planning       92.5
//	score          30 + 15 + 24.375 + 18.473 + 9.25 = 97.098 -> 97.1 healthy
//
// Before the retake books were reviewed quarterly (65): planning 335 / 4 = 83.75,
// score 97.098 - 0.1 x 8.75 = 96.223 -> 96.2; the change +0.9 is the questionnaire's
// (exactly 0.875).
//
// Advice: nothing is under 80, so the advice is to keep going, watching the lowest
// part, debt-to-equity at 85.
func TestGoldenHealthy(t *testing.T) {
	A, L, I, X := assetT, liabT, incomeT, expenseT
	paid := finhealth.InvoicePaid
	books := goldenBooks{
		lines: []goldenLine{
			{"chk", "Checking", A, finhealth.SubtypeCashAndBank, debit, 4_000_000, 3_500_000},
			{"ar", "Accounts receivable", A, finhealth.SubtypeReceivableInvoices, debit, 1_000_000, 900_000},
			{"stock", "Inventory", A, finhealth.SubtypeInventory, debit, 1_500_000, 1_400_000},
			{"fit", "Fittings", A, finhealth.SubtypePropertyPlantEquipment, debit, 5_000_000, 5_000_000},
			{"ap", "Accounts payable", L, finhealth.SubtypePayableBills, credit, 1_200_000, 1_100_000},
			{"card", "Business card", L, finhealth.SubtypeCreditCard, credit, 1_500_000, 1_400_000},
			{"loan", "Term loan", L, finhealth.SubtypeLoans, credit, 2_000_000, 2_100_000},
			{"sales", "Sales", I, finhealth.SubtypeIncome, credit, 9_000_000, 4_500_000},
			{"cogs", "Goods sold", X, finhealth.SubtypeCostOfGoodsSold, debit, 3_600_000, 1_800_000},
			{"wages", "Wages", X, finhealth.SubtypePayrollExpenses, debit, 3_000_000, 1_500_000},
			{"rent", "Rent", X, finhealth.SubtypeExpense, debit, 1_200_000, 600_000},
			{"int", "Loan interest", X, finhealth.SubtypeExpense, debit, 100_000, 50_000},
		},
		invoices: []finhealth.Invoice{
			invoice("h1", "c1", "Builder", finhealth.InvoiceSent, 1_000_000, 1_000_000, day(2025, 6, 20), day(2025, 7, 20)),
			invoice("h2", "c2", "Plumber", paid, 2_000_000, 0, day(2025, 5, 15), day(2025, 6, 14)),
			invoice("h3", "c1", "Builder", paid, 1_500_000, 0, day(2025, 4, 10), day(2025, 5, 10)),
			invoice("h4", "c2", "Plumber", paid, 4_000_000, 0, day(2025, 2, 15), day(2025, 3, 17)),
			invoice("h5", "c1", "Builder", paid, 7_000_000, 0, day(2024, 5, 15), day(2024, 6, 14)),
		},
		overrides: []finhealth.AccountOverride{{AccountID: "loan", Class: finhealth.ClassLongTermDebt, SetBy: "advisor-1", SetAt: day(2025, 6, 2)}},
	}
	ms, hs := books.health(t, goldenAssessment(t, "shop-2", healthyAnswers))
	_, prev := books.health(t, goldenAssessment(t, "shop-1", withAnswers(healthyAnswers, map[string]string{"books_review": "quarterly"})))
	checkGolden(t, ms, hs, prev, golden{
		metrics: []goldenMetric{
			valued(MetricCurrentRatio, 2.41, "healthy", 100),
			valued(MetricQuickRatio, 1.85, "satisfactory", 100),
			valued(MetricCashBufferDays, 91.1, "strong", 100),
			special(MetricRunwayMonths, "not_burning", 100),
			valued(MetricDPO, 27.3, "prompt", 100),
			valued(MetricOverdueShare, 0, "low", 100),
			valued(MetricDSO, 20, "fast", 100),
			valued(MetricNetMargin, 12.2, "strong", 100),
			valued(MetricReturnOnAssets, 19.4, "strong", 100),
			valued(MetricRevenueGrowth1y, 21.4, "growing_fast", 100),
			valued(MetricRevenueGrowth90d, 12.5, "growing_fast", 100),
			valued(MetricDebtToEquity, 0.69, "fairly_safe", 85),
			valued(MetricInterestCover, 12, "strong", 100),
		},
		pillars: map[string]goldenPillar{
			"liquidity":            {100, 100, 100},
			"receivables":          {100, 100, 100},
			"profitability_growth": {97.5, 100, 93.8},
			"debt_solvency":        {92.4, 89.5, 96.7},
			"planning_controls":    {92.5, -1, 92.5},
		},
		score: 97.1, tier: finhealth.TierHealthy,
		previous: 96.2, delta: 0.9,
		parts:      []goldenPart{{finhealth.ChangeQuestionnaire, "", 0.9}},
		topAdvice:  MetricDebtToEquity,
		confidence: finhealth.ConfidenceHigh,
	})
	ccc := wantValue(t, ms, MetricCashConversion, 67.7, "", -1)
	if dio := inputNamed(t, ccc, "days_inventory_outstanding"); dio.Value == nil || *dio.Value != 75 {
		t.Errorf("days inventory outstanding %v, want 75.0", deref(dio.Value))
	}
	if r := hs.Recommendations; len(r) != 1 || r[0].Title != "Keep up what got you here" {
		t.Errorf("recommendations %+v, want only the keep-going advice", r)
	}
}
