package scoring

import (
	"cmp"
	"encoding/json"
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"finhealth"
)

// summarize sums invoices as a store does for LedgerSummary (store/warehouse_summary.go)
// from the invoices LedgerSnapshot would list, in id order: a model of the store in
// Go, so that scoring's side is checked on far more books than a database test can
// store. It returns nil where the store lists the invoices instead.
func summarize(invoices []finhealth.Invoice, cur string, exp int, asOf time.Time) *finhealth.InvoiceSummary {
	cuts := InvoiceSummaryBounds(asOf)
	s := &finhealth.InvoiceSummary{Day: cuts.Day, IssuedFrom: cuts.IssuedFrom}
	type key struct {
		at       int64
		none     bool
		cur      string
		exponent int
	}
	type group struct {
		date   time.Time
		sum    big.Int
		count  int
		maxAbs uint64
	}
	open, issued := map[key]*group{}, map[key]*group{}
	add := func(groups map[key]*group, date time.Time, cur string, exp int, v int64) {
		k := key{date.UnixMicro(), date.IsZero(), cur, exp}
		g := groups[k]
		if g == nil {
			g = &group{date: date}
			groups[k] = g
		}
		g.sum.Add(&g.sum, big.NewInt(v))
		g.count++
		g.maxAbs = max(g.maxAbs, magnitude(v))
	}
	var candidates [numBuckets][]*finhealth.Invoice
	owedBy := map[string]*big.Int{}
	names := map[string]*finhealth.Invoice{}
	elsewhere := map[string]bool{}
	var openTotal big.Int
	for i := range invoices {
		inv := &invoices[i]
		st := inv.Status
		if !st.IsKnown() {
			s.Unknown++
			continue
		}
		c, e := inv.AmountDue.Currency, inv.AmountDue.Exponent
		if c == "" {
			c = inv.Currency
		}
		home := c == cur && e == exp
		owed := st.IsReceivable() && inv.AmountDue.Minor > 0
		sold := st != finhealth.InvoiceDraft && st != finhealth.InvoiceSaved && !inv.InvoiceDate.IsZero() && !inv.InvoiceDate.Before(cuts.IssuedFrom)
		if owed {
			add(open, inv.DueDate, c, e, inv.AmountDue.Minor)
		}
		if sold {
			add(issued, inv.InvoiceDate, c, e, inv.Total.Minor)
		}
		if !home {
			if owed || sold {
				s.Others = append(s.Others, *inv)
			}
			if owed && inv.DaysPastDue(asOf) > 0 {
				elsewhere[inv.CustomerWaveID] = true
			}
			continue
		}
		if !owed {
			continue
		}
		openTotal.Add(&openTotal, big.NewInt(inv.AmountDue.Minor))
		b := cuts.AgingBucket(inv.DueDate)
		candidates[b] = append(candidates[b], inv)
		if !inv.DueDate.IsZero() && inv.DueDate.Before(cuts.Aging[0]) {
			id := inv.CustomerWaveID
			if owedBy[id] == nil {
				owedBy[id] = new(big.Int)
			}
			owedBy[id].Add(owedBy[id], big.NewInt(inv.AmountDue.Minor))
			if inv.CustomerName != "" && (names[id] == nil || inv.WaveID < names[id].WaveID) {
				names[id] = inv
			}
		}
	}
	for _, list := range []struct {
		groups map[key]*group
		into   *[]finhealth.InvoiceSum
	}{{open, &s.Open}, {issued, &s.Issued}} {
		for k, g := range list.groups {
			if !g.sum.IsInt64() {
				return nil
			}
			*list.into = append(*list.into, finhealth.InvoiceSum{Date: g.date, Currency: k.cur, Exponent: k.exponent,
				Amount: g.sum.Int64(), Count: g.count, MaxAbs: g.maxAbs})
		}
	}
	if !openTotal.IsInt64() {
		return nil
	}
	for _, list := range candidates {
		slices.SortFunc(list, func(a, b *finhealth.Invoice) int {
			if r := cmp.Compare(b.AmountDue.Minor, a.AmountDue.Minor); r != 0 {
				return r
			}
			return cmp.Compare(a.WaveID, b.WaveID)
		})
		for _, inv := range list[:min(len(list), cuts.Listed)] {
			s.Largest = append(s.Largest, *inv)
		}
	}
	var ranked []string
	for id := range owedBy {
		ranked = append(ranked, id)
	}
	slices.SortFunc(ranked, func(a, b string) int {
		if r := owedBy[b].Cmp(owedBy[a]); r != 0 {
			return r
		}
		return cmp.Compare(a, b)
	})
	for i, id := range ranked {
		if i < cuts.Customers || elsewhere[id] {
			co := finhealth.CustomerOverdue{CustomerWaveID: id, Amount: owedBy[id].Int64()}
			if n := names[id]; n != nil {
				co.Name, co.NameInvoice = n.CustomerName, n.WaveID
			}
			s.OverdueCustomers = append(s.OverdueCustomers, co)
		}
	}
	return s
}

// storedInvoices are random invoices as a store returns them: in id order, the four
// amounts of each in one currency, dates at microseconds in UTC, and only those
// LedgerSnapshot lists (open, or dated within two years of asOf).
func storedInvoices(r *rand.Rand, n int, amount func() int64, asOf time.Time) []finhealth.Invoice {
	rates := []string{"1", "1.1", "1/3", "", "abc", "0", "-2", "0.0001", "250"}
	type variant struct {
		cur, moneyCur string
		exp           int
	}
	variants := []variant{{"USD", "USD", 2}, {"USD", "USD", 2}, {"USD", "USD", 2}, {"USD", "USD", 2}, {"USD", "USD", 3},
		{"EUR", "EUR", 2}, {"JPY", "JPY", 0}, {"USD", "", 2}, {"EUR", "", 2}, {"", "", 2}}
	base := time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)
	date := func() time.Time {
		switch r.IntN(10) {
		case 0:
			return time.Time{}
		case 1:
			return base.AddDate(0, 0, []int{0, 30, 60, 90, 180, 365, 730}[r.IntN(7)]*-1+r.IntN(5)-2)
		}
		return base.AddDate(0, 0, 10-r.IntN(1100)).Add(time.Duration(r.Int64N(int64(24 * time.Hour))).Truncate(time.Microsecond))
	}
	var out []finhealth.Invoice
	for i := range n {
		v := variants[r.IntN(len(variants))]
		money := func(m int64) finhealth.Money {
			if v.moneyCur == "" {
				m = 0 // only zero amounts may name no currency beside others
			}
			return finhealth.Money{Minor: m, Currency: v.moneyCur, Exponent: v.exp}
		}
		names := []string{"", "Name", "Other name"}
		inv := finhealth.Invoice{
			WaveID:         string(rune('a'+r.IntN(26))) + string(rune('A'+r.IntN(26))) + string(rune('0'+i%10)) + string(rune(0x100+i)),
			CustomerWaveID: []string{"c1", "c2", "C3", "c4", "c5", "é6"}[r.IntN(6)], CustomerName: names[r.IntN(3)],
			Status: fuzzStatuses[r.IntN(len(fuzzStatuses))], Currency: v.cur, ExchangeRate: rates[r.IntN(len(rates))],
			Total: money(amount()), AmountDue: money(amount()), InvoiceDate: date(), DueDate: date(),
		}
		since := asOf.Add(-2 * 365 * 24 * time.Hour)
		if inv.AmountDue.Minor != 0 || !inv.InvoiceDate.IsZero() && !inv.InvoiceDate.Before(since) {
			out = append(out, inv)
		}
	}
	slices.SortFunc(out, func(a, b finhealth.Invoice) int { return cmp.Compare(a.WaveID, b.WaveID) })
	return slices.CompactFunc(out, func(a, b finhealth.Invoice) bool { return a.WaveID == b.WaveID })
}

// sameAsSummed compares the metrics of invoices listed and summed, reporting whether
// the summary could be used.
func sameAsSummed(t *testing.T, invoices []finhealth.Invoice, asOf time.Time) bool {
	t.Helper()
	listed := finhealth.LedgerSnapshot{AsOf: asOf, Currency: "USD", CurrencyExponent: 2, Invoices: invoices}
	s := summarize(invoices, "USD", 2, asOf)
	if s == nil {
		return false
	}
	switch err := CheckInvoiceSummary(s, "USD", 2, asOf); {
	case errors.Is(err, ErrSummaryInexact):
		return false
	case err != nil:
		t.Fatalf("a faithful summary is refused: %v", err)
	}
	summed := listed
	summed.Invoices, summed.InvoiceSummary = nil, s
	want := ComputeMetrics(listed, nil, finhealth.AccountMapping{}, asOf)
	got := ComputeMetrics(summed, nil, finhealth.AccountMapping{}, asOf)
	if !reflect.DeepEqual(got, want) {
		for i := range want {
			if !reflect.DeepEqual(got[i], want[i]) {
				g, _ := json.MarshalIndent(got[i], "", " ")
				w, _ := json.MarshalIndent(want[i], "", " ")
				t.Fatalf("as of %s, metric %s:\n got %s\nwant %s", asOf, want[i].Name, g, w)
			}
		}
	}
	return true
}

var summaryTestAsOfs = []time.Time{
	time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC),
	time.Date(2025, 6, 30, 23, 59, 59, 999999000, time.UTC),
	time.Date(2025, 6, 30, 11, 0, 0, 0, time.UTC).In(time.FixedZone("UTC+14", 14*3600)),
	time.Date(2025, 6, 30, 10, 0, 0, 0, time.UTC).In(time.FixedZone("UTC-12", -12*3600)),
}

// TestInvoiceSummaryMatchesInvoices compares the metrics of random books listed and
// summed as a store sums them.
func TestInvoiceSummaryMatchesInvoices(t *testing.T) {
	summed := 0
	for seed := range uint64(300) {
		r := rand.New(rand.NewPCG(seed, 7))
		amount := func() int64 {
			switch r.IntN(8) {
			case 0:
				return 0
			case 1:
				return -r.Int64N(100_000)
			}
			return r.Int64N(10_000_000)
		}
		asOf := summaryTestAsOfs[seed%uint64(len(summaryTestAsOfs))]
		if sameAsSummed(t, storedInvoices(r, int(seed%50)*10, amount, asOf), asOf) {
			summed++
		}
	}
	if summed < 290 {
		t.Fatalf("only %d of 300 books could be summed", summed)
	}
}

// TestInvoiceSummaryRefused checks that inconsistent summaries are refused rather
// than turned into numbers, and that ComputeMetrics says so.
func TestInvoiceSummaryRefused(t *testing.T) {
	asOf := summaryTestAsOfs[0]
	r := rand.New(rand.NewPCG(1, 2))
	invoices := storedInvoices(r, 400, func() int64 { return r.Int64N(1_000_000) }, asOf)
	for _, tc := range []struct {
		name, want string
		spoil      func(s *finhealth.InvoiceSummary)
	}{
		{"another day", "summary cut at", func(s *finhealth.InvoiceSummary) { s.Day = s.Day.AddDate(0, 0, 1) }},
		{"a listed invoice missing", "of the largest invoices of", func(s *finhealth.InvoiceSummary) { s.Largest = s.Largest[1:] }},
		{"an invoice in another currency missing", "do not match their groups", func(s *finhealth.InvoiceSummary) { s.Others = s.Others[1:] }},
		{"an invoice listed twice", "among the largest open ones", func(s *finhealth.InvoiceSummary) { s.Largest[1] = s.Largest[0] }},
		{"a customer twice", "is listed as owing", func(s *finhealth.InvoiceSummary) {
			s.OverdueCustomers = append(s.OverdueCustomers, s.OverdueCustomers[0])
		}},
		{"issued before the windows", "issued invoices of", func(s *finhealth.InvoiceSummary) {
			s.Issued = append(s.Issued, finhealth.InvoiceSum{Date: s.IssuedFrom.Add(-time.Microsecond), Currency: "USD", Exponent: 2, Amount: 1, Count: 1, MaxAbs: 1})
		}},
		{"nothing owed", "open invoices due", func(s *finhealth.InvoiceSummary) { s.Open[0].Amount = 0 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := summarize(invoices, "USD", 2, asOf)
			if err := CheckInvoiceSummary(s, "USD", 2, asOf); err != nil {
				t.Fatalf("before spoiling: %v", err)
			}
			tc.spoil(s)
			if err := CheckInvoiceSummary(s, "USD", 2, asOf); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("a spoiled summary: %v, want %q", err, tc.want)
			}
			ms := ComputeMetrics(finhealth.LedgerSnapshot{AsOf: asOf, Currency: "USD", CurrencyExponent: 2, InvoiceSummary: s},
				nil, finhealth.AccountMapping{}, asOf)
			for _, m := range ms {
				if m.Name == MetricAgingOver90 && (m.Status != finhealth.MetricNotEnoughData || m.Money != nil) {
					t.Fatalf("a spoiled summary gave %+v", m)
				}
			}
		})
	}
}

// TestSummaryBoundsAgreeWithDays checks that the instants a store cuts its sums at
// put every date where the day arithmetic of single invoices puts it: due dates in
// aging buckets, invoice dates in or out of the sales windows.
func TestSummaryBoundsAgreeWithDays(t *testing.T) {
	for _, asOf := range summaryTestAsOfs {
		cuts := InvoiceSummaryBounds(asOf)
		today := dayNumber(asOf)
		for d := -800; d <= 5; d++ {
			for _, at := range []time.Duration{0, time.Microsecond, 11 * time.Hour, 24*time.Hour - time.Microsecond} {
				date := cuts.Day.AddDate(0, 0, d).Add(at)
				if got, want := cuts.AgingBucket(date), bucketOf(daysPastDue(asOf, date)); got != want {
					t.Fatalf("as of %s, due %s: bucket %d by the cuts, %d by days", asOf, date, got, want)
				}
				if got, want := !date.Before(cuts.IssuedFrom), today-dayNumber(date) < 2*365; got != want {
					t.Fatalf("as of %s, dated %s: in the windows %v by the cuts, %v by days", asOf, date, got, want)
				}
			}
		}
		if cuts.AgingBucket(time.Time{}) != bucketCurrent {
			t.Fatal("an invoice without a due date is not current")
		}
	}
}

// FuzzInvoiceSummary is TestInvoiceSummaryMatchesInvoices with the fuzzer's amounts,
// extremes included: wherever a summary is accepted, its metrics are the invoices'.
func FuzzInvoiceSummary(f *testing.F) {
	f.Add(uint64(1), int64(0), int64(1_000_000), uint16(100))
	f.Add(uint64(2), int64(math.MaxInt64), int64(math.MinInt64), uint16(300))
	f.Add(uint64(3), int64(math.MaxInt64/2+1), int64(-1), uint16(40))
	f.Add(uint64(4), int64(math.MaxInt64/500), int64(math.MinInt64/500), uint16(600))
	f.Fuzz(func(t *testing.T, seed uint64, a, b int64, size uint16) {
		r := rand.New(rand.NewPCG(seed, uint64(a)^uint64(b)))
		amount := func() int64 {
			switch r.IntN(6) {
			case 0:
				return a
			case 1:
				return b
			case 2:
				return 0
			}
			return r.Int64N(10_000_000) - 1_000_000
		}
		asOf := summaryTestAsOfs[seed%uint64(len(summaryTestAsOfs))]
		sameAsSummed(t, storedInvoices(r, int(size%800), amount, asOf), asOf)
	})
}
