package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"finhealth"
	"finhealth/scoring"
)

// The metrics of LedgerSummary (invoices and customers summed by the database) must be
// exactly those of LedgerSnapshot (every invoice listed and added up by scoring): the
// per-invoice computation is the oracle.

// summaryAsOfs are the moments the books are read at: UTC midnight and the end of
// the day; and moments whose calendar day in their own zone is the day after (UTC+14)
// and the day before (UTC-12) the UTC one, which moves every aging and window
// boundary by a day, and in the latter case also makes LedgerSnapshot's instant-based
// two-year cut fall after the first day the windows count.
var summaryAsOfs = []time.Time{
	day,
	day.Add(24*time.Hour - time.Microsecond),
	day.Add(11 * time.Hour).In(time.FixedZone("UTC+14", 14*3600)),
	day.Add(10 * time.Hour).In(time.FixedZone("UTC-12", -12*3600)),
}

// boundaryAges are days back from day on and around every aging bucket and sales
// window boundary, for each of the three calendar days summaryAsOfs fall on.
var boundaryAges = func() []int {
	var out []int
	for _, b := range []int{0, 30, 60, 90, 180, 365, 730} {
		for d := -3; d <= 3; d++ {
			out = append(out, b+d)
		}
	}
	return out
}()

// timesOfDay are the times an invoice's dates are stored at: Wave's dates are
// midnight UTC, but the day, not the instant, is what counts.
var timesOfDay = []time.Duration{0, 0, 0, time.Microsecond, 12 * time.Hour, 24*time.Hour - time.Microsecond}

var summaryStatuses = []finhealth.InvoiceStatus{
	finhealth.InvoiceDraft, finhealth.InvoiceSaved, finhealth.InvoiceSent, finhealth.InvoiceViewed, finhealth.InvoiceUnpaid,
	finhealth.InvoicePartial, finhealth.InvoiceOverdue, finhealth.InvoicePaid, finhealth.InvoiceOverpaid,
	finhealth.InvoiceSent, finhealth.InvoiceOverdue, finhealth.InvoicePartial, "VOID", "",
}

// variedBooks makes a business's invoices and customers covering what the metrics
// distinguish: every status (and two unknown ones); due and invoice dates on and
// around every boundary, at several times of day, and none; amounts due and totals
// of zero, negative and positive; amounts in the home currency, in another exponent
// of it, in other currencies at good and unusable exchange rates, and with no
// currency of their own; customers whose invoices name them differently or not at
// all, customers tied on what they owe (ids ordered differently by bytes and by
// language), customers whose past-due invoices in other currencies rank them among
// the first; and more than a hundred open invoices in one aging bucket, many of
// equal amounts, so that which are listed depends on the tie-break by id.
func variedBooks(biz string, seed uint64) ([]finhealth.Invoice, []finhealth.Customer) {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	customers := []string{"Customer:a", "Customer:B", "Customer:c", "Customer:Ä", "Customer:10", "Customer:9",
		"Customer:x", "Customer:Y", "Customer:z", "Customer:é", "Customer:EUR-1", "Customer:EUR-2"}
	names := func(cust string) string {
		switch r.IntN(6) {
		case 0:
			return ""
		case 1:
			return "Other name of " + cust
		}
		return "Name of " + cust
	}
	type variant struct {
		cur, moneyCur, rate string
		exp                 int
	}
	variants := []variant{
		{"USD", "USD", "1", 2}, {"USD", "USD", "1", 2}, {"USD", "USD", "1", 2}, {"USD", "USD", "1", 2},
		{"USD", "USD", "1", 2}, {"USD", "USD", "1", 2}, {"USD", "USD", "1", 2}, {"USD", "USD", "1", 2},
		{"USD", "USD", "1", 3},         // the home currency with another exponent: cannot be added
		{"EUR", "EUR", "1.0825", 2},    // converted at its own rate
		{"EUR", "EUR", "1/3", 2},       // a fraction is a rate too
		{"JPY", "JPY", "0.0067125", 0}, // another exponent and a rate
		{"EUR", "EUR", "", 2},          // no usable rate
		{"EUR", "EUR", "abc", 2},       // no usable rate
		{"EUR", "EUR", "0", 2},         // no usable rate
		{"USD", "", "1", 2},            // amounts with no currency: the invoice's counts
		{"EUR", "", "1.1", 2},          // amounts with no currency: the invoice's counts
	}
	amount := func() int64 {
		switch r.IntN(10) {
		case 0:
			return 0
		case 1:
			return -r.Int64N(50_000)
		case 2:
			return 1
		}
		return r.Int64N(2_000_000)
	}
	date := func() time.Time {
		switch r.IntN(12) {
		case 0:
			return time.Time{}
		case 1, 2:
			return day.AddDate(0, 0, 5-r.IntN(1200)).Add(timesOfDay[r.IntN(len(timesOfDay))])
		}
		return day.AddDate(0, 0, -boundaryAges[r.IntN(len(boundaryAges))]).Add(timesOfDay[r.IntN(len(timesOfDay))])
	}
	var invoices []finhealth.Invoice
	add := func(inv finhealth.Invoice) {
		inv.BusinessWaveID, inv.Title, inv.Number = biz, "Services", fmt.Sprint(len(invoices)+1)
		invoices = append(invoices, inv)
	}
	for i := range 700 {
		v := variants[r.IntN(len(variants))]
		cust := customers[r.IntN(len(customers))]
		money := func(m int64) finhealth.Money { return finhealth.Money{Minor: m, Currency: v.moneyCur, Exponent: v.exp} }
		total, due := amount(), amount()
		if v.moneyCur == "" { // only amounts of zero may lack a currency beside others that have one
			total, due = max(total, 0), max(due, 0)
		}
		inv := finhealth.Invoice{
			WaveID:         fmt.Sprintf("Invoice:%04d", r.IntN(1_000_000)) + string(rune('a'+i%26)) + fmt.Sprint(i),
			CustomerWaveID: cust, CustomerName: names(cust), Status: summaryStatuses[r.IntN(len(summaryStatuses))],
			Currency: v.cur, ExchangeRate: v.rate, Total: money(total), AmountDue: money(due),
			AmountPaid: money(max(total-due, 0)), TaxTotal: money(total / 11),
			InvoiceDate: date(), DueDate: date(), LastSentVia: "WAVE",
		}
		add(inv)
	}
	// The three customers owing most past due: two well ahead, and two tied for
	// third; "Tied:B" sorts before "Tied:a" by bytes and after it in English.
	for i, owed := range []struct {
		cust   string
		amount int64
	}{{"Big:1", 80_000_000}, {"Big:2", 70_000_000}, {"Tied:a", 60_000_000}, {"Tied:B", 60_000_000}} {
		add(finhealth.Invoice{WaveID: fmt.Sprintf("Invoice:big-%d", i), CustomerWaveID: owed.cust, CustomerName: "Name of " + owed.cust,
			Status: finhealth.InvoiceSent, Currency: "USD", ExchangeRate: "1", Total: usd(owed.amount), AmountDue: usd(owed.amount),
			InvoiceDate: day.AddDate(0, 0, -50), DueDate: day.AddDate(0, 0, -20)})
	}
	// A hundred and fifty open invoices more than 90 days past due with three amounts
	// between them, ids in no particular order.
	for i := range 150 {
		id := fmt.Sprintf("Invoice:old-%c%03d", "zAaé"[i%4:][0], r.IntN(1000))
		add(finhealth.Invoice{WaveID: id + fmt.Sprint(i), CustomerWaveID: customers[i%len(customers)], CustomerName: "",
			Status: finhealth.InvoiceOverdue, Currency: "USD", ExchangeRate: "1", Total: usd(700_000), AmountDue: usd(int64(500_000 + 100_000*(i%3))),
			InvoiceDate: day.AddDate(-1, 0, -i), DueDate: day.AddDate(-1, 1, -i)})
	}

	var custs []finhealth.Customer
	for i, id := range customers {
		c := finhealth.Customer{WaveID: id, BusinessWaveID: biz, Name: "Name of " + id, Currency: "USD",
			Outstanding: usd(int64(i) * 12_345), Overdue: usd(int64(i%4) * 1_000)}
		switch i % 6 {
		case 1:
			c.Outstanding, c.Overdue = usd(0), usd(0)
		case 4:
			c.Outstanding = usd(0)
		case 2:
			c.Outstanding = finhealth.Money{Minor: 9_999, Currency: "EUR", Exponent: 2}
			c.Overdue = finhealth.Money{Minor: 99, Currency: "EUR", Exponent: 2}
		case 3:
			c.Outstanding, c.Overdue = usd(-4_000), usd(0)
		}
		custs = append(custs, c)
	}
	return invoices, custs
}

// summaryAccounts are a few accounts, so that the balance-sheet metrics have values
// beside the invoice ones.
func summaryAccounts(biz string) []finhealth.LedgerAccount {
	accounts := []finhealth.LedgerAccount{ledgerAccount(biz, 1, 5_000_000), ledgerAccount(biz, 2, 3_000_000)}
	accounts[1].Subtype, accounts[1].Type = finhealth.SubtypeReceivableInvoices, finhealth.AccountAsset
	card := ledgerAccount(biz, 3, 2_000_000)
	card.Type, card.Subtype, card.NormalBalance = finhealth.AccountLiability, finhealth.SubtypeCreditCard, finhealth.NormalCredit
	return append(accounts, card)
}

// Whether LedgerSummary is to sum the invoices and the customers.
const (
	invoicesSummed = 1 << iota
	customersSummed
	bothSummed = invoicesSummed | customersSummed
)

// wantSameMetrics reads the books both ways at asOf and compares what scoring makes of
// them: every metric with its inputs, listed invoices, notes and points, and the score.
func wantSameMetrics(t *testing.T, s warehouseStore, orgID string, asOf time.Time, summed int) map[string]finhealth.MetricValue {
	t.Helper()
	ctx := context.Background()
	listed, err := s.LedgerSnapshot(ctx, orgID, asOf)
	must(t, err)
	summary, err := s.LedgerSummary(ctx, orgID, asOf)
	must(t, err)
	if got := summary.InvoiceSummary != nil && len(summary.Invoices) == 0; got != (summed&invoicesSummed != 0) {
		t.Fatalf("as of %s: invoices summed = %v, want %v (%d listed)", asOf, got, !got, len(summary.Invoices))
	}
	if got := summary.CustomerTotals != nil && len(summary.Customers) == 0; got != (summed&customersSummed != 0) {
		t.Fatalf("as of %s: customers summed = %v, want %v (%d listed)", asOf, got, !got, len(summary.Customers))
	}
	wantEqual(t, "accounts", summary.Accounts, listed.Accounts)
	mapping := scoring.DefaultAccountMapping(listed.Accounts, nil)
	want := scoring.ComputeMetrics(*listed, nil, mapping, asOf)
	got := scoring.ComputeMetrics(*summary, nil, mapping, asOf)
	if !reflect.DeepEqual(got, want) {
		for i := range want {
			if i < len(got) && !reflect.DeepEqual(got[i], want[i]) {
				g, _ := json.MarshalIndent(got[i], "", " ")
				w, _ := json.MarshalIndent(want[i], "", " ")
				t.Errorf("as of %s, metric %s:\n got %s\nwant %s", asOf, want[i].Name, g, w)
			}
		}
		t.FailNow()
	}
	wantEqual(t, "health score", scoring.CombinedHealth(got, nil, asOf), scoring.CombinedHealth(want, nil, asOf))
	byName := map[string]finhealth.MetricValue{}
	for _, m := range got {
		byName[m.Name] = m
	}
	return byName
}

// overdueCustomers are the labels of the customers an overdue share names.
func overdueCustomers(m finhealth.MetricValue) []string {
	var out []string
	for _, in := range m.Inputs {
		if strings.HasPrefix(in.Name, "overdue_customer_") {
			out = append(out, in.Label)
		}
	}
	return out
}

// storeVariedBooks registers an organization and stores summaryAccounts and the
// variedBooks of seed as its books. It returns the owner's context, the
// organization, its business and the books.
func storeVariedBooks(t *testing.T, s warehouseStore, seed uint64) (context.Context, *finhealth.Organization, string, []finhealth.Invoice, []finhealth.Customer) {
	t.Helper()
	owner, org := register(t, s, "owner@example.com")
	ctx := actorCtx(owner)
	biz := connect(t, s, owner, org.ID).BusinessID
	invoices, customers := variedBooks(biz, seed)
	_, err := s.UpsertAccounts(ctx, org.ID, summaryAccounts(biz))
	must(t, err)
	upsertPages(t, invoices, 250, func(p []finhealth.Invoice) (int, error) { return s.UpsertInvoices(ctx, org.ID, p) })
	_, err = s.UpsertCustomers(ctx, org.ID, customers)
	must(t, err)
	return ctx, org, biz, invoices, customers
}

func testLedgerSummaryMatchesInvoices(t *testing.T, s warehouseStore) {
	ctx, org, biz, invoices, _ := storeVariedBooks(t, s, 1)

	for _, asOf := range summaryAsOfs {
		metrics := wantSameMetrics(t, s, org.ID, asOf, bothSummed)
		// The books cover what they should, or the comparison proves little.
		over90 := metrics[scoring.MetricAgingOver90]
		overdue := metrics[scoring.MetricOverdueShare]
		if over90.Money == nil || len(over90.Inputs[0].Invoices) != 100 || over90.Inputs[0].InvoiceCount <= 100 ||
			overdue.Value == nil || len(overdue.Notes) != 3 ||
			metrics[scoring.MetricRevenueGrowth30d].Value == nil || metrics[scoring.MetricDSO].Value == nil {
			t.Fatalf("as of %s the books miss a case:\n%+v\n%+v", asOf, over90, overdue)
		}
		wantEqual(t, "customers owing most", overdueCustomers(overdue), []string{"Name of Big:1", "Name of Big:2", "Name of Tied:B"})
	}

	// Past-due invoices in euros that put two customers first, beside what they owe
	// in dollars.
	eur := func(m int64) finhealth.Money { return finhealth.Money{Minor: m, Currency: "EUR", Exponent: 2} }
	for i, cust := range []string{"Customer:EUR-1", "Customer:EUR-2"} {
		_, err := s.UpsertInvoices(ctx, org.ID, []finhealth.Invoice{{WaveID: fmt.Sprintf("Invoice:eur-%d", i), BusinessWaveID: biz,
			CustomerWaveID: cust, CustomerName: "Euro " + cust, Status: finhealth.InvoiceOverdue, Currency: "EUR", ExchangeRate: "1.25",
			Total: eur(90_000_000), AmountDue: eur(80_000_000 + int64(i)), InvoiceDate: day.AddDate(0, 0, -100), DueDate: day.AddDate(0, 0, -70)}})
		must(t, err)
	}
	for _, asOf := range summaryAsOfs {
		overdue := wantSameMetrics(t, s, org.ID, asOf, bothSummed)[scoring.MetricOverdueShare]
		if got := overdueCustomers(overdue); len(got) != 3 || got[2] != "Name of Big:1" {
			t.Fatalf("as of %s the customers owing most are %q", asOf, got)
		}
	}

	// A business selling in euros as much as in dollars: a third of the invoices
	// again, in euros, converted one by one.
	var foreign []finhealth.Invoice
	for i, inv := range invoices {
		if i%3 == 0 && inv.Status.IsKnown() {
			inv.WaveID += "-eur"
			inv.Currency, inv.ExchangeRate = "EUR", "1.1"
			inv.Total, inv.AmountDue, inv.AmountPaid, inv.TaxTotal = eur(inv.Total.Minor), eur(inv.AmountDue.Minor), eur(inv.AmountPaid.Minor), eur(inv.TaxTotal.Minor)
			foreign = append(foreign, inv)
		}
	}
	_, err := s.UpsertInvoices(ctx, org.ID, foreign)
	must(t, err)
	for _, asOf := range summaryAsOfs {
		wantSameMetrics(t, s, org.ID, asOf, bothSummed)
	}

	// Classic invoicing: no invoices, and the overdue share from the customers' totals.
	b := business(biz)
	b.IsClassicInvoicing = true
	_, err = s.ChooseWaveBusiness(ctx, org.ID, b)
	must(t, err)
	for _, asOf := range summaryAsOfs {
		if m := wantSameMetrics(t, s, org.ID, asOf, customersSummed)[scoring.MetricOverdueShare]; m.Value == nil || len(m.Notes) != 1 {
			t.Fatalf("as of %s the overdue share from customers is %+v", asOf, m)
		}
	}
}

// testLedgerSummaryAfterChanges changes stored books every way a sync does (invoices
// rewritten with new statuses, amounts, dates and currencies; invoices pruned; the
// business's rows dropped for another business and read again): the database keeps
// its sums per day as the invoices change, and they must follow every change. A sum
// that missed one would count an invoice twice, or one that is gone.
func testLedgerSummaryAfterChanges(t *testing.T, s warehouseStore) {
	ctx, org, biz, invoices, customers := storeVariedBooks(t, s, 3)
	upsert := func(invoices []finhealth.Invoice) {
		t.Helper()
		upsertPages(t, invoices, 250, func(p []finhealth.Invoice) (int, error) { return s.UpsertInvoices(ctx, org.ID, p) })
	}
	same := func(step string) {
		t.Helper()
		for _, asOf := range summaryAsOfs {
			if open := wantSameMetrics(t, s, org.ID, asOf, bothSummed)[scoring.MetricAgingOver90]; open.Money == nil {
				t.Fatalf("%s, as of %s: no invoices past due, so the comparison proves little", step, asOf)
			}
		}
	}
	same("stored")

	// Each invoice takes another's contents under its own id: most change status,
	// amounts, dates or currency, and some change nothing.
	rewritten := make([]finhealth.Invoice, len(invoices))
	for i := range invoices {
		rewritten[i] = invoices[(i*7+3)%len(invoices)]
		rewritten[i].WaveID = invoices[i].WaveID
	}
	upsert(rewritten)
	same("rewritten")

	// A full read that found every other invoice: the rest are pruned.
	readStart := clockOf(t, s).Advance(time.Second)
	var kept []finhealth.Invoice
	for i := 0; i < len(rewritten); i += 2 {
		kept = append(kept, rewritten[i])
	}
	upsert(kept)
	n, err := s.PruneUnseen(ctx, org.ID, finhealth.EntityInvoices, readStart)
	must(t, err)
	if n != len(rewritten)-len(kept) {
		t.Fatalf("pruned %d invoices, want %d", n, len(rewritten)-len(kept))
	}
	same("pruned")

	// Another business, then back: the invoices were dropped and are read again.
	_, err = s.ChooseWaveBusiness(ctx, org.ID, business("biz-other"))
	must(t, err)
	_, err = s.ChooseWaveBusiness(ctx, org.ID, business(biz))
	must(t, err)
	_, err = s.UpsertAccounts(ctx, org.ID, summaryAccounts(biz))
	must(t, err)
	_, err = s.UpsertCustomers(ctx, org.ID, customers)
	must(t, err)
	upsert(invoices)
	same("read again")

	// A business that leaves old invoices unpaid: most open invoices are over 90 days
	// past due, where the largest are read in order of amount (few amounts between
	// them, so the tie-break by id decides which are listed).
	var old []finhealth.Invoice
	for i := range 600 {
		old = append(old, finhealth.Invoice{WaveID: fmt.Sprintf("Invoice:unpaid-%c%d", "zAaé"[i%4:][0], 997*i%600),
			BusinessWaveID: biz, CustomerWaveID: customers[i%len(customers)].WaveID, Status: finhealth.InvoiceOverdue,
			Currency: "USD", ExchangeRate: "1", Total: usd(900_000), AmountDue: usd(int64(800_000 + 100_000*(i%3))),
			InvoiceDate: day.AddDate(-2, 0, i), DueDate: day.AddDate(-2, 1, i)})
	}
	upsert(old)
	same("mostly unpaid")
}

// testLedgerSummaryPaidUp reads books with nothing owed: invoiced sales with no open
// invoice, then none in the last year either.
func testLedgerSummaryPaidUp(t *testing.T, s warehouseStore) {
	owner, org := register(t, s, "owner@example.com")
	ctx := actorCtx(owner)
	biz := connect(t, s, owner, org.ID).BusinessID
	wantSameMetrics(t, s, org.ID, day, bothSummed) // no invoices, no customers at all
	paid := func(id string, age int, status finhealth.InvoiceStatus) finhealth.Invoice {
		return finhealth.Invoice{WaveID: id, BusinessWaveID: biz, CustomerWaveID: "C", Status: status, Currency: "USD", ExchangeRate: "1",
			Total: usd(5000), AmountDue: usd(0), AmountPaid: usd(5000), InvoiceDate: day.AddDate(0, 0, -age), DueDate: day.AddDate(0, 0, 30-age)}
	}
	_, err := s.UpsertInvoices(ctx, org.ID, []finhealth.Invoice{paid("I:1", 400, finhealth.InvoicePaid), paid("I:2", 100, finhealth.InvoicePaid),
		paid("I:3", 5, finhealth.InvoiceDraft)})
	must(t, err)
	for _, asOf := range summaryAsOfs {
		if m := wantSameMetrics(t, s, org.ID, asOf, bothSummed)[scoring.MetricOverdueShare]; m.Band != "nothing_outstanding" {
			t.Fatalf("as of %s, overdue share %+v", asOf, m)
		}
	}
	_, err = s.UpsertInvoices(ctx, org.ID, []finhealth.Invoice{paid("I:2", 500, finhealth.InvoiceOverpaid)})
	must(t, err)
	for _, asOf := range summaryAsOfs {
		if m := wantSameMetrics(t, s, org.ID, asOf, bothSummed)[scoring.MetricOverdueShare]; m.Status != finhealth.MetricNotEnoughData {
			t.Fatalf("as of %s, overdue share %+v", asOf, m)
		}
	}
}

// testLedgerSummaryTooLarge stores amounts that could overflow an int64 when added in
// some order: the summary lists them instead, and the metrics still match (a list is
// added up in id order, where an overflow leaves out the invoice that caused it).
func testLedgerSummaryTooLarge(t *testing.T, s warehouseStore) {
	owner, org := register(t, s, "owner@example.com")
	ctx := actorCtx(owner)
	biz := connect(t, s, owner, org.ID).BusinessID
	_, err := s.UpsertAccounts(ctx, org.ID, summaryAccounts(biz))
	must(t, err)
	invoice := func(id string, status finhealth.InvoiceStatus, total, due finhealth.Money, dueAge int) finhealth.Invoice {
		return finhealth.Invoice{WaveID: id, BusinessWaveID: biz, CustomerWaveID: "C", Status: status, Currency: total.Currency,
			ExchangeRate: "1.5", Total: total, AmountDue: due, InvoiceDate: day.AddDate(0, 0, -10), DueDate: day.AddDate(0, 0, -dueAge)}
	}
	eur := func(m int64) finhealth.Money { return finhealth.Money{Minor: m, Currency: "EUR", Exponent: 2} }
	upsert := func(invoices ...finhealth.Invoice) {
		t.Helper()
		_, err := s.UpsertInvoices(ctx, org.ID, invoices)
		must(t, err)
	}
	upsertCustomers := func(outstanding, overdue int64) {
		t.Helper()
		_, err := s.UpsertCustomers(ctx, org.ID, []finhealth.Customer{
			{WaveID: "C", BusinessWaveID: biz, Name: "C", Outstanding: usd(outstanding), Overdue: usd(1)},
			{WaveID: "D", BusinessWaveID: biz, Name: "D", Outstanding: usd(outstanding), Overdue: usd(overdue)},
		})
		must(t, err)
	}

	// Sales whose sum fits, but not every partial sum: in id order the second
	// overflows and is left out.
	upsert(invoice("I:1", finhealth.InvoicePaid, usd(math.MaxInt64), usd(0), 0), invoice("I:2", finhealth.InvoicePaid, usd(1), usd(0), 0),
		invoice("I:3", finhealth.InvoicePaid, usd(-10), usd(0), 0))
	upsertCustomers(5, 1)
	for _, asOf := range summaryAsOfs {
		wantSameMetrics(t, s, org.ID, asOf, customersSummed)
	}
	// Likewise where the amounts' low 32 bits, which a loose bound would ignore, make
	// the difference: in id order the fourth overflows, in date order none does.
	sold := func(id string, total int64, age int) finhealth.Invoice {
		inv := invoice(id, finhealth.InvoicePaid, usd(total), usd(0), 0)
		inv.InvoiceDate = day.AddDate(0, 0, -age)
		return inv
	}
	upsert(sold("I:1", math.MaxInt64-1<<33+4, 10), sold("I:2", 1<<32-1, 9), sold("I:3", 1<<32-1, 7), sold("I:4", -1<<32, 8))
	for _, asOf := range summaryAsOfs {
		wantSameMetrics(t, s, org.ID, asOf, customersSummed)
	}
	// Customers' balances likewise.
	upsertCustomers(math.MaxInt64, math.MinInt64)
	for _, asOf := range summaryAsOfs {
		wantSameMetrics(t, s, org.ID, asOf, 0)
	}

	// Amounts due in dollars whose sum overflows.
	upsert(invoice("I:1", finhealth.InvoiceSent, usd(1), usd(math.MaxInt64/2+1), 5), invoice("I:2", finhealth.InvoiceOverdue, usd(1), usd(math.MaxInt64/2+1), 50),
		invoice("I:3", finhealth.InvoiceSent, usd(1000), usd(1000), 5))
	upsertCustomers(7, 1)
	for _, asOf := range summaryAsOfs {
		wantSameMetrics(t, s, org.ID, asOf, customersSummed)
	}
	// Amounts due in euros converted to more than an int64 holds beside dollars: the
	// euros are within what the database sums, the conversion is not.
	upsert(invoice("I:1", finhealth.InvoiceSent, usd(1), usd(1<<39), 5), invoice("I:2", finhealth.InvoiceOverdue, eur(1), eur(1<<39), 50),
		invoice("I:3", finhealth.InvoiceOverdue, eur(1), eur(1<<39), 50))
	overflowing := []finhealth.Invoice{}
	for _, id := range []string{"I:2", "I:3"} {
		inv := invoice(id, finhealth.InvoiceOverdue, eur(1), eur(1<<39), 50)
		inv.ExchangeRate = "9000000" // 2^39 euro cents are 4.9 x 10^18 dollar cents; two overflow
		overflowing = append(overflowing, inv)
	}
	upsert(overflowing...)
	for _, asOf := range summaryAsOfs {
		wantSameMetrics(t, s, org.ID, asOf, customersSummed)
	}
	// Sales in euros likewise.
	for i := range overflowing {
		overflowing[i].Total, overflowing[i].AmountDue = eur(1<<39), eur(0)
	}
	upsert(append(overflowing, invoice("I:1", finhealth.InvoicePaid, usd(1<<39), usd(0), 5))...)
	for _, asOf := range summaryAsOfs {
		wantSameMetrics(t, s, org.ID, asOf, customersSummed)
	}
	// Sales in dollars within what the database sums, beside euros converted to
	// almost the most an int64 holds, and a credit: in id order the euros overflow,
	// in the order of the sums they do not.
	rebate := sold("I:3", -1<<40, 20)
	converted := invoice("I:2", finhealth.InvoicePaid, eur(1<<39), eur(0), 0)
	converted.ExchangeRate = "16777215" // 2^39 x (2^24 - 1) = 2^63 - 2^39
	upsert(sold("I:1", 1<<40, 10), converted, rebate)
	for _, asOf := range summaryAsOfs {
		wantSameMetrics(t, s, org.ID, asOf, customersSummed)
	}
	// And back to amounts that fit: summed again.
	upsert(invoice("I:1", finhealth.InvoiceSent, usd(1), usd(10), 5), invoice("I:2", finhealth.InvoiceOverdue, eur(1), eur(20), 50),
		invoice("I:3", finhealth.InvoiceOverdue, eur(1), eur(30), 50))
	for _, asOf := range summaryAsOfs {
		wantSameMetrics(t, s, org.ID, asOf, bothSummed)
	}
}
