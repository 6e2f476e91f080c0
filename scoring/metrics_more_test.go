package scoring

import (
	"slices"
	"strings"
	"testing"

	"finhealth"
)

// workshopLine is one account of the workshop with its balance now and 60 days before.
type workshopLine struct {
	id, name  string
	typ       finhealth.AccountType
	sub       finhealth.AccountSubtypeValue
	now, then int64
}

// workshopLines is a joinery that holds stock, owes suppliers and pays interest on a
// loan and a card. Amounts in cents; TestWorkshopMoreMetrics works it out by hand.
func workshopLines() []workshopLine {
	A, L, I, X := finhealth.AccountAsset, finhealth.AccountLiability, finhealth.AccountIncome, finhealth.AccountExpense
	return []workshopLine{
		{"chk", "Checking", A, finhealth.SubtypeCashAndBank, 3_000_000, 3_600_000},
		{"stock", "Timber stock", A, finhealth.SubtypeInventory, 1_200_000, 1_000_000},
		{"tools", "Machines", A, finhealth.SubtypePropertyPlantEquipment, 4_800_000, 4_800_000},
		{"ap0", "Payables", L, finhealth.SubtypePayable, 100_000, 0},
		{"ap", "Accounts payable", L, finhealth.SubtypePayableBills, 1_900_000, 1_500_000},
		{"ap2", "Other payables", L, finhealth.SubtypePayableOther, 900_000, 800_000},
		{"card", "Business card", L, finhealth.SubtypeCreditCard, 500_000, 300_000},
		{"loan", "Bank loan", L, finhealth.SubtypeLoans, 2_000_000, 2_100_000},
		{"sales", "Sales", I, finhealth.SubtypeIncome, 10_000_000, 7_000_000},
		// Named for interest, but income: never interest expense.
		{"intinc", "Interest income", I, finhealth.SubtypeOtherIncome, 30_000, 20_000},
		{"cogs", "Timber used", X, finhealth.SubtypeCostOfGoodsSold, 4_000_000, 2_800_000},
		{"rent", "Rent", X, finhealth.SubtypeExpense, 3_000_000, 1_400_000},
		{"li", "Loan interest", X, finhealth.SubtypeExpense, 170_000, 90_000},
		{"ie", "INTEREST EXPENSE - card", X, finhealth.SubtypeExpense, 40_000, 20_000},
	}
}

// workshop builds the books from lines, with two invoices (one open) and the snapshot
// 60 days earlier.
func workshop(lines []workshopLine) (finhealth.LedgerSnapshot, []finhealth.BalanceSnapshot, finhealth.AccountMapping) {
	snap := smallBusiness()
	base := finhealth.BalanceSnapshot{AsOf: bakeryAsOf.AddDate(0, 0, -60), Currency: "USD", CurrencyExponent: 2}
	for _, l := range lines {
		side := finhealth.NormalDebit
		if l.typ == finhealth.AccountLiability || l.typ == finhealth.AccountIncome {
			side = finhealth.NormalCredit
		}
		snap.Accounts = append(snap.Accounts, account(l.id, l.name, l.typ, l.sub, side, usd(l.now)))
		base.Balances = append(base.Balances, finhealth.AccountBalance{AccountID: l.id, Balance: usd(l.then)})
	}
	snap.Invoices = []finhealth.Invoice{
		invoice("w1", "c1", "Builder", finhealth.InvoiceSent, 1_500_000, 500_000, day(2025, 6, 10), day(2025, 7, 10)),
		invoice("w2", "c2", "Architect", finhealth.InvoicePaid, 1_500_000, 0, day(2025, 5, 11), day(2025, 6, 10)),
	}
	return snap, []finhealth.BalanceSnapshot{base}, DefaultAccountMapping(snap.Accounts, nil)
}

func workshopMetrics(lines []workshopLine) []finhealth.MetricValue {
	snap, history, mapping := workshop(lines)
	return ComputeMetrics(snap, history, mapping, bakeryAsOf)
}

// withLine changes one account of the workshop.
func withLine(id string, now, then int64) []workshopLine {
	lines := workshopLines()
	for i := range lines {
		if lines[i].id == id {
			lines[i].now, lines[i].then = now, then
		}
	}
	return lines
}

func wantValue(t *testing.T, ms []finhealth.MetricValue, name string, value float64, band string, points int) finhealth.MetricValue {
	t.Helper()
	m := metricNamed(t, ms, name)
	if m.Status != finhealth.MetricOK || m.Value == nil || *m.Value != value || m.Band != band {
		t.Errorf("%s = %s %v %q (%s), want %v %q", name, m.Status, deref(m.Value), m.Band, m.Reason, value, band)
	}
	switch {
	case points < 0 && m.Points != nil:
		t.Errorf("%s is shown, not scored, yet has %d points", name, *m.Points)
	case points >= 0 && (m.Points == nil || *m.Points != points):
		t.Errorf("%s points %v, want %d", name, deref(m.Points), points)
	}
	return m
}

func wantNotEnough(t *testing.T, ms []finhealth.MetricValue, name, reason string) finhealth.MetricValue {
	t.Helper()
	m := metricNamed(t, ms, name)
	if m.Status != finhealth.MetricNotEnoughData || m.Value != nil || m.Points != nil || !strings.Contains(m.Reason, reason) {
		t.Errorf("%s = %s %v %q, want not enough data: %q", name, m.Status, deref(m.Value), m.Reason, reason)
	}
	return m
}

func wantAmount(t *testing.T, m finhealth.MetricValue, input string, minor int64, accounts ...string) {
	t.Helper()
	in := inputNamed(t, m, input)
	if in.Amount == nil || *in.Amount != usd(minor) || (accounts != nil && !slices.Equal(in.Accounts, accounts)) {
		t.Errorf("%s input %s = %v from %v, want %d from %v", m.Name, input, in.Amount, in.Accounts, minor, accounts)
	}
}

// TestWorkshopMoreMetrics works the workshop out by hand (cents, 60 days between the
// snapshots):
//
//	flows    sales 10,000,000 - 7,000,000 = 3,000,000; other income 30,000 - 20,000 = 10,000
//	         cost of sales 4,000,000 - 2,800,000 = 1,200,000
//	         expenses rent 1,600,000 + loan interest 80,000 + card interest 20,000 = 1,700,000
//	         net profit 3,000,000 + 10,000 - 1,200,000 - 1,700,000 = 110,000
//	         cash 3,000,000 - 3,600,000 = -600,000
//	DPO      payables 100,000 + 1,900,000 + 900,000 = 2,900,000 (not the card)
//	         2,900,000 / (1,200,000 + 1,700,000) x 60 = 60.0: on the edge, so "slow", 30
//	DSO      open 500,000 / invoiced in 90 days 3,000,000 x 90 = 15.0
//	DIO      inventory 1,200,000 / cost of sales 1,200,000 x 60 = 60.0
//	cycle    60.0 + 15.0 - 60.0 = 15.0 (not scored)
//	ROA      110,000 x 365 / 60 = 669,166.67 a year; / assets (3,000,000 + 1,200,000 + 4,800,000 = 9,000,000)
//	         = 7.435% -> 7.4 good 85
//	cover    interest 80,000 + 20,000 = 100,000 (not "Interest income"); EBIT 110,000 + 100,000 = 210,000
//	         210,000 / 100,000 = 2.1 thin 40
//	runway   cash fell 600,000 of which 100,000 repaid the loan (2,100,000 -> 2,000,000),
//	         so the burn is 500,000: 3,000,000 / (500,000 / 60 x 30.4375 = 253,645.8)
//	         = 11.83 -> 11.8 months; 3,000,000 / (500,000 / 60 x 7 = 58,333.3) = 51.43
//	         -> 51.4 weeks
//	buffer   3,000,000 / (2,900,000 / 60 = 48,333.33) = 62.07 -> 62.1 days; 62.07 / 7 = 8.87 -> 8.9 weeks
func TestWorkshopMoreMetrics(t *testing.T) {
	ms := workshopMetrics(workshopLines())

	dpo := wantValue(t, ms, MetricDPO, 60, "slow", 30)
	wantAmount(t, dpo, "payables", 2_900_000, "ap0", "ap", "ap2")
	wantAmount(t, dpo, "outflows", 2_900_000, "cogs", "rent", "li", "ie")

	wantValue(t, ms, MetricDSO, 15, "fast", 100)
	ccc := wantValue(t, ms, MetricCashConversion, 15, "", -1)
	wantAmount(t, ccc, "inventory", 1_200_000, "stock")
	for name, want := range map[string]float64{"days_inventory_outstanding": 60, "days_sales_outstanding": 15, "days_payables_outstanding": 60} {
		if in := inputNamed(t, ccc, name); in.Value == nil || *in.Value != want {
			t.Errorf("cycle part %s = %v, want %v", name, deref(in.Value), want)
		}
	}

	roa := wantValue(t, ms, MetricReturnOnAssets, 7.4, "good", 85)
	wantAmount(t, roa, "total_assets", 9_000_000, "chk", "stock", "tools")
	wantAmount(t, roa, "profit", 110_000)
	wantAmount(t, roa, "annual_profit", 669_167)

	ic := wantValue(t, ms, MetricInterestCover, 2.1, "thin", 40)
	wantAmount(t, ic, "interest", 100_000, "li", "ie")
	wantAmount(t, ic, "ebit", 210_000)
	if in := inputNamed(t, ic, "from"); in.Label != "Earlier snapshot 2025-05-01" {
		t.Errorf("window %q", in.Label)
	}

	wantValue(t, ms, MetricRunwayMonths, 11.8, "moderate", 65)
	run := wantValue(t, ms, MetricRunwayWeeks, 51.4, "", -1)
	wantValue(t, ms, MetricCashBufferDays, 62.1, "comfortable", 85)
	buf := wantValue(t, ms, MetricCashBufferWeeks, 8.9, "", -1)
	// The weeks explain themselves with the inputs of the days and months.
	wantAmount(t, run, "cash_then", 3_600_000)
	wantAmount(t, buf, "outflows", 2_900_000)
	if run.Unit != finhealth.UnitWeeks || buf.Unit != finhealth.UnitWeeks {
		t.Errorf("units %s and %s, want weeks", run.Unit, buf.Unit)
	}
}

// A payable account is read after the mapping: one the advisor excludes no longer
// counts. 2,000,000 / 2,900,000 x 60 = 41.38 -> 41.4, prompt, 100.
func TestDaysPayablesAfterOverride(t *testing.T) {
	snap, history, mapping := workshop(workshopLines())
	mapping, err := ApplyOverrides(mapping, []finhealth.AccountOverride{{AccountID: "ap2", Class: finhealth.ClassExcluded, SetBy: "advisor"}})
	if err != nil {
		t.Fatal(err)
	}
	ms := ComputeMetrics(snap, history, mapping, bakeryAsOf)
	wantAmount(t, wantValue(t, ms, MetricDPO, 41.4, "prompt", 100), "payables", 2_000_000, "ap0", "ap")
}

// A loss before interest is the lowest band, with a note, and a negative return on
// assets is a loss. Rent grows by 1,900,000 instead: expenses 2,000,000, profit
// 3,010,000 - 1,200,000 - 2,000,000 = -190,000; EBIT -190,000 + 100,000 = -90,000;
// cover -90,000 / 100,000 = -0.9; ROA -190,000 x 365 / 60 / 9,000,000 = -12.84% -> -12.8.
func TestMoreMetricsLoss(t *testing.T) {
	ms := workshopMetrics(withLine("rent", 3_300_000, 1_400_000))
	if ic := wantValue(t, ms, MetricInterestCover, -0.9, "critical", 0); !strings.Contains(ic.Note, "loss before interest") {
		t.Errorf("note %q", ic.Note)
	}
	wantValue(t, ms, MetricReturnOnAssets, -12.8, "loss", 0)
}

func TestMoreMetricsWithoutHistory(t *testing.T) {
	snap, _, mapping := workshop(workshopLines())
	for name, history := range map[string][]finhealth.BalanceSnapshot{
		"none":           nil,
		"too recent":     {{AsOf: bakeryAsOf.AddDate(0, 0, -24), Currency: "USD", CurrencyExponent: 2}},
		"other currency": {{AsOf: bakeryAsOf.AddDate(0, 0, -60), Currency: "CAD", CurrencyExponent: 2}},
	} {
		t.Run(name, func(t *testing.T) {
			ms := ComputeMetrics(snap, history, mapping, bakeryAsOf)
			for _, n := range []string{MetricDPO, MetricCashConversion, MetricReturnOnAssets, MetricInterestCover,
				MetricRunwayWeeks, MetricCashBufferWeeks} {
				wantNotEnough(t, ms, n, "25 days apart")
			}
		})
	}
}

// With no payables at all, days payables outstanding is never 100 points: it is not
// enough data, said first (a second snapshot would not change it), and the cycle
// that needs it says why it is missing.
func TestMoreMetricsNoPayables(t *testing.T) {
	lines := slices.DeleteFunc(workshopLines(), func(l workshopLine) bool { return l.id == "ap" || l.id == "ap2" })
	for i := range lines {
		if lines[i].id == "ap0" {
			lines[i].now = 0
		}
	}
	ms := workshopMetrics(lines)
	wantNotEnough(t, ms, MetricDPO, "The books record no payables (Wave's API has no bills")
	wantNotEnough(t, ms, MetricCashConversion, "Days payables outstanding is not available: The books record no payables")
	snap, _, mapping := workshop(lines)
	wantNotEnough(t, ComputeMetrics(snap, nil, mapping, bakeryAsOf), MetricDPO, "The books record no payables")

	// Suppliers paid ahead leave a debit balance: nothing owed, nothing to measure.
	// 100,000 - 3,000,000 + 900,000 = -2,000,000.
	ms = workshopMetrics(withLine("ap", -3_000_000, 0))
	wantNotEnough(t, ms, MetricDPO, "show 20,000.00 USD owed to the business")
}

func TestCashConversionNoInventory(t *testing.T) {
	for _, stock := range []int64{0, -5_000} {
		ms := workshopMetrics(withLine("stock", stock, 1_000_000))
		wantNotEnough(t, ms, MetricCashConversion, "no inventory")
		wantValue(t, ms, MetricDPO, 60, "slow", 30)
	}
	// Without invoices the cycle has no DSO to add.
	snap, history, mapping := workshop(workshopLines())
	snap.Invoices = nil
	wantNotEnough(t, ComputeMetrics(snap, history, mapping, bakeryAsOf), MetricCashConversion,
		"Days sales outstanding is not available: No invoice was issued in the last 90 days")
}

// Zero denominators are not enough data, never an infinity.
func TestMoreMetricsZeroDenominators(t *testing.T) {
	lines := workshopLines()
	for i := range lines {
		if lines[i].typ == finhealth.AccountExpense {
			lines[i].then = lines[i].now
		}
	}
	ms := workshopMetrics(lines)
	wantNotEnough(t, ms, MetricDPO, "No cost of sales or expenses were recorded")
	wantNotEnough(t, ms, MetricCashConversion, "No cost of sales was recorded")
	wantNotEnough(t, ms, MetricInterestCover, "No interest expense was recorded")
	wantNotEnough(t, ms, MetricCashBufferWeeks, "No cost of sales or expenses were recorded")
	// Only income moved: 3,010,000 x 365 / 60 / 9,000,000 = 203.5% -> strong.
	wantValue(t, ms, MetricReturnOnAssets, 203.5, "strong", 100)

	for i := range lines {
		lines[i].then = lines[i].now
	}
	wantNotEnough(t, workshopMetrics(lines), MetricReturnOnAssets, "No income or expenses were recorded")

	// No interest account: the heuristic finds nothing, whatever the history.
	lines = slices.DeleteFunc(workshopLines(), func(l workshopLine) bool { return l.id == "li" || l.id == "ie" })
	wantNotEnough(t, workshopMetrics(lines), MetricInterestCover, "No interest expense found in the accounts")

	// No assets to earn a return on.
	snap := smallBusiness(
		account("card", "Card", finhealth.AccountLiability, finhealth.SubtypeCreditCard, finhealth.NormalCredit, usd(100_000)),
		account("sales", "Sales", finhealth.AccountIncome, finhealth.SubtypeIncome, finhealth.NormalCredit, usd(500_000)))
	wantNotEnough(t, ComputeMetrics(snap, nil, DefaultAccountMapping(snap.Accounts, nil), bakeryAsOf),
		MetricReturnOnAssets, "Total assets are zero or less")
}

// A fiscal year-end between the snapshots (a profit-and-loss balance falls) makes
// every metric built on the flows say so; the runway follows cash and is unaffected.
func TestMoreMetricsFiscalReset(t *testing.T) {
	ms := workshopMetrics(withLine("rent", 300_000, 1_400_000))
	for _, n := range []string{MetricDPO, MetricReturnOnAssets, MetricInterestCover, MetricCashBufferWeeks} {
		wantNotEnough(t, ms, n, "fiscal year")
	}
	wantValue(t, ms, MetricRunwayWeeks, 51.4, "", -1)
	wantNotEnough(t, workshopMetrics(withLine("cogs", 100_000, 2_800_000)), MetricCashConversion, "fiscal year")
	wantNotEnough(t, workshopMetrics(withLine("sales", 1_000_000, 7_000_000)), MetricReturnOnAssets, "fiscal year")
	// An interest account that fell while the other expenses grew.
	wantNotEnough(t, workshopMetrics(withLine("li", 10_000, 90_000)), MetricInterestCover, "fiscal year")
}

// A payable account in another currency is left out and named in the notes.
// 2,000,000 / 2,900,000 x 60 = 41.4 (ap2's 900,000 is in euros).
func TestDaysPayablesOtherCurrency(t *testing.T) {
	snap, history, mapping := workshop(workshopLines())
	for i := range snap.Accounts {
		if snap.Accounts[i].WaveID == "ap2" {
			snap.Accounts[i].Balance = eur(900_000)
		}
	}
	dpo := wantValue(t, ComputeMetrics(snap, history, mapping, bakeryAsOf), MetricDPO, 41.4, "prompt", 100)
	if len(dpo.Notes) != 1 || !strings.Contains(dpo.Notes[0], `"Other payables"`) {
		t.Errorf("notes %q", dpo.Notes)
	}
}

// When cash is at or below zero the runway is 0 weeks, as it is 0 months; when cash
// did not fall there is no number in either, and the same note.
func TestRunwayWeeksSpecialCases(t *testing.T) {
	ms := workshopMetrics(withLine("chk", -50_000, 3_600_000))
	wantValue(t, ms, MetricRunwayMonths, 0, "critical", 0)
	wantValue(t, ms, MetricRunwayWeeks, 0, "", -1)

	ms = workshopMetrics(withLine("chk", 3_000_000, 2_000_000))
	months, weeks := metricNamed(t, ms, MetricRunwayMonths), metricNamed(t, ms, MetricRunwayWeeks)
	if weeks.Status != finhealth.MetricOK || weeks.Value != nil || weeks.Points != nil || weeks.Note != months.Note || weeks.Note == "" {
		t.Errorf("runway weeks when cash rose: %+v", weeks)
	}
}
