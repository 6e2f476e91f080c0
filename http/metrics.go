package http

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"finhealth"
)

// MetricsRoute is the pattern /metrics is served and counted under.
const MetricsRoute = "GET /metrics"

// apiMetrics are the API's instruments. Requests are labelled by route pattern, never
// by URL: a URL carries ids (unbounded series) and, in query strings, possibly
// secrets.
type apiMetrics struct {
	requests      *prometheus.CounterVec
	duration      *prometheus.HistogramVec
	loginFailures *prometheus.CounterVec
	badLogin      prometheus.Counter
	limitedLogin  prometheus.Counter
}

// Login failure reasons. Unknown email, wrong password and deactivated account are
// one reason, as they are one answer to the client; the audit log tells them apart.
const (
	loginBadCredentials = "bad_credentials"
	loginRateLimited    = "rate_limited"
)

// newAPIMetrics registers the API's instruments on reg; nil reg means no metrics.
// A registration conflict is a wiring mistake, reported like NewServer's other
// configuration errors.
func newAPIMetrics(reg prometheus.Registerer) *apiMetrics {
	if reg == nil {
		return nil
	}
	m := &apiMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "finhealth_http_requests_total",
			Help: "HTTP requests answered, by route pattern (\"unmatched\" for none) and status code.",
		}, []string{"route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "finhealth_http_request_duration_seconds",
			Help: "Time to answer an HTTP request, by route pattern.",
			// The cached reads answer in well under a millisecond; logins spend about
			// 50 ms hashing; anything over a few seconds is a problem.
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route"}),
		loginFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "finhealth_login_failures_total",
			Help: "Failed logins, by reason: bad_credentials (unknown email, wrong password or deactivated account) or rate_limited.",
		}, []string{"reason"}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration, m.loginFailures} {
		if err := reg.Register(c); err != nil {
			panic("http: registering metrics: " + err.Error())
		}
	}
	// Created up front so that both series exist from the start: an alert on a rate
	// of failures needs a zero to compare against.
	m.badLogin = m.loginFailures.WithLabelValues(loginBadCredentials)
	m.limitedLogin = m.loginFailures.WithLabelValues(loginRateLimited)
	return m
}

// routeMetrics are a route's instruments, resolved when the route is wired so that
// its latency series exists before its first request.
type routeMetrics struct {
	route    string
	duration prometheus.Observer
	// answered is the request counter of the status this route answered last: a
	// route nearly always answers the same one, and looking the series up by its
	// labels (hashing them, formatting the status) was most of what counting cost.
	// Resolved on first use, so that no series is exported before it counts.
	answered atomic.Pointer[statusCounter]
}

type statusCounter struct {
	status int
	prometheus.Counter
}

// forRoute returns the route's instruments; nil when metrics are off.
func (m *apiMetrics) forRoute(route string) *routeMetrics {
	if m == nil {
		return nil
	}
	return &routeMetrics{route: route, duration: m.duration.WithLabelValues(route)}
}

// observe counts one answered request under st.route. A route's handler sets it, with
// the route's instruments in st.metrics; a handler may name a route without them.
func (m *apiMetrics) observe(st *requestState, status int, elapsed time.Duration) {
	rm := st.metrics
	if rm == nil || rm.route != st.route {
		m.requests.WithLabelValues(st.route, strconv.Itoa(status)).Inc()
		m.duration.WithLabelValues(st.route).Observe(elapsed.Seconds())
		return
	}
	c := rm.answered.Load()
	if c == nil || c.status != status {
		c = &statusCounter{status, m.requests.WithLabelValues(st.route, strconv.Itoa(status))}
		rm.answered.Store(c)
	}
	c.Inc()
	rm.duration.Observe(elapsed.Seconds())
}

// loginFailed counts a failed login; nil metrics count nothing.
func (m *apiMetrics) loginFailed(reason string) {
	if m == nil {
		return
	}
	if reason == loginRateLimited {
		m.limitedLogin.Inc()
		return
	}
	m.badLogin.Inc()
}

var errMetricsToken = finhealth.Errorf(finhealth.EUNAUTHORIZED, "A valid metrics token is required.")

// serveMetrics serves the exposition handler, behind MetricsToken when one is set.
// The token is compared as SHA-256 digests in constant time, so that neither its
// content nor its length can be probed by timing.
func (s *Server) serveMetrics(exposition http.Handler) http.Handler {
	want := sha256.Sum256([]byte(s.cfg.MetricsToken))
	rm := s.metrics.forRoute(MetricsRoute)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := stateFrom(r.Context())
		st.route, st.metrics = MetricsRoute, rm
		if s.cfg.MetricsToken != "" {
			scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
			got := sha256.Sum256([]byte(strings.TrimSpace(token)))
			if !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
				s.writeError(w, r, errMetricsToken)
				return
			}
		}
		exposition.ServeHTTP(w, r)
	})
}
