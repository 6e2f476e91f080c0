package scoring

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"finhealth"
)

// recommendHealth picks the components that cost the score most and says, with their
// own numbers, what to do about each.
func recommendHealth(comps []finhealth.HealthComponent, metrics map[string]*finhealth.MetricValue, a *finhealth.Assessment) []finhealth.Recommendation {
	type cand struct {
		c    *finhealth.HealthComponent
		lost float64
	}
	var cands []cand
	var lowest *finhealth.HealthComponent
	for i := range comps {
		c := &comps[i]
		if c.Status != finhealth.MetricOK || c.Points == nil {
			continue
		}
		if lowest == nil || *c.Points < *lowest.Points {
			lowest = c
		}
		if *c.Points < healthyComponent {
			cands = append(cands, cand{c, c.EffectiveWeight * (100 - *c.Points)})
		}
	}
	// Most score lost first; then the weaker; then the order of the components, so the
	// choice never depends on float noise between equal candidates.
	slices.SortStableFunc(cands, func(x, y cand) int {
		if d := y.lost - x.lost; math.Abs(d) > 1e-9 {
			return cmp.Compare(y.lost, x.lost)
		}
		return cmp.Compare(*x.c.Points, *y.c.Points)
	})
	if len(cands) == 0 {
		return []finhealth.Recommendation{{
			Category: lowest.Name,
			Priority: 1,
			Title:    "Keep up what got you here",
			Detail: fmt.Sprintf("Every part of your score is at %d points or more. Keep Wave synced and answer the questionnaire again "+
				"every few months so the score stays current; watch %s most closely, at %s points.",
				healthyComponent, lowercaseFirst(lowest.Label), formatPoints(*lowest.Points)),
		}}
	}
	out := make([]finhealth.Recommendation, 0, maxRecommendations)
	for i := 0; i < len(cands) && i < maxRecommendations; i++ {
		c := cands[i].c
		var title, detail string
		if c.Source == finhealth.SourceQuestionnaire {
			title, detail = questionnaireAdvice(c, a)
		} else {
			title, detail = metricAdvice(metrics[c.Name])
		}
		out = append(out, finhealth.Recommendation{Category: c.Name, Priority: i + 1, Title: title, Detail: detail})
	}
	return out
}

func questionnaireAdvice(c *finhealth.HealthComponent, a *finhealth.Assessment) (string, string) {
	label := strings.TrimSuffix(c.Label, " (questionnaire)")
	lead := fmt.Sprintf("Your questionnaire answers put %s at %s out of 100. ", label, formatPoints(*c.Points))
	if a != nil {
		id := strings.TrimPrefix(c.Name, questionnairePrefix)
		for _, r := range a.Recommendations {
			if r.Category == id {
				return r.Title, lead + r.Detail
			}
		}
	}
	return "Work on " + lowercaseFirst(label), lead + fmt.Sprintf("A healthy pillar scores %d or more; the answers that scored lowest "+
		"in this pillar are where to start, and answering again after acting on them updates the score.", healthyComponent)
}

// metricAdvice turns a weak metric into a concrete step quoting its numbers.
func metricAdvice(m *finhealth.MetricValue) (string, string) {
	in := func(name string) string { return inputMoney(m, name) }
	v := valueText(m)
	switch m.Name {
	case MetricCurrentRatio:
		return "Strengthen your short-term cover: current ratio " + v, fmt.Sprintf(
			"Current assets of %s cover current liabilities of %s %s times. Below 1.0 the business cannot pay what falls due within a year "+
				"from what will turn into cash, and up to 1.5 one bad month can tip it over; 1.5 to 3 is healthy. Collect what customers owe, "+
				"pay for equipment with term finance rather than from working cash, and ask your bank about turning short-term debt you keep "+
				"rolling over into a term loan.", in("current_assets"), in("current_liabilities"), v)
	case MetricQuickRatio:
		return "Hold more cash against short-term bills: quick ratio " + v, fmt.Sprintf(
			"Cash, money in transit and receivables of %s cover current liabilities of %s %s times; 1.0 is the usual minimum, so paying "+
				"today's short-term debts would depend on selling inventory first. Buy stock closer to need and chase what customers owe "+
				"until liquid assets match short-term bills.", in("quick_assets"), in("current_liabilities"), v)
	case MetricCashBufferDays:
		detail := fmt.Sprintf("Cash of %s covers %s days of outflows (%s a day on average since %s). The median small business "+
			"holds 27 days and half hold fewer than 15.", in("cash"), v, in("daily_outflows"), snapshotDate(m))
		// Aim for the median first, and for the comfortable band once past it.
		goal := int64(27)
		if m.Value != nil && *m.Value >= 27 {
			goal = 45
		}
		if target, gap, ok := bufferGap(m, goal); ok {
			detail += fmt.Sprintf(" Reaching %d days means about %s in cash, %s more than now:", goal, target, gap)
		} else {
			detail += fmt.Sprintf(" To reach %d days,", goal)
		}
		return "Build a cash buffer: " + v + " days of outflows in the bank", detail +
			" set a fixed share of every customer payment aside in a separate account until you get there, and cover surprises from it rather than from the card."
	case MetricRunwayMonths:
		return "Extend your runway: about " + v + " months of cash at the current pace", fmt.Sprintf(
			"Cash fell by %s a month on average since %s; at that pace the %s in the bank lasts about %s months. Cut or defer the "+
				"largest costs you can, collect receivables, and arrange a credit line now, while the books still support one.",
			in("monthly_burn"), snapshotDate(m), in("cash"), v)
	case MetricOverdueShare:
		detail := fmt.Sprintf("%s of the %s customers owe you is past its due date (%s%%)", in("overdue"), in("open"), v)
		if over90 := inputAmount(m, "over_90_days"); over90 != nil && over90.Minor > 0 {
			detail += fmt.Sprintf(", %s of it by more than 90 days, which is often never paid", over90.Display())
		}
		detail += "."
		if names := overdueCustomers(m); names != "" {
			detail += " The largest overdue balances: " + names + "."
		}
		return "Collect overdue invoices: " + v + "% of receivables are past due", detail +
			" Call those customers this week, send reminders on the due date and at 7 and 30 days past it, and ask slow payers for a deposit or card payment before new work."
	case MetricDSO:
		if m.Band == "no_recent_sales" {
			return "Collect what is still owed", fmt.Sprintf("Customers owe %s but nothing was invoiced in the last 90 days, so that money "+
				"is older than a quarter. Contact each customer with an open balance and agree a date.", in("open"))
		}
		return "Get paid sooner: " + v + " days sales outstanding", fmt.Sprintf(
			"You wait about %s days to be paid: %s is owed against %s invoiced over the last 90 days, where 30 to 45 days is typical. "+
				"Invoice on delivery rather than at month end, shorten payment terms, and put a card or bank payment link on every invoice.",
			v, in("open"), in("sales"))
	case MetricDebtToEquity:
		if m.Band == "negative_equity" {
			return "Rebuild equity: the business owes more than it owns", fmt.Sprintf(
				"Liabilities of %s exceed assets of %s, so equity is %s; borrowings are %s of the liabilities. Lenders and suppliers read "+
					"this as a risk of insolvency. Stop new borrowing, keep profit in the business rather than drawing it out, and if part "+
					"of the debt is owners' money, consider turning it into equity.",
				in("total_liabilities"), in("total_assets"), in("equity"), in("borrowings"))
		}
		return "Reduce leverage: debt-to-equity " + v, fmt.Sprintf(
			"Liabilities of %s are %s times equity of %s (below 1 is fairly safe, 2 and above risky); borrowings are %s. Pay down "+
				"the most expensive debt first, borrow only for what pays for itself within a year, and keep profit in the business.",
			in("total_liabilities"), v, in("equity"), in("borrowings"))
	case MetricNetMargin:
		if m.Value != nil && *m.Value < 0 {
			return "Stop the losses: net margin " + v + "%", fmt.Sprintf(
				"Since %s, sales of %s left a net result of %s (%s%%). Find which products, services or customers lose money, raise "+
					"prices where you sell below cost, and cut the largest expense lines first.", snapshotDate(m), in("sales"), in("profit"), v)
		}
		return "Improve your margin: you keep " + v + "% of sales", fmt.Sprintf(
			"Since %s the business kept %s of %s in sales as profit (%s%%); 10 to 20%% is strong and under 5%% thin. Review prices at "+
				"least once a year, and look for the costs that grew faster than sales.", snapshotDate(m), in("profit"), in("sales"), v)
	case MetricRevenueGrowth1y, MetricRevenueGrowth90d:
		days := "365"
		if m.Name == MetricRevenueGrowth90d {
			days = "90"
		}
		verb := "are flat"
		switch {
		case m.Value != nil && *m.Value < -2:
			verb = "are falling"
		case m.Value != nil && *m.Value >= 2:
			verb = "grow slowly"
		}
		return "Invoiced sales " + verb + ": " + v + "% over " + days + " days", fmt.Sprintf(
			"You invoiced %s in the last %s days against %s in the %s days before (%s%%). See which customers ordered less and "+
				"ask them why, get back in touch with past customers, and check your prices and offer against competitors'.",
			in("this_period"), days, in("previous_period"), days, v)
	}
	return "Improve " + lowercaseFirst(m.Label), fmt.Sprintf("%s is %s, in the band %q.", m.Label, v, m.Band)
}

func inputAmount(m *finhealth.MetricValue, name string) *finhealth.Money {
	for i := range m.Inputs {
		if m.Inputs[i].Name == name {
			return m.Inputs[i].Amount
		}
	}
	return nil
}

func inputMoney(m *finhealth.MetricValue, name string) string {
	if a := inputAmount(m, name); a != nil {
		return a.Display()
	}
	return "an unknown amount"
}

func valueText(m *finhealth.MetricValue) string {
	if m.Value == nil {
		return "n/a"
	}
	return strconv.FormatFloat(*m.Value, 'f', defByName[m.Name].decimals, 64)
}

func snapshotDate(m *finhealth.MetricValue) string {
	for _, in := range m.Inputs {
		if in.Name == "from" {
			return strings.TrimPrefix(in.Label, "Earlier snapshot ")
		}
	}
	return "the earlier snapshot"
}

// bufferGap is the cash that days of outflows would take, and how much more that is
// than now; false when the inputs are missing or the product would not fit.
func bufferGap(m *finhealth.MetricValue, days int64) (string, string, bool) {
	daily, cash := inputAmount(m, "daily_outflows"), inputAmount(m, "cash")
	if daily == nil || cash == nil || daily.Minor <= 0 || daily.Minor > math.MaxInt64/days {
		return "", "", false
	}
	target := finhealth.Money{Minor: daily.Minor * days, Currency: daily.Currency, Exponent: daily.Exponent}
	gap, err := target.Add(finhealth.Money{Minor: -cash.Minor, Currency: cash.Currency, Exponent: cash.Exponent})
	if err != nil || cash.Minor == math.MinInt64 || gap.Minor <= 0 {
		return "", "", false
	}
	return target.Display(), gap.Display(), true
}

func overdueCustomers(m *finhealth.MetricValue) string {
	var parts []string
	for _, in := range m.Inputs {
		if strings.HasPrefix(in.Name, "overdue_customer_") && in.Amount != nil {
			parts = append(parts, in.Label+" ("+in.Amount.Display()+")")
		}
	}
	return strings.Join(parts, ", ")
}

func formatPoints(p float64) string { return strconv.FormatFloat(p, 'f', -1, 64) }

func lowercaseFirst(s string) string {
	if s == "" || (len(s) > 1 && s[1] >= 'A' && s[1] <= 'Z') {
		return s // an acronym such as "DSO"
	}
	return strings.ToLower(s[:1]) + s[1:]
}
