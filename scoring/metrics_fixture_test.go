package scoring

import (
	"testing"
	"time"

	"finhealth"
)

// The fixture is a small bakery ("Maple & Rye", USD) whose every metric is worked out by
// hand in metrics_test.go and health_test.go. Amounts are in cents.

var bakeryAsOf = time.Date(2025, 6, 30, 15, 0, 0, 0, time.UTC)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func usd(minor int64) finhealth.Money {
	return finhealth.Money{Minor: minor, Currency: "USD", Exponent: 2}
}
func eur(minor int64) finhealth.Money {
	return finhealth.Money{Minor: minor, Currency: "EUR", Exponent: 2}
}

func account(id, name string, typ finhealth.AccountType, sub finhealth.AccountSubtypeValue, side finhealth.NormalBalance, bal finhealth.Money) finhealth.LedgerAccount {
	return finhealth.LedgerAccount{
		WaveID: id, Name: name, Type: typ, Subtype: sub, NormalBalance: side,
		Currency: bal.Currency, Balance: bal, AccountBalance: bal,
	}
}

func invoice(id, custID, custName string, st finhealth.InvoiceStatus, total, due int64, issued, dueDate time.Time) finhealth.Invoice {
	return finhealth.Invoice{
		WaveID: id, Number: id, CustomerWaveID: custID, CustomerName: custName, Status: st,
		Currency: "USD", ExchangeRate: "1", Total: usd(total), AmountDue: usd(due), AmountPaid: usd(total - due),
		InvoiceDate: issued, DueDate: dueDate,
	}
}

// bakeryAccounts are the balances on 30 June 2025.
func bakeryAccounts() []finhealth.LedgerAccount {
	A, L, E, I, X := finhealth.AccountAsset, finhealth.AccountLiability, finhealth.AccountEquity, finhealth.AccountIncome, finhealth.AccountExpense
	D, C := finhealth.NormalDebit, finhealth.NormalCredit
	return []finhealth.LedgerAccount{
		account("chk", "Checking", A, finhealth.SubtypeCashAndBank, D, usd(1_850_000)),
		account("sav", "Savings", A, finhealth.SubtypeCashAndBank, D, usd(200_000)),
		// A euro account whose balance reached us unconverted: it must be left out.
		account("eur", "Euro account", A, finhealth.SubtypeCashAndBank, D, eur(200_000)),
		account("stripe", "Stripe clearing", A, finhealth.SubtypeMoneyInTransit, D, usd(150_000)),
		account("ar", "Accounts receivable", A, finhealth.SubtypeReceivableInvoices, D, usd(900_000)),
		account("stock", "Inventory", A, finhealth.SubtypeInventory, D, usd(600_000)),
		account("prepaid", "Prepaid insurance", A, finhealth.SubtypeVendorPrepaymentsAndCredits, D, usd(50_000)),
		account("ovens", "Ovens and equipment", A, finhealth.SubtypePropertyPlantEquipment, D, usd(4_000_000)),
		account("dep", "Accumulated depreciation", A, finhealth.SubtypeDepreciationAndAmortization, C, usd(1_000_000)),
		// A subtype Wave may add tomorrow: tolerated, counted cautiously.
		account("crypto", "Crypto wallet", A, "DIGITAL_ASSETS", D, usd(70_000)),
		account("visa", "Business Visa", L, finhealth.SubtypeCreditCard, C, usd(420_000)),
		account("ap", "Accounts payable", L, finhealth.SubtypePayableBills, C, usd(780_000)),
		account("tax", "Sales tax", L, finhealth.SubtypeSalesTax, C, usd(130_000)),
		account("payroll", "Payroll liabilities", L, finhealth.SubtypeDueForPayroll, C, usd(270_000)),
		account("loan", "Bank loan", L, finhealth.SubtypeLoans, C, usd(2_500_000)),
		account("owner", "Owner loan", L, finhealth.SubtypeDueToYouAndOtherOwners, C, usd(500_000)),
		account("capital", "Owner investment", E, finhealth.SubtypeNonRetainedEarnings, C, usd(1_000_000)),
		account("retained", "Retained earnings", E, finhealth.SubtypeRetainedEarnings, C, usd(600_000)),
		account("sales", "Sales", I, finhealth.SubtypeIncome, C, usd(15_000_000)),
		account("disc", "Discounts", I, finhealth.SubtypeDiscounts, D, usd(200_000)),
		account("interest", "Interest income", I, finhealth.SubtypeOtherIncome, C, usd(30_000)),
		account("cogs", "Ingredients", X, finhealth.SubtypeCostOfGoodsSold, D, usd(6_000_000)),
		account("rent", "Rent", X, finhealth.SubtypeExpense, D, usd(1_800_000)),
		account("wages", "Wages", X, finhealth.SubtypePayrollExpenses, D, usd(4_500_000)),
		account("fees", "Card fees", X, finhealth.SubtypePaymentProcessingFees, D, usd(200_000)),
	}
}

// bakeryInvoices: six open invoices totalling 9,000.00 due (matching the receivable
// account), paid ones spread over two years, and the cases that must be left out.
func bakeryInvoices() []finhealth.Invoice {
	euro := finhealth.Invoice{
		WaveID: "e1", Number: "e1", CustomerWaveID: "cE", CustomerName: "Paris client", Status: finhealth.InvoicePaid,
		Currency: "EUR", ExchangeRate: "1.1", Total: eur(100_000), AmountDue: eur(0), AmountPaid: eur(100_000),
		InvoiceDate: day(2025, 6, 10), DueDate: day(2025, 7, 10),
	}
	euroNoRate := finhealth.Invoice{
		WaveID: "e2", Number: "e2", CustomerWaveID: "cE", CustomerName: "Paris client", Status: finhealth.InvoiceSent,
		Currency: "EUR", ExchangeRate: "", Total: eur(50_000), AmountDue: eur(50_000),
		InvoiceDate: day(2025, 6, 15), DueDate: day(2025, 7, 15),
	}
	return []finhealth.Invoice{
		// Open.
		invoice("i1", "cA", "Harbor Cafe", finhealth.InvoiceSent, 500_000, 500_000, day(2025, 6, 20), day(2025, 7, 20)),
		invoice("i5", "cB", "Northside Deli", finhealth.InvoiceUnpaid, 150_000, 150_000, day(2025, 6, 29), day(2025, 6, 30)),
		invoice("i2", "cB", "Northside Deli", finhealth.InvoicePartial, 300_000, 120_000, day(2025, 5, 16), day(2025, 6, 15)),
		invoice("i3", "cA", "Harbor Cafe", finhealth.InvoiceOverdue, 60_000, 60_000, day(2025, 4, 16), day(2025, 5, 16)),
		invoice("i6", "cD", "Lakeside Hotel", finhealth.InvoiceOverdue, 30_000, 30_000, day(2025, 3, 20), day(2025, 4, 19)),
		invoice("i4", "cC", "Green Grocer", finhealth.InvoiceViewed, 40_000, 40_000, day(2025, 3, 1), day(2025, 3, 31)),
		// Paid.
		invoice("p1", "cA", "Harbor Cafe", finhealth.InvoicePaid, 600_000, 0, day(2025, 6, 5), day(2025, 7, 5)),
		invoice("p2", "cB", "Northside Deli", finhealth.InvoicePaid, 700_000, 0, day(2025, 5, 10), day(2025, 6, 9)),
		invoice("p3", "cC", "Green Grocer", finhealth.InvoicePaid, 850_000, 0, day(2025, 4, 10), day(2025, 5, 10)),
		invoice("p4", "cA", "Harbor Cafe", finhealth.InvoicePaid, 1_400_000, 0, day(2025, 2, 15), day(2025, 3, 15)),
		invoice("p5", "cB", "Northside Deli", finhealth.InvoicePaid, 1_530_000, 0, day(2025, 1, 10), day(2025, 2, 10)),
		invoice("p6", "cD", "Lakeside Hotel", finhealth.InvoiceOverpaid, 3_000_000, 0, day(2024, 10, 15), day(2024, 11, 15)),
		invoice("p7", "cD", "Lakeside Hotel", finhealth.InvoicePaid, 8_760_000, 0, day(2023, 12, 1), day(2024, 1, 1)),
		invoice("p8", "cA", "Harbor Cafe", finhealth.InvoicePaid, 1_000_000, 0, day(2024, 3, 15), day(2024, 4, 15)),
		euro,
		euroNoRate,
		// Left out: not issued, unknown status, dated in the future, older than two years.
		invoice("d1", "cA", "Harbor Cafe", finhealth.InvoiceDraft, 99_900, 99_900, day(2025, 6, 25), day(2025, 7, 25)),
		invoice("s1", "cA", "Harbor Cafe", finhealth.InvoiceSaved, 88_800, 88_800, day(2025, 6, 26), day(2025, 7, 26)),
		invoice("x1", "cC", "Green Grocer", "VOIDED", 70_000, 70_000, day(2025, 6, 1), day(2025, 7, 1)),
		invoice("f1", "cC", "Green Grocer", finhealth.InvoicePaid, 10_000, 0, day(2025, 7, 5), day(2025, 8, 5)),
		invoice("old", "cD", "Lakeside Hotel", finhealth.InvoicePaid, 5_000_000, 0, day(2023, 1, 1), day(2023, 2, 1)),
	}
}

func bakeryCustomers() []finhealth.Customer {
	return []finhealth.Customer{
		{WaveID: "cA", Name: "Harbor Cafe", Outstanding: usd(560_000), Overdue: usd(60_000)},
		{WaveID: "cB", Name: "Northside Deli", Outstanding: usd(270_000), Overdue: usd(120_000)},
		{WaveID: "cC", Name: "Green Grocer", Outstanding: usd(40_000), Overdue: usd(40_000)},
		{WaveID: "cD", Name: "Lakeside Hotel", Outstanding: usd(30_000), Overdue: usd(30_000)},
		{WaveID: "cE", Name: "Paris client", Outstanding: eur(50_000), Overdue: eur(0)},
		{WaveID: "cF", Name: "Settled customer", Outstanding: usd(0), Overdue: usd(0)},
	}
}

func bakerySnapshot() finhealth.LedgerSnapshot {
	return finhealth.LedgerSnapshot{
		AsOf: bakeryAsOf, BusinessID: "biz", Currency: "USD", CurrencyExponent: 2,
		Accounts: bakeryAccounts(), Invoices: bakeryInvoices(), Customers: bakeryCustomers(),
	}
}

// bakeryHistory holds the base snapshot of 1 April 2025 (exactly 90 days earlier) and
// others that must not be chosen: too recent, further from 90 days, too old, and one
// in another currency.
func bakeryHistory() []finhealth.BalanceSnapshot {
	base := finhealth.BalanceSnapshot{
		AsOf: bakeryAsOf.AddDate(0, 0, -90), Currency: "USD", CurrencyExponent: 2,
		Balances: []finhealth.AccountBalance{
			{AccountID: "chk", Balance: usd(1_400_000)},
			{AccountID: "sav", Balance: usd(1_200_000)},
			{AccountID: "eur", Balance: eur(100_000)},
			// Borrowings unchanged since April: runway's burn is the fall in cash alone.
			{AccountID: "loan", Balance: usd(2_500_000)},
			{AccountID: "owner", Balance: usd(500_000)},
			{AccountID: "sales", Balance: usd(11_000_000)},
			{AccountID: "disc", Balance: usd(150_000)},
			{AccountID: "interest", Balance: usd(20_000)},
			{AccountID: "cogs", Balance: usd(4_400_000)},
			{AccountID: "rent", Balance: usd(1_350_000)},
			{AccountID: "wages", Balance: usd(3_000_000)},
			{AccountID: "fees", Balance: usd(150_000)},
			{AccountID: "closed", Balance: usd(9_999_999)}, // an account deleted since
		},
	}
	decoy := func(at time.Time, cur string) finhealth.BalanceSnapshot {
		return finhealth.BalanceSnapshot{AsOf: at, Currency: cur, CurrencyExponent: 2,
			Balances: []finhealth.AccountBalance{{AccountID: "sales", Balance: finhealth.Money{Minor: 1, Currency: cur, Exponent: 2}}}}
	}
	return []finhealth.BalanceSnapshot{
		decoy(bakeryAsOf.AddDate(0, 0, -10), "USD"),
		decoy(bakeryAsOf.AddDate(0, 0, -107), "USD"),
		base,
		decoy(bakeryAsOf.AddDate(0, 0, -85), "CAD"),
		decoy(bakeryAsOf.AddDate(-2, 0, 0), "USD"),
	}
}

// bakeryMapping is the bakery's mapping after its advisor's review: the bank loan is a
// five-year term loan, so it is moved from the default (current debt, flagged because
// Wave files lines of credit under LOANS too) to long-term debt.
// TestMetricsLoanDefault works out what the default alone gives.
func bakeryMapping(t testing.TB) finhealth.AccountMapping {
	t.Helper()
	m, err := ApplyOverrides(DefaultAccountMapping(bakeryAccounts(), nil), []finhealth.AccountOverride{{
		AccountID: "loan", Class: finhealth.ClassLongTermDebt, SetBy: "advisor-1", SetAt: day(2025, 1, 15), Note: "five-year term loan",
	}})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func metricNamed(t testing.TB, ms []finhealth.MetricValue, name string) finhealth.MetricValue {
	t.Helper()
	for _, m := range ms {
		if m.Name == name {
			return m
		}
	}
	t.Fatalf("no metric %q", name)
	return finhealth.MetricValue{}
}
