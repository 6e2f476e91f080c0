package ui

import (
	"html"
	"html/template"
	"math"
	"strconv"
	"strings"
	"time"

	"finhealth"
	"finhealth/scoring"
)

// The charts are SVG drawn here rather than in templates or a script: the numbers
// are formatted by Go (never NaN), every piece of text is escaped with
// html.EscapeString, and each chart carries its own text alternative (role="img"
// with <title> and <desc>) beside the table or text on its page that lists the same
// numbers. The result is template.HTML because html/template cannot build SVG paths.
// Colours come from classes in app.css, since the CSP forbids inline styles.

// coord formats an SVG coordinate with one decimal, which is finer than a pixel at
// every size the charts are shown.
func coord(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		v = 0
	}
	return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
}

// svgOpen starts a chart with its accessible name (title) and description.
func svgOpen(b *strings.Builder, id, class, viewBox, title, desc string, extra string) {
	b.WriteString(`<svg class="chart `)
	b.WriteString(class)
	b.WriteString(`" viewBox="`)
	b.WriteString(viewBox)
	b.WriteString(`" role="img" aria-labelledby="`)
	b.WriteString(id)
	b.WriteString(`-title `)
	b.WriteString(id)
	b.WriteString(`-desc"`)
	b.WriteString(extra)
	b.WriteString(`><title id="`)
	b.WriteString(id)
	b.WriteString(`-title">`)
	b.WriteString(html.EscapeString(title))
	b.WriteString(`</title><desc id="`)
	b.WriteString(id)
	b.WriteString(`-desc">`)
	b.WriteString(html.EscapeString(desc))
	b.WriteString(`</desc>`)
}

// svgText writes a text element; attrs are trusted attribute text from this file.
func svgText(b *strings.Builder, x, y float64, attrs, text string) {
	b.WriteString(`<text x="`)
	b.WriteString(coord(x))
	b.WriteString(`" y="`)
	b.WriteString(coord(y))
	b.WriteString(`"`)
	if attrs != "" {
		b.WriteString(" ")
		b.WriteString(attrs)
	}
	b.WriteString(`>`)
	b.WriteString(html.EscapeString(text))
	b.WriteString(`</text>`)
}

// ratingClass is the colour class of a 0-100 score: the tier edges apply to the
// score, its pillars and metric points alike, so one colour means one thing.
func ratingClass(points float64) string {
	switch scoring.Tier(points) {
	case finhealth.TierHealthy:
		return "good"
	case finhealth.TierCoping:
		return "warn"
	}
	return "bad"
}

// gaugeSVG draws the health score as a half-circle arc filled to the score, with
// the number and tier in the middle. A nil score draws the empty track and says so.
func gaugeSVG(id string, score *float64, tierText string) template.HTML {
	const cx, cy, r = 100.0, 100.0, 80.0
	var b strings.Builder
	title := "Health score"
	desc := "Not enough data for a score yet."
	label := "–"
	if score != nil && !math.IsNaN(*score) {
		label = formatScore(score)
		desc = "Score " + label + " out of 100: " + tierText + "."
	}
	desc += " Tier edges at 40 (coping from here) and 80 (healthy from here)."
	svgOpen(&b, id, "gauge", "0 0 200 118", title, desc, "")
	b.WriteString(`<path class="gauge-track" d="M 20 100 A 80 80 0 0 1 180 100"/>`)
	// at is the point of the arc at radius rr for a score v.
	at := func(v, rr float64) (float64, float64) {
		angle := math.Pi * (1 - v/100)
		return cx + rr*math.Cos(angle), cy - rr*math.Sin(angle)
	}
	if score != nil && !math.IsNaN(*score) {
		if v := math.Max(0, math.Min(100, *score)); v > 0 {
			x, y := at(v, r)
			b.WriteString(`<path class="gauge-value fill-` + ratingClass(*score) + `" d="M 20 100 A 80 80 0 0 1 ` + coord(x) + ` ` + coord(y) + `"/>`)
		}
	}
	// The tier edges cross the track so that a score near one reads as near it; the
	// labels sit outside the arc, clear of the number in the middle.
	for _, edge := range []float64{40, 80} {
		x1, y1 := at(edge, r-11)
		x2, y2 := at(edge, r+11)
		b.WriteString(`<line class="gauge-edge" x1="` + coord(x1) + `" y1="` + coord(y1) + `" x2="` + coord(x2) + `" y2="` + coord(y2) + `"/>`)
		x, y := at(edge, r+18)
		svgText(&b, x, y+4, `class="gauge-edge-label" text-anchor="middle"`, strconv.Itoa(int(edge)))
	}
	svgText(&b, cx, 88, `class="gauge-number" text-anchor="middle"`, label)
	svgText(&b, cx, 112, `class="gauge-label" text-anchor="middle"`, tierText)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// scoreBar is one bar of a 0-100 bar chart; a nil Value has no data, and Missing
// says why in words.
type scoreBar struct {
	Label   string
	Value   *float64
	Missing string
}

// barsSVG draws horizontal 0-100 bars, each with its label and number as text.
func barsSVG(id, title string, bars []scoreBar) template.HTML {
	const width, row = 400.0, 40.0
	var b strings.Builder
	var desc []string
	for _, bar := range bars {
		if bar.Value == nil {
			desc = append(desc, bar.Label+": "+orDefault(bar.Missing, "not enough data"))
		} else {
			desc = append(desc, bar.Label+": "+formatScore(bar.Value)+" of 100")
		}
	}
	height := math.Max(row, row*float64(len(bars)))
	svgOpen(&b, id, "bars", "0 0 400 "+coord(height), title, strings.Join(desc, "; ")+".", "")
	if len(bars) == 0 {
		svgText(&b, width/2, row/2+4, `class="chart-empty" text-anchor="middle"`, "Not enough data yet")
	}
	for i, bar := range bars {
		y := float64(i) * row
		svgText(&b, 0, y+14, `class="bar-label"`, bar.Label)
		value := orDefault(bar.Missing, "not enough data")
		if bar.Value != nil {
			value = formatScore(bar.Value)
		}
		svgText(&b, width, y+14, `class="bar-value" text-anchor="end"`, value)
		b.WriteString(`<rect class="bar-track" x="0" y="` + coord(y+20) + `" width="400" height="10" rx="5"/>`)
		if bar.Value != nil && *bar.Value > 0 {
			w := width * math.Min(1, *bar.Value/100)
			b.WriteString(`<rect class="fill-` + ratingClass(*bar.Value) + `" x="0" y="` + coord(y+20) + `" width="` + coord(w) + `" height="10" rx="5"/>`)
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// chartPoint is one value of a series at a time.
type chartPoint struct {
	At    time.Time
	Value float64
}

// finitePoints drops values that cannot be drawn; the metrics never produce them,
// but a chart must not print NaN whatever it is given.
func finitePoints(ps []chartPoint) []chartPoint {
	out := ps[:0:0]
	for _, p := range ps {
		if !math.IsNaN(p.Value) && !math.IsInf(p.Value, 0) {
			out = append(out, p)
		}
	}
	return out
}

// sparklineSVG draws a small trend line without axes; the tile around it states the
// value and its change in words. Fewer than two points make no trend, which it says.
func sparklineSVG(id, label string, points []chartPoint, format func(float64) string) template.HTML {
	points = finitePoints(points)
	if len(points) < 2 {
		return template.HTML(`<p class="spark-empty muted small">Not enough history for a trend yet.</p>`)
	}
	const w, h, pad = 120.0, 32.0, 3.0
	lo, hi := valueRange(points)
	first, last := points[0], points[len(points)-1]
	desc := "From " + format(first.Value) + " on " + first.At.UTC().Format("2 Jan 2006") + " to " +
		format(last.Value) + " on " + last.At.UTC().Format("2 Jan 2006") + "; lowest " + format(lo) + ", highest " + format(hi) + "."
	var b strings.Builder
	svgOpen(&b, id, "spark", "0 0 120 32", "Trend of "+label, desc, ` preserveAspectRatio="none"`)
	x0, x1 := first.At, last.At
	b.WriteString(`<polyline class="spark-line" vector-effect="non-scaling-stroke" points="`)
	for i, p := range points {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString(coord(scaleTime(p.At, x0, x1, pad, w-pad)))
		b.WriteString(",")
		b.WriteString(coord(scaleValue(p.Value, lo, hi, h-pad, pad)))
	}
	b.WriteString(`"/></svg>`)
	return template.HTML(b.String())
}

// valueRange is the lowest and highest value of non-empty points.
func valueRange(points []chartPoint) (lo, hi float64) {
	lo, hi = points[0].Value, points[0].Value
	for _, p := range points[1:] {
		lo, hi = math.Min(lo, p.Value), math.Max(hi, p.Value)
	}
	return lo, hi
}

// scaleTime maps t in [t0, t1] to [a, b]; a single moment sits in the middle.
func scaleTime(t, t0, t1 time.Time, a, b float64) float64 {
	span := t1.Sub(t0)
	if span <= 0 {
		return (a + b) / 2
	}
	return a + (b-a)*float64(t.Sub(t0))/float64(span)
}

// scaleValue maps v in [lo, hi] to [a, b]; a flat series sits in the middle.
func scaleValue(v, lo, hi, a, b float64) float64 {
	if hi <= lo {
		return (a + b) / 2
	}
	return a + (b-a)*(v-lo)/(hi-lo)
}

// lineSeries is one line of a line chart; Class picks its colour (series-1, ...).
type lineSeries struct {
	Name   string
	Class  string
	Points []chartPoint
}

// lineChart is a time-series chart with axes. Format labels the values; a fixed
// range (Min < Max) is used as is, otherwise the data's own range with a margin.
// Guides are horizontal reference lines (the tier edges of a score).
type lineChart struct {
	ID, Title string
	Series    []lineSeries
	Format    func(float64) string
	Min, Max  float64
	Guides    []float64
	// Markers are moments drawn as vertical lines with a label (a change of method).
	Markers []chartMarker
}

// chartMarker is a moment marked on a line chart.
type chartMarker struct {
	At    time.Time
	Label string
}

// Line chart geometry, in viewBox units: the plot sits inside the margins that hold
// the value labels (left) and the dates (bottom).
const (
	lineW                              = 460.0
	plotLeft, plotRight                = 58.0, 452.0
	plotTop, plotBottom                = 14.0, 200.0
	maxMarkedPoints                    = 60
	lineDateFormat, lineDateFormatLong = "2 Jan", "2 Jan 2006"
)

// render draws the chart, or says "Not enough data yet" when no series has a point.
func (c lineChart) render() template.HTML {
	var all []chartPoint
	series := make([]lineSeries, 0, len(c.Series))
	for _, s := range c.Series {
		s.Points = finitePoints(s.Points)
		all = append(all, s.Points...)
		series = append(series, s)
	}
	var b strings.Builder
	if len(all) == 0 {
		svgOpen(&b, c.ID, "line", "0 0 460 80", c.Title, "Not enough data yet: nothing has been recorded.", "")
		svgText(&b, lineW/2, 44, `class="chart-empty" text-anchor="middle"`, "Not enough data yet")
		b.WriteString(`</svg>`)
		return template.HTML(b.String())
	}
	lo, hi := valueRange(all)
	t0, t1 := all[0].At, all[0].At
	for _, p := range all {
		if p.At.Before(t0) {
			t0 = p.At
		}
		if p.At.After(t1) {
			t1 = p.At
		}
	}
	dataLo, dataHi := lo, hi
	if c.Min < c.Max {
		lo, hi = c.Min, c.Max
	} else {
		margin := (hi - lo) * 0.1
		if margin == 0 {
			margin = math.Max(math.Abs(hi)*0.1, 1)
		}
		lo, hi = lo-margin, hi+margin
	}
	format := c.Format
	if format == nil {
		format = func(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }
	}

	var desc []string
	for _, s := range series {
		if len(s.Points) == 0 {
			desc = append(desc, s.Name+": no values")
			continue
		}
		slo, shi := valueRange(s.Points)
		first, last := s.Points[0], s.Points[len(s.Points)-1]
		desc = append(desc, s.Name+": "+plural(len(s.Points), "value")+" from "+first.At.UTC().Format(lineDateFormatLong)+
			" to "+last.At.UTC().Format(lineDateFormatLong)+", lowest "+format(slo)+", highest "+format(shi)+", latest "+format(last.Value))
	}
	for _, m := range c.Markers {
		desc = append(desc, m.Label+" from "+m.At.UTC().Format(lineDateFormatLong))
	}
	svgOpen(&b, c.ID, "line", "0 0 460 224", c.Title, strings.Join(desc, "; ")+".", "")

	y := func(v float64) float64 { return scaleValue(v, lo, hi, plotBottom, plotTop) }
	x := func(t time.Time) float64 { return scaleTime(t, t0, t1, plotLeft+6, plotRight-6) }

	// Axes. The value labels are the lowest and highest values of the data (and the
	// middle between them), or the ends and middle of a fixed range.
	b.WriteString(`<g class="axis">`)
	b.WriteString(`<line x1="` + coord(plotLeft) + `" y1="` + coord(plotTop) + `" x2="` + coord(plotLeft) + `" y2="` + coord(plotBottom) + `"/>`)
	b.WriteString(`<line x1="` + coord(plotLeft) + `" y1="` + coord(plotBottom) + `" x2="` + coord(plotRight) + `" y2="` + coord(plotBottom) + `"/>`)
	b.WriteString(`</g>`)
	ticks := []float64{lo, (lo + hi) / 2, hi}
	if c.Min >= c.Max {
		ticks = []float64{dataLo}
		if dataHi > dataLo {
			ticks = append(ticks, (dataLo+dataHi)/2, dataHi)
		}
	}
	for _, v := range ticks {
		b.WriteString(`<line class="grid" x1="` + coord(plotLeft) + `" y1="` + coord(y(v)) + `" x2="` + coord(plotRight) + `" y2="` + coord(y(v)) + `"/>`)
		svgText(&b, plotLeft-6, y(v)+4, `class="tick" text-anchor="end"`, format(v))
	}
	for _, g := range c.Guides {
		if g > lo && g < hi {
			b.WriteString(`<line class="guide" x1="` + coord(plotLeft) + `" y1="` + coord(y(g)) + `" x2="` + coord(plotRight) + `" y2="` + coord(y(g)) + `"/>`)
		}
	}
	for _, m := range c.Markers {
		mx := x(m.At)
		b.WriteString(`<line class="marker" x1="` + coord(mx) + `" y1="` + coord(plotTop) + `" x2="` + coord(mx) + `" y2="` + coord(plotBottom) + `"/>`)
		// The label runs away from the nearer edge so that it stays inside the plot.
		anchor, dx := `start`, 3.0
		if mx > (plotLeft+plotRight)/2 {
			anchor, dx = `end`, -3.0
		}
		svgText(&b, mx+dx, plotTop+10, `class="marker-label" text-anchor="`+anchor+`"`, m.Label)
	}
	dateFmt := lineDateFormat
	if t0.Year() != t1.Year() {
		dateFmt = "Jan 2006"
	}
	svgText(&b, x(t0), plotBottom+18, `class="tick" text-anchor="start"`, t0.UTC().Format(dateFmt))
	if t1.Sub(t0) > 24*time.Hour {
		svgText(&b, x(t1), plotBottom+18, `class="tick" text-anchor="end"`, t1.UTC().Format(dateFmt))
	}

	for i, s := range series {
		class := s.Class
		if class == "" {
			class = "series-" + strconv.Itoa(i+1)
		}
		if len(s.Points) > 1 {
			b.WriteString(`<polyline class="line ` + class + `" points="`)
			for j, p := range s.Points {
				if j > 0 {
					b.WriteString(" ")
				}
				b.WriteString(coord(x(p.At)) + "," + coord(y(p.Value)))
			}
			b.WriteString(`"/>`)
		}
		// Dots mark the values while they can be told apart; one point alone is
		// always marked, or it would not show at all.
		if len(s.Points) <= maxMarkedPoints {
			for _, p := range s.Points {
				b.WriteString(`<circle class="dot ` + class + `" cx="` + coord(x(p.At)) + `" cy="` + coord(y(p.Value)) + `" r="3.5"><title>`)
				b.WriteString(html.EscapeString(s.Name + ", " + p.At.UTC().Format(lineDateFormatLong) + ": " + format(p.Value)))
				b.WriteString(`</title></circle>`)
			}
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
