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

// urgentComponent is the points under which a weak part is urgent, whatever its
// pillar: the questionnaire's "vulnerable" edge.
const urgentComponent = 40

// recommendHealth picks at most three weak components (under 80 points) and says, with
// their own numbers, what to do about each. The most urgent come first: an urgent part
// (under 40 points) before one that only needs work, then cash first (the pillars'
// order: liquidity, receivables, profitability and growth, debt and solvency, planning
// and controls), then the part that costs the score most. A runway of a few weeks thus
// outranks a high debt ratio even where the ratio weighs more.
func recommendHealth(comps []finhealth.HealthComponent, metrics map[string]*finhealth.MetricValue, a *finhealth.Assessment) []finhealth.Recommendation {
	type cand struct {
		c      *finhealth.HealthComponent
		urgent bool
		pillar int
		lost   float64
	}
	order := make(map[string]int, len(pillarDefs))
	for i, d := range pillarDefs {
		order[d.id] = i
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
			cands = append(cands, cand{c, *c.Points < urgentComponent, order[c.Pillar], c.EffectiveWeight * (100 - *c.Points)})
		}
	}
	// Ties fall back on the weaker part, then the components' order, so the choice
	// never depends on float noise between equal candidates.
	slices.SortStableFunc(cands, func(x, y cand) int {
		if x.urgent != y.urgent {
			if x.urgent {
				return -1
			}
			return 1
		}
		if x.pillar != y.pillar {
			return cmp.Compare(x.pillar, y.pillar)
		}
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
			Detail: fmt.Sprintf("Keep Wave synced and retake the questionnaire every few months; watch %s most closely, at %s points.",
				lowercaseFirst(lowest.Label), oneDecimal(*lowest.Points)),
			Why: fmt.Sprintf("Every part of your score is at %d points or more. A score is only as current as the books and answers "+
				"behind it.", healthyComponent),
		}}
	}
	out := make([]finhealth.Recommendation, 0, maxRecommendations)
	for i := 0; i < len(cands) && i < maxRecommendations; i++ {
		c := cands[i].c
		var r finhealth.Recommendation
		if c.Source == finhealth.SourceQuestionnaire {
			r = questionnaireAdvice(c, a)
		} else {
			r = metricAdvice(metrics[c.Name])
		}
		r.Category, r.Priority = c.Name, i+1
		out = append(out, r)
	}
	return out
}

// questionnaireAdvice reuses the questionnaire's own advice for the pillar's lowest
// answers, led by the pillar's answers score.
func questionnaireAdvice(c *finhealth.HealthComponent, a *finhealth.Assessment) finhealth.Recommendation {
	pillar := strings.TrimPrefix(c.Name, answersPrefix)
	label := strings.TrimSuffix(c.Label, " (answers)")
	lead := fmt.Sprintf("Your questionnaire answers put %s at %s out of 100.", lowercaseFirst(label), oneDecimal(*c.Points))
	if a != nil {
		for _, r := range a.Recommendations {
			if pillarOf("", r.Category) == pillar {
				detail, why := firstSentence(r.Detail)
				return finhealth.Recommendation{Title: r.Title, Detail: detail, Why: strings.TrimSpace(lead + " " + why)}
			}
		}
	}
	return finhealth.Recommendation{
		Title:  "Work on " + lowercaseFirst(label),
		Detail: "Start with the answers that scored lowest in this pillar, then answer the questionnaire again to update the score.",
		Why:    fmt.Sprintf("%s A healthy pillar scores %d or more.", lead, healthyComponent),
	}
}

// firstSentence splits advice into its first sentence and the rest.
func firstSentence(s string) (string, string) {
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '.' && s[i+1] == ' ' {
			return s[:i+1], strings.TrimSpace(s[i+1:])
		}
	}
	return s, ""
}

func oneDecimal(v float64) string { return strconv.FormatFloat(roundTo(v, 1), 'f', 1, 64) }

// metricAdvice turns a weak metric into a titled step: one sentence of action with the
// business's own figures, and the why behind it.
func metricAdvice(m *finhealth.MetricValue) finhealth.Recommendation {
	in := func(name string) string { return inputMoney(m, name) }
	v := valueText(m)
	rec := func(title, detail, why string) finhealth.Recommendation {
		return finhealth.Recommendation{Title: title, Detail: detail, Why: why}
	}
	switch m.Name {
	case MetricCurrentRatio:
		return rec("Strengthen your short-term cover", fmt.Sprintf(
			"Current assets of %s cover current liabilities of %s only %s times: collect what customers owe and move debt you keep "+
				"rolling over into a term loan.", in("current_assets"), in("current_liabilities"), v),
			"Below 1.0 the business cannot pay what falls due within a year from what will turn into cash, and up to 1.5 one bad "+
				"month can tip it over; 1.5 to 3 is healthy. Paying for equipment with term finance rather than working cash also helps.")
	case MetricQuickRatio:
		return rec("Hold more cash against short-term bills", fmt.Sprintf(
			"Cash, money in transit and receivable balances of %s cover current liabilities of %s only %s times: buy stock closer to need "+
				"and chase what customers owe.", in("quick_assets"), in("current_liabilities"), v),
			"1.0 is the usual minimum: below it, paying today's short-term debts depends on selling inventory first.")
	case MetricCashBufferDays:
		goal := int64(27) // the median first, the comfortable band once past it
		if m.Value != nil && *m.Value >= 27 {
			goal = 45
		}
		detail := fmt.Sprintf("Cash of %s covers %s days of outflows: set a fixed share of every customer payment aside until it covers %d days",
			in("cash"), v, goal)
		if target, gap, ok := bufferGap(m, goal); ok {
			detail += fmt.Sprintf(" (about %s, %s more than now)", target, gap)
		}
		return rec("Build a cash buffer", detail+".", fmt.Sprintf(
			"Outflows averaged %s a day since %s. The median small business holds 27 days of outflows and half hold fewer than 15 "+
				"(JPMorgan Chase Institute); a buffer in a separate account covers surprises without the card.", in("daily_outflows"), snapshotDate(m)))
	case MetricRunwayMonths:
		return rec("Extend your runway", fmt.Sprintf(
			"At the pace since %s the %s in the bank lasts about %s months: cut or defer the largest costs and arrange a credit line now.",
			snapshotDate(m), in("cash"), v), fmt.Sprintf(
			"Cash fell by %s a month on average, net of new borrowing. A lender judges a business by its books, and they support "+
				"a line better now than in a month's time; collecting receivables buys time too.", in("monthly_burn")))
	case MetricOverdueShare:
		detail := fmt.Sprintf("%s of the %s owed on open invoices is past due (%s%%)", in("overdue"), in("open"), v)
		if names := overdueCustomers(m); names != "" {
			detail += ": call " + names + " this week"
		} else {
			detail += ": call the customers behind it this week"
		}
		why := "Money owed late is the money most likely never to arrive."
		if over90 := inputAmount(m, "over_90_days"); over90 != nil && over90.Minor > 0 {
			why = fmt.Sprintf("%s of it is more than 90 days late, which is often never paid. ", over90.Display()) + why
		}
		return rec("Collect overdue invoices", detail+".", why+
			" Send reminders on the due date and at 7 and 30 days past it, and ask slow payers for a deposit or card payment before new work.")
	case MetricDSO:
		if m.Band == "no_recent_sales" {
			return rec("Collect what is still owed", fmt.Sprintf(
				"Customers owe %s on open invoices but nothing was invoiced in 90 days: agree a payment date with each of them.", in("open")),
				"Money owed for more than a quarter is increasingly unlikely to be paid.")
		}
		return rec("Get paid sooner", fmt.Sprintf(
			"Customers take about %s days to pay (%s owed on open invoices against %s invoiced in 90 days): invoice on delivery and "+
				"put a payment link on every invoice.", v, in("open"), in("sales")),
			"30 to 45 days is typical, though it varies by industry; shorter payment terms and invoicing on the day the work is done "+
				"bring the cash in sooner.")
	case MetricDebtToEquity:
		if m.Band == "negative_equity" {
			return rec("Rebuild equity: the business owes more than it owns", fmt.Sprintf(
				"Liabilities of %s exceed assets of %s: stop new borrowing and keep profit in the business.",
				in("total_liabilities"), in("total_assets")), fmt.Sprintf(
				"Equity is %s and borrowings are %s of the liabilities; lenders and suppliers read negative equity as a risk of "+
					"insolvency. If part of the debt is owners' money, consider turning it into equity.", in("equity"), in("borrowings")))
		}
		return rec("Reduce leverage", fmt.Sprintf(
			"Liabilities of %s are %s times equity of %s: pay down the most expensive debt first.", in("total_liabilities"), v, in("equity")),
			fmt.Sprintf("Below 1 is fairly safe and 2 or more risky; borrowings are %s. Borrow only for what pays for itself within a "+
				"year, and keep profit in the business.", in("borrowings")))
	case MetricNetMargin:
		if m.Band == "loss_without_sales" || (m.Value != nil && *m.Value < 0) {
			return rec("Stop the losses", fmt.Sprintf(
				"Since %s sales of %s left a net result of %s: find what loses money and cut the largest expense lines first.",
				snapshotDate(m), in("sales"), in("profit")),
				"A loss eats the cash buffer month after month; raising prices where you sell below cost is often the quickest fix.")
		}
		return rec("Improve your margin", fmt.Sprintf(
			"Since %s the business kept %s of %s in sales (%s%%): review prices and the costs that grew faster than sales.",
			snapshotDate(m), in("profit"), in("sales"), v), "10 to 20% is strong and under 5% thin; review prices at least once a year.")
	case MetricDPO:
		return rec("Pay suppliers on time", fmt.Sprintf(
			"Suppliers wait about %s days for the %s you owe them: agree a payment plan for the oldest bills before they stop delivering.",
			v, in("payables")),
			"Under 45 days is normal trade credit; beyond 60, paying late is spending cash the business does not have, and suppliers "+
				"start asking for payment up front.")
	case MetricReturnOnAssets:
		return rec("Make your assets earn more", fmt.Sprintf(
			"The business earns %s%% a year on %s of assets: sell or put to work what sits idle, and lift the margin on what you sell.",
			v, in("total_assets")),
			"5 to 10% a year is a good return on what a small business owns; below 2%, the money tied up in it would earn more elsewhere.")
	case MetricInterestCover:
		return rec("Lighten the interest burden", fmt.Sprintf(
			"Earnings before interest of %s cover the %s of interest only %s times: refinance or repay the most expensive debt first.",
			in("ebit"), in("interest"), v),
			"Lenders look for at least 3 times, and under 1.5 a bad month leaves the interest unpaid.")
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
		return rec("Invoiced sales "+verb, fmt.Sprintf(
			"You invoiced %s in the last %s days against %s in the %s days before (%s%%): ask the customers who ordered less why.",
			in("this_period"), days, in("previous_period"), days, v),
			"Getting back in touch with past customers and checking your prices and offer against competitors' are the usual first steps.")
	}
	return rec("Improve "+lowercaseFirst(m.Label), fmt.Sprintf("%s is %s, in the band %q.", m.Label, v, m.Band),
		"See the metric's page for its inputs, formula and bands.")
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

func lowercaseFirst(s string) string {
	if s == "" || (len(s) > 1 && s[1] >= 'A' && s[1] <= 'Z') {
		return s // an acronym such as "DSO"
	}
	return strings.ToLower(s[:1]) + s[1:]
}
