// Package metricstest reads Prometheus metrics in tests, from a registry or from a
// scraped /metrics page, so that tests assert what an operator's Prometheus would
// see rather than the instruments' internals.
package metricstest

import (
	"io"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Value sums the samples of the family name whose labels include every pair in
// labels ("key", "value", ...): counter and gauge values, histogram sample counts. A
// family or series that was never recorded sums to 0, as a counter that never moved
// is not exported.
func Value(t testing.TB, g prometheus.Gatherer, name string, labels ...string) float64 {
	t.Helper()
	var sum float64
	for _, m := range samples(t, g, name, labels) {
		sum += sampleValue(m)
	}
	return sum
}

// Series counts the series of the family name whose labels include every pair in
// labels, to check which series are exported at all (Value cannot tell an absent
// series from a zero).
func Series(t testing.TB, g prometheus.Gatherer, name string, labels ...string) int {
	t.Helper()
	return len(samples(t, g, name, labels))
}

func samples(t testing.TB, g prometheus.Gatherer, name string, labels []string) []*dto.Metric {
	t.Helper()
	if len(labels)%2 != 0 {
		t.Fatalf("metricstest: labels %q are not key-value pairs", labels)
	}
	families, err := g.Gather()
	if err != nil {
		t.Fatalf("metricstest: gathering: %v", err)
	}
	var out []*dto.Metric
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if matches(m, labels) {
				out = append(out, m)
			}
		}
	}
	return out
}

func matches(m *dto.Metric, labels []string) bool {
	for i := 0; i < len(labels); i += 2 {
		found := false
		for _, lp := range m.GetLabel() {
			if lp.GetName() == labels[i] && lp.GetValue() == labels[i+1] {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func sampleValue(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Histogram != nil:
		return float64(m.Histogram.GetSampleCount())
	case m.Untyped != nil:
		return m.Untyped.GetValue()
	}
	return 0
}

// Parse reads a page in the Prometheus text exposition format, failing the test when
// it does not parse, and returns it as a Gatherer for Value.
func Parse(t testing.TB, r io.Reader) prometheus.Gatherer {
	t.Helper()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(r)
	if err != nil {
		t.Fatalf("metricstest: the exposition does not parse: %v", err)
	}
	return prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) {
		out := make([]*dto.MetricFamily, 0, len(families))
		for _, f := range families {
			out = append(out, f)
		}
		return out, nil
	})
}
