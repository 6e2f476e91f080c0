package scoring

import (
	"slices"
	"strings"
	"testing"
	"time"

	"finhealth"
)

// Hand-computed books for the accounting rules of issue 11: contra accounts under
// either sign, overdrafts, a loss without sales, lines of credit and books without
// payables. Amounts are in cents.

var (
	assetT, liabT, incomeT, expenseT = finhealth.AccountAsset, finhealth.AccountLiability, finhealth.AccountIncome, finhealth.AccountExpense
	debit, credit                    = finhealth.NormalDebit, finhealth.NormalCredit
)

// wavesSubtypes is the subtype list as Wave serves it: each subtype with its type's
// side, contra ones included, so that a side filled in from it never marks a contra.
var wavesSubtypes = []finhealth.AccountSubtype{
	{Value: finhealth.SubtypeDepreciationAndAmortization, Type: assetT, NormalBalance: debit},
	{Value: finhealth.SubtypeDiscounts, Type: incomeT, NormalBalance: credit},
}

// snapshotAgo is a base snapshot days before bakeryAsOf.
func snapshotAgo(days int, balances map[string]int64) []finhealth.BalanceSnapshot {
	h := finhealth.BalanceSnapshot{AsOf: bakeryAsOf.AddDate(0, 0, -days), Currency: "USD", CurrencyExponent: 2}
	for _, id := range slices.Sorted(func(yield func(string) bool) {
		for id := range balances {
			if !yield(id) {
				return
			}
		}
	}) {
		h.Balances = append(h.Balances, finhealth.AccountBalance{AccountID: id, Balance: usd(balances[id])})
	}
	return []finhealth.BalanceSnapshot{h}
}

// TestContraEitherSign: accumulated depreciation and discounts reduce their class
// whichever sign Wave gives them, and whether or not it gives their side.
//
//	total assets  cash 1,000,000 + equipment 2,500,000 - depreciation 600,000 = 2,900,000
//	liabilities   loan 3,000,000
//	equity        2,900,000 - 3,000,000 = -100,000 -> negative equity, 0 points
//
// (Adding the depreciation instead would give assets 4,100,000, equity 1,100,000 and
// D/E 2.73.) Over the 90 days since the base snapshot:
//
//	sales 3,000,000 - 1,000,000 = 2,000,000; discounts 100,000 - 0 = 100,000
//	revenue 2,000,000 - 100,000 = 1,900,000; expenses 1,500,000
//	net margin (1,900,000 - 1,500,000) / 1,900,000 = 21.05% -> 21.1 strong 100
func TestContraEitherSign(t *testing.T) {
	for _, tc := range []struct {
		name       string
		dep, disc  int64
		depSide    finhealth.NormalBalance
		discSide   finhealth.NormalBalance
		discThen   int64
		typeOnList bool // the account carries no type: Wave's subtype list gives it
	}{
		{name: "negative", dep: -600_000, disc: -100_000, depSide: credit, discSide: debit},
		{name: "positive", dep: 600_000, disc: 100_000, depSide: credit, discSide: debit},
		{name: "negative, no side", dep: -600_000, disc: -100_000},
		{name: "positive, no side or type", dep: 600_000, disc: 100_000, typeOnList: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dep := account("dep", "Accumulated depreciation", assetT, finhealth.SubtypeDepreciationAndAmortization, tc.depSide, usd(tc.dep))
			disc := account("disc", "Discounts", incomeT, finhealth.SubtypeDiscounts, tc.discSide, usd(tc.disc))
			if tc.typeOnList {
				dep.Type, disc.Type = "", ""
			}
			snap := smallBusiness(
				account("chk", "Checking", assetT, finhealth.SubtypeCashAndBank, debit, usd(1_000_000)),
				account("ppe", "Equipment", assetT, finhealth.SubtypePropertyPlantEquipment, debit, usd(2_500_000)),
				dep,
				account("loan", "Bank loan", liabT, finhealth.SubtypeLoans, credit, usd(3_000_000)),
				account("sales", "Sales", incomeT, finhealth.SubtypeIncome, credit, usd(3_000_000)),
				disc,
				account("rent", "Rent", expenseT, finhealth.SubtypeExpense, debit, usd(1_500_000)),
			)
			mapping := DefaultAccountMapping(snap.Accounts, wavesSubtypes)
			for _, id := range []string{"dep", "disc"} {
				if e, _ := mapping.Entry(id); !e.Contra {
					t.Errorf("%s is not contra: %+v", id, e)
				}
			}
			history := snapshotAgo(90, map[string]int64{"chk": 1_000_000, "loan": 3_000_000, "sales": 1_000_000})
			ms := ComputeMetrics(snap, history, mapping, bakeryAsOf)

			de := metricNamed(t, ms, MetricDebtToEquity)
			if de.Band != "negative_equity" || de.Points == nil || *de.Points != 0 || de.Value != nil {
				t.Errorf("debt-to-equity %s %v %v, want negative equity, 0 points", de.Band, deref(de.Points), deref(de.Value))
			}
			if a := inputNamed(t, de, "total_assets"); *a.Amount != usd(2_900_000) {
				t.Errorf("total assets %v, want 29,000.00", a.Amount)
			}
			if eq := inputNamed(t, de, "equity"); *eq.Amount != usd(-100_000) {
				t.Errorf("equity %v, want -1,000.00", eq.Amount)
			}
			net := metricNamed(t, ms, MetricNetMargin)
			if net.Value == nil || *net.Value != 21.1 || net.Band != "strong" {
				t.Errorf("net margin %v %s, want 21.1 strong", deref(net.Value), net.Band)
			}
			if s := inputNamed(t, net, "sales"); *s.Amount != usd(1_900_000) {
				t.Errorf("sales %v, want 19,000.00 (discounts off)", s.Amount)
			}
		})
	}
}

// TestContraBySideAndOverride: the side is the second signal for subtypes not known to
// be contra, and an override moving an account to a class of the other side negates it
// with its ordinary sign.
//
//	assets  cash 1,000,000 + equipment 2,500,000 - "depreciation" filed as equipment
//	        with a credit side 600,000 (either sign) = 2,900,000
//	override: overdrawn account -500,000 mapped to current debt -> owes 500,000
//	override: discounts 100,000 (either sign) mapped to expense -> adds 100,000
//	current liabilities 500,000: current ratio 1,000,000 / 500,000 = 2.0
func TestContraBySideAndOverride(t *testing.T) {
	for _, sign := range []int64{-1, 1} {
		snap := smallBusiness(
			account("chk", "Checking", assetT, finhealth.SubtypeCashAndBank, debit, usd(1_000_000)),
			account("ppe", "Equipment", assetT, finhealth.SubtypePropertyPlantEquipment, debit, usd(2_500_000)),
			account("ppe-dep", "Equipment depreciation", assetT, finhealth.SubtypePropertyPlantEquipment, credit, usd(sign*600_000)),
			account("loc", "Line of credit (a bank account in Wave)", assetT, finhealth.SubtypeCashAndBank, debit, usd(-500_000)),
			account("disc", "Discounts", incomeT, finhealth.SubtypeDiscounts, debit, usd(sign*100_000)),
		)
		mapping, err := ApplyOverrides(DefaultAccountMapping(snap.Accounts, nil), []finhealth.AccountOverride{
			{AccountID: "loc", Class: finhealth.ClassCurrentDebt, SetBy: "u", SetAt: day(2025, 6, 1)},
			{AccountID: "disc", Class: finhealth.ClassExpense, SetBy: "u", SetAt: day(2025, 6, 1)},
		})
		if err != nil {
			t.Fatal(err)
		}
		if e, _ := mapping.Entry("disc"); e.Contra {
			t.Errorf("discounts as an expense are not contra: %+v", e)
		}
		history := snapshotAgo(90, map[string]int64{"chk": 1_000_000, "loc": -500_000})
		ms := ComputeMetrics(snap, history, mapping, bakeryAsOf)
		de := metricNamed(t, ms, MetricDebtToEquity)
		if a := inputNamed(t, de, "total_assets"); *a.Amount != usd(2_900_000) {
			t.Errorf("sign %d: total assets %v, want 29,000.00", sign, a.Amount)
		}
		cr := metricNamed(t, ms, MetricCurrentRatio)
		if cl := inputNamed(t, cr, "current_liabilities"); *cl.Amount != usd(500_000) || *cr.Value != 2 {
			t.Errorf("sign %d: current liabilities %v, ratio %v, want 5,000.00 and 2.0", sign, cl.Amount, deref(cr.Value))
		}
		if in := inputNamed(t, metricNamed(t, ms, MetricNetMargin), "expenses"); *in.Amount != usd(100_000) {
			t.Errorf("sign %d: expenses %v, want 1,000.00 of discounts", sign, in.Amount)
		}
	}
}

// TestOverdrafts: an overdrawn bank account is a current liability, not less cash.
//
//	cash                checking 2,000,000 (the overdrawn account is left out)
//	current liabilities payables 1,000,000 + overdraft 500,000 = 1,500,000
//	current ratio  2,000,000 / 1,500,000 = 1.333 -> 1.33 exposed 50 (netting gave 1.50)
//	quick and cash ratio the same 1.33; working capital 500,000
//	debt-to-equity 1,500,000 / (2,000,000 - 1,500,000) = 3.0 risky
//
// Runway, 90 days after checking 2,300,000 and the other account at 0:
//
//	cash 2,000,000 - 2,300,000 = -300,000; borrowings (the overdraft) 500,000 - 0 = +500,000
//	burn (300,000 + 500,000) / 90 x 30.4375 = 270,555.56 a month
//	runway 2,000,000 / 270,555.56 = 7.39 -> 7.4 moderate 65
func TestOverdrafts(t *testing.T) {
	snap := smallBusiness(
		account("chk", "Checking", assetT, finhealth.SubtypeCashAndBank, debit, usd(2_000_000)),
		account("od", "Second account", assetT, finhealth.SubtypeCashAndBank, debit, usd(-500_000)),
		account("ap", "Accounts payable", liabT, finhealth.SubtypePayableBills, credit, usd(1_000_000)),
	)
	history := snapshotAgo(90, map[string]int64{"chk": 2_300_000, "od": 0, "ap": 1_000_000})
	ms := ComputeMetrics(snap, history, DefaultAccountMapping(snap.Accounts, nil), bakeryAsOf)

	if c := metricNamed(t, ms, MetricCash); *c.Money != usd(2_000_000) {
		t.Errorf("cash %v, want 20,000.00", c.Money)
	}
	for _, name := range []string{MetricCurrentRatio, MetricQuickRatio, MetricCashRatio} {
		m := metricNamed(t, ms, name)
		if m.Value == nil || *m.Value != 1.33 {
			t.Errorf("%s %v, want 1.33", name, deref(m.Value))
		}
		if cl := inputNamed(t, m, "current_liabilities"); *cl.Amount != usd(1_500_000) || !slices.Equal(cl.Accounts, []string{"ap", "od"}) {
			t.Errorf("%s: current liabilities %v from %v", name, cl.Amount, cl.Accounts)
		}
		if od := inputNamed(t, m, "overdrafts"); *od.Amount != usd(500_000) || !slices.Equal(od.Accounts, []string{"od"}) {
			t.Errorf("%s: overdrafts %+v", name, od)
		}
	}
	if cr := metricNamed(t, ms, MetricCurrentRatio); cr.Band != "exposed" || *cr.Points != 50 {
		t.Errorf("current ratio band %s", cr.Band)
	}
	if wc := metricNamed(t, ms, MetricWorkingCapital); *wc.Money != usd(500_000) {
		t.Errorf("working capital %v", wc.Money)
	}
	if de := metricNamed(t, ms, MetricDebtToEquity); de.Value == nil || *de.Value != 3 || de.Band != "risky" {
		t.Errorf("debt-to-equity %v %s, want 3.0 risky", deref(de.Value), de.Band)
	}
	run := metricNamed(t, ms, MetricRunwayMonths)
	if run.Value == nil || *run.Value != 7.4 || run.Band != "moderate" {
		t.Errorf("runway %v %s, want 7.4 moderate", deref(run.Value), run.Band)
	}
	if b := inputNamed(t, run, "monthly_burn"); *b.Amount != usd(270_556) {
		t.Errorf("monthly burn %v, want 2,705.56", b.Amount)
	}
	if c := inputNamed(t, run, "cash_then"); *c.Amount != usd(2_300_000) {
		t.Errorf("cash then %v", c.Amount)
	}

	// Every bank account empty or overdrawn: no cash, so no runway.
	snap.Accounts[0].Balance = usd(0)
	ms = ComputeMetrics(snap, history, DefaultAccountMapping(snap.Accounts, nil), bakeryAsOf)
	if run := metricNamed(t, ms, MetricRunwayMonths); run.Value == nil || *run.Value != 0 || !strings.Contains(run.Note, "overdrawn") {
		t.Errorf("runway with no cash %+v", run)
	}
}

// TestLineOfCreditDraw: money drawn on a line of credit is not an inflow.
//
// 90 days ago: cash 1,000,000, line of credit (LOANS) 0. Now: the business drew
// 1,000,000 and spent 600,000 more than it took in, so cash is 1,400,000 and the line
// 1,000,000; expenses grew by 600,000.
//
//	cash +400,000; borrowings +1,000,000; cash not paid for by borrowing -600,000
//	burn 600,000 / 90 x 30.4375 = 202,916.67 a month
//	runway 1,400,000 / 202,916.67 = 6.90 -> 6.9 moderate 65 (before: "cash did not fall")
//	cash buffer 1,400,000 / (600,000 / 90 = 6,666.67 a day) = 210 days, draw or not
//
// Repaying 300,000 of it the next quarter with no other change (cash and debt both
// -300,000) is not a burn either: not burning.
func TestLineOfCreditDraw(t *testing.T) {
	snap := smallBusiness(
		account("chk", "Checking", assetT, finhealth.SubtypeCashAndBank, debit, usd(1_400_000)),
		account("loc", "Line of credit", liabT, finhealth.SubtypeLoans, credit, usd(1_000_000)),
		account("ap", "Accounts payable", liabT, finhealth.SubtypePayableBills, credit, usd(100_000)),
		account("rent", "Rent", expenseT, finhealth.SubtypeExpense, debit, usd(600_000)),
	)
	history := snapshotAgo(90, map[string]int64{"chk": 1_000_000, "loc": 0, "ap": 100_000, "rent": 0})
	mapping := DefaultAccountMapping(snap.Accounts, nil)
	if e, _ := mapping.Entry("loc"); e.Class != finhealth.ClassCurrentDebt || e.Review == "" {
		t.Errorf("LOANS default %+v, want current debt flagged for review", e)
	}
	ms := ComputeMetrics(snap, history, mapping, bakeryAsOf)
	run := metricNamed(t, ms, MetricRunwayMonths)
	if run.Value == nil || *run.Value != 6.9 || run.Band != "moderate" || *run.Points != 65 {
		t.Errorf("runway %v %s, want 6.9 moderate", deref(run.Value), run.Band)
	}
	if b := inputNamed(t, run, "monthly_burn"); *b.Amount != usd(202_917) {
		t.Errorf("monthly burn %v, want 2,029.17", b.Amount)
	}
	if d := inputNamed(t, run, "borrowings"); *d.Amount != usd(1_000_000) || !slices.Equal(d.Accounts, []string{"loc"}) {
		t.Errorf("borrowings %+v", d)
	}
	if d := inputNamed(t, run, "borrowings_then"); *d.Amount != usd(0) {
		t.Errorf("borrowings then %v", d.Amount)
	}
	if buf := metricNamed(t, ms, MetricCashBufferDays); buf.Value == nil || *buf.Value != 210 {
		t.Errorf("cash buffer %v, want 210", deref(buf.Value))
	}

	later := smallBusiness(
		account("chk", "Checking", assetT, finhealth.SubtypeCashAndBank, debit, usd(1_100_000)),
		account("loc", "Line of credit", liabT, finhealth.SubtypeLoans, credit, usd(700_000)),
	)
	later.AsOf = bakeryAsOf.AddDate(0, 0, 90)
	base := []finhealth.BalanceSnapshot{{AsOf: bakeryAsOf, Currency: "USD", CurrencyExponent: 2, Balances: []finhealth.AccountBalance{
		{AccountID: "chk", Balance: usd(1_400_000)}, {AccountID: "loc", Balance: usd(1_000_000)}}}}
	ms = ComputeMetrics(later, base, DefaultAccountMapping(later.Accounts, nil), later.AsOf.Add(time.Hour))
	if run := metricNamed(t, ms, MetricRunwayMonths); run.Band != "not_burning" {
		t.Errorf("repayment: runway %s %v, want not burning", run.Band, deref(run.Value))
	}
}

// TestLossWithoutSales: spending 12,000.00 with no sales is the worst net margin band,
// with no percentage; no sales and no costs is still not enough data, and gross margin
// needs sales either way.
func TestLossWithoutSales(t *testing.T) {
	snap := smallBusiness(
		account("chk", "Checking", assetT, finhealth.SubtypeCashAndBank, debit, usd(3_000_000)),
		account("sales", "Sales", incomeT, finhealth.SubtypeIncome, credit, usd(0)),
		account("rent", "Rent", expenseT, finhealth.SubtypeExpense, debit, usd(1_200_000)),
	)
	history := snapshotAgo(90, map[string]int64{"chk": 4_200_000, "sales": 0, "rent": 0})
	ms := ComputeMetrics(snap, history, DefaultAccountMapping(snap.Accounts, nil), bakeryAsOf)
	net := metricNamed(t, ms, MetricNetMargin)
	if net.Status != finhealth.MetricOK || net.Value != nil || net.Band != "loss_without_sales" || net.Points == nil || *net.Points != 0 ||
		!strings.Contains(net.Note, "no sales") || !strings.Contains(net.Note, "-12,000.00 USD") {
		t.Errorf("net margin %+v", net)
	}
	if g := metricNamed(t, ms, MetricGrossMargin); g.Status != finhealth.MetricNotEnoughData {
		t.Errorf("gross margin %+v", g)
	}

	history = snapshotAgo(90, map[string]int64{"chk": 3_000_000, "sales": 0, "rent": 1_200_000})
	ms = ComputeMetrics(snap, history, DefaultAccountMapping(snap.Accounts, nil), bakeryAsOf)
	if net := metricNamed(t, ms, MetricNetMargin); net.Status != finhealth.MetricNotEnoughData {
		t.Errorf("no sales and no costs: %+v", net)
	}
}

// TestNoPayables: books with no payables say so on every liquidity ratio.
func TestNoPayables(t *testing.T) {
	liquidity := []string{MetricCurrentRatio, MetricQuickRatio, MetricCashRatio, MetricWorkingCapital}
	hasNote := func(m finhealth.MetricValue) bool {
		return slices.ContainsFunc(m.Notes, func(n string) bool { return strings.HasPrefix(n, "The books record no payables") })
	}
	if !HasPayables(bakerySnapshot(), bakeryMapping(t)) {
		t.Error("the bakery has payables of 7,800.00")
	}
	ms := ComputeMetrics(bakerySnapshot(), nil, bakeryMapping(t), bakeryAsOf)
	for _, n := range liquidity {
		if hasNote(metricNamed(t, ms, n)) {
			t.Errorf("%s has the no-payables note", n)
		}
	}

	for name, change := range map[string]func(*finhealth.LedgerSnapshot, *finhealth.AccountMapping){
		"zero balance": func(s *finhealth.LedgerSnapshot, _ *finhealth.AccountMapping) {
			for i := range s.Accounts {
				if s.Accounts[i].WaveID == "ap" {
					s.Accounts[i].Balance = usd(0)
				}
			}
		},
		"excluded": func(_ *finhealth.LedgerSnapshot, m *finhealth.AccountMapping) {
			*m, _ = ApplyOverrides(*m, []finhealth.AccountOverride{{AccountID: "ap", Class: finhealth.ClassExcluded, SetAt: day(2025, 6, 1)}})
		},
	} {
		snap, mapping := bakerySnapshot(), bakeryMapping(t)
		change(&snap, &mapping)
		if HasPayables(snap, mapping) {
			t.Errorf("%s: HasPayables", name)
		}
		ms := ComputeMetrics(snap, nil, mapping, bakeryAsOf)
		for _, n := range liquidity {
			if !hasNote(metricNamed(t, ms, n)) {
				t.Errorf("%s: %s lacks the no-payables note", name, n)
			}
		}
		if hasNote(metricNamed(t, ms, MetricDebtToEquity)) {
			t.Errorf("%s: debt-to-equity is not a liquidity ratio", name)
		}
	}
}
