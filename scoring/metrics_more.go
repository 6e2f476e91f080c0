package scoring

import (
	"fmt"
	"slices"
	"strings"

	"finhealth"
)

// The metrics owners and advisors expect beside the first set: how long suppliers
// wait, how long cash is tied up, what the assets earn, how well profit covers
// interest, and the cash buffer and runway in weeks. All of them need two snapshots.
// A fact of today's books that rules a metric out (no payables, no inventory, no
// assets, no interest account) is given as the reason before the missing history,
// because waiting for a second snapshot would not change it.

// interestWord marks an expense account as interest. Wave has no interest subtype,
// so the name ("Interest Expense", "Loan interest") is the only clue the books give.
const interestWord = "interest"

const noPayables = "The books record no payables (Wave's API has no bills): the payable accounts are missing or at zero. " +
	"Days payables outstanding is left out rather than counted as paying promptly, which would flatter the score; " +
	"record supplier bills in Wave to measure it."

func (c *calc) moreMetrics(history []finhealth.BalanceSnapshot, done []finhealth.MetricValue) []finhealth.MetricValue {
	var f *flows
	base, why := c.baseSnapshot(history)
	if base != nil {
		fl := c.flows(base)
		f = &fl
	}
	dpo := c.daysPayables(f, why)
	return []finhealth.MetricValue{
		c.inWeeks(MetricCashBufferWeeks, metricIn(done, MetricCashBufferDays), f, cashBufferWeeks),
		c.inWeeks(MetricRunwayWeeks, metricIn(done, MetricRunwayMonths), f, runwayWeeks),
		dpo,
		c.cashConversion(f, why, metricIn(done, MetricDSO), dpo),
		c.returnOnAssets(f, why),
		c.interestCover(f, why),
	}
}

// metricIn finds a metric ComputeMetrics has already computed.
func metricIn(ms []finhealth.MetricValue, name string) finhealth.MetricValue {
	return ms[slices.IndexFunc(ms, func(m finhealth.MetricValue) bool { return m.Name == name })]
}

// netIncome is the profit the margins, return on assets and interest cover share.
func (f flows) netIncome() amount {
	return f.revenue.plus(f.other).minus(f.cost).minus(f.expense)
}

// plFell tells a fiscal year closed between the snapshots (see fiscalReset).
func (f flows) plFell() bool {
	return f.revenue.v < 0 || f.cost.v < 0 || f.expense.v < 0
}

// withPeriod gives m the snapshot window, or makes it not enough data when there is
// no earlier snapshot; it reports whether m can be computed further.
func withPeriod(m *finhealth.MetricValue, f *flows, why string) bool {
	if f == nil {
		notEnough(m, why)
		return false
	}
	m.Inputs = append(m.Inputs, f.window()...)
	return true
}

// part is the accounts of one class that one metric reads, and their sum now.
type part struct {
	ids []string
	now amount
}

func (c *calc) part(cl finhealth.AccountClass, keep func(e *finhealth.AccountMappingEntry) bool) part {
	t := c.classes[cl]
	var p part
	for i, id := range t.accounts {
		if keep(c.entries[id]) {
			p.ids = append(p.ids, id)
			p.now = p.now.plus(amount{v: t.amounts[i]})
		}
	}
	return p
}

// change is the part's growth since the base snapshot, over the same accounts (an
// account opened since starts from zero), as flows measures whole classes.
func (p part) change(f *flows) amount {
	var before amount
	for _, id := range p.ids {
		before = before.plus(amount{v: f.then[id]})
	}
	return p.now.minus(before)
}

// flowInput is a change between the snapshots with the accounts of the classes it
// was measured on.
func (c *calc) flowInput(name, label string, a amount, classes ...finhealth.AccountClass) finhealth.MetricInput {
	var ids []string
	for _, cl := range classes {
		ids = append(ids, c.classes[cl].accounts...)
	}
	return c.moneyInput(name, label, a, ids)
}

func (c *calc) profitInput(profit amount) finhealth.MetricInput {
	return c.flowInput("profit", "Net profit between the snapshots (sales + other income - cost of sales - expenses)", profit,
		finhealth.ClassRevenue, finhealth.ClassOtherIncome, finhealth.ClassCostOfSales, finhealth.ClassExpense)
}

// inWeeks restates a metric in weeks: the same status, reason, inputs and notes, and
// the value computed from the same exact figures rather than from the rounded one,
// so that weeks and days (or months) never disagree by more than their rounding.
func (c *calc) inWeeks(name string, src finhealth.MetricValue, f *flows, weeks func(flows) float64) finhealth.MetricValue {
	m := c.newMetric(name)
	m.Status, m.Reason, m.Note = src.Status, src.Reason, src.Note
	m.Inputs, m.Notes = slices.Clip(slices.Clone(src.Inputs)), src.Notes
	if src.Value != nil {
		setValue(&m, weeks(*f))
	}
	return m
}

// cashBufferWeeks is cash / average daily outflows / 7, as cashBuffer computes the days.
func cashBufferWeeks(f flows) float64 {
	return float64(f.cashNow.v) / (float64(f.cost.plus(f.expense).v) / f.days) / 7
}

// runwayWeeks is cash / the fall in cash not paid for by borrowing, per 7 days, as
// runway computes the months; cash at or below zero has no runway left.
func runwayWeeks(f flows) float64 {
	if f.cashNow.v <= 0 {
		return 0
	}
	return float64(f.cashNow.v) / (-float64(f.cash.minus(f.debt).v) / f.days * 7)
}

func (c *calc) daysPayables(f *flows, why string) finhealth.MetricValue {
	m := c.newMetric(MetricDPO)
	m.Notes = c.balanceNotes
	pay := c.part(finhealth.ClassCurrentLiability, func(e *finhealth.AccountMappingEntry) bool {
		return payableSubtypes[e.Subtype]
	})
	m.Inputs = []finhealth.MetricInput{c.moneyInput("payables", "Payables (accounts payable, bills and other payables)", pay.now, pay.ids)}
	switch {
	case pay.now.over:
		notEnough(&m, overflowReason)
		return m
	case pay.now.v == 0:
		notEnough(&m, noPayables)
		return m
	case pay.now.v < 0:
		notEnough(&m, fmt.Sprintf("The payable accounts show %s owed to the business (suppliers paid ahead), so there is no payment period to measure.",
			c.money(-pay.now.v).Display()))
		return m
	}
	if !withPeriod(&m, f, why) {
		return m
	}
	out := f.cost.plus(f.expense)
	m.Inputs = append(m.Inputs, c.flowInput("outflows", "Cost of sales and expenses between the snapshots", out,
		finhealth.ClassCostOfSales, finhealth.ClassExpense))
	switch {
	case out.over:
		notEnough(&m, overflowReason)
	case f.cost.v < 0 || f.expense.v < 0:
		notEnough(&m, fmt.Sprintf(fiscalReset, "expense"))
	case out.v == 0:
		notEnough(&m, "No cost of sales or expenses were recorded between the snapshots.")
	default:
		setValue(&m, float64(pay.now.v)/float64(out.v)*f.days)
	}
	return m
}

func (c *calc) cashConversion(f *flows, why string, dso, dpo finhealth.MetricValue) finhealth.MetricValue {
	m := c.newMetric(MetricCashConversion)
	m.Notes = c.balanceNotes
	inv := c.part(finhealth.ClassOtherCurrentAsset, func(e *finhealth.AccountMappingEntry) bool {
		return e.Subtype == finhealth.SubtypeInventory
	})
	m.Inputs = []finhealth.MetricInput{c.moneyInput("inventory", "Inventory", inv.now, inv.ids)}
	switch {
	case inv.now.over:
		notEnough(&m, overflowReason)
		return m
	case inv.now.v <= 0:
		notEnough(&m, "The books record no inventory: the cash conversion cycle is measured only for businesses that hold stock.")
		return m
	}
	if !withPeriod(&m, f, why) {
		return m
	}
	m.Inputs = append(m.Inputs, c.flowInput("cost_of_sales", "Cost of sales between the snapshots", f.cost, finhealth.ClassCostOfSales))
	switch {
	case f.cost.over:
		notEnough(&m, overflowReason)
	case f.cost.v < 0:
		notEnough(&m, fmt.Sprintf(fiscalReset, "cost of sales"))
	case f.cost.v == 0:
		notEnough(&m, "No cost of sales was recorded between the snapshots, so the days the inventory lasts cannot be measured.")
	case dso.Value == nil:
		notEnough(&m, "Days sales outstanding is not available: "+whyNoValue(dso))
	case dpo.Value == nil:
		notEnough(&m, "Days payables outstanding is not available: "+whyNoValue(dpo))
	default:
		// Each part is rounded as its own metric shows it, so the parts on the page add
		// up to the cycle shown.
		dio := roundTo(float64(inv.now.v)/float64(f.cost.v)*f.days, defByName[MetricDSO].decimals)
		m.Inputs = append(m.Inputs,
			finhealth.MetricInput{Name: "days_inventory_outstanding", Label: "Days inventory outstanding (inventory / cost of sales x days)", Value: ptr(dio)},
			finhealth.MetricInput{Name: "days_sales_outstanding", Label: "Days sales outstanding", Value: dso.Value},
			finhealth.MetricInput{Name: "days_payables_outstanding", Label: "Days payables outstanding", Value: dpo.Value})
		setValue(&m, dio+*dso.Value-*dpo.Value)
	}
	return m
}

// whyNoValue is what a metric without a value says about it: its reason, or the note
// of a case that has no number.
func whyNoValue(m finhealth.MetricValue) string {
	if m.Reason != "" {
		return m.Reason
	}
	return m.Note
}

func (c *calc) returnOnAssets(f *flows, why string) finhealth.MetricValue {
	m := c.newMetric(MetricReturnOnAssets)
	m.Notes = c.balanceNotes
	assets, a := c.totalAssets()
	m.Inputs = []finhealth.MetricInput{assets}
	switch {
	case a.over:
		notEnough(&m, overflowReason)
		return m
	case a.v <= 0:
		notEnough(&m, "Total assets are zero or less, so there is nothing to measure a return on.")
		return m
	}
	if !withPeriod(&m, f, why) {
		return m
	}
	profit := f.netIncome()
	m.Inputs = append(m.Inputs, c.profitInput(profit))
	switch {
	case profit.over:
		notEnough(&m, overflowReason)
	case f.plFell():
		notEnough(&m, fmt.Sprintf(fiscalReset, "income or expense"))
	case f.revenue.v == 0 && f.other.v == 0 && f.cost.v == 0 && f.expense.v == 0:
		notEnough(&m, "No income or expenses were recorded between the snapshots.")
	default:
		yearly := float64(profit.v) * 365 / f.days
		m.Inputs = append(m.Inputs, c.moneyInput("annual_profit", "Net profit per year at this pace (x 365 / days)", amount{v: roundMinor(yearly)}, nil))
		setValue(&m, yearly/float64(a.v)*100)
	}
	return m
}

func (c *calc) interestCover(f *flows, why string) finhealth.MetricValue {
	m := c.newMetric(MetricInterestCover)
	m.Notes = c.balanceNotes
	in := c.part(finhealth.ClassExpense, func(e *finhealth.AccountMappingEntry) bool {
		return strings.Contains(strings.ToLower(e.AccountName), interestWord)
	})
	if len(in.ids) == 0 {
		notEnough(&m, `No interest expense found in the accounts: no expense account's name contains "interest" (such as "Interest Expense" or "Loan interest").`)
		return m
	}
	if !withPeriod(&m, f, why) {
		return m
	}
	interest, profit := in.change(f), f.netIncome()
	ebit := profit.plus(interest)
	m.Inputs = append(m.Inputs,
		c.moneyInput("interest", "Interest expense between the snapshots (expense accounts named interest)", interest, in.ids),
		c.profitInput(profit),
		c.moneyInput("ebit", "Earnings before interest (net profit + interest expense)", ebit, nil))
	switch {
	case ebit.over || interest.over:
		notEnough(&m, overflowReason)
	case f.plFell() || interest.v < 0:
		notEnough(&m, fmt.Sprintf(fiscalReset, "income or expense"))
	case interest.v == 0:
		notEnough(&m, "No interest expense was recorded between the snapshots.")
	default:
		setValue(&m, float64(ebit.v)/float64(interest.v))
		if ebit.v < 0 {
			m.Note = "A loss before interest: earnings cover none of the interest."
		}
	}
	return m
}
