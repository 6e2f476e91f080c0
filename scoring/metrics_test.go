package scoring

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"finhealth"
)

// TestBakeryMetrics checks every metric of the fixture against values worked out by
// hand. The arithmetic (amounts in cents, "->" is the rounding to what is shown):
//
// Balances (the euro account is left out; accumulated depreciation is contra; the bank
// loan is long-term debt by the advisor's review, see bakeryMapping):
//
//	cash                = 1,850,000 + 200,000                      = 2,050,000
//	money in transit    = 150,000
//	receivables         = 900,000
//	other current       = 600,000 + 50,000                         = 650,000
//	current assets      = 2,050,000 + 150,000 + 900,000 + 650,000  = 3,750,000
//	current liabilities = 420,000 + 780,000 + 130,000 + 270,000    = 1,600,000
//	long-term assets    = 4,000,000 - 1,000,000 + 70,000 (crypto)  = 3,070,000
//	total assets        = 3,750,000 + 3,070,000                    = 6,820,000
//	total liabilities   = 1,600,000 + 2,500,000 + 500,000          = 4,600,000
//	equity              = 6,820,000 - 4,600,000                    = 2,220,000
//
//	current ratio   3,750,000 / 1,600,000 = 2.34375   -> 2.34  healthy      100
//	quick ratio     3,100,000 / 1,600,000 = 1.9375    -> 1.94  satisfactory 100
//	cash ratio      2,050,000 / 1,600,000 = 1.28125   -> 1.28  (not scored)
//	working capital 3,750,000 - 1,600,000 = 2,150,000
//	debt-to-equity  4,600,000 / 2,220,000 = 2.07207   -> 2.07  risky         15
//
// Open invoices on 30 June 2025 (days past due):
//
//	i1 500,000 (not due)  i5 150,000 (due today: 0)  i2 120,000 (15)
//	i3 60,000 (45)        i6 30,000 (72)             i4 40,000 (91)
//	current 650,000; 1-30 120,000; 31-60 60,000; 61-90 30,000; over 90 40,000; open 900,000
//	overdue share  250,000 / 900,000 = 27.78%  -> 27.8  high  30
//
// Invoiced sales (age in days from 30 June; e1 is 1,000.00 EUR at 1.1 = 110,000):
//
//	last 30 (age 0-29):     i1 500,000 + i5 150,000 + p1 600,000 + e1 110,000  = 1,360,000
//	previous 30 (30-59):    i2 300,000 (45) + p2 700,000 (51)                  = 1,000,000
//	last 90 (0-89):         1,360,000 + 1,000,000 + i3 60,000 (75) + p3 850,000 (81) = 3,270,000
//	previous 90 (90-179):   i6 30,000 (102) + i4 40,000 (121) + p4 1,400,000 (135) + p5 1,530,000 (171) = 3,000,000
//	last 365 (0-364):       3,270,000 + 3,000,000 + p6 3,000,000 (258)         = 9,270,000
//	previous 365 (365-729): p7 8,760,000 (577) + p8 1,000,000 (472)            = 9,760,000
//	growth 30   (1,360,000 - 1,000,000) / 1,000,000 = 36.0%   (not scored)
//	growth 90   (3,270,000 - 3,000,000) / 3,000,000 = 9.0%    growing      85
//	growth 365  (9,270,000 - 9,760,000) / 9,760,000 = -5.02%  -> -5.0 falling 30
//	DSO         900,000 / 3,270,000 x 90 = 24.77 days -> 24.8  fast  100
//	Left out: d1 (draft), s1 (saved), x1 (unknown status), f1 (future), old (over two
//	years), e2 (euro without a rate).
//
// Changes since the snapshot of 1 April 2025 (90 days):
//
//	sales    15,000,000 - 11,000,000 = 4,000,000; discounts (contra) 200,000 - 150,000 = 50,000
//	revenue  4,000,000 - 50,000 = 3,950,000;  other income 30,000 - 20,000 = 10,000
//	cost of sales 6,000,000 - 4,400,000 = 1,600,000
//	expenses (1,800,000 - 1,350,000) + (4,500,000 - 3,000,000) + (200,000 - 150,000) = 2,000,000
//	cash     2,050,000 - 2,600,000 = -550,000
//	borrowings (loan 2,500,000 + owner 500,000) unchanged: change 0
//	cash buffer  2,050,000 / (3,600,000 / 90 = 40,000 a day) = 51.25  -> 51.3  comfortable 85
//	runway       burn (550,000 + 0) / 90 x 30.4375 = 186,006.94 a month; 2,050,000 / 186,006.94 = 11.02 -> 11.0 moderate 65
//	net margin   (3,950,000 + 10,000 - 1,600,000 - 2,000,000) / 3,950,000 = 360,000 / 3,950,000 = 9.11% -> 9.1 acceptable 70
//	gross margin (3,950,000 - 1,600,000) / 3,950,000 = 59.49% -> 59.5 (not scored)
//	cash buffer in weeks  51.25 / 7 = 7.32 -> 7.3 (not scored)
//	runway in weeks  burn 550,000 / 90 x 7 = 42,777.78 a week; 2,050,000 / 42,777.78 = 47.92 -> 47.9 (not scored)
//	DPO          payables (ap) 780,000 / outflows 3,600,000 x 90 = 19.5  prompt 100
//	DIO          inventory 600,000 / cost of sales 1,600,000 x 90 = 33.75 -> 33.8
//	cash conversion cycle  33.8 + DSO 24.8 - DPO 19.5 = 39.1 (not scored)
//	return on assets  360,000 x 365 / 90 = 1,460,000 a year; / total assets 6,820,000 = 21.41% -> 21.4 strong 100
//	interest cover  not enough data: the only account named "interest" is income, not an expense
func TestBakeryMetrics(t *testing.T) {
	ms := ComputeMetrics(bakerySnapshot(), bakeryHistory(), bakeryMapping(t), bakeryAsOf)

	money := map[string]int64{
		MetricCash:           2_050_000,
		MetricReceivables:    900_000,
		MetricWorkingCapital: 2_150_000,
		MetricAgingCurrent:   650_000,
		MetricAging1To30:     120_000,
		MetricAging31To60:    60_000,
		MetricAging61To90:    30_000,
		MetricAgingOver90:    40_000,
		MetricRevenue30d:     1_360_000,
		MetricRevenue90d:     3_270_000,
		MetricRevenue365d:    9_270_000,
	}
	type want struct {
		value  float64
		band   string
		points int // -1: not scored
	}
	values := map[string]want{
		MetricCurrentRatio:     {2.34, "healthy", 100},
		MetricQuickRatio:       {1.94, "satisfactory", 100},
		MetricCashRatio:        {1.28, "", -1},
		MetricOverdueShare:     {27.8, "high", 30},
		MetricDSO:              {24.8, "fast", 100},
		MetricDebtToEquity:     {2.07, "risky", 15},
		MetricRevenueGrowth30d: {36, "", -1},
		MetricRevenueGrowth90d: {9, "growing", 85},
		MetricRevenueGrowth1y:  {-5, "falling", 30},
		MetricCashBufferDays:   {51.3, "comfortable", 85},
		MetricRunwayMonths:     {11, "moderate", 65},
		MetricNetMargin:        {9.1, "acceptable", 70},
		MetricGrossMargin:      {59.5, "", -1},
		MetricCashBufferWeeks:  {7.3, "", -1},
		MetricRunwayWeeks:      {47.9, "", -1},
		MetricDPO:              {19.5, "prompt", 100},
		MetricCashConversion:   {39.1, "", -1},
		MetricReturnOnAssets:   {21.4, "strong", 100},
	}
	missing := map[string]string{MetricInterestCover: "No interest expense found in the accounts"}
	if len(ms) != len(metricDefs) || len(money)+len(values)+len(missing) != len(metricDefs) {
		t.Fatalf("%d metrics, %d definitions, %d expectations", len(ms), len(metricDefs), len(money)+len(values)+len(missing))
	}
	for i, m := range ms {
		if m.Name != metricDefs[i].name {
			t.Errorf("metric %d is %s, want %s: the order is part of the API", i, m.Name, metricDefs[i].name)
		}
		if why, ok := missing[m.Name]; ok {
			if m.Status != finhealth.MetricNotEnoughData || !strings.HasPrefix(m.Reason, why) {
				t.Errorf("%s: %s %q, want not enough data: %s", m.Name, m.Status, m.Reason, why)
			}
			continue
		}
		if m.Status != finhealth.MetricOK {
			t.Errorf("%s: status %s (%s)", m.Name, m.Status, m.Reason)
			continue
		}
		if !m.AsOf.Equal(bakeryAsOf) || m.Formula == "" || m.Label == "" {
			t.Errorf("%s: as_of %v, formula %q, label %q", m.Name, m.AsOf, m.Formula, m.Label)
		}
		if v, ok := money[m.Name]; ok {
			if m.Money == nil || *m.Money != usd(v) || m.Value != nil || m.Unit != finhealth.UnitMoney {
				t.Errorf("%s = %+v %v, want %s", m.Name, m.Money, m.Value, usd(v))
			}
			continue
		}
		w := values[m.Name]
		if m.Value == nil || *m.Value != w.value {
			t.Errorf("%s = %v, want %v", m.Name, deref(m.Value), w.value)
		}
		if m.Band != w.band {
			t.Errorf("%s band %q, want %q", m.Name, m.Band, w.band)
		}
		switch {
		case w.points < 0 && m.Points != nil:
			t.Errorf("%s is informational but has %d points", m.Name, *m.Points)
		case w.points >= 0 && (m.Points == nil || *m.Points != w.points):
			t.Errorf("%s points %v, want %d", m.Name, deref(m.Points), w.points)
		}
	}
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

func inputNamed(t testing.TB, m finhealth.MetricValue, name string) finhealth.MetricInput {
	t.Helper()
	for _, in := range m.Inputs {
		if in.Name == name {
			return in
		}
	}
	t.Fatalf("%s has no input %q: %+v", m.Name, name, m.Inputs)
	return finhealth.MetricInput{}
}

// The inputs name the accounts and invoices behind each number, so a reader can trace
// it; the ones left out are named in the notes.
func TestBakeryInputsAndNotes(t *testing.T) {
	ms := ComputeMetrics(bakerySnapshot(), bakeryHistory(), bakeryMapping(t), bakeryAsOf)

	cr := metricNamed(t, ms, MetricCurrentRatio)
	ca := inputNamed(t, cr, "current_assets")
	if *ca.Amount != usd(3_750_000) || !slices.Equal(ca.Accounts, []string{"chk", "sav", "stripe", "ar", "stock", "prepaid"}) {
		t.Errorf("current assets %v from %v", ca.Amount, ca.Accounts)
	}
	cl := inputNamed(t, cr, "current_liabilities")
	if *cl.Amount != usd(1_600_000) || !slices.Equal(cl.Accounts, []string{"visa", "ap", "tax", "payroll"}) {
		t.Errorf("current liabilities %v from %v", cl.Amount, cl.Accounts)
	}
	if len(cr.Notes) != 1 || !strings.Contains(cr.Notes[0], `"Euro account"`) || !strings.Contains(cr.Notes[0], "EUR") {
		t.Errorf("notes %q, want the euro account left out", cr.Notes)
	}
	if len(cr.Bands) != 6 || cr.Bands[0].Min != nil || *cr.Bands[0].Max != 0.5 || cr.Thresholds == "" {
		t.Errorf("bands %+v", cr.Bands)
	}

	od := metricNamed(t, ms, MetricOverdueShare)
	overdue := inputNamed(t, od, "overdue")
	// Largest first: i2 120,000, i3 60,000, i4 40,000, i6 30,000.
	if *overdue.Amount != usd(250_000) || overdue.InvoiceCount != 4 || !slices.Equal(overdue.Invoices, []string{"i2", "i3", "i4", "i6"}) {
		t.Errorf("overdue input %+v", overdue)
	}
	if in := inputNamed(t, od, "over_90_days"); *in.Amount != usd(40_000) || !slices.Equal(in.Invoices, []string{"i4"}) {
		t.Errorf("over 90 input %+v", in)
	}
	for i, w := range []struct {
		name string
		amt  int64
	}{{"Northside Deli", 120_000}, {"Harbor Cafe", 60_000}, {"Green Grocer", 40_000}} {
		in := inputNamed(t, od, "overdue_customer_"+string(rune('1'+i)))
		if in.Label != w.name || *in.Amount != usd(w.amt) {
			t.Errorf("overdue customer %d = %s %v, want %s %d", i+1, in.Label, in.Amount, w.name, w.amt)
		}
	}
	wantNotes := []string{"1 invoice(s) with a status", "1 invoice(s) in another currency", "1 invoice(s) dated after 2025-06-30"}
	if len(od.Notes) != len(wantNotes) {
		t.Fatalf("invoice notes %q", od.Notes)
	}
	for i, w := range wantNotes {
		if !strings.HasPrefix(od.Notes[i], w) {
			t.Errorf("note %d = %q, want prefix %q", i, od.Notes[i], w)
		}
	}

	rec := metricNamed(t, ms, MetricReceivables)
	if in := inputNamed(t, rec, "customers_outstanding"); *in.Amount != usd(900_000) {
		t.Errorf("customers' outstanding %v (the euro customer must be left out)", in.Amount)
	}
	if rec.Note != "" {
		t.Errorf("accounts and invoices agree, yet note %q", rec.Note)
	}

	for _, b := range []struct {
		name string
		ids  []string
	}{{MetricAgingCurrent, []string{"i1", "i5"}}, {MetricAging1To30, []string{"i2"}}, {MetricAging31To60, []string{"i3"}},
		{MetricAging61To90, []string{"i6"}}, {MetricAgingOver90, []string{"i4"}}} {
		in := inputNamed(t, metricNamed(t, ms, b.name), "invoices")
		if !slices.Equal(in.Invoices, b.ids) || in.InvoiceCount != len(b.ids) {
			t.Errorf("%s invoices %v (%d), want %v", b.name, in.Invoices, in.InvoiceCount, b.ids)
		}
	}

	buf := metricNamed(t, ms, MetricCashBufferDays)
	if in := inputNamed(t, buf, "daily_outflows"); *in.Amount != usd(40_000) {
		t.Errorf("daily outflows %v", in.Amount)
	}
	if in := inputNamed(t, buf, "from"); in.Label != "Earlier snapshot 2025-04-01" {
		t.Errorf("base snapshot %q, want 2025-04-01", in.Label)
	}
	run := metricNamed(t, ms, MetricRunwayMonths)
	if in := inputNamed(t, run, "monthly_burn"); *in.Amount != usd(186_007) {
		t.Errorf("monthly burn %v, want 1860.07", in.Amount)
	}
	net := metricNamed(t, ms, MetricNetMargin)
	if in := inputNamed(t, net, "profit"); *in.Amount != usd(360_000) {
		t.Errorf("profit %v", in.Amount)
	}
	if in := inputNamed(t, net, "sales"); *in.Amount != usd(3_950_000) || !slices.Equal(in.Accounts, []string{"sales", "disc"}) {
		t.Errorf("sales %v from %v", in.Amount, in.Accounts)
	}
	de := metricNamed(t, ms, MetricDebtToEquity)
	if in := inputNamed(t, de, "borrowings"); *in.Amount != usd(3_000_000) {
		t.Errorf("borrowings %v", in.Amount)
	}
}

// Without a snapshot old enough, the metrics that need history say so; nothing else
// changes.
func TestMetricsWithoutHistory(t *testing.T) {
	for name, history := range map[string][]finhealth.BalanceSnapshot{
		"none":           nil,
		"too recent":     {{AsOf: bakeryAsOf.AddDate(0, 0, -24), Currency: "USD", CurrencyExponent: 2}},
		"too old":        {{AsOf: bakeryAsOf.AddDate(0, 0, -401), Currency: "USD", CurrencyExponent: 2}},
		"other currency": {{AsOf: bakeryAsOf.AddDate(0, 0, -60), Currency: "CAD", CurrencyExponent: 2}},
	} {
		t.Run(name, func(t *testing.T) {
			ms := ComputeMetrics(bakerySnapshot(), history, bakeryMapping(t), bakeryAsOf)
			for _, n := range []string{MetricCashBufferDays, MetricRunwayMonths, MetricNetMargin, MetricGrossMargin} {
				m := metricNamed(t, ms, n)
				if m.Status != finhealth.MetricNotEnoughData || m.Value != nil || m.Points != nil || !strings.Contains(m.Reason, "25 days apart") {
					t.Errorf("%s: %s %v %v %q", n, m.Status, m.Value, m.Points, m.Reason)
				}
			}
			if cr := metricNamed(t, ms, MetricCurrentRatio); cr.Status != finhealth.MetricOK || *cr.Value != 2.34 {
				t.Errorf("current ratio %+v", cr)
			}
		})
	}
	// Exactly 25 days is enough. Cash rose from 10,000.00 (the savings account opened
	// since) to 20,500.00 with borrowings unchanged at 30,000.00.
	h := []finhealth.BalanceSnapshot{{AsOf: bakeryAsOf.AddDate(0, 0, -25), Currency: "USD", CurrencyExponent: 2,
		Balances: []finhealth.AccountBalance{{AccountID: "chk", Balance: usd(1_000_000)},
			{AccountID: "loan", Balance: usd(2_500_000)}, {AccountID: "owner", Balance: usd(500_000)}}}}
	ms := ComputeMetrics(bakerySnapshot(), h, bakeryMapping(t), bakeryAsOf)
	if m := metricNamed(t, ms, MetricRunwayMonths); m.Status != finhealth.MetricOK || m.Band != "not_burning" || m.Value != nil || *m.Points != 100 {
		t.Errorf("runway with rising cash: %+v", m)
	}
}

// TestBaseSnapshot: the snapshot BaseSnapshot names is the one ComputeMetrics
// compares with, so a history whose other snapshots carry no balances (dates only,
// as a caller that reads one snapshot whole passes it) gives the same metrics.
func TestBaseSnapshot(t *testing.T) {
	full := bakeryHistory()
	i := BaseSnapshot(full, bakeryAsOf, "USD", 2)
	if i != 2 {
		t.Fatalf("base snapshot %d, want the one of 1 April (2)", i)
	}
	sparse := make([]finhealth.BalanceSnapshot, len(full))
	for j, h := range full {
		sparse[j] = finhealth.BalanceSnapshot{AsOf: h.AsOf, Currency: h.Currency, CurrencyExponent: h.CurrencyExponent}
	}
	sparse[i] = full[i]
	want := ComputeMetrics(bakerySnapshot(), full, bakeryMapping(t), bakeryAsOf)
	if got := ComputeMetrics(bakerySnapshot(), sparse, bakeryMapping(t), bakeryAsOf); !reflect.DeepEqual(got, want) {
		t.Errorf("metrics from the dates and the base snapshot differ from those of the whole history")
	}
	for name, c := range map[string]struct {
		history []finhealth.BalanceSnapshot
		want    int
	}{
		"none":           {nil, -1},
		"other currency": {[]finhealth.BalanceSnapshot{{AsOf: bakeryAsOf.AddDate(0, 0, -60), Currency: "CAD", CurrencyExponent: 2}}, -1},
		"tie goes to the older": {[]finhealth.BalanceSnapshot{
			{AsOf: bakeryAsOf.AddDate(0, 0, -80), Currency: "USD", CurrencyExponent: 2},
			{AsOf: bakeryAsOf.AddDate(0, 0, -100), Currency: "USD", CurrencyExponent: 2}}, 1},
	} {
		if got := BaseSnapshot(c.history, bakeryAsOf, "USD", 2); got != c.want {
			t.Errorf("%s: %d, want %d", name, got, c.want)
		}
	}
}

// An overdraft has no runway even when it shrinks.
func TestMetricsRunwayOverdraft(t *testing.T) {
	snap := smallBusiness(account("chk", "Checking", finhealth.AccountAsset, finhealth.SubtypeCashAndBank, finhealth.NormalDebit, usd(-50_000)))
	for _, then := range []int64{-80_000, 10_000} {
		h := []finhealth.BalanceSnapshot{{AsOf: bakeryAsOf.AddDate(0, 0, -60), Currency: "USD", CurrencyExponent: 2,
			Balances: []finhealth.AccountBalance{{AccountID: "chk", Balance: usd(then)}}}}
		ms := ComputeMetrics(snap, h, DefaultAccountMapping(snap.Accounts, nil), bakeryAsOf)
		if m := metricNamed(t, ms, MetricRunwayMonths); m.Value == nil || *m.Value != 0 || m.Band != "critical" || *m.Points != 0 {
			t.Errorf("cash then %d: runway %+v", then, m)
		}
	}
}

// A fiscal year-end between the snapshots makes income and expense balances fall (if
// Wave's balances are year-to-date); the margins must say so rather than show nonsense.
func TestMetricsFiscalReset(t *testing.T) {
	h := bakeryHistory()
	for i := range h[2].Balances {
		if h[2].Balances[i].AccountID == "sales" {
			h[2].Balances[i].Balance = usd(40_000_000)
		}
		if h[2].Balances[i].AccountID == "rent" {
			h[2].Balances[i].Balance = usd(5_000_000)
		}
	}
	ms := ComputeMetrics(bakerySnapshot(), h, bakeryMapping(t), bakeryAsOf)
	for _, n := range []string{MetricNetMargin, MetricGrossMargin, MetricCashBufferDays} {
		if m := metricNamed(t, ms, n); m.Status != finhealth.MetricNotEnoughData || !strings.Contains(m.Reason, "fiscal year") {
			t.Errorf("%s: %s %q", n, m.Status, m.Reason)
		}
	}
	if m := metricNamed(t, ms, MetricRunwayMonths); m.Status != finhealth.MetricOK {
		t.Errorf("runway depends on cash only: %s %q", m.Status, m.Reason)
	}
}

func smallBusiness(accounts ...finhealth.LedgerAccount) finhealth.LedgerSnapshot {
	return finhealth.LedgerSnapshot{AsOf: bakeryAsOf, Currency: "USD", CurrencyExponent: 2, Accounts: accounts}
}

// No short-term liabilities is a named healthy case, never an infinite ratio.
func TestMetricsZeroLiabilities(t *testing.T) {
	snap := smallBusiness(
		account("chk", "Checking", finhealth.AccountAsset, finhealth.SubtypeCashAndBank, finhealth.NormalDebit, usd(500_000)),
		account("card", "Card", finhealth.AccountLiability, finhealth.SubtypeCreditCard, finhealth.NormalCredit, usd(0)),
	)
	ms := ComputeMetrics(snap, nil, DefaultAccountMapping(snap.Accounts, nil), bakeryAsOf)
	for _, n := range []string{MetricCurrentRatio, MetricQuickRatio} {
		m := metricNamed(t, ms, n)
		if m.Status != finhealth.MetricOK || m.Value != nil || m.Band != "no_short_term_liabilities" || *m.Points != 100 || m.Note == "" {
			t.Errorf("%s: %+v", n, m)
		}
	}
	if m := metricNamed(t, ms, MetricCashRatio); m.Status != finhealth.MetricOK || m.Value != nil || m.Points != nil || m.Note == "" {
		t.Errorf("cash ratio: %+v", m)
	}
	if m := metricNamed(t, ms, MetricDebtToEquity); m.Band != "no_liabilities" || *m.Points != 100 || m.Value != nil {
		t.Errorf("debt-to-equity: %+v", m)
	}
	if m := metricNamed(t, ms, MetricWorkingCapital); *m.Money != usd(500_000) || m.Band != "positive" {
		t.Errorf("working capital: %+v", m)
	}

	// Nothing at all in the current classes is not enough data, not "healthy".
	empty := smallBusiness(account("card", "Card", finhealth.AccountLiability, finhealth.SubtypeCreditCard, finhealth.NormalCredit, usd(0)))
	ms = ComputeMetrics(empty, nil, DefaultAccountMapping(empty.Accounts, nil), bakeryAsOf)
	if m := metricNamed(t, ms, MetricCurrentRatio); m.Status != finhealth.MetricNotEnoughData {
		t.Errorf("empty books: current ratio %+v", m)
	}
	if m := metricNamed(t, ms, MetricDebtToEquity); m.Status != finhealth.MetricNotEnoughData {
		t.Errorf("empty books: debt-to-equity %+v", m)
	}
}

// Negative equity gets the lowest band with the amounts explained, not a negative ratio.
func TestMetricsNegativeEquity(t *testing.T) {
	// assets 10,000.00; liabilities 3,000.00 + 12,000.00 = 15,000.00; equity -5,000.00.
	snap := smallBusiness(
		account("chk", "Checking", finhealth.AccountAsset, finhealth.SubtypeCashAndBank, finhealth.NormalDebit, usd(1_000_000)),
		account("card", "Card", finhealth.AccountLiability, finhealth.SubtypeCreditCard, finhealth.NormalCredit, usd(300_000)),
		account("loan", "Loan", finhealth.AccountLiability, finhealth.SubtypeLoans, finhealth.NormalCredit, usd(1_200_000)),
	)
	ms := ComputeMetrics(snap, nil, DefaultAccountMapping(snap.Accounts, nil), bakeryAsOf)
	m := metricNamed(t, ms, MetricDebtToEquity)
	if m.Status != finhealth.MetricOK || m.Value != nil || m.Band != "negative_equity" || *m.Points != 0 {
		t.Fatalf("debt-to-equity %+v", m)
	}
	if !strings.Contains(m.Note, "15,000.00 USD") || !strings.Contains(m.Note, "-5,000.00 USD") {
		t.Errorf("note %q does not give the amounts", m.Note)
	}
	if in := inputNamed(t, m, "equity"); *in.Amount != usd(-500_000) {
		t.Errorf("equity %v", in.Amount)
	}
	// The loan counts as current debt until someone says it is a term loan:
	// 10,000 / (3,000 + 12,000) = 0.667 -> 0.67, poor.
	if cr := metricNamed(t, ms, MetricCurrentRatio); *cr.Value != 0.67 || cr.Band != "poor" || *cr.Points != 20 {
		t.Errorf("current ratio %+v", cr)
	}
}

// Before the advisor's review, Wave's LOANS default puts the bank loan in current debt
// (it may be a line of credit), flagged:
//
//	current liabilities 1,600,000 + 2,500,000 = 4,100,000
//	current ratio   3,750,000 / 4,100,000 = 0.9146 -> 0.91  poor  20
//	quick ratio     3,100,000 / 4,100,000 = 0.7561 -> 0.76  weak  40
//	cash ratio      2,050,000 / 4,100,000 = 0.5
//	working capital 3,750,000 - 4,100,000 = -350,000  negative
//
// Debt-to-equity is unchanged (4,600,000 / 2,220,000 = 2.07): the loan is debt either way.
func TestMetricsLoanDefault(t *testing.T) {
	m := DefaultAccountMapping(bakeryAccounts(), nil)
	if e, _ := m.Entry("loan"); e.Class != finhealth.ClassCurrentDebt || !strings.Contains(e.Review, "term loan") {
		t.Fatalf("loan entry %+v", e)
	}
	ms := ComputeMetrics(bakerySnapshot(), nil, m, bakeryAsOf)
	for name, w := range map[string]struct {
		v      float64
		band   string
		points int
	}{MetricCurrentRatio: {0.91, "poor", 20}, MetricQuickRatio: {0.76, "weak", 40}, MetricDebtToEquity: {2.07, "risky", 15}} {
		if g := metricNamed(t, ms, name); g.Value == nil || *g.Value != w.v || g.Band != w.band || *g.Points != w.points {
			t.Errorf("%s %v %s %v, want %v %s %d", name, deref(g.Value), g.Band, deref(g.Points), w.v, w.band, w.points)
		}
	}
	cr := metricNamed(t, ms, MetricCurrentRatio)
	if cl := inputNamed(t, cr, "current_liabilities"); *cl.Amount != usd(4_100_000) || !slices.Contains(cl.Accounts, "loan") {
		t.Errorf("current liabilities %+v", cl)
	}
	if v := metricNamed(t, ms, MetricCashRatio).Value; v == nil || *v != 0.5 {
		t.Errorf("cash ratio %v", deref(v))
	}
	if wc := metricNamed(t, ms, MetricWorkingCapital); *wc.Money != usd(-350_000) || wc.Band != "negative" {
		t.Errorf("working capital %+v", wc)
	}
}

// Only business-currency amounts count, and each exclusion is explained.
func TestMetricsMixedCurrencies(t *testing.T) {
	snap := smallBusiness(
		account("chk", "Checking", finhealth.AccountAsset, finhealth.SubtypeCashAndBank, finhealth.NormalDebit, usd(300_000)),
		// A euro account Wave converted: its home-currency balance is in USD and counts.
		func() finhealth.LedgerAccount {
			a := account("eur-ok", "Euro converted", finhealth.AccountAsset, finhealth.SubtypeCashAndBank, finhealth.NormalDebit, usd(110_000))
			a.Currency, a.AccountBalance = "EUR", eur(100_000)
			return a
		}(),
		account("eur-raw", "Euro raw", finhealth.AccountAsset, finhealth.SubtypeCashAndBank, finhealth.NormalDebit, eur(100_000)),
		account("jpy", "Yen", finhealth.AccountAsset, finhealth.SubtypeCashAndBank, finhealth.NormalDebit,
			finhealth.Money{Minor: 5000, Currency: "USD", Exponent: 0}), // right code, wrong exponent
		account("card", "Card", finhealth.AccountLiability, finhealth.SubtypeCreditCard, finhealth.NormalCredit, usd(100_000)),
	)
	ms := ComputeMetrics(snap, nil, DefaultAccountMapping(snap.Accounts, nil), bakeryAsOf)
	cash := metricNamed(t, ms, MetricCash)
	if *cash.Money != usd(410_000) || !slices.Equal(cash.Inputs[0].Accounts, []string{"chk", "eur-ok"}) {
		t.Errorf("cash %v from %v", cash.Money, cash.Inputs[0].Accounts)
	}
	if len(cash.Notes) != 2 || !strings.Contains(cash.Notes[0], `"Euro raw"`) || !strings.Contains(cash.Notes[1], `"Yen"`) ||
		!strings.Contains(cash.Notes[1], "0 decimals where USD has 2") {
		t.Errorf("notes %q", cash.Notes)
	}
	if cr := metricNamed(t, ms, MetricCurrentRatio); *cr.Value != 4.1 {
		t.Errorf("current ratio %v, want 410,000 / 100,000 = 4.1", *cr.Value)
	}
}

// Classic-invoicing businesses: balance-sheet ratios work, invoice metrics say why they
// cannot, and overdue share falls back on Wave's customer totals.
func TestMetricsInvoicesUnavailable(t *testing.T) {
	snap := bakerySnapshot()
	snap.Invoices = nil
	snap.InvoicesUnavailable = "This business uses Wave's classic invoicing, whose invoices Wave's API does not expose."
	ms := ComputeMetrics(snap, nil, bakeryMapping(t), bakeryAsOf)
	for _, n := range []string{MetricDSO, MetricAgingOver90, MetricRevenue90d, MetricRevenueGrowth1y} {
		if m := metricNamed(t, ms, n); m.Status != finhealth.MetricNotEnoughData || m.Reason != snap.InvoicesUnavailable {
			t.Errorf("%s: %s %q", n, m.Status, m.Reason)
		}
	}
	// Customers: overdue 250,000 of outstanding 900,000 (the euro customer left out).
	od := metricNamed(t, ms, MetricOverdueShare)
	if od.Status != finhealth.MetricOK || *od.Value != 27.8 || !strings.Contains(od.Formula, "customers") || len(od.Notes) != 1 {
		t.Errorf("overdue share from customers: %+v", od)
	}
}

// A business with no invoicing at all is "not enough data" for receivables, and one
// whose invoices are all paid has nothing overdue.
func TestMetricsNoOpenInvoices(t *testing.T) {
	snap := bakerySnapshot()
	snap.Invoices = nil
	ms := ComputeMetrics(snap, nil, bakeryMapping(t), bakeryAsOf)
	for _, n := range []string{MetricOverdueShare, MetricDSO, MetricRevenueGrowth90d} {
		if m := metricNamed(t, ms, n); m.Status != finhealth.MetricNotEnoughData {
			t.Errorf("%s with no invoices: %+v", n, m)
		}
	}
	if m := metricNamed(t, ms, MetricAgingOver90); m.Status != finhealth.MetricOK || *m.Money != usd(0) {
		t.Errorf("aging with no invoices: %+v", m)
	}
	if m := metricNamed(t, ms, MetricReceivables); !strings.Contains(m.Note, "differ") {
		t.Errorf("a 9,000.00 receivable account with no open invoice should be pointed out: %q", m.Note)
	}

	snap.Invoices = []finhealth.Invoice{
		invoice("p", "c", "C", finhealth.InvoicePaid, 100_000, 0, day(2025, 5, 1), day(2025, 5, 31)),
	}
	ms = ComputeMetrics(snap, nil, bakeryMapping(t), bakeryAsOf)
	if m := metricNamed(t, ms, MetricOverdueShare); m.Band != "nothing_outstanding" || *m.Points != 100 || m.Value != nil {
		t.Errorf("all paid: %+v", m)
	}
	// Old receivables but no sales in 90 days: the worst DSO band, explained.
	snap.Invoices = []finhealth.Invoice{
		invoice("o", "c", "C", finhealth.InvoiceOverdue, 100_000, 100_000, day(2025, 1, 1), day(2025, 1, 31)),
	}
	ms = ComputeMetrics(snap, nil, bakeryMapping(t), bakeryAsOf)
	if m := metricNamed(t, ms, MetricDSO); m.Band != "no_recent_sales" || *m.Points != 0 {
		t.Errorf("stale receivables: %+v", m)
	}
}

func TestMetricsUnknownCurrency(t *testing.T) {
	snap := bakerySnapshot()
	snap.Currency = ""
	ms := ComputeMetrics(snap, bakeryHistory(), bakeryMapping(t), bakeryAsOf)
	for _, m := range ms {
		if m.Status != finhealth.MetricNotEnoughData || m.Reason == "" {
			t.Errorf("%s: %s", m.Name, m.Status)
		}
	}
}

// The result depends on the data, not on the order it arrived in.
func TestMetricsDeterministic(t *testing.T) {
	want := ComputeMetrics(bakerySnapshot(), bakeryHistory(), bakeryMapping(t), bakeryAsOf)
	r := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		snap := bakerySnapshot()
		r.Shuffle(len(snap.Invoices), func(i, j int) { snap.Invoices[i], snap.Invoices[j] = snap.Invoices[j], snap.Invoices[i] })
		r.Shuffle(len(snap.Customers), func(i, j int) { snap.Customers[i], snap.Customers[j] = snap.Customers[j], snap.Customers[i] })
		h := bakeryHistory()
		r.Shuffle(len(h), func(i, j int) { h[i], h[j] = h[j], h[i] })
		got := ComputeMetrics(snap, h, bakeryMapping(t), bakeryAsOf)
		if !reflect.DeepEqual(got, want) {
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(want)
			t.Fatalf("order changed the result:\n%s\n%s", g, w)
		}
	}
}

// A foreign invoice converts exactly at its own rate, half away from zero.
func TestHomeAmount(t *testing.T) {
	c := &calc{cur: "USD", exp: 2}
	for _, tc := range []struct {
		m    finhealth.Money
		rate string
		want int64
		ok   bool
	}{
		{eur(100_000), "1.1", 110_000, true},
		{eur(1), "0.5", 1, true},   // 0.5 cent -> 1
		{eur(-1), "0.5", -1, true}, // -0.5 cent -> -1
		{finhealth.Money{Minor: 1000, Currency: "JPY", Exponent: 0}, "0.0067", 670, true},
		{finhealth.Money{Minor: 1234, Currency: "KWD", Exponent: 3}, "3.25", 401, true}, // 1.234 x 3.25 = 4.0105 -> 4.01
		{eur(100), "", 0, false},
		{eur(100), "abc", 0, false},
		{eur(100), "-1", 0, false},
		{eur(9_000_000_000_000_000_000), "10", 0, false},
		{usd(5), "whatever", 5, true},
	} {
		inv := &finhealth.Invoice{Currency: tc.m.Currency, ExchangeRate: tc.rate}
		got, ok := c.homeAmount(inv, tc.m)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%v at %q = %d %v, want %d %v", tc.m, tc.rate, got, ok, tc.want, tc.ok)
		}
	}
}

// Bands are contiguous and cover the line, so every finite value has exactly one band.
func TestBandsCoverTheLine(t *testing.T) {
	for _, d := range metricDefs {
		var plain []band
		for _, b := range d.bands {
			if !b.special {
				plain = append(plain, b)
			}
			if b.points < 0 || b.points > 100 {
				t.Errorf("%s/%s: %d points", d.name, b.name, b.points)
			}
		}
		if len(plain) == 0 {
			continue
		}
		if plain[0].min != -inf || plain[len(plain)-1].max != inf {
			t.Errorf("%s: bands do not cover the line", d.name)
		}
		for i := 1; i < len(plain); i++ {
			if plain[i].min != plain[i-1].max {
				t.Errorf("%s: gap or overlap between %s and %s", d.name, plain[i-1].name, plain[i].name)
			}
		}
	}
	// Edges belong to the upper band.
	for _, tc := range []struct {
		name string
		v    float64
		band string
	}{
		{MetricCurrentRatio, 0.99, "poor"}, {MetricCurrentRatio, 1.0, "exposed"}, {MetricCurrentRatio, 1.5, "healthy"},
		{MetricCurrentRatio, 2.99, "healthy"}, {MetricCurrentRatio, 3.0, "idle_cash"},
		{MetricQuickRatio, 1.0, "satisfactory"}, {MetricDebtToEquity, 1.99, "elevated"}, {MetricDebtToEquity, 2.0, "risky"},
		{MetricCashBufferDays, 14.9, "critical"}, {MetricCashBufferDays, 15, "thin"}, {MetricCashBufferDays, 27, "median"},
		{MetricNetMargin, -0.1, "loss"}, {MetricNetMargin, 0, "thin"}, {MetricNetMargin, 10, "strong"},
		{MetricDSO, 45, "slow"}, {MetricOverdueShare, 30, "severe"}, {MetricRevenueGrowth1y, -2, "flat"},
		{MetricDPO, 44.9, "prompt"}, {MetricDPO, 45, "stretched"}, {MetricDPO, 60, "slow"}, {MetricDPO, 90, "critical"},
		{MetricReturnOnAssets, -0.1, "loss"}, {MetricReturnOnAssets, 0, "low"}, {MetricReturnOnAssets, 2, "moderate"},
		{MetricReturnOnAssets, 5, "good"}, {MetricReturnOnAssets, 10, "strong"},
		{MetricInterestCover, 1.49, "critical"}, {MetricInterestCover, 1.5, "thin"}, {MetricInterestCover, 3, "adequate"},
		{MetricInterestCover, 5, "strong"},
	} {
		if b := bandOf(defByName[tc.name].bands, tc.v); b.name != tc.band {
			t.Errorf("%s %v in %s, want %s", tc.name, tc.v, b.name, tc.band)
		}
	}
}
