package scoring

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"time"

	"finhealth"
)

// A store may sum a business's invoices itself and hand ComputeMetrics a
// finhealth.InvoiceSummary instead of the invoices (see its doc). The metrics are then
// exactly those of the invoices: the summary's groups are aged and windowed here, by
// the same day arithmetic as single invoices; invoices in another currency are
// converted here, one by one, by the same code; and a summary is used only when no sum
// over the same invoices, in whatever order, could have overflowed, since only then is
// a sum independent of order (a list is added up in its own order, and an overflow
// there leaves out the invoice that caused it).

// SummaryBounds are where a store cuts its sums of a business's invoices for books
// dated asOf (see InvoiceSummaryBounds).
type SummaryBounds struct {
	// Day is asOf's calendar date (in asOf's location) at midnight UTC: the day
	// aging and the sales windows count from, as for single invoices.
	Day time.Time
	// IssuedFrom is the first instant of the oldest invoice date the sales windows
	// count (two years back, Day included).
	IssuedFrom time.Time
	// Aging bounds the aging buckets by due date: not yet due from Aging[0] (Day) on or
	// without a due date; 1-30 days past due in [Aging[1], Aging[0]); 31-60 in
	// [Aging[2], Aging[1]); 61-90 in [Aging[3], Aging[2]); over 90 before Aging[3].
	Aging [numBuckets - 1]time.Time
	// Listed is how many of the largest open invoices of each bucket a summary lists,
	// and Customers how many overdue customers a metric names.
	Listed, Customers int
}

// InvoiceSummaryBounds returns the cuts of a summary for books dated asOf.
func InvoiceSummaryBounds(asOf time.Time) SummaryBounds {
	y, m, d := asOf.Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	b := SummaryBounds{Day: day, IssuedFrom: day.AddDate(0, 0, -(2*365 - 1)), Listed: maxListed, Customers: topOverdueCustomers}
	for k := range b.Aging {
		b.Aging[k] = day.AddDate(0, 0, -30*k)
	}
	return b
}

// AgingBucket is the aging bucket (0 for not yet due, 1 to 4 for 1-30 to over 90 days
// past due) the bounds put a due date in, as a store's query does.
func (b SummaryBounds) AgingBucket(due time.Time) int {
	switch {
	case due.IsZero() || !due.Before(b.Aging[0]):
		return bucketCurrent
	case !due.Before(b.Aging[1]):
		return bucket1To30
	case !due.Before(b.Aging[2]):
		return bucket31To60
	case !due.Before(b.Aging[3]):
		return bucket61To90
	}
	return bucketOver90
}

// ErrSummaryInexact means a summary's amounts are so large that the sums of the same
// invoices in another order could overflow: the invoices must be listed instead.
var ErrSummaryInexact = errors.New("amounts too large to sum in any order")

// CheckInvoiceSummary reports whether ComputeMetrics can use s for books dated asOf in
// the given currency: nil when it gives exactly the metrics of the invoices it sums;
// ErrSummaryInexact when the invoices must be listed instead; any other error when s
// is not consistent (a store's bug, which must not become a number).
func CheckInvoiceSummary(s *finhealth.InvoiceSummary, currency string, exponent int, asOf time.Time) error {
	c := &calc{asOf: asOf, cur: currency, exp: exponent,
		custOverdue: map[string]int64{}, custName: map[string]string{}, custNameFrom: map[string]string{}}
	return c.addSummary(s)
}

// inHome reports whether a group's amounts are in the home currency, so that they
// count as they are (homeAmount's first case).
func (c *calc) inHome(g *finhealth.InvoiceSum) bool {
	return g.Currency == c.cur && g.Exponent == c.exp
}

// invoiceInHome is inHome for one invoice, with homeAmount's choice of currency.
func (c *calc) invoiceInHome(inv *finhealth.Invoice) bool {
	m := inv.AmountDue
	cur := m.Currency
	if cur == "" {
		cur = inv.Currency
	}
	return cur == c.cur && m.Exponent == c.exp
}

// daysPastDue ages a due date exactly as Invoice.DaysPastDue ages an owed invoice.
func daysPastDue(asOf, due time.Time) int {
	inv := finhealth.Invoice{Status: finhealth.InvoiceSent, AmountDue: finhealth.Money{Minor: 1}, DueDate: due}
	return inv.DaysPastDue(asOf)
}

// bound adds up magnitudes, remembering an overflow of uint64.
type bound struct {
	v    uint64
	over bool
}

func (b *bound) add(count int, maxAbs uint64) {
	hi, lo := bits.Mul64(uint64(count), maxAbs)
	sum, carry := bits.Add64(b.v, lo, 0)
	b.v, b.over = sum, b.over || hi != 0 || carry != 0
}

// fits reports whether every partial sum of amounts within the bound fits an int64.
func (b *bound) fits() bool { return !b.over && b.v <= math.MaxInt64 }

func magnitude(v int64) uint64 {
	if v < 0 {
		return uint64(-(v + 1)) + 1
	}
	return uint64(v)
}

// addSummary gathers s as scanInvoices gathers the invoices it sums, or says why it
// cannot (ErrSummaryInexact, or an inconsistency).
func (c *calc) addSummary(s *finhealth.InvoiceSummary) error {
	cuts := InvoiceSummaryBounds(c.asOf)
	if !s.Day.Equal(cuts.Day) || !s.IssuedFrom.Equal(cuts.IssuedFrom) {
		return fmt.Errorf("summary cut at %s for books dated %s", s.Day.Format(time.DateOnly), cuts.Day.Format(time.DateOnly))
	}
	today := dayNumber(c.asOf)
	c.counts.unknown = s.Unknown

	// Open invoices in the home currency, by due date. Every amount due is positive,
	// so when their total with those of Others fits, no order of adding them overflows.
	var inHome [numBuckets]int
	owedOthers := 0
	for i := range s.Open {
		g := &s.Open[i]
		if g.Count <= 0 || g.Amount <= 0 {
			return fmt.Errorf("open invoices due %s: %d for %d", g.Date.Format(time.DateOnly), g.Amount, g.Count)
		}
		if !c.inHome(g) {
			owedOthers += g.Count
			continue
		}
		b := bucketOf(daysPastDue(c.asOf, g.Date))
		if cuts.AgingBucket(g.Date) != b {
			return fmt.Errorf("due date %s is cut into the wrong aging bucket", g.Date.Format(time.RFC3339))
		}
		c.buckets[b] = c.buckets[b].plus(amount{v: g.Amount})
		c.openDue = c.openDue.plus(amount{v: g.Amount})
		if b != bucketCurrent {
			c.overdueDue = c.overdueDue.plus(amount{v: g.Amount})
		}
		c.bucketCount[b] += g.Count
		inHome[b] += g.Count
	}

	// Issued invoices by date: totals may be negative, so the bound on their partial
	// sums is the sum of magnitudes.
	var sales bound
	issuedOthers := 0
	for i := range s.Issued {
		g := &s.Issued[i]
		if g.Count <= 0 || g.Date.Before(s.IssuedFrom) {
			return fmt.Errorf("issued invoices of %s: %d", g.Date.Format(time.DateOnly), g.Count)
		}
		age := today - dayNumber(g.Date)
		if age < 0 {
			c.counts.future += g.Count
			continue
		}
		if age >= 2*365 {
			return fmt.Errorf("issued invoices of %s are older than the windows", g.Date.Format(time.DateOnly))
		}
		if !c.inHome(g) {
			issuedOthers += g.Count
			continue
		}
		sales.add(g.Count, g.MaxAbs)
		for w, n := range revenueWindows {
			switch {
			case age < int64(n):
				c.revenue[w] = c.revenue[w].plus(amount{v: g.Amount})
				c.revCount[w] += g.Count
			case age < 2*int64(n):
				c.previous[w] = c.previous[w].plus(amount{v: g.Amount})
			}
		}
		if age < 365 {
			c.issuedYear += g.Count
		}
	}

	// The invoices in other currencies, one by one, as scanInvoices takes them: each
	// group counted above must be matched by its invoices here.
	for i := range s.Others {
		inv := &s.Others[i]
		if !inv.Status.IsKnown() || c.invoiceInHome(inv) {
			return fmt.Errorf("invoice %s is listed among those in other currencies", inv.WaveID)
		}
		if inv.Status.IsReceivable() && inv.AmountDue.Minor > 0 {
			owedOthers--
			c.addOwed(inv)
		}
		st := inv.Status
		if st == finhealth.InvoiceDraft || st == finhealth.InvoiceSaved || inv.InvoiceDate.IsZero() {
			continue
		}
		if age := today - dayNumber(inv.InvoiceDate); age >= 0 && age < 2*365 {
			issuedOthers--
			if total, ok := c.homeAmount(inv, inv.Total); ok {
				sales.add(1, magnitude(total))
			}
			c.addIssued(inv, today)
		}
	}
	if owedOthers != 0 || issuedOthers != 0 {
		return fmt.Errorf("the invoices in other currencies do not match their groups (%d open, %d issued)", owedOthers, issuedOthers)
	}
	if c.counts.overflow > 0 || c.openDue.over || !sales.fits() {
		return ErrSummaryInexact
	}

	// The largest open invoices in the home currency: each bucket's first Listed.
	seen := make(map[string]bool, len(s.Largest)+len(c.open))
	for _, r := range c.open {
		seen[r.id] = true
	}
	var listed [numBuckets]int
	for i := range s.Largest {
		inv := &s.Largest[i]
		if !inv.Status.IsReceivable() || inv.AmountDue.Minor <= 0 || !c.invoiceInHome(inv) || seen[inv.WaveID] {
			return fmt.Errorf("invoice %s is listed among the largest open ones", inv.WaveID)
		}
		seen[inv.WaveID] = true
		b := bucketOf(inv.DaysPastDue(c.asOf))
		listed[b]++
		c.open = append(c.open, invoiceRef{id: inv.WaveID, due: inv.AmountDue.Minor, bucket: b})
	}
	for b := range numBuckets {
		if listed[b] != min(inHome[b], maxListed) {
			return fmt.Errorf("%d of the largest invoices of %d in aging bucket %d are listed", listed[b], inHome[b], b)
		}
	}

	// What each customer who can rank owes past due in the home currency, added to
	// what Others added; the name is the one of the first invoice by id that has one.
	ranked := make(map[string]bool, len(s.OverdueCustomers))
	for i := range s.OverdueCustomers {
		co := &s.OverdueCustomers[i]
		id := co.CustomerWaveID
		if co.Amount <= 0 || ranked[id] {
			return fmt.Errorf("customer %s is listed as owing %d past due", id, co.Amount)
		}
		ranked[id] = true
		if s := c.custOverdue[id] + co.Amount; s >= c.custOverdue[id] {
			c.custOverdue[id] = s
		}
		if from, ok := c.custNameFrom[id]; co.Name != "" && (!ok || co.NameInvoice < from) {
			c.custName[id], c.custNameFrom[id] = co.Name, co.NameInvoice
		}
	}
	return nil
}
