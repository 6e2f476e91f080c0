package ui

import (
	"context"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"finhealth"
	fhttp "finhealth/http"
	"finhealth/scoring"
)

// The metric detail page explains one ledger metric (value, formula, inputs down to
// the accounts and invoices, bands, history) and holds the account mapping editor,
// because a ratio is only as right as the classification of the accounts behind it.

// rating is what a metric's points or a score mean in words, with the colour class
// that goes with the words (never alone).
type rating struct {
	Label string
	Class string // good, warn, bad, or "" for no judgement
}

// metricRating reads the points of the metric's band: the same 80/40 edges as the
// tiers. Metrics without points are context, not judged.
func metricRating(status finhealth.MetricStatus, points *int) rating {
	switch {
	case status != finhealth.MetricOK:
		return rating{Label: "Not enough data"}
	case points == nil:
		return rating{Label: "Not scored"}
	}
	switch class := ratingClass(float64(*points)); class {
	case "good":
		return rating{Label: "Healthy", Class: class}
	case "warn":
		return rating{Label: "Watch", Class: class}
	default:
		return rating{Label: "Weak", Class: class}
	}
}

// formatUnit shows a metric value in its unit, rounded as the metrics round it.
// Money here is a chart's approximate value in major units (axis labels), shown
// compactly; exact amounts go through Money.Display.
func formatUnit(unit finhealth.MetricUnit, v float64) string {
	switch unit {
	case finhealth.UnitRatio:
		return strconv.FormatFloat(v, 'f', 2, 64)
	case finhealth.UnitPercent:
		return strconv.FormatFloat(v, 'f', 1, 64) + "%"
	case finhealth.UnitDays:
		return strconv.FormatFloat(v, 'f', 1, 64) + " days"
	case finhealth.UnitMonths:
		return strconv.FormatFloat(v, 'f', 1, 64) + " months"
	case finhealth.UnitWeeks:
		return strconv.FormatFloat(v, 'f', 1, 64) + " weeks"
	case finhealth.UnitMoney:
		return compactNumber(v)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

// compactNumber is an axis label: 1.2M, 34.9k, 950.
func compactNumber(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 1e6:
		return strconv.FormatFloat(v/1e6, 'f', 1, 64) + "M"
	case a >= 1e4:
		return strconv.FormatFloat(v/1e3, 'f', 0, 64) + "k"
	case a >= 1e3:
		return strconv.FormatFloat(v/1e3, 'f', 1, 64) + "k"
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}

// bandLabel is the label of a metric's band by name.
func bandLabel(bands []finhealth.MetricBand, name string) string {
	for _, b := range bands {
		if b.Name == name {
			return b.Label
		}
	}
	return ""
}

// metricText shows a computed metric's value: an amount, a number in its unit, or,
// for the special cases without a number (no liabilities, cash not falling), the
// band that names the case.
func metricText(m finhealth.MetricValue) string {
	switch {
	case m.Status != finhealth.MetricOK:
		return "Not enough data"
	case m.Money != nil:
		return m.Money.Display()
	case m.Value != nil:
		return formatUnit(m.Unit, *m.Value)
	}
	if l := bandLabel(m.Bands, m.Band); l != "" {
		return capitalize(l)
	}
	return "–"
}

// pointValue is a stored point as a chart value (money in major units, which is
// precise enough for drawing).
func pointValue(p finhealth.MetricPoint) (float64, bool) {
	switch {
	case p.Status != finhealth.MetricOK:
		return 0, false
	case p.Money != nil:
		return float64(p.Money.Minor) / math.Pow10(p.Money.Exponent), true
	case p.Value != nil:
		return *p.Value, true
	}
	return 0, false
}

// pointText shows a stored point as metricText shows a value.
func pointText(p finhealth.MetricPoint, bands []finhealth.MetricBand) string {
	return metricText(finhealth.MetricValue{Unit: p.Unit, Status: p.Status, Value: p.Value, Money: p.Money, Band: p.Band, Bands: bands})
}

// livePoint is the live value as a point of its series.
func livePoint(m finhealth.MetricValue) finhealth.MetricPoint {
	return finhealth.MetricPoint{Name: m.Name, AsOf: m.AsOf, Unit: m.Unit, Status: m.Status, Value: m.Value,
		Money: m.Money, Band: m.Band, Points: m.Points}
}

// withLive is the stored series of a metric with the live value as its newest point:
// the stored value at the same moment may predate a mapping change the live one
// already reflects.
func withLive(stored []finhealth.MetricPoint, live finhealth.MetricValue) []finhealth.MetricPoint {
	out := make([]finhealth.MetricPoint, 0, len(stored)+1)
	for _, p := range stored {
		if p.Name == live.Name && p.AsOf.Before(live.AsOf) {
			out = append(out, p)
		}
	}
	return append(out, livePoint(live))
}

// chartPoints are the drawable values of a series.
func chartPoints(series []finhealth.MetricPoint) []chartPoint {
	out := make([]chartPoint, 0, len(series))
	for _, p := range series {
		if v, ok := pointValue(p); ok {
			out = append(out, chartPoint{At: p.AsOf, Value: v})
		}
	}
	return out
}

// changeWindow is the "change over 30 days" of the tiles; a base older than
// changeWindowMax is too old to be called that.
const (
	changeWindow    = 30 * 24 * time.Hour
	changeWindowMax = 60 * 24 * time.Hour
)

// metricChange says how the newest value of a series differs from the newest one at
// least 30 (and at most 60) days older, in the metric's unit: exact for amounts,
// percentage points for percentages.
func metricChange(series []finhealth.MetricPoint) string {
	if len(series) == 0 {
		return ""
	}
	last := series[len(series)-1]
	if _, ok := pointValue(last); !ok {
		return ""
	}
	var base *finhealth.MetricPoint
	for i := len(series) - 2; i >= 0; i-- {
		p := series[i]
		age := last.AsOf.Sub(p.AsOf)
		if age > changeWindowMax {
			break
		}
		if _, ok := pointValue(p); ok && age >= changeWindow {
			base = &series[i]
			break
		}
	}
	if base == nil {
		return "No value from 30 days ago yet"
	}
	since := " since " + base.AsOf.UTC().Format("2 Jan")
	if last.Money != nil && base.Money != nil && last.Money.Currency == base.Money.Currency && last.Money.Exponent == base.Money.Exponent {
		d := last.Money.Minor - base.Money.Minor
		if d == 0 {
			return "No change" + since
		}
		return signed(d > 0) + finhealth.Money{Minor: abs64(d), Currency: last.Money.Currency, Exponent: last.Money.Exponent}.Display() + since
	}
	a, _ := pointValue(last)
	b, ok := pointValue(*base)
	if !ok || last.Money != nil || base.Money != nil {
		return ""
	}
	d := a - b
	text := formatUnit(last.Unit, math.Abs(d))
	if last.Unit == finhealth.UnitPercent {
		text = strconv.FormatFloat(math.Abs(d), 'f', 1, 64) + " pts"
	}
	if text == formatUnit(last.Unit, 0) || (last.Unit == finhealth.UnitPercent && math.Abs(d) < 0.05) {
		return "No change" + since
	}
	return signed(d > 0) + text + since
}

func signed(up bool) string {
	if up {
		return "▲ +"
	}
	return "▼ −"
}

func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// metricLabel names a metric that could not be computed (no books yet), when only
// its stable name is known.
func metricLabel(name string, metrics []finhealth.MetricValue) string {
	for _, m := range metrics {
		if m.Name == name {
			return m.Label
		}
	}
	return capitalize(name)
}

// metricPage is the metric detail page.
type metricPage struct {
	OrgID  string
	Name   string
	Label  string
	Metric *finhealth.MetricValue // nil without synced books
	Reason string                 // why there is no value
	Value  string
	Rating rating
	Band   string
	Weight string
	Inputs []inputView
	Bands  []bandView
	Chart  template.HTML
	// History is the series newest first, for the table that lists the chart's
	// numbers.
	History []historyRow

	Mapping    fhttp.MappingView
	Used       []mappingRow // the accounts behind this metric
	Others     []mappingRow // every other account
	Classes    []classOption
	FormFailed bool
}

type inputView struct {
	Label        string
	Amount       string
	Accounts     []accountRef
	Invoices     []invoiceRef
	MoreInvoices int
}

type accountRef struct {
	Name      string
	DisplayID string
	Balance   string
}

type invoiceRef struct {
	Number   string
	Customer string
	Due      string
	DueDate  time.Time
}

type bandView struct {
	Label   string
	Points  int
	Current bool
	Rating  rating
}

type historyRow struct {
	AsOf   time.Time
	Value  string
	Rating rating
}

type classOption struct {
	Value string
	Label string
}

// mappingRow is one account of the mapping editor, with its form.
type mappingRow struct {
	fhttp.MappingEntry
	Index         int
	BalanceText   string
	ClassLabel    string
	DefaultLabel  string
	Action        string
	ResetAction   string
	SelectedClass string
	NoteValue     string
	Errors        map[string]string
	SetBy         string
}

// invoicesShown bounds the invoices listed per input; the count says how many more.
const invoicesShown = 10

func (s insightPages) uiMetric(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	name := r.PathValue("name")
	if !slices.Contains(scoring.MetricNames(), name) {
		return errMetricNotFound
	}
	p, err := s.metricPage(r.Context(), c.OrgID, name)
	if err != nil {
		return err
	}
	return s.render(w, r, c, http.StatusOK, "metric.html", p.Label, p)
}

var errMetricNotFound = finhealth.Errorf(finhealth.ENOTFOUND, "There is no such metric.")

// metricPage assembles the page from the live health (the metric as the current
// mapping computes it), the stored series and the mapping.
func (s insightPages) metricPage(ctx context.Context, orgID, name string) (metricPage, error) {
	h, snap, err := s.srv.HealthAndBooks(ctx, orgID)
	if err != nil {
		return metricPage{}, err
	}
	p := metricPage{OrgID: orgID, Name: name, Label: metricLabel(name, h.Metrics)}
	for i := range h.Metrics {
		if h.Metrics[i].Name == name {
			p.Metric = &h.Metrics[i]
		}
	}
	p.Mapping, err = s.insights.BuildMapping(ctx, orgID)
	if err != nil {
		return p, err
	}
	for _, cl := range p.Mapping.Classes {
		p.Classes = append(p.Classes, classOption{Value: string(cl), Label: capitalize(string(cl))})
	}
	used := map[string]bool{}
	if m := p.Metric; m == nil {
		p.Reason = h.Ledger.Reason
		if p.Reason == "" {
			p.Reason = "This metric is not computed yet."
		}
		p.Value, p.Rating = "Not enough data", rating{Label: "Not enough data"}
	} else {
		p.Value, p.Rating, p.Reason = metricText(*m), metricRating(m.Status, m.Points), m.Reason
		if m.Value != nil || m.Money != nil {
			p.Band = bandLabel(m.Bands, m.Band)
		}
		for _, b := range m.Bands {
			p.Bands = append(p.Bands, bandView{Label: capitalize(b.Label), Points: b.Points, Current: b.Name == m.Band,
				Rating: metricRating(finhealth.MetricOK, &b.Points)})
		}
		p.Weight = "Shown for context: it does not count in the health score."
		for _, comp := range h.Health.Components {
			if comp.Name == name {
				p.Weight = "Counts for " + percentText(comp.EffectiveWeight) + " of the health score now (" +
					percentText(comp.Weight) + " when every part has data)."
			}
		}
		p.Inputs = explainInputs(m.Inputs, p.Mapping.Accounts, snap)
		for _, in := range m.Inputs {
			for _, id := range in.Accounts {
				used[id] = true
			}
		}
		stored, err := s.st.MetricSeries(ctx, orgID, []string{name}, m.AsOf.Add(-fhttp.DefaultSeriesWindow), time.Time{})
		if err != nil {
			return p, err
		}
		series := withLive(stored, *m)
		p.Chart = lineChart{ID: "metric-chart", Title: m.Label + " over time", Series: []lineSeries{{Name: m.Label, Points: chartPoints(series)}},
			Format: func(v float64) string { return formatUnit(m.Unit, v) }}.render()
		for i := len(series) - 1; i >= 0; i-- {
			pt := series[i]
			p.History = append(p.History, historyRow{AsOf: pt.AsOf, Value: pointText(pt, m.Bands), Rating: metricRating(pt.Status, pt.Points)})
		}
	}
	for i, e := range p.Mapping.Accounts {
		row := mappingRow{MappingEntry: e, Index: i, BalanceText: e.Balance.Display(),
			ClassLabel: capitalize(string(e.Class)), DefaultLabel: capitalize(string(e.DefaultClass)),
			Action:        "/orgs/" + orgID + "/mapping/" + url.PathEscape(e.AccountID),
			ResetAction:   "/orgs/" + orgID + "/mapping/" + url.PathEscape(e.AccountID) + "/reset",
			SelectedClass: string(e.Class)}
		if e.Override != nil {
			row.NoteValue = e.Override.Note
			row.SetBy = "Set by " + orDefault(e.Override.SetByName, "a former member") + " on " + e.Override.SetAt.UTC().Format("2 Jan 2006")
		}
		if used[e.AccountID] {
			p.Used = append(p.Used, row)
		} else {
			p.Others = append(p.Others, row)
		}
	}
	return p, nil
}

// percentText shows a weight (0-1) as a percentage with one decimal where needed.
func percentText(w float64) string {
	return strconv.FormatFloat(math.Round(w*1000)/10, 'f', -1, 64) + "%"
}

// explainInputs names the accounts and invoices behind each input: the metric keeps
// ids, which mean nothing to a person.
func explainInputs(inputs []finhealth.MetricInput, accounts []fhttp.MappingEntry, snap *finhealth.LedgerSnapshot) []inputView {
	byID := make(map[string]*fhttp.MappingEntry, len(accounts))
	for i := range accounts {
		byID[accounts[i].AccountID] = &accounts[i]
	}
	invoices := map[string]*finhealth.Invoice{}
	if snap != nil {
		// The books list every invoice, or (summed by the store) those an input names.
		lists := [][]finhealth.Invoice{snap.Invoices}
		if s := snap.InvoiceSummary; s != nil {
			lists = append(lists, s.Largest, s.Others)
		}
		for _, list := range lists {
			for i := range list {
				invoices[list[i].WaveID] = &list[i]
			}
		}
	}
	out := make([]inputView, 0, len(inputs))
	for _, in := range inputs {
		v := inputView{Label: in.Label}
		switch {
		case in.Amount != nil:
			v.Amount = in.Amount.Display()
		case in.Value != nil:
			v.Amount = strconv.FormatFloat(*in.Value, 'f', -1, 64)
		}
		for _, id := range in.Accounts {
			ref := accountRef{Name: id}
			if e := byID[id]; e != nil {
				ref = accountRef{Name: e.AccountName, DisplayID: e.DisplayID, Balance: e.Balance.Display()}
			}
			v.Accounts = append(v.Accounts, ref)
		}
		for i, id := range in.Invoices {
			if i == invoicesShown {
				break
			}
			ref := invoiceRef{Number: "(an invoice no longer in the books)"}
			if inv := invoices[id]; inv != nil {
				ref = invoiceRef{Number: inv.Number, Customer: inv.CustomerName, Due: inv.AmountDue.Display(), DueDate: inv.DueDate}
			}
			v.Invoices = append(v.Invoices, ref)
		}
		count := max(in.InvoiceCount, len(in.Invoices))
		v.MoreInvoices = count - len(v.Invoices)
		out = append(out, v)
	}
	return out
}

// uiSetMapping saves one account's class from the editor on a metric page, with the
// API's checks and rescore; a bad class shows the page again with the row's error.
func (s insightPages) uiSetMapping(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	accountID, err := fhttp.AccountPathValue(r)
	if err != nil {
		return err
	}
	metric := mappingReturnMetric(r)
	class, note, err := fhttp.CheckOverride(fhttp.OverrideRequest{Class: r.PostFormValue("class"), Note: r.PostFormValue("note")})
	if err == nil {
		err = s.insights.OverrideAccount(r, c.OrgID, accountID, class, note)
	}
	if finhealth.ErrorCode(err) == finhealth.EINVALID {
		return s.mappingFormFailed(w, r, c, metric, accountID, err)
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, mappingReturnPath(c.OrgID, metric), "mapping_saved")
}

// uiResetMapping returns an account to its default class.
func (s insightPages) uiResetMapping(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	accountID, err := fhttp.AccountPathValue(r)
	if err != nil {
		return err
	}
	if err := s.insights.ResetAccount(r, c.OrgID, accountID); err != nil {
		return err
	}
	return s.redirect(w, r, mappingReturnPath(c.OrgID, mappingReturnMetric(r)), "mapping_reset")
}

// mappingReturnMetric is the metric page the editor was on; anything else is ignored
// (it only chooses where to go back to).
func mappingReturnMetric(r *http.Request) string {
	m := r.PostFormValue("metric")
	if slices.Contains(scoring.MetricNames(), m) {
		return m
	}
	return ""
}

func mappingReturnPath(orgID, metric string) string {
	if metric == "" {
		return "/orgs/" + orgID
	}
	return "/orgs/" + orgID + "/metrics/" + metric + "#mapping"
}

// mappingFormFailed shows the metric page again with the failed row's values and
// errors, answering 422.
func (s insightPages) mappingFormFailed(w http.ResponseWriter, r *http.Request, c *fhttp.Call, metric, accountID string, cause error) error {
	p, err := s.metricPage(r.Context(), c.OrgID, orDefault(metric, scoring.MetricCurrentRatio))
	if err != nil {
		return err
	}
	fields := finhealth.ErrorFields(cause)
	found := false
	for _, rows := range [][]mappingRow{p.Used, p.Others} {
		for i := range rows {
			if rows[i].AccountID == accountID {
				rows[i].SelectedClass, rows[i].NoteValue = r.PostFormValue("class"), r.PostFormValue("note")
				rows[i].Errors = fields
				found = true
			}
		}
	}
	if !found {
		return fhttp.ErrAccountNotFound
	}
	p.FormFailed = true
	return s.render(w, r, c, http.StatusUnprocessableEntity, "metric.html", p.Label, p)
}
