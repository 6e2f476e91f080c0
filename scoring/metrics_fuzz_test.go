package scoring

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"finhealth"
)

var fuzzSubtypes = []finhealth.AccountSubtypeValue{
	finhealth.SubtypeCashAndBank, finhealth.SubtypeMoneyInTransit, finhealth.SubtypeReceivable, finhealth.SubtypeInventory,
	finhealth.SubtypePropertyPlantEquipment, finhealth.SubtypeDepreciationAndAmortization, finhealth.SubtypeCreditCard,
	finhealth.SubtypePayableBills, finhealth.SubtypePayable, finhealth.SubtypePayableOther, finhealth.SubtypeLoans, finhealth.SubtypeDueToYouAndOtherOwners, finhealth.SubtypeRetainedEarnings,
	finhealth.SubtypeIncome, finhealth.SubtypeDiscounts, finhealth.SubtypeOtherIncome, finhealth.SubtypeCostOfGoodsSold,
	finhealth.SubtypeExpense, finhealth.SubtypeUnknownAccount, "NEW_SUBTYPE", "",
}

// fuzzNames include the names interest cover looks for.
var fuzzNames = []string{"acct", "Loan interest", "INTEREST", ""}

var fuzzTypes = []finhealth.AccountType{
	finhealth.AccountAsset, finhealth.AccountLiability, finhealth.AccountEquity, finhealth.AccountIncome, finhealth.AccountExpense, "", "ALIEN",
}

var fuzzStatuses = []finhealth.InvoiceStatus{
	finhealth.InvoiceDraft, finhealth.InvoiceSaved, finhealth.InvoiceUnpaid, finhealth.InvoiceSent, finhealth.InvoiceViewed,
	finhealth.InvoicePartial, finhealth.InvoiceOverdue, finhealth.InvoicePaid, finhealth.InvoiceOverpaid, "VOID", "",
}

// FuzzLedgerHealth builds a random business from a seed and a few raw amounts (the
// fuzzer's extremes: zero, huge, math.MinInt64) and checks the promises of
// ComputeMetrics and CombinedHealth: no panic, no NaN or infinity anywhere (the JSON
// encoder refuses both), points within 0-100, effective weights summing to 1, and a
// score within 0-100 whose tier matches it.
func FuzzLedgerHealth(f *testing.F) {
	f.Add(uint64(1), int64(0), int64(1_000_000), uint8(10), uint8(0))
	f.Add(uint64(2), int64(math.MaxInt64), int64(math.MinInt64), uint8(40), uint8(0xff))
	f.Add(uint64(3), int64(-1), int64(1), uint8(0), uint8(0x55))
	f.Add(uint64(4), int64(math.MaxInt64/2), int64(math.MaxInt64/2+1), uint8(200), uint8(0xaa))

	asOf := time.Date(2025, 6, 30, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, seed uint64, a, b int64, size, flags uint8) {
		r := rand.New(rand.NewPCG(seed, uint64(a)^uint64(b)))
		amt := func() int64 {
			switch r.IntN(8) {
			case 0:
				return a
			case 1:
				return b
			case 2:
				return 0
			case 3:
				return -r.Int64N(1_000_000)
			}
			return r.Int64N(10_000_000)
		}
		money := func() finhealth.Money {
			m := usd(amt())
			switch r.IntN(10) {
			case 0:
				m.Currency = "EUR"
			case 1:
				m.Currency = ""
			case 2:
				m.Exponent = 0
			}
			return m
		}
		date := func() time.Time { return day(2025, 6, 30).AddDate(0, 0, r.IntN(1000)-800) }

		snap := finhealth.LedgerSnapshot{AsOf: asOf, Currency: "USD", CurrencyExponent: 2}
		if flags&1 != 0 {
			snap.InvoicesUnavailable = "classic invoicing"
		}
		if flags&2 != 0 {
			snap.AsOf = time.Time{}
		}
		n := int(size % 64)
		for i := range n {
			sides := []finhealth.NormalBalance{finhealth.NormalDebit, finhealth.NormalCredit, ""}
			snap.Accounts = append(snap.Accounts, finhealth.LedgerAccount{
				WaveID: "a" + string(rune('0'+i%10)) + string(rune('a'+i/10)), Name: fuzzNames[r.IntN(len(fuzzNames))],
				Type: fuzzTypes[r.IntN(len(fuzzTypes))], Subtype: fuzzSubtypes[r.IntN(len(fuzzSubtypes))],
				NormalBalance: sides[r.IntN(3)], Balance: money(),
			})
		}
		for i := range int(size) {
			rates := []string{"1", "1.1", "", "abc", "0", "1e400", "-2", "0.0001"}
			curs := []string{"USD", "USD", "USD", "EUR", "JPY", ""}
			inv := finhealth.Invoice{
				WaveID: "i" + string(rune(i)), CustomerWaveID: "c" + string(rune('a'+r.IntN(5))),
				Status: fuzzStatuses[r.IntN(len(fuzzStatuses))], Currency: curs[r.IntN(len(curs))],
				ExchangeRate: rates[r.IntN(len(rates))], Total: money(), AmountDue: money(),
				InvoiceDate: date(), DueDate: date(),
			}
			if r.IntN(10) == 0 {
				inv.InvoiceDate, inv.DueDate = time.Time{}, time.Time{}
			}
			snap.Invoices = append(snap.Invoices, inv)
		}
		for i := range int(size % 16) {
			snap.Customers = append(snap.Customers, finhealth.Customer{WaveID: "c" + string(rune('a'+i)), Outstanding: money(), Overdue: money()})
		}
		var history []finhealth.BalanceSnapshot
		for range r.IntN(5) {
			h := finhealth.BalanceSnapshot{AsOf: asOf.AddDate(0, 0, -r.IntN(500)), Currency: "USD", CurrencyExponent: 2}
			if r.IntN(6) == 0 {
				h.Currency = "EUR"
			}
			for _, acc := range snap.Accounts {
				if r.IntN(4) > 0 {
					h.Balances = append(h.Balances, finhealth.AccountBalance{AccountID: acc.WaveID, Balance: money()})
				}
			}
			history = append(history, h)
		}
		mapping := DefaultAccountMapping(snap.Accounts, nil)
		if flags&4 != 0 && len(snap.Accounts) > 0 {
			classes := finhealth.AccountClasses()
			var err error
			mapping, err = ApplyOverrides(mapping, []finhealth.AccountOverride{
				{AccountID: snap.Accounts[r.IntN(len(snap.Accounts))].WaveID, Class: classes[r.IntN(len(classes))], SetBy: "u"},
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		var assessment *finhealth.Assessment
		if flags&8 != 0 {
			assessment = &finhealth.Assessment{}
			scores := []float64{0, 100, 55.5, math.NaN(), -3, 180, math.Inf(1)}
			for i := range r.IntN(6) {
				assessment.Categories = append(assessment.Categories,
					finhealth.CategoryScore{Category: string(rune('a' + i)), Score: scores[r.IntN(len(scores))]})
			}
			assessment.Score = scores[r.IntN(len(scores))]
		}

		ms := ComputeMetrics(snap, history, mapping, asOf)
		if len(ms) != len(metricDefs) {
			t.Fatalf("%d metrics", len(ms))
		}
		for _, m := range ms {
			if m.Value != nil && (math.IsNaN(*m.Value) || math.IsInf(*m.Value, 0)) {
				t.Fatalf("%s = %v", m.Name, *m.Value)
			}
			if m.Points != nil && (*m.Points < 0 || *m.Points > 100) {
				t.Fatalf("%s points %d", m.Name, *m.Points)
			}
			if m.Status == finhealth.MetricNotEnoughData && (m.Reason == "" || m.Value != nil || m.Points != nil) {
				t.Fatalf("%s: not enough data without a reason, or with a value: %+v", m.Name, m)
			}
			for _, in := range m.Inputs {
				if in.Value != nil && (math.IsNaN(*in.Value) || math.IsInf(*in.Value, 0)) {
					t.Fatalf("%s input %s = %v", m.Name, in.Name, *in.Value)
				}
			}
		}
		if _, err := json.Marshal(ms); err != nil {
			t.Fatal(err)
		}
		checkWeeks(t, ms)

		hs := CombinedHealth(ms, assessment, asOf)
		if _, err := json.Marshal(hs); err != nil {
			t.Fatal(err)
		}
		if hs.Score == nil {
			if hs.Status != finhealth.MetricNotEnoughData {
				t.Fatalf("no score, status %s", hs.Status)
			}
			return
		}
		if *hs.Score < 0 || *hs.Score > 100 || hs.Tier != Tier(*hs.Score) {
			t.Fatalf("score %v tier %s", *hs.Score, hs.Tier)
		}
		var sum float64
		for _, c := range hs.Components {
			sum += c.EffectiveWeight
			if c.Points != nil && (*c.Points < 0 || *c.Points > 100) {
				t.Fatalf("%s points %v", c.Name, *c.Points)
			}
		}
		if math.Abs(sum-1) > 1e-9 {
			t.Fatalf("effective weights sum to %v", sum)
		}
		if len(hs.Recommendations) == 0 || len(hs.Recommendations) > maxRecommendations {
			t.Fatalf("%d recommendations", len(hs.Recommendations))
		}
	})
}

// checkWeeks: a metric in weeks has its source's status and reason, and, when both
// have a value, the two agree within their roundings (half a tenth each, the
// source's scaled to weeks).
func checkWeeks(t *testing.T, ms []finhealth.MetricValue) {
	t.Helper()
	for _, w := range []struct {
		weeks, src string
		perWeek    float64 // source units in a week
	}{{MetricCashBufferWeeks, MetricCashBufferDays, 7}, {MetricRunwayWeeks, MetricRunwayMonths, 7 / daysPerMonth}} {
		wk, src := metricIn(ms, w.weeks), metricIn(ms, w.src)
		if wk.Status != src.Status || wk.Reason != src.Reason || (wk.Value == nil) != (src.Value == nil) {
			t.Fatalf("%s: %s %q %v; %s: %s %q %v", w.weeks, wk.Status, wk.Reason, deref(wk.Value), w.src, src.Status, src.Reason, deref(src.Value))
		}
		if wk.Value != nil && math.Abs(*wk.Value-*src.Value/w.perWeek) > 0.05+0.05/w.perWeek+1e-9*math.Abs(*wk.Value) {
			t.Fatalf("%s = %v but %s = %v", w.weeks, *wk.Value, w.src, *src.Value)
		}
	}
}
