package scoring

import (
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"finhealth"
)

// largeBusiness is the size issue 3 sets for the metrics budget: 300 accounts, 50,000
// invoices over two years, 5,000 customers and a year of daily balance snapshots.
func largeBusiness() (finhealth.LedgerSnapshot, []finhealth.BalanceSnapshot) {
	r := rand.New(rand.NewPCG(42, 7))
	asOf := bakeryAsOf
	snap := finhealth.LedgerSnapshot{AsOf: asOf, Currency: "USD", CurrencyExponent: 2}
	plan := []struct {
		typ  finhealth.AccountType
		sub  finhealth.AccountSubtypeValue
		side finhealth.NormalBalance
	}{
		{finhealth.AccountAsset, finhealth.SubtypeCashAndBank, finhealth.NormalDebit},
		{finhealth.AccountAsset, finhealth.SubtypeReceivableInvoices, finhealth.NormalDebit},
		{finhealth.AccountAsset, finhealth.SubtypeInventory, finhealth.NormalDebit},
		{finhealth.AccountAsset, finhealth.SubtypePropertyPlantEquipment, finhealth.NormalDebit},
		{finhealth.AccountLiability, finhealth.SubtypeCreditCard, finhealth.NormalCredit},
		{finhealth.AccountLiability, finhealth.SubtypePayableBills, finhealth.NormalCredit},
		{finhealth.AccountLiability, finhealth.SubtypeLoans, finhealth.NormalCredit},
		{finhealth.AccountEquity, finhealth.SubtypeRetainedEarnings, finhealth.NormalCredit},
		{finhealth.AccountIncome, finhealth.SubtypeIncome, finhealth.NormalCredit},
		{finhealth.AccountExpense, finhealth.SubtypeCostOfGoodsSold, finhealth.NormalDebit},
		{finhealth.AccountExpense, finhealth.SubtypeExpense, finhealth.NormalDebit},
		{finhealth.AccountExpense, finhealth.SubtypePayrollExpenses, finhealth.NormalDebit},
	}
	for i := range 300 {
		p := plan[i%len(plan)]
		snap.Accounts = append(snap.Accounts, account("acct-"+strconv.Itoa(i), "Account "+strconv.Itoa(i), p.typ, p.sub, p.side,
			usd(r.Int64N(50_000_000))))
	}
	// Interest is found by name, so one expense account is named for it.
	snap.Accounts = append(snap.Accounts, account("acct-interest", "Loan interest", finhealth.AccountExpense,
		finhealth.SubtypeExpense, finhealth.NormalDebit, usd(r.Int64N(5_000_000))))
	statuses := []finhealth.InvoiceStatus{finhealth.InvoicePaid, finhealth.InvoicePaid, finhealth.InvoicePaid,
		finhealth.InvoiceSent, finhealth.InvoiceOverdue, finhealth.InvoicePartial, finhealth.InvoiceDraft}
	for i := range 50_000 {
		issued := day(2025, 6, 30).AddDate(0, 0, -r.IntN(730))
		st := statuses[r.IntN(len(statuses))]
		total := 10_000 + r.Int64N(500_000)
		due := int64(0)
		if st.IsReceivable() {
			due = total / 2
		}
		c := r.IntN(5000)
		inv := invoice("inv-"+strconv.Itoa(i), "cust-"+strconv.Itoa(c), "Customer "+strconv.Itoa(c), st, total, due, issued, issued.AddDate(0, 0, 30))
		if i%100 == 0 {
			inv.Currency, inv.ExchangeRate, inv.Total, inv.AmountDue = "EUR", "1.0843", eur(total), eur(due)
		}
		snap.Invoices = append(snap.Invoices, inv)
	}
	for i := range 5000 {
		snap.Customers = append(snap.Customers, finhealth.Customer{WaveID: "cust-" + strconv.Itoa(i),
			Outstanding: usd(r.Int64N(1_000_000)), Overdue: usd(r.Int64N(100_000))})
	}
	history := make([]finhealth.BalanceSnapshot, 0, 365)
	for d := 365; d >= 1; d-- {
		h := finhealth.BalanceSnapshot{AsOf: asOf.Add(-time.Duration(d) * 24 * time.Hour), Currency: "USD", CurrencyExponent: 2,
			Balances: make([]finhealth.AccountBalance, len(snap.Accounts))}
		for i, a := range snap.Accounts {
			h.Balances[i] = finhealth.AccountBalance{AccountID: a.WaveID, Balance: usd(a.Balance.Minor - int64(d)*1000)}
		}
		history = append(history, h)
	}
	return snap, history
}

// BenchmarkMetricsAndScore is the recomputation issue 3 budgets at under one second:
// the mapping, every metric and the combined score for a large business.
func BenchmarkMetricsAndScore(b *testing.B) {
	snap, history := largeBusiness()
	q := v1(b)
	a, err := Score(q, answersFor(b, q, mixedAnswers))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		m := DefaultAccountMapping(snap.Accounts, nil)
		ms := ComputeMetrics(snap, history, m, bakeryAsOf)
		hs := CombinedHealth(ms, a, bakeryAsOf)
		if hs.Score == nil {
			b.Fatal("no score")
		}
	}
}

// The large business must score like any other: every metric computed.
func TestLargeBusiness(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 50,000 invoices")
	}
	snap, history := largeBusiness()
	ms := ComputeMetrics(snap, history, DefaultAccountMapping(snap.Accounts, nil), bakeryAsOf)
	for _, m := range ms {
		if m.Status != finhealth.MetricOK {
			t.Errorf("%s: %s", m.Name, m.Reason)
		}
	}
	od := metricNamed(t, ms, MetricOverdueShare)
	if in := inputNamed(t, od, "open"); len(in.Invoices) != maxListed || in.InvoiceCount <= maxListed {
		t.Errorf("open invoices listed %d of %d", len(in.Invoices), in.InvoiceCount)
	}
}
