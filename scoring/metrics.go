package scoring

import (
	"cmp"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
	"time"

	"finhealth"
)

// History rules for the metrics that need two snapshots (cash buffer days, runway,
// margins). The base snapshot is the one closest to baseTarget before the current one,
// between historyMin and historyMax old: under 25 days a month's bills may not have
// landed yet, and over 400 days the changes say more about last year than about now.
const (
	historyMin = 25 * 24 * time.Hour
	historyMax = 400 * 24 * time.Hour
	baseTarget = 90 * 24 * time.Hour
)

// dsoWindow is the DSO window in days: a quarter of sales smooths one big invoice
// without reaching back to a different season.
const dsoWindow = 90

// daysPerMonth is the mean Gregorian month, so that runway does not depend on which
// months the window spans.
const daysPerMonth = 30.4375

// maxListed caps the invoice ids listed under an input; InvoiceCount has the total.
const maxListed = 100

// topOverdueCustomers is how many of the largest overdue customers an overdue share
// names, enough to act on this week.
const topOverdueCustomers = 3

// amount is a sum of minor units that remembers an overflow instead of wrapping, so a
// metric fed by an impossible total says so rather than showing a wrong number.
type amount struct {
	v    int64
	over bool
}

func (a amount) plus(b amount) amount {
	s := a.v + b.v
	if a.over || b.over || (b.v > 0 && s < a.v) || (b.v < 0 && s > a.v) {
		return amount{over: true}
	}
	return amount{v: s}
}

func (a amount) minus(b amount) amount {
	if b.v == math.MinInt64 {
		return amount{over: true}
	}
	return a.plus(amount{v: -b.v, over: b.over})
}

// classTotal is the signed sum of one class and the accounts it came from, with each
// account's part (amounts[i] is accounts[i]'s) for the metrics that read a subset.
type classTotal struct {
	amount
	accounts []string
	amounts  []int64
}

func (t *classTotal) add(id string, v int64) {
	t.amount = t.amount.plus(amount{v: v})
	t.accounts = append(t.accounts, id)
	t.amounts = append(t.amounts, v)
}

func (t *classTotal) sub(id string, v int64) {
	t.amount = t.amount.minus(amount{v: v})
	t.accounts = append(t.accounts, id)
	t.amounts = append(t.amounts, -v)
}

// invoiceRef is an open invoice's amount due in the home currency, kept to list the
// largest ones under the inputs.
type invoiceRef struct {
	id     string
	due    int64
	bucket int
}

// Aging buckets by days past due.
const (
	bucketCurrent = iota
	bucket1To30
	bucket31To60
	bucket61To90
	bucketOver90
	numBuckets
)

var bucketMetric = [numBuckets]string{MetricAgingCurrent, MetricAging1To30, MetricAging31To60, MetricAging61To90, MetricAgingOver90}

func bucketOf(daysPastDue int) int {
	switch {
	case daysPastDue <= 0:
		return bucketCurrent
	case daysPastDue <= 30:
		return bucket1To30
	case daysPastDue <= 60:
		return bucket31To60
	case daysPastDue <= 90:
		return bucket61To90
	}
	return bucketOver90
}

// Revenue windows in days; each has a previous period of the same length for growth.
var revenueWindows = [3]int{30, 90, 365}

// invoiceCounts count the invoices left out of the metrics, for their notes.
type invoiceCounts struct {
	unknown, badCurrency, future, overflow int
}

// calc holds what one ComputeMetrics call has gathered.
type calc struct {
	snap     finhealth.LedgerSnapshot
	asOf     time.Time
	snapAsOf time.Time
	cur      string
	exp      int
	entries  map[string]*finhealth.AccountMappingEntry

	classes map[finhealth.AccountClass]*classTotal
	// overdrafts are the cash accounts below zero, as positive amounts owed to the bank:
	// they are current liabilities, not less cash.
	overdrafts   classTotal
	noPayables   bool
	balanceNotes []string

	invoicesOK  bool
	invoiceWhy  string
	buckets     [numBuckets]amount
	bucketCount [numBuckets]int
	open        []invoiceRef
	openDue     amount
	overdueDue  amount
	revenue     [len(revenueWindows)]amount // current windows
	previous    [len(revenueWindows)]amount // the windows before
	revCount    [len(revenueWindows)]int
	issuedYear  int // invoices issued in the last 365 days
	custOverdue map[string]int64
	custName    map[string]string
	// custNameFrom is the invoice each customer's name was taken from.
	custNameFrom map[string]string
	counts       invoiceCounts
	invoiceNote  []string

	customersOutstanding amount
	customersOverdue     amount
	customersCounted     int
	customerNote         []string
}

// ComputeMetrics computes every ledger metric of snap as of asOf: balance-sheet ratios
// from the account balances as classified by mapping, receivables from the open
// invoices (or, when invoices cannot be read, the customers' totals), invoiced sales
// from invoice dates, and, when history holds a snapshot 25 to 400 days older than
// snap, cash buffer days, runway and margins from the changes between the two.
//
// Only amounts in the business's currency count: an account balance in any other
// currency is left out with a note, and a foreign-currency invoice is converted at its
// own exchange rate or, without a usable one, left out with a note. A metric that
// cannot be computed has status not_enough_data and says why; none is ever NaN or
// infinite. The result lists the metrics in a fixed order (see metricDefs) and depends
// only on the arguments, so recomputing a past date gives the same answer.
func ComputeMetrics(snap finhealth.LedgerSnapshot, history []finhealth.BalanceSnapshot, mapping finhealth.AccountMapping, asOf time.Time) []finhealth.MetricValue {
	c := &calc{
		snap:     snap,
		asOf:     asOf,
		snapAsOf: snap.AsOf,
		cur:      snap.Currency,
		exp:      snap.CurrencyExponent,
		entries:  make(map[string]*finhealth.AccountMappingEntry, len(mapping.Entries)),
		classes:  make(map[finhealth.AccountClass]*classTotal),
	}
	if c.snapAsOf.IsZero() {
		c.snapAsOf = asOf
	}
	for i := range mapping.Entries {
		c.entries[mapping.Entries[i].AccountID] = &mapping.Entries[i]
	}
	for _, cl := range finhealth.AccountClasses() {
		c.classes[cl] = &classTotal{}
	}

	out := make([]finhealth.MetricValue, 0, len(metricDefs))
	if c.cur == "" {
		for _, d := range metricDefs {
			m := c.newMetric(d.name)
			notEnough(&m, "The business's currency is not known, so no amount can be added up.")
			out = append(out, m)
		}
		return out
	}

	c.sumBalances()
	c.noPayables = !HasPayables(snap, mapping)
	c.scanInvoices()
	c.scanCustomers()
	// Slices shared between metrics are clipped so that a caller appending to one
	// metric's notes or accounts can never write into another's.
	c.balanceNotes, c.invoiceNote, c.customerNote = slices.Clip(c.balanceNotes), slices.Clip(c.invoiceNote), slices.Clip(c.customerNote)
	for _, t := range c.classes {
		t.accounts = slices.Clip(t.accounts)
	}
	c.overdrafts.accounts = slices.Clip(c.overdrafts.accounts)

	out = append(out,
		c.cashMetric(), c.receivablesMetric(), c.workingCapital(),
		c.currentRatio(), c.quickRatio(), c.cashRatio(),
		c.overdueShare())
	for b := range numBuckets {
		out = append(out, c.agingBucket(b))
	}
	out = append(out, c.dso(), c.debtToEquity())
	for w := range revenueWindows {
		out = append(out, c.revenueMetric(w))
	}
	for w := range revenueWindows {
		out = append(out, c.growthMetric(w))
	}
	out = append(out, c.historyMetrics(history)...)
	out = append(out, c.moreMetrics(history, out)...)
	return out
}

func (c *calc) newMetric(name string) finhealth.MetricValue {
	d := defByName[name]
	return finhealth.MetricValue{
		Name:       d.name,
		Label:      d.label,
		Unit:       d.unit,
		Status:     finhealth.MetricOK,
		Formula:    d.formula,
		Thresholds: d.thresholds,
		Bands:      exportBands(d.bands),
		AsOf:       c.snapAsOf,
	}
}

func notEnough(m *finhealth.MetricValue, reason string) {
	m.Status = finhealth.MetricNotEnoughData
	m.Reason = reason
	m.Value, m.Money, m.Points, m.Band, m.Note = nil, nil, nil, "", ""
}

const overflowReason = "The amounts are too large to add up exactly; check the balances in Wave."

// setValue rounds v as shown and scores it through the metric's bands; a non-finite
// value (which the callers rule out) is reported rather than emitted.
func setValue(m *finhealth.MetricValue, v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		notEnough(m, overflowReason)
		return
	}
	d := defByName[m.Name]
	v = roundTo(v, d.decimals)
	if math.IsInf(v, 0) {
		notEnough(m, overflowReason)
		return
	}
	m.Value = &v
	if len(d.bands) > 0 {
		b := bandOf(d.bands, v)
		m.Band = b.name
		m.Points = ptr(b.points)
	}
}

func setSpecial(m *finhealth.MetricValue, bandName, note string) {
	b := specialBand(defByName[m.Name].bands, bandName)
	m.Value = nil
	m.Band = b.name
	m.Points = ptr(b.points)
	m.Note = note
}

func (c *calc) money(v int64) *finhealth.Money {
	return &finhealth.Money{Minor: v, Currency: c.cur, Exponent: c.exp}
}

func (c *calc) moneyInput(name, label string, a amount, accounts []string) finhealth.MetricInput {
	return finhealth.MetricInput{Name: name, Label: label, Amount: c.money(a.v), Accounts: accounts}
}

func (c *calc) classInput(name, label string, classes ...finhealth.AccountClass) (finhealth.MetricInput, amount) {
	var sum amount
	var ids []string
	for _, cl := range classes {
		t := c.classes[cl]
		sum = sum.plus(t.amount)
		ids = append(ids, t.accounts...)
	}
	return c.moneyInput(name, label, sum, ids), sum
}

// signedBalance is an account's balance as it counts towards its class, and false when
// it cannot count (another currency, or a balance too large to negate).
//
// An account that grows against its type (accumulated depreciation, discounts) counts
// by its size alone, because Wave's sign for it is undocumented: as a contra account it
// takes its size off its class whichever sign Wave uses, so it can never add to it.
// Any other contra account (one an override moved to a class of the other side, such
// as a bank account mapped to current debt) is negated: its sign is the ordinary one
// of its own side, so an overdrawn account becomes a positive debt.
func signedBalance(e *finhealth.AccountMappingEntry, m finhealth.Money, cur string, exp int) (int64, bool) {
	if m.Currency != cur || m.Exponent != exp {
		return 0, false
	}
	v := m.Minor
	if !e.Contra && !growsAgainstType(e) {
		return v, true
	}
	if v == math.MinInt64 {
		return 0, false
	}
	if growsAgainstType(e) && v < 0 {
		v = -v
	}
	if e.Contra {
		return -v, true
	}
	return v, true
}

func (c *calc) sumBalances() {
	for i := range c.snap.Accounts {
		a := &c.snap.Accounts[i]
		e, ok := c.entries[a.WaveID]
		if !ok {
			c.balanceNotes = append(c.balanceNotes, fmt.Sprintf(
				"Account %s (%s) is not in the account mapping yet and is left out; review the mapping.", quoteName(a.Name), a.WaveID))
			continue
		}
		if e.Class == finhealth.ClassExcluded {
			continue
		}
		v, ok := signedBalance(e, a.Balance, c.cur, c.exp)
		if !ok {
			c.balanceNotes = append(c.balanceNotes, c.leftOut(a))
			continue
		}
		t := c.classes[e.Class]
		if t == nil { // an override made before this version knew the class
			continue
		}
		if e.Class == finhealth.ClassCash && v < 0 {
			c.overdrafts.sub(a.WaveID, v)
			continue
		}
		t.add(a.WaveID, v)
	}
}

// payableSubtypes are the subtypes of money owed to suppliers.
var payableSubtypes = map[finhealth.AccountSubtypeValue]bool{
	finhealth.SubtypePayable:      true,
	finhealth.SubtypePayableBills: true,
	finhealth.SubtypePayableOther: true,
}

// HasPayables reports whether the books record any payables: an account of a payable
// subtype (PAYABLE, PAYABLE_BILLS, PAYABLE_OTHER) that the mapping does not exclude,
// with a balance other than zero. Wave's API cannot read bills, so books without one
// may simply not hold the business's debts to suppliers, and every liquidity ratio
// would then look better than it is.
func HasPayables(snap finhealth.LedgerSnapshot, mapping finhealth.AccountMapping) bool {
	counted := make(map[string]bool)
	for _, e := range mapping.Entries {
		if payableSubtypes[e.Subtype] && e.Class != finhealth.ClassExcluded {
			counted[e.AccountID] = true
		}
	}
	for _, a := range snap.Accounts {
		if counted[a.WaveID] && a.Balance.Minor != 0 {
			return true
		}
	}
	return false
}

const noPayablesNote = "The books record no payables: no supplier bills are owed in Wave (its API cannot read bills), " +
	"so this may look healthier than it is. Record unpaid bills in Wave under Accounts Payable; if they are kept in " +
	"another liability account, check that the account is mapped as a current liability."

// liquidityNotes are the notes of the metrics that compare current assets with current
// liabilities.
func (c *calc) liquidityNotes() []string {
	if c.noPayables {
		return append(c.balanceNotes, noPayablesNote)
	}
	return c.balanceNotes
}

// overdraftInput names the overdrawn bank accounts, when there are any, where they
// change a figure: left out of cash and counted as liabilities.
func (c *calc) overdraftInput() []finhealth.MetricInput {
	if len(c.overdrafts.accounts) == 0 {
		return nil
	}
	return []finhealth.MetricInput{c.moneyInput("overdrafts", "Overdrawn bank accounts (owed to the bank, counted as current liabilities, not as cash)",
		c.overdrafts.amount, c.overdrafts.accounts)}
}

// plusOverdrafts adds the overdrawn bank accounts to a liabilities input.
func (c *calc) plusOverdrafts(in finhealth.MetricInput, sum amount) (finhealth.MetricInput, amount) {
	if len(c.overdrafts.accounts) == 0 {
		return in, sum
	}
	sum = sum.plus(c.overdrafts.amount)
	in.Amount = c.money(sum.v)
	in.Accounts = append(slices.Clip(in.Accounts), c.overdrafts.accounts...)
	return in, sum
}

func quoteName(s string) string {
	if s == "" {
		return "(unnamed)"
	}
	return strconv.Quote(s)
}

func (c *calc) leftOut(a *finhealth.LedgerAccount) string {
	m := a.Balance
	switch {
	case m.Currency == c.cur && m.Exponent != c.exp:
		return fmt.Sprintf("Account %s (%s) is left out: its balance has %d decimals where %s has %d, so it cannot be added exactly.",
			quoteName(a.Name), a.WaveID, m.Exponent, c.cur, c.exp)
	case m.Currency == "":
		return fmt.Sprintf("Account %s (%s) is left out: its balance has no stated currency.", quoteName(a.Name), a.WaveID)
	case m.Minor == math.MinInt64:
		return fmt.Sprintf("Account %s (%s) is left out: its balance is too large to count.", quoteName(a.Name), a.WaveID)
	}
	return fmt.Sprintf("Account %s (%s) is left out: its balance is in %s, not in the business currency %s.",
		quoteName(a.Name), a.WaveID, m.Currency, c.cur)
}

// dayNumber counts calendar days so that windows and aging are whole days, whatever
// the hour of asOf.
func dayNumber(t time.Time) int64 {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

// homeAmount converts an invoice amount to the business currency at the invoice's own
// rate, exactly (rounding half away from zero to the minor unit only at the end).
func (c *calc) homeAmount(inv *finhealth.Invoice, m finhealth.Money) (int64, bool) {
	cur := m.Currency
	if cur == "" {
		cur = inv.Currency
	}
	if cur == c.cur {
		return m.Minor, m.Exponent == c.exp
	}
	rate, ok := new(big.Rat).SetString(inv.ExchangeRate)
	if !ok || rate.Sign() <= 0 || m.Exponent < 0 || m.Exponent > 18 || c.exp < 0 || c.exp > 18 {
		return 0, false
	}
	v := new(big.Rat).SetInt64(m.Minor)
	v.Mul(v, rate)
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs(c.exp-m.Exponent))), nil)
	if c.exp >= m.Exponent {
		v.Mul(v, new(big.Rat).SetInt(scale))
	} else {
		v.Quo(v, new(big.Rat).SetInt(scale))
	}
	// Half away from zero: add or subtract one half, then truncate.
	half := big.NewRat(1, 2)
	if v.Sign() < 0 {
		v.Sub(v, half)
	} else {
		v.Add(v, half)
	}
	q := new(big.Int).Quo(v.Num(), v.Denom())
	if !q.IsInt64() {
		return 0, false
	}
	return q.Int64(), true
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func (c *calc) scanInvoices() {
	if c.snap.InvoicesUnavailable != "" {
		c.invoiceWhy = c.snap.InvoicesUnavailable
		return
	}
	c.invoicesOK = true
	c.custOverdue = make(map[string]int64)
	c.custName = make(map[string]string)
	c.custNameFrom = make(map[string]string)
	if s := c.snap.InvoiceSummary; s != nil {
		if err := c.addSummary(s); err != nil {
			c.invoicesOK = false
			c.invoiceWhy = "The invoices could not be read consistently (" + err.Error() + "); they are left out until the next read."
			return
		}
	} else {
		today := dayNumber(c.asOf)
		for i := range c.snap.Invoices {
			inv := &c.snap.Invoices[i]
			if !inv.Status.IsKnown() {
				c.counts.unknown++
				continue
			}
			c.addOwed(inv)
			c.addIssued(inv, today)
		}
	}
	if n := c.counts.unknown; n > 0 {
		c.invoiceNote = append(c.invoiceNote, fmt.Sprintf(
			"%d invoice(s) with a status finhealth does not know are left out, as neither owed nor sold.", n))
	}
	if n := c.counts.badCurrency; n > 0 {
		c.invoiceNote = append(c.invoiceNote, fmt.Sprintf(
			"%d invoice(s) in another currency without a usable exchange rate to %s are left out.", n, c.cur))
	}
	if n := c.counts.future; n > 0 {
		c.invoiceNote = append(c.invoiceNote, fmt.Sprintf(
			"%d invoice(s) dated after %s are left out of invoiced sales.", n, c.asOf.UTC().Format(time.DateOnly)))
	}
	if n := c.counts.overflow; n > 0 {
		c.invoiceNote = append(c.invoiceNote, fmt.Sprintf(
			"%d invoice(s) with amounts too large to add up exactly are left out.", n))
	}
	// Largest first, ties by id, so that the listed invoices never depend on input order.
	slices.SortFunc(c.open, func(a, b invoiceRef) int {
		if r := cmp.Compare(b.due, a.due); r != 0 {
			return r
		}
		return cmp.Compare(a.id, b.id)
	})
}

// addOwed counts what an invoice of a known status still owes, if anything: its
// amount due in the home currency, in its aging bucket and under its customer.
func (c *calc) addOwed(inv *finhealth.Invoice) {
	if !inv.Status.IsReceivable() || inv.AmountDue.Minor <= 0 {
		return
	}
	due, ok := c.homeAmount(inv, inv.AmountDue)
	if !ok {
		c.counts.badCurrency++
		return
	}
	b := bucketOf(inv.DaysPastDue(c.asOf))
	sum := c.buckets[b].plus(amount{v: due})
	open := c.openDue.plus(amount{v: due})
	if sum.over || open.over {
		c.counts.overflow++
		return
	}
	c.buckets[b] = sum
	c.bucketCount[b]++
	c.openDue = open
	c.open = append(c.open, invoiceRef{id: inv.WaveID, due: due, bucket: b})
	if b == bucketCurrent {
		return
	}
	c.overdueDue = c.overdueDue.plus(amount{v: due})
	cust := inv.CustomerWaveID
	// Saturate rather than wrap: this only ranks customers.
	if s := c.custOverdue[cust] + due; s >= c.custOverdue[cust] {
		c.custOverdue[cust] = s
	}
	if _, ok := c.custName[cust]; !ok || c.custName[cust] == "" {
		c.custName[cust] = inv.CustomerName
		if inv.CustomerName != "" {
			c.custNameFrom[cust] = inv.WaveID
		}
	}
}

// addIssued counts an invoice of a known status in invoiced sales by its date, today
// being dayNumber(c.asOf).
func (c *calc) addIssued(inv *finhealth.Invoice, today int64) {
	st := inv.Status
	if st == finhealth.InvoiceDraft || st == finhealth.InvoiceSaved || inv.InvoiceDate.IsZero() {
		return
	}
	age := today - dayNumber(inv.InvoiceDate)
	if age < 0 {
		c.counts.future++
		return
	}
	if age >= 2*365 {
		return
	}
	total, ok := c.homeAmount(inv, inv.Total)
	if !ok {
		if !st.IsReceivable() || inv.AmountDue.Minor <= 0 {
			c.counts.badCurrency++ // an open one was counted by addOwed already
		}
		return
	}
	for w, n := range revenueWindows {
		switch {
		case age < int64(n):
			c.revenue[w] = c.revenue[w].plus(amount{v: total})
			c.revCount[w]++
		case age < 2*int64(n):
			c.previous[w] = c.previous[w].plus(amount{v: total})
		}
	}
	if age < 365 {
		c.issuedYear++
	}
}

func (c *calc) scanCustomers() {
	var other int
	if t := c.snap.CustomerTotals; t != nil {
		c.customersOutstanding, c.customersOverdue = amount{v: t.Outstanding}, amount{v: t.Overdue}
		c.customersCounted, other = t.Counted, t.Other
	} else {
		for i := range c.snap.Customers {
			cu := &c.snap.Customers[i]
			if cu.Outstanding.IsZero() && cu.Overdue.IsZero() {
				continue
			}
			if cu.Outstanding.Currency != c.cur || cu.Outstanding.Exponent != c.exp ||
				(!cu.Overdue.IsZero() && (cu.Overdue.Currency != c.cur || cu.Overdue.Exponent != c.exp)) {
				other++
				continue
			}
			c.customersOutstanding = c.customersOutstanding.plus(amount{v: cu.Outstanding.Minor})
			c.customersOverdue = c.customersOverdue.plus(amount{v: cu.Overdue.Minor})
			c.customersCounted++
		}
	}
	if other > 0 {
		c.customerNote = append(c.customerNote, fmt.Sprintf(
			"%d customer(s) whose balances are in another currency than %s are left out.", other, c.cur))
	}
}

func (c *calc) cashMetric() finhealth.MetricValue {
	m := c.newMetric(MetricCash)
	in, sum := c.classInput("cash", "Cash accounts", finhealth.ClassCash)
	m.Inputs = append([]finhealth.MetricInput{in}, c.overdraftInput()...)
	m.Notes = c.balanceNotes
	if sum.over {
		notEnough(&m, overflowReason)
		return m
	}
	m.Money = c.money(sum.v)
	if len(in.Accounts) == 0 {
		m.Note = "No account is mapped as cash."
	}
	return m
}

func (c *calc) receivablesMetric() finhealth.MetricValue {
	m := c.newMetric(MetricReceivables)
	in, sum := c.classInput("receivable_accounts", "Receivable accounts", finhealth.ClassReceivable)
	m.Inputs = []finhealth.MetricInput{in}
	m.Notes = c.balanceNotes
	if c.invoicesOK && !c.openDue.over {
		m.Inputs = append(m.Inputs, c.openInput("open_invoices", "Amount due on open invoices", -1))
	}
	if c.customersCounted > 0 && !c.customersOutstanding.over {
		m.Inputs = append(m.Inputs, c.moneyInput("customers_outstanding", "Customers' outstanding balances in Wave", c.customersOutstanding, nil))
	}
	if sum.over {
		notEnough(&m, overflowReason)
		return m
	}
	m.Money = c.money(sum.v)
	if c.invoicesOK && !c.openDue.over && differs(sum.v, c.openDue.v, c.exp) {
		m.Note = fmt.Sprintf("The receivable accounts (%s) and the open invoices (%s) differ: receivables recorded outside invoices, "+
			"or payments not yet matched to invoices. Ratios use the accounts; overdue share and DSO use the invoices.",
			c.money(sum.v).Display(), c.money(c.openDue.v).Display())
	}
	return m
}

// differs reports a gap of more than 5% and more than one major unit, which a reader
// would notice; rounding differences are not worth a note.
func differs(a, b int64, exp int) bool {
	d := math.Abs(float64(a) - float64(b))
	return d > math.Pow10(exp) && d > 0.05*math.Max(math.Abs(float64(a)), math.Abs(float64(b)))
}

// openInput sums the open invoices of one bucket (-1: all, -2: all past due) and
// lists the largest. The sums and counts are the buckets' (the same invoices as
// c.open, which may hold only the largest of each bucket when the invoices were
// summed by the database).
func (c *calc) openInput(name, label string, bucket int) finhealth.MetricInput {
	in := func(b int) bool { return bucket == -1 || bucket == -2 && b != bucketCurrent || b == bucket }
	var sum amount
	n := 0
	for b := range numBuckets {
		if in(b) {
			sum = sum.plus(c.buckets[b])
			n += c.bucketCount[b]
		}
	}
	var ids []string
	for _, r := range c.open {
		if len(ids) == maxListed {
			break
		}
		if in(r.bucket) {
			ids = append(ids, r.id)
		}
	}
	return finhealth.MetricInput{Name: name, Label: label, Amount: c.money(sum.v), Invoices: ids, InvoiceCount: n}
}

// borrowings are the money owed to lenders: loans, lines of credit, owners' loans and
// overdrafts.
func (c *calc) borrowings() (finhealth.MetricInput, amount) {
	return c.plusOverdrafts(c.classInput("borrowings", "Of which borrowings (loans, lines of credit, owner loans, overdrafts)",
		finhealth.ClassCurrentDebt, finhealth.ClassLongTermDebt))
}

func (c *calc) currentAssets() (finhealth.MetricInput, amount) {
	return c.classInput("current_assets", "Current assets",
		finhealth.ClassCash, finhealth.ClassMoneyInTransit, finhealth.ClassReceivable, finhealth.ClassOtherCurrentAsset)
}

func (c *calc) currentLiabilities() (finhealth.MetricInput, amount) {
	return c.plusOverdrafts(c.classInput("current_liabilities", "Current liabilities", finhealth.ClassCurrentLiability, finhealth.ClassCurrentDebt))
}

func (c *calc) totalAssets() (finhealth.MetricInput, amount) {
	return c.classInput("total_assets", "Total assets",
		finhealth.ClassCash, finhealth.ClassMoneyInTransit, finhealth.ClassReceivable,
		finhealth.ClassOtherCurrentAsset, finhealth.ClassLongTermAsset)
}

func (c *calc) workingCapital() finhealth.MetricValue {
	m := c.newMetric(MetricWorkingCapital)
	ca, a := c.currentAssets()
	cl, l := c.currentLiabilities()
	m.Inputs = append([]finhealth.MetricInput{ca, cl}, c.overdraftInput()...)
	m.Notes = c.liquidityNotes()
	wc := a.minus(l)
	if wc.over {
		notEnough(&m, overflowReason)
		return m
	}
	m.Money = c.money(wc.v)
	if wc.v < 0 {
		m.Band = "negative"
		m.Note = "Negative: what falls due within a year is more than what will turn into cash."
	} else {
		m.Band = "positive"
	}
	return m
}

// ratioMetric is the shared shape of current, quick and cash ratios: num over current
// liabilities, where no liabilities is a named case rather than an infinity.
func (c *calc) ratioMetric(name string, num finhealth.MetricInput, n amount) finhealth.MetricValue {
	m := c.newMetric(name)
	cl, l := c.currentLiabilities()
	m.Inputs = append([]finhealth.MetricInput{num, cl}, c.overdraftInput()...)
	m.Notes = c.liquidityNotes()
	switch {
	case n.over || l.over:
		notEnough(&m, overflowReason)
	case l.v <= 0 && n.v <= 0:
		notEnough(&m, "Nothing is recorded in current assets or current liabilities; check that bank and card accounts are connected and mapped.")
	case l.v <= 0:
		if len(defByName[name].bands) == 0 {
			m.Note = "No short-term liabilities: nothing to divide by."
			return m
		}
		setSpecial(&m, "no_short_term_liabilities",
			"No short-term liabilities are recorded, so there is nothing to cover: counted as healthy rather than as an infinite ratio.")
	default:
		setValue(&m, float64(n.v)/float64(l.v))
	}
	return m
}

func (c *calc) currentRatio() finhealth.MetricValue {
	in, a := c.currentAssets()
	return c.ratioMetric(MetricCurrentRatio, in, a)
}

func (c *calc) quickRatio() finhealth.MetricValue {
	in, a := c.classInput("quick_assets", "Cash, money in transit and receivables",
		finhealth.ClassCash, finhealth.ClassMoneyInTransit, finhealth.ClassReceivable)
	return c.ratioMetric(MetricQuickRatio, in, a)
}

func (c *calc) cashRatio() finhealth.MetricValue {
	in, a := c.classInput("cash", "Cash", finhealth.ClassCash)
	return c.ratioMetric(MetricCashRatio, in, a)
}

func (c *calc) overdueShare() finhealth.MetricValue {
	m := c.newMetric(MetricOverdueShare)
	if !c.invoicesOK {
		return c.overdueFromCustomers(m)
	}
	m.Notes = c.invoiceNote
	m.Inputs = []finhealth.MetricInput{
		c.openInput("overdue", "Amount due on invoices past their due date", -2),
		c.openInput("open", "Amount due on all open invoices", -1),
		c.openInput("over_90_days", "Amount due on invoices more than 90 days past due", bucketOver90),
	}
	m.Inputs = append(m.Inputs, c.topOverdue()...)
	switch {
	case c.openDue.over || c.overdueDue.over:
		notEnough(&m, overflowReason)
	case c.openDue.v == 0 && c.issuedYear == 0:
		notEnough(&m, "No invoice was issued in the last 365 days and none is open.")
	case c.openDue.v == 0:
		setSpecial(&m, "nothing_outstanding", "Every invoice of the last year is paid: nothing is owed to the business.")
	default:
		setValue(&m, float64(c.overdueDue.v)/float64(c.openDue.v)*100)
	}
	return m
}

// overdueFromCustomers falls back on Wave's per-customer totals when invoices cannot be
// read: they answer the same question, without the aging detail.
func (c *calc) overdueFromCustomers(m finhealth.MetricValue) finhealth.MetricValue {
	m.Formula = "customers' overdue amounts / customers' outstanding amounts x 100 (invoices cannot be read)"
	m.Notes = c.customerNote
	m.Inputs = []finhealth.MetricInput{
		c.moneyInput("overdue", "Customers' overdue amounts in Wave", c.customersOverdue, nil),
		c.moneyInput("open", "Customers' outstanding amounts in Wave", c.customersOutstanding, nil),
	}
	switch {
	case c.customersOutstanding.over || c.customersOverdue.over:
		notEnough(&m, overflowReason)
	case c.customersOutstanding.v <= 0:
		notEnough(&m, c.invoiceWhy+" No customer has an outstanding balance either.")
	default:
		overdue := min(max(c.customersOverdue.v, 0), c.customersOutstanding.v)
		setValue(&m, float64(overdue)/float64(c.customersOutstanding.v)*100)
	}
	return m
}

// topOverdue names the customers owing the most past due, largest first.
func (c *calc) topOverdue() []finhealth.MetricInput {
	type owed struct {
		id  string
		amt int64
	}
	var all []owed
	for id, v := range c.custOverdue {
		all = append(all, owed{id, v})
	}
	slices.SortFunc(all, func(a, b owed) int {
		if r := cmp.Compare(b.amt, a.amt); r != 0 {
			return r
		}
		return cmp.Compare(a.id, b.id)
	})
	var out []finhealth.MetricInput
	for i := 0; i < len(all) && i < topOverdueCustomers; i++ {
		name := c.custName[all[i].id]
		if name == "" {
			name = "customer " + all[i].id
		}
		out = append(out, finhealth.MetricInput{
			Name:   "overdue_customer_" + strconv.Itoa(i+1),
			Label:  name,
			Amount: c.money(all[i].amt),
		})
	}
	return out
}

func (c *calc) agingBucket(b int) finhealth.MetricValue {
	m := c.newMetric(bucketMetric[b])
	if !c.invoicesOK {
		notEnough(&m, c.invoiceWhy)
		return m
	}
	m.Notes = c.invoiceNote
	in := c.openInput("invoices", "Open invoices in this bucket", b)
	m.Inputs = []finhealth.MetricInput{in}
	m.Money = c.money(c.buckets[b].v)
	return m
}

func (c *calc) dso() finhealth.MetricValue {
	m := c.newMetric(MetricDSO)
	if !c.invoicesOK {
		notEnough(&m, c.invoiceWhy)
		return m
	}
	m.Notes = c.invoiceNote
	sales := c.revenue[1] // the 90-day window
	m.Inputs = []finhealth.MetricInput{
		c.openInput("open", "Amount due on open invoices", -1),
		{Name: "sales", Label: "Invoiced sales, last 90 days", Amount: c.money(sales.v), InvoiceCount: c.revCount[1]},
		{Name: "days", Label: "Days in the window", Value: ptr(float64(dsoWindow))},
	}
	switch {
	case c.openDue.over || sales.over:
		notEnough(&m, overflowReason)
	case sales.v <= 0 && c.openDue.v <= 0:
		notEnough(&m, "No invoice was issued in the last 90 days and none is open.")
	case sales.v <= 0:
		setSpecial(&m, "no_recent_sales",
			"Customers still owe money but nothing was invoiced in the last 90 days: collection is slower than the window can measure.")
	default:
		setValue(&m, float64(c.openDue.v)/float64(sales.v)*dsoWindow)
	}
	return m
}

func (c *calc) debtToEquity() finhealth.MetricValue {
	m := c.newMetric(MetricDebtToEquity)
	assets, a := c.totalAssets()
	liabs, l := c.plusOverdrafts(c.classInput("total_liabilities", "Total liabilities",
		finhealth.ClassCurrentLiability, finhealth.ClassCurrentDebt, finhealth.ClassLongTermDebt, finhealth.ClassLongTermLiability))
	debt, _ := c.borrowings()
	eq := a.minus(l)
	m.Inputs = append([]finhealth.MetricInput{assets, liabs, {Name: "equity", Label: "Equity (assets - liabilities)", Amount: c.money(eq.v)}, debt},
		c.overdraftInput()...)
	m.Notes = c.balanceNotes
	switch {
	case eq.over:
		notEnough(&m, overflowReason)
	case len(assets.Accounts) == 0 && len(liabs.Accounts) == 0:
		notEnough(&m, "No account is mapped as an asset or a liability.")
	case a.v == 0 && l.v == 0:
		notEnough(&m, "Every asset and liability account has a zero balance.")
	case eq.v <= 0:
		setSpecial(&m, "negative_equity", fmt.Sprintf(
			"Liabilities of %s are not covered by assets of %s: equity is %s, so the ratio has no meaning and the band is the lowest.",
			c.money(l.v).Display(), c.money(a.v).Display(), c.money(eq.v).Display()))
	case l.v <= 0:
		setSpecial(&m, "no_liabilities", "No liabilities are recorded.")
	default:
		setValue(&m, float64(l.v)/float64(eq.v))
	}
	return m
}

var revenueMetric = [len(revenueWindows)]string{MetricRevenue30d, MetricRevenue90d, MetricRevenue365d}
var growthMetric = [len(revenueWindows)]string{MetricRevenueGrowth30d, MetricRevenueGrowth90d, MetricRevenueGrowth1y}

func (c *calc) revenueMetric(w int) finhealth.MetricValue {
	m := c.newMetric(revenueMetric[w])
	if !c.invoicesOK {
		notEnough(&m, c.invoiceWhy)
		return m
	}
	m.Notes = c.invoiceNote
	m.Inputs = []finhealth.MetricInput{{Name: "invoices", Label: "Issued invoices dated in the window",
		Amount: c.money(c.revenue[w].v), InvoiceCount: c.revCount[w]}}
	if c.revenue[w].over {
		notEnough(&m, overflowReason)
		return m
	}
	m.Money = c.money(c.revenue[w].v)
	return m
}

func (c *calc) growthMetric(w int) finhealth.MetricValue {
	m := c.newMetric(growthMetric[w])
	if !c.invoicesOK {
		notEnough(&m, c.invoiceWhy)
		return m
	}
	n := revenueWindows[w]
	m.Notes = c.invoiceNote
	m.Inputs = []finhealth.MetricInput{
		{Name: "this_period", Label: fmt.Sprintf("Invoiced sales, last %d days", n), Amount: c.money(c.revenue[w].v)},
		{Name: "previous_period", Label: fmt.Sprintf("Invoiced sales, the %d days before", n), Amount: c.money(c.previous[w].v)},
	}
	switch {
	case c.revenue[w].over || c.previous[w].over:
		notEnough(&m, overflowReason)
	case c.previous[w].v <= 0:
		notEnough(&m, fmt.Sprintf("Nothing was invoiced in the %d days before the last %d, so there is nothing to compare with.", n, n))
	default:
		setValue(&m, float64(c.revenue[w].v-c.previous[w].v)/float64(c.previous[w].v)*100)
	}
	return m
}

// baseSnapshot picks the history snapshot to measure changes against.
func (c *calc) baseSnapshot(history []finhealth.BalanceSnapshot) (*finhealth.BalanceSnapshot, string) {
	i, otherCurrency := baseIndex(history, c.snapAsOf, c.cur, c.exp)
	if i >= 0 {
		return &history[i], ""
	}
	why := "These need two snapshots of the books at least 25 days apart (and at most 400); finhealth takes one at every sync, so they appear after about a month of syncing."
	if otherCurrency {
		why += " Earlier snapshots in another currency cannot be compared."
	}
	return nil, why
}

// BaseSnapshot is the index of the snapshot of history that ComputeMetrics compares
// books dated snapAsOf (in currency and exponent) with, or -1 when none qualifies.
// It reads only the snapshots' dates and currencies, and ComputeMetrics reads the
// balances of that one snapshot alone, so a caller may pass a long history with
// only the chosen snapshot's balances filled in and get the same metrics.
func BaseSnapshot(history []finhealth.BalanceSnapshot, snapAsOf time.Time, currency string, exponent int) int {
	i, _ := baseIndex(history, snapAsOf, currency, exponent)
	return i
}

// baseIndex picks the snapshot closest to baseTarget old among those historyMin to
// historyMax old in the same currency, the older on a tie; otherCurrency says
// whether one was passed over for its currency.
func baseIndex(history []finhealth.BalanceSnapshot, snapAsOf time.Time, currency string, exponent int) (best int, otherCurrency bool) {
	best = -1
	var bestDist time.Duration
	for i := range history {
		h := &history[i]
		age := snapAsOf.Sub(h.AsOf)
		if age < historyMin || age > historyMax {
			continue
		}
		if h.Currency != currency || h.CurrencyExponent != exponent {
			otherCurrency = true
			continue
		}
		dist := age - baseTarget
		if dist < 0 {
			dist = -dist
		}
		if best < 0 || dist < bestDist || dist == bestDist && h.AsOf.Before(history[best].AsOf) {
			best, bestDist = i, dist
		}
	}
	return best, otherCurrency
}

// flows are the changes of the profit-and-loss classes, of cash and of borrowings
// between the base snapshot and now.
type flows struct {
	base     *finhealth.BalanceSnapshot
	then     map[string]int64 // each account's counted balance at the base snapshot
	days     float64
	revenue  amount // change in sales
	other    amount // change in other income
	cost     amount // change in cost of sales
	expense  amount // change in expenses
	cash     amount // change in cash (the bank accounts above zero)
	cashNow  amount
	cashThen amount
	debt     amount // change in borrowings, overdrafts included
	debtNow  amount
	debtThen amount
}

// flows measures each class over the same accounts at both dates: the accounts counted
// now, with a zero base for an account opened since. An account deleted since is in
// neither, so a change of chart is never mistaken for income or spending.
func (c *calc) flows(base *finhealth.BalanceSnapshot) flows {
	f := flows{base: base, days: c.snapAsOf.Sub(base.AsOf).Hours() / 24}
	then := make(map[string]int64, len(base.Balances))
	for _, b := range base.Balances {
		if e, ok := c.entries[b.AccountID]; ok {
			if v, ok := signedBalance(e, b.Balance, c.cur, c.exp); ok {
				then[b.AccountID] = v
			}
		}
	}
	change := func(cl finhealth.AccountClass) (delta, before amount) {
		t := c.classes[cl]
		for _, id := range t.accounts {
			before = before.plus(amount{v: then[id]})
		}
		return t.amount.minus(before), before
	}
	f.then = then
	f.revenue, _ = change(finhealth.ClassRevenue)
	f.other, _ = change(finhealth.ClassOtherIncome)
	f.cost, _ = change(finhealth.ClassCostOfSales)
	f.expense, _ = change(finhealth.ClassExpense)
	// Each bank account is split by its sign at each date, since it may be overdrawn at
	// one and not at the other: above zero it is cash, below it is owed to the bank.
	var overdraftThen amount
	for _, ids := range [][]string{c.classes[finhealth.ClassCash].accounts, c.overdrafts.accounts} {
		for _, id := range ids {
			if v := then[id]; v >= 0 {
				f.cashThen = f.cashThen.plus(amount{v: v})
			} else {
				overdraftThen = overdraftThen.minus(amount{v: v})
			}
		}
	}
	f.cashNow = c.classes[finhealth.ClassCash].amount
	f.cash = f.cashNow.minus(f.cashThen)
	_, currentDebtThen := change(finhealth.ClassCurrentDebt)
	_, longDebtThen := change(finhealth.ClassLongTermDebt)
	_, debtNow := c.borrowings()
	f.debtNow = debtNow
	f.debtThen = currentDebtThen.plus(longDebtThen).plus(overdraftThen)
	f.debt = f.debtNow.minus(f.debtThen)
	return f
}

// window names the period every history metric is measured over.
func (f flows) window() []finhealth.MetricInput {
	return []finhealth.MetricInput{
		{Name: "from", Label: "Earlier snapshot " + f.base.AsOf.UTC().Format(time.DateOnly)},
		{Name: "days", Label: "Days between the snapshots", Value: ptr(roundTo(f.days, 1))},
	}
}

var historyMetricNames = []string{MetricCashBufferDays, MetricRunwayMonths, MetricNetMargin, MetricGrossMargin}

func (c *calc) historyMetrics(history []finhealth.BalanceSnapshot) []finhealth.MetricValue {
	out := make([]finhealth.MetricValue, len(historyMetricNames))
	for i, name := range historyMetricNames {
		out[i] = c.newMetric(name)
	}
	base, why := c.baseSnapshot(history)
	if base == nil {
		for i := range out {
			notEnough(&out[i], why)
		}
		return out
	}
	f := c.flows(base)
	window := f.window()
	for i := range out {
		out[i].Inputs = append(out[i].Inputs, window...)
		out[i].Notes = c.balanceNotes
	}
	c.cashBuffer(&out[0], f)
	c.runway(&out[1], f)
	c.margins(&out[2], &out[3], f)
	return out
}

// fiscalReset explains a fall in a profit-and-loss balance: with year-to-date balances
// the books restart at every fiscal year end, and the change across it is meaningless.
const fiscalReset = "The %s balances fell between the snapshots, which happens when a fiscal year closes between them; " +
	"this fills in once two snapshots fall within the same fiscal year."

func (c *calc) cashBuffer(m *finhealth.MetricValue, f flows) {
	out := f.cost.plus(f.expense)
	perDay := float64(out.v) / f.days
	m.Inputs = append(m.Inputs,
		c.moneyInput("cash", "Cash now", f.cashNow, c.classes[finhealth.ClassCash].accounts),
		c.moneyInput("outflows", "Cost of sales and expenses between the snapshots", out,
			append(slices.Clone(c.classes[finhealth.ClassCostOfSales].accounts), c.classes[finhealth.ClassExpense].accounts...)),
	)
	m.Inputs = append(m.Inputs, c.overdraftInput()...)
	switch {
	case out.over || f.cashNow.over:
		notEnough(m, overflowReason)
	case f.cost.v < 0 || f.expense.v < 0:
		notEnough(m, fmt.Sprintf(fiscalReset, "expense"))
	case out.v == 0:
		notEnough(m, "No cost of sales or expenses were recorded between the snapshots.")
	default:
		m.Inputs = append(m.Inputs, c.moneyInput("daily_outflows", "Average outflows per day", amount{v: roundMinor(perDay)}, nil))
		setValue(m, float64(f.cashNow.v)/perDay)
	}
}

// runway measures the burn from operations: the fall in cash not paid for by new
// borrowing. Money drawn on a line of credit raises cash and debt alike, so it cannot
// hide a burn; repaying a loan lowers both, so it does not count as one either.
func (c *calc) runway(m *finhealth.MetricValue, f flows) {
	debt, _ := c.borrowings()
	m.Inputs = append(m.Inputs,
		c.moneyInput("cash", "Cash now", f.cashNow, c.classes[finhealth.ClassCash].accounts),
		c.moneyInput("cash_then", "Cash at the earlier snapshot", f.cashThen, nil),
		c.moneyInput("borrowings", "Borrowings now (loans, lines of credit, owner loans, overdrafts)", f.debtNow, debt.Accounts),
		c.moneyInput("borrowings_then", "Borrowings at the earlier snapshot", f.debtThen, nil),
	)
	m.Inputs = append(m.Inputs, c.overdraftInput()...)
	operating := f.cash.minus(f.debt)
	switch {
	case f.cash.over || f.cashNow.over || f.cashThen.over || f.debt.over || operating.over:
		notEnough(m, overflowReason)
	case f.cashNow.v <= 0:
		// Overdrafts are debts, not cash: a business whose accounts are all empty or
		// overdrawn has no runway left, whatever the trend.
		setValue(m, 0)
		m.Note = "No cash left: every bank account is at zero or overdrawn."
	case operating.v >= 0:
		setSpecial(m, "not_burning", "Cash, net of what was borrowed or repaid, did not fall between the snapshots, so at this pace it does not run out.")
	default:
		burn := -float64(operating.v) / f.days * daysPerMonth
		m.Inputs = append(m.Inputs, c.moneyInput("monthly_burn", "Fall in cash not paid for by borrowing, per month", amount{v: roundMinor(burn)}, nil))
		setValue(m, float64(f.cashNow.v)/burn)
	}
}

func (c *calc) margins(net, gross *finhealth.MetricValue, f flows) {
	profit := f.netIncome()
	grossProfit := f.revenue.minus(f.cost)
	sales := c.moneyInput("sales", "Sales between the snapshots", f.revenue, c.classes[finhealth.ClassRevenue].accounts)
	cost := c.moneyInput("cost_of_sales", "Cost of sales between the snapshots", f.cost, c.classes[finhealth.ClassCostOfSales].accounts)
	net.Inputs = append(net.Inputs, sales,
		c.moneyInput("other_income", "Other income between the snapshots", f.other, c.classes[finhealth.ClassOtherIncome].accounts),
		cost,
		c.moneyInput("expenses", "Expenses between the snapshots", f.expense, c.classes[finhealth.ClassExpense].accounts),
		c.moneyInput("profit", "Net profit", profit, nil))
	gross.Inputs = append(gross.Inputs, sales, cost, c.moneyInput("gross_profit", "Gross profit", grossProfit, nil))
	for _, m := range []*finhealth.MetricValue{net, gross} {
		switch {
		case profit.over || grossProfit.over:
			notEnough(m, overflowReason)
		case f.revenue.v < 0 || f.cost.v < 0 || f.expense.v < 0:
			notEnough(m, fmt.Sprintf(fiscalReset, "income or expense"))
		case f.revenue.v == 0 && m == net && profit.v < 0:
			// Spending with nothing sold is the worst profitability there is, not missing data.
			setSpecial(m, "loss_without_sales", fmt.Sprintf(
				"A loss with no sales: nothing was sold between the snapshots, and the net result is %s.", c.money(profit.v).Display()))
		case f.revenue.v == 0:
			notEnough(m, "No sales were recorded between the snapshots.")
		case m == net:
			setValue(m, float64(profit.v)/float64(f.revenue.v)*100)
		default:
			setValue(m, float64(grossProfit.v)/float64(f.revenue.v)*100)
		}
	}
}

// roundMinor rounds a derived amount (a daily or monthly average) to the minor unit for
// display; the metric itself is computed from the exact totals.
func roundMinor(v float64) int64 {
	r := math.Round(v)
	if r >= math.MaxInt64 || r < math.MinInt64 || math.IsNaN(r) {
		return 0
	}
	return int64(r)
}
