package wave

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// clientMetrics counts every HTTP request sent to Wave, retries included, by
// operation and outcome: a sync that succeeds after three throttled attempts is the
// early warning an operator wants, and counting whole calls would hide it.
type clientMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newClientMetrics(reg prometheus.Registerer) (*clientMetrics, error) {
	m := &clientMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "finhealth_wave_requests_total",
			Help: "HTTP requests sent to Wave, retries included, by operation and outcome (ok or the error class).",
		}, []string{"operation", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "finhealth_wave_request_duration_seconds",
			Help:    "Duration of one HTTP request to Wave (one attempt), by operation.",
			Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"operation"}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("wave: registering metrics: %w", err)
		}
	}
	return m, nil
}

// observe records one attempt. A nil receiver records nothing, so that a client
// without metrics needs no branch at the call site. Operations are the fixed names
// of this package's queries and OAuth calls, so the label set stays small.
func (m *clientMetrics) observe(op string, err error, callerDone bool, d time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(op, outcome(err, callerDone)).Inc()
	m.duration.WithLabelValues(op).Observe(d.Seconds())
}

// errorClasses name the outcomes of failed requests, most specific first: an error
// can match several sentinels (an HTTP 401 wrapping a GraphQL body), and the first
// match is the class.
var errorClasses = []struct {
	sentinel error
	name     string
}{
	{ErrRateLimited, "rate_limited"},
	{ErrUnauthenticated, "unauthenticated"},
	{ErrInvalidGrant, "invalid_grant"},
	{ErrInvalidClient, "invalid_client"},
	{ErrAccessDenied, "access_denied"},
	{ErrForbidden, "forbidden"},
	{ErrNotFound, "not_found"},
	{ErrQueryInvalid, "query_invalid"},
	{ErrBadResponse, "bad_response"},
	{ErrUnavailable, "unavailable"},
	{ErrGraphQL, "graphql_error"},
}

// outcome classifies an attempt's result. callerDone tells a request abandoned by
// its caller (a sync stopping) from a Wave failure; an attempt that ran out its own
// timeout is Wave being slow.
func outcome(err error, callerDone bool) string {
	switch {
	case err == nil:
		return "ok"
	case callerDone:
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	}
	for _, c := range errorClasses {
		if errors.Is(err, c.sentinel) {
			return c.name
		}
	}
	return "other"
}
