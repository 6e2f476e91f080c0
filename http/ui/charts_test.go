package ui

import (
	"encoding/xml"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"finhealth"
)

// wellFormed fails unless svg parses as XML: a stray quote or an unescaped "<" from
// a label would break it.
func wellFormed(t *testing.T, svg string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(svg))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("not well-formed SVG: %v\n%s", err, svg)
		}
	}
}

func daily(values ...float64) []chartPoint {
	start := time.Date(2025, 1, 1, 6, 0, 0, 0, time.UTC)
	out := make([]chartPoint, len(values))
	for i, v := range values {
		out[i] = chartPoint{At: start.AddDate(0, 0, i), Value: v}
	}
	return out
}

var coordinates = regexp.MustCompile(`-?\d+(\.\d+)?,-?\d+(\.\d+)?`)

func TestLineChart(t *testing.T) {
	ratio := func(v float64) string { return formatUnit(finhealth.UnitRatio, v) }
	t.Run("points_and_labels", func(t *testing.T) {
		c := lineChart{ID: "c", Title: "Current ratio over time", Format: ratio,
			Series: []lineSeries{{Name: "Current ratio", Points: daily(1.2, 0.8, 2.5, 1.9, 1.1)}}}
		svg := string(c.render())
		wellFormed(t, svg)
		if n := strings.Count(svg, "<circle"); n != 5 {
			t.Errorf("%d points marked, want 5", n)
		}
		line := between(svg, `<polyline`, `/>`)
		if n := len(coordinates.FindAllString(line, -1)); n != 5 {
			t.Errorf("the line has %d points, want 5: %s", n, line)
		}
		// The value axis is labelled with the lowest and highest values, and the time
		// axis with the first and last dates.
		for _, want := range []string{">0.80</text>", ">2.50</text>", ">1 Jan</text>", ">5 Jan</text>",
			`role="img"`, `aria-labelledby="c-title c-desc"`, `<title id="c-title">Current ratio over time</title>`,
			"5 values from 1 Jan 2025 to 5 Jan 2025, lowest 0.80, highest 2.50, latest 1.10"} {
			if !strings.Contains(svg, want) {
				t.Errorf("missing %q in\n%s", want, svg)
			}
		}
		// Higher values are drawn higher: y grows downwards.
		ys := map[string]string{}
		for _, m := range regexp.MustCompile(`cy="([\d.]+)" r="3.5"><title>Current ratio, (\d+) Jan 2025`).FindAllStringSubmatch(svg, -1) {
			ys[m[2]] = m[1]
		}
		if !(parse(t, ys["3"]) < parse(t, ys["1"]) && parse(t, ys["1"]) < parse(t, ys["2"])) {
			t.Errorf("vertical positions are not ordered by value: %v", ys)
		}
	})
	t.Run("empty", func(t *testing.T) {
		svg := string(lineChart{ID: "e", Title: "Nothing", Series: []lineSeries{{Name: "x"}}}.render())
		wellFormed(t, svg)
		if !strings.Contains(svg, "Not enough data yet") || strings.Contains(svg, "<polyline") {
			t.Errorf("an empty chart: %s", svg)
		}
	})
	t.Run("no_nan", func(t *testing.T) {
		svg := string(lineChart{ID: "n", Title: "t", Format: ratio,
			Series: []lineSeries{{Name: "x", Points: daily(math.NaN(), 1, math.Inf(1), 1)}}}.render())
		wellFormed(t, svg)
		if strings.Contains(svg, "NaN") || strings.Contains(svg, "Inf") {
			t.Errorf("non-finite values leaked: %s", svg)
		}
		if n := strings.Count(svg, "<circle"); n != 2 {
			t.Errorf("%d points drawn, want the 2 finite ones", n)
		}
		// A flat series still has a vertical range, and a single point is drawn.
		one := string(lineChart{ID: "o", Title: "t", Series: []lineSeries{{Name: "x", Points: daily(3)}}}.render())
		wellFormed(t, one)
		if strings.Count(one, "<circle") != 1 || strings.Contains(one, "NaN") {
			t.Errorf("a single point: %s", one)
		}
	})
	t.Run("fixed_range_and_guides", func(t *testing.T) {
		svg := string(lineChart{ID: "h", Title: "Scores", Min: 0, Max: 100, Guides: []float64{40, 80},
			Format: func(v float64) string { return formatScore(&v) },
			Series: []lineSeries{{Name: "Health score", Points: daily(55, 60)}, {Name: "Questionnaire score"}}}.render())
		wellFormed(t, svg)
		for _, want := range []string{">0.0</text>", ">50.0</text>", ">100.0</text>", "Questionnaire score: no values"} {
			if !strings.Contains(svg, want) {
				t.Errorf("missing %q", want)
			}
		}
		if n := strings.Count(svg, `class="guide"`); n != 2 {
			t.Errorf("%d guides, want 2", n)
		}
	})
	t.Run("markers", func(t *testing.T) {
		// Five days from 1 Jan drawn from x 64 to 446: a day is 95.5 wide, so the
		// method change on 2 Jan is at 159.5 (label to its right, from 162.5) and one
		// on 5 Jan at 446 (label to its left, ending at 443).
		svg := string(lineChart{ID: "m", Title: "Scores", Min: 0, Max: 100, Format: func(v float64) string { return formatScore(&v) },
			Series:  []lineSeries{{Name: "Health score", Points: daily(55, 60, 61, 62, 70)}},
			Markers: []chartMarker{{At: daily(0, 0)[1].At, Label: "method v2"}, {At: daily(0, 0, 0, 0, 0)[4].At, Label: "method v3"}}}.render())
		wellFormed(t, svg)
		for _, want := range []string{
			`<line class="marker" x1="159.5" y1="14" x2="159.5" y2="200"/>`,
			`<text x="162.5" y="24" class="marker-label" text-anchor="start">method v2</text>`,
			`<line class="marker" x1="446" y1="14" x2="446" y2="200"/>`,
			`<text x="443" y="24" class="marker-label" text-anchor="end">method v3</text>`,
			"method v2 from 2 Jan 2025; method v3 from 5 Jan 2025.",
		} {
			if !strings.Contains(svg, want) {
				t.Errorf("missing %s in %s", want, svg)
			}
		}
	})
	t.Run("escaping", func(t *testing.T) {
		svg := string(lineChart{ID: "x", Title: `<script>alert("t")</script>`,
			Series: []lineSeries{{Name: `Tom & "Jerry" <b>`, Points: daily(1, 2)}}}.render())
		wellFormed(t, svg)
		if strings.Contains(svg, "<script>") || strings.Contains(svg, "<b>") {
			t.Errorf("text is not escaped: %s", svg)
		}
		if !strings.Contains(svg, "Tom &amp; &#34;Jerry&#34; &lt;b&gt;") {
			t.Errorf("escaped name missing: %s", svg)
		}
	})
}

func parse(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return v
}

func TestSparkline(t *testing.T) {
	f := func(v float64) string { return formatUnit(finhealth.UnitDays, v) }
	svg := string(sparklineSVG("s", "Cash buffer days", daily(10, 20, 15, math.NaN(), 30), f))
	wellFormed(t, svg)
	line := between(svg, `<polyline`, `/>`)
	if n := len(coordinates.FindAllString(line, -1)); n != 4 {
		t.Errorf("%d points, want the 4 finite ones: %s", n, line)
	}
	for _, want := range []string{`role="img"`, "Trend of Cash buffer days", "From 10.0 days on 1 Jan 2025 to 30.0 days on 5 Jan 2025; lowest 10.0 days, highest 30.0 days."} {
		if !strings.Contains(svg, want) {
			t.Errorf("missing %q in %s", want, svg)
		}
	}
	for _, few := range [][]chartPoint{nil, daily(4)} {
		if got := string(sparklineSVG("s", "x", few, f)); strings.Contains(got, "<svg") || !strings.Contains(got, "Not enough history") {
			t.Errorf("%d points: %s", len(few), got)
		}
	}
}

func TestGaugeAndBars(t *testing.T) {
	half := 50.0
	svg := string(gaugeSVG("g", &half, "Coping"))
	wellFormed(t, svg)
	// Half the score is a quarter turn: the arc ends at the top of the circle.
	if !strings.Contains(svg, `d="M 20 100 A 80 80 0 0 1 100 20"`) || !strings.Contains(svg, "fill-warn") {
		t.Errorf("gauge at 50: %s", svg)
	}
	if !strings.Contains(svg, "Score 50.0 out of 100: Coping. Tier edges at 40 (coping from here) and 80 (healthy from here).") {
		t.Errorf("gauge description: %s", svg)
	}
	// The edges cross the track (radius 80) from 69 to 91 and are labelled outside
	// at 98. At 40 the angle is 0.6π: cos = -0.309017, sin = 0.951057, so the
	// tick runs from (100-21.3, 100-65.6) = (78.7, 34.4) to (100-28.1, 100-86.5) =
	// (71.9, 13.5) and the label sits at (100-30.3, 100-93.2+4) = (69.7, 10.8). At
	// 80 (0.2π: cos 0.809017, sin 0.587785): (155.8, 59.4) to (173.6, 46.5), label
	// at (179.3, 46.4).
	for _, want := range []string{
		`<line class="gauge-edge" x1="78.7" y1="34.4" x2="71.9" y2="13.5"/>`,
		`<text x="69.7" y="10.8" class="gauge-edge-label" text-anchor="middle">40</text>`,
		`<line class="gauge-edge" x1="155.8" y1="59.4" x2="173.6" y2="46.5"/>`,
		`<text x="179.3" y="46.4" class="gauge-edge-label" text-anchor="middle">80</text>`,
	} {
		if !strings.Contains(svg, want) {
			t.Errorf("gauge edge: missing %s in %s", want, svg)
		}
	}
	full := 100.0
	if svg := string(gaugeSVG("g", &full, "Healthy")); !strings.Contains(svg, `0 0 1 180 100"`) || !strings.Contains(svg, "fill-good") {
		t.Errorf("gauge at 100: %s", svg)
	}
	none := string(gaugeSVG("g", nil, "Not enough data"))
	wellFormed(t, none)
	if strings.Contains(none, "gauge-value") || !strings.Contains(none, "Not enough data for a score yet.") {
		t.Errorf("gauge without a score: %s", none)
	}

	low, high := 25.0, 90.0
	bars := string(barsSVG("b", "Pillars", []scoreBar{{Label: "Liquidity & <cash>", Value: &high}, {Label: "Debt", Value: &low}}))
	wellFormed(t, bars)
	for _, want := range []string{`width="360"`, `width="100"`, "fill-good", "fill-bad", "Liquidity &amp; &lt;cash&gt;: 90.0 of 100; Debt: 25.0 of 100."} {
		if !strings.Contains(bars, want) {
			t.Errorf("missing %q in %s", want, bars)
		}
	}
}

func TestMetricFormatting(t *testing.T) {
	v := 1.5
	pts := 100
	noLiabilities := []finhealth.MetricBand{{Name: "no_short_term_liabilities", Label: "no short-term liabilities: healthy"}}
	for _, c := range []struct {
		m    finhealth.MetricValue
		want string
	}{
		{finhealth.MetricValue{Unit: finhealth.UnitRatio, Status: finhealth.MetricOK, Value: &v}, "1.50"},
		{finhealth.MetricValue{Unit: finhealth.UnitPercent, Status: finhealth.MetricOK, Value: &v}, "1.5%"},
		{finhealth.MetricValue{Unit: finhealth.UnitDays, Status: finhealth.MetricOK, Value: &v}, "1.5 days"},
		{finhealth.MetricValue{Unit: finhealth.UnitMonths, Status: finhealth.MetricOK, Value: &v}, "1.5 months"},
		{finhealth.MetricValue{Unit: finhealth.UnitWeeks, Status: finhealth.MetricOK, Value: &v}, "1.5 weeks"},
		{finhealth.MetricValue{Unit: finhealth.UnitRatio, Status: finhealth.MetricNotEnoughData}, "Not enough data"},
		{finhealth.MetricValue{Unit: finhealth.UnitRatio, Status: finhealth.MetricOK, Band: "no_short_term_liabilities",
			Bands: noLiabilities, Points: &pts}, "No short-term liabilities: healthy"},
	} {
		if got := metricText(c.m); got != c.want {
			t.Errorf("metricText(%+v) = %q, want %q", c.m, got, c.want)
		}
	}
	for points, want := range map[int]string{100: "Healthy", 80: "Healthy", 79: "Watch", 40: "Watch", 39: "Weak", 0: "Weak"} {
		if got := metricRating(finhealth.MetricOK, &points).Label; got != want {
			t.Errorf("rating of %d points = %q, want %q", points, got, want)
		}
	}
	if r := metricRating(finhealth.MetricOK, nil); r.Label != "Not scored" || r.Class != "" {
		t.Errorf("unscored metric rated %+v", r)
	}
}

func TestMetricChange(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, d) }
	ratio := func(d int, v float64) finhealth.MetricPoint {
		return finhealth.MetricPoint{AsOf: day(d), Unit: finhealth.UnitRatio, Status: finhealth.MetricOK, Value: &v}
	}
	money := func(d int, minor int64) finhealth.MetricPoint {
		return finhealth.MetricPoint{AsOf: day(d), Unit: finhealth.UnitMoney, Status: finhealth.MetricOK,
			Money: &finhealth.Money{Minor: minor, Currency: "USD", Exponent: 2}}
	}
	pct := func(d int, v float64) finhealth.MetricPoint {
		return finhealth.MetricPoint{AsOf: day(d), Unit: finhealth.UnitPercent, Status: finhealth.MetricOK, Value: &v}
	}
	for _, c := range []struct {
		name   string
		series []finhealth.MetricPoint
		want   string
	}{
		// The base is the newest point at least 30 days old.
		{"ratio up", []finhealth.MetricPoint{ratio(0, 1.2), ratio(5, 1.0), ratio(20, 1.4), ratio(40, 1.5)}, "▲ +0.50 since 6 Mar"},
		{"money down exactly", []finhealth.MetricPoint{money(0, 1000001), money(31, 999999)}, "▼ −0.02 USD since 1 Mar"},
		{"percent in points", []finhealth.MetricPoint{pct(0, 12.5), pct(30, 10)}, "▼ −2.5 pts since 1 Mar"},
		{"unchanged", []finhealth.MetricPoint{ratio(0, 2), ratio(30, 2)}, "No change since 1 Mar"},
		{"too recent", []finhealth.MetricPoint{ratio(0, 2), ratio(29, 3)}, "No value from 30 days ago yet"},
		{"too old", []finhealth.MetricPoint{ratio(0, 2), ratio(61, 3)}, "No value from 30 days ago yet"},
		{"base without a value", []finhealth.MetricPoint{{AsOf: day(0), Status: finhealth.MetricNotEnoughData}, ratio(30, 3)}, "No value from 30 days ago yet"},
		{"no value now", []finhealth.MetricPoint{ratio(0, 2), {AsOf: day(30), Status: finhealth.MetricNotEnoughData}}, ""},
	} {
		if got := metricChange(c.series); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}
