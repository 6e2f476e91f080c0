package http

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	"finhealth"
)

// requestState is what the outermost middleware learns about a request and logs
// when it ends. Inner layers fill in the route and the user.
type requestState struct {
	requestID string
	ip        string
	route     string
	userID    string
	metrics   *routeMetrics // the route's instruments, when it resolved them
}

type stateKey struct{}

func stateFrom(ctx context.Context) *requestState {
	if st, ok := ctx.Value(stateKey{}).(*requestState); ok {
		return st
	}
	return &requestState{}
}

// RequestID is the id of the request that ctx belongs to, as logged and answered in
// X-Request-Id ("" outside a request).
func RequestID(ctx context.Context) string { return stateFrom(ctx).requestID }

// RoutePattern is the route the request of ctx is logged and counted under.
func RoutePattern(ctx context.Context) string { return stateFrom(ctx).route }

// SetRoutePattern names the route that r is logged and counted under, for handlers
// outside the route table (the web UI's pages and assets).
func SetRoutePattern(r *http.Request, pattern string) { stateFrom(r.Context()).route = pattern }

// statusWriter records the status for the request log and whether a response has
// started, so that recovering from a panic does not write a second header.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's Flusher and deadlines.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// base assigns the request id, puts the actor skeleton in the context, recovers
// panics into a 500, counts the request in the metrics and logs one line per
// request. It logs and counts the route pattern, not the URL, and never headers, so
// tokens in Authorization or query strings stay out of the logs.
func (s *Server) base(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		// The canonical key read directly: Get would canonicalize "X-Request-ID" into a
		// new string on every request.
		var inID string
		if v := r.Header["X-Request-Id"]; len(v) > 0 {
			inID = v[0]
		}
		st := &requestState{requestID: requestID(inID), ip: s.clientIP(r), route: "unmatched"}
		w.Header()["X-Request-Id"] = []string{st.requestID}
		ctx := context.WithValue(r.Context(), stateKey{}, st)
		ctx = finhealth.WithActor(ctx, finhealth.Actor{IP: st.ip, RequestID: st.requestID})
		r = r.WithContext(ctx)
		sw := &statusWriter{ResponseWriter: w}

		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v) // the server's own signal to drop the connection
				}
				s.log.LogAttrs(ctx, slog.LevelError, "panic",
					slog.String("request_id", st.requestID),
					slog.String("route", st.route),
					slog.String("panic", fmt.Sprint(v)),
					slog.String("stack", string(debug.Stack())))
				if sw.status == 0 {
					s.writeError(sw, r, fmt.Errorf("panic: %v", v))
				}
			}
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			elapsed := time.Since(start)
			if s.metrics != nil {
				s.metrics.observe(st, status, elapsed)
			}
			level := slog.LevelInfo
			switch {
			case status == http.StatusServiceUnavailable:
				// Told by the outage log, a few lines for a whole outage.
			case status >= 500:
				level = slog.LevelError
			case st.userID != "":
				// The store answered this request's access query.
				s.outage.recovered(ctx)
			}
			if !s.log.Enabled(ctx, level) {
				return
			}
			s.log.LogAttrs(ctx, level, "request",
				slog.String("method", r.Method),
				slog.String("route", st.route),
				slog.Int("status", status),
				slog.Duration("duration", elapsed),
				slog.String("request_id", st.requestID),
				slog.String("user_id", st.userID),
				slog.String("ip", st.ip))
		}()
		next.ServeHTTP(sw, r)
	})
}

// requestID keeps a caller's X-Request-ID when it is short and plain, so that ids
// can be followed across services, and otherwise makes one. Anything else could
// inject text into logs.
func requestID(in string) string {
	if n := len(in); n > 0 && n <= 64 {
		ok := true
		for i := 0; i < n && ok; i++ {
			c := in[i]
			ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
		}
		if ok {
			return in
		}
	}
	return newRequestID()
}

// Request ids are a random per-process prefix and a counter, 24 hex digits: unique
// within the process, and across processes with overwhelming probability, at the
// cost of an atomic add instead of reading the system's random source per request.
// The counter is multiplied by a random odd number modulo 2^48 (a bijection, so
// still unique) so that ids do not read as a sequence; they identify requests in
// logs and are not secrets.
var (
	requestIDPrefix, requestIDScramble = newRequestIDSeed()
	requestIDCounter                   atomic.Uint64
)

func newRequestIDSeed() (prefix [12]byte, scramble uint64) {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("http: no random source for request ids: " + err.Error())
	}
	hex.Encode(prefix[:], b[:6])
	for _, c := range b[6:] {
		scramble = scramble<<8 | uint64(c)
	}
	return prefix, scramble | 1
}

func newRequestID() string {
	const hexDigits = "0123456789abcdef"
	n := (requestIDCounter.Add(1) * requestIDScramble) & (1<<48 - 1)
	var b [24]byte
	copy(b[:12], requestIDPrefix[:])
	for i := 23; i >= 12; i-- {
		b[i] = hexDigits[n&0xf]
		n >>= 4
	}
	return string(b[:])
}

// clientIP is the address rate limits and audit entries use. Behind a trusted proxy
// it is the right-most X-Forwarded-For entry, the one the proxy itself appended:
// entries further left are whatever the client claimed.
func (s *Server) clientIP(r *http.Request) string {
	if s.cfg.TrustProxy {
		values := r.Header.Values("X-Forwarded-For")
		for i := len(values) - 1; i >= 0; i-- {
			parts := strings.Split(values[i], ",")
			for j := len(parts) - 1; j >= 0; j-- {
				if ip, err := netip.ParseAddr(strings.TrimSpace(parts[j])); err == nil {
					return ip.Unmap().String()
				}
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if ip.Is4() {
			// ParseAddr takes only the canonical dotted form of an IPv4 address, so
			// the text is already what String would build.
			return host
		}
		return ip.Unmap().String()
	}
	return host
}

// Header values shared by every response; never mutated after start-up.
var (
	hdrNoSniff    = []string{"nosniff"}
	hdrNoReferrer = []string{"no-referrer"}
	hdrDeny       = []string{"DENY"}
	hdrAPICSP     = []string{"default-src 'none'; frame-ancestors 'none'"}
	hdrNoStore    = []string{"no-store"}
	// Every answer may depend on Origin (CORS) and, through compress, on
	// Accept-Encoding; naming both here spares compress adding its own.
	hdrVary         = []string{"Origin, Accept-Encoding"}
	hdrHSTS         = []string{"max-age=63072000; includeSubDomains"}
	hdrAllowMethods = []string{"GET, POST, PUT, PATCH, DELETE"}
	hdrAllowHeaders = []string{"Authorization, Content-Type, X-Request-ID, If-None-Match"}
	hdrExposeHeads  = []string{"X-Request-ID, Retry-After, ETag, WWW-Authenticate, Location"}
	hdrMaxAge       = []string{"600"}
)

// headers sets the security headers and answers CORS. API responses default to
// no-store because they carry personal and financial data; the few public,
// cacheable routes override it.
func (s *Server) headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h["X-Content-Type-Options"] = hdrNoSniff
		h["Referrer-Policy"] = hdrNoReferrer
		h["X-Frame-Options"] = hdrDeny
		h["Content-Security-Policy"] = hdrAPICSP
		h["Cache-Control"] = hdrNoStore
		h["Vary"] = hdrVary
		if !s.cfg.Development && s.overHTTPS(r) {
			h["Strict-Transport-Security"] = hdrHSTS
		}
		origin := r.Header.Get("Origin")
		if origin == "" {
			next.ServeHTTP(w, r)
			return
		}
		allowed := s.corsOrigins[origin]
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			if !allowed {
				s.writeError(w, r, finhealth.Errorf(finhealth.EFORBIDDEN, "Origin not allowed."))
				return
			}
			h["Access-Control-Allow-Origin"] = []string{origin}
			h["Access-Control-Allow-Methods"] = hdrAllowMethods
			h["Access-Control-Allow-Headers"] = hdrAllowHeaders
			h["Access-Control-Max-Age"] = hdrMaxAge
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if allowed {
			h["Access-Control-Allow-Origin"] = []string{origin}
			h["Access-Control-Expose-Headers"] = hdrExposeHeads
		}
		next.ServeHTTP(w, r)
	})
}

// overHTTPS reports whether the client reached the app over TLS: its own, or a
// trusted proxy's that says so in X-Forwarded-Proto (the last value, the one the
// nearest proxy set). Browsers ignore HSTS received over plain http, and without
// TrustProxy the header is whatever the client claimed.
func (s *Server) overHTTPS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	if !s.cfg.TrustProxy {
		return false
	}
	values := r.Header.Values("X-Forwarded-Proto")
	if len(values) == 0 {
		return false
	}
	last := values[len(values)-1]
	if i := strings.LastIndexByte(last, ','); i >= 0 {
		last = last[i+1:]
	}
	return strings.EqualFold(strings.TrimSpace(last), "https")
}

// unmatched answers every /api path no route claims: 405 with Allow when another
// method would match, 404 otherwise, both as JSON (ServeMux's own are plain text).
func (s *Server) unmatched(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
		if m == r.Method || (m == "GET" && r.Method == http.MethodHead) {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = m
		if pattern := s.Pattern(probe); pattern != "" && pattern != "/api/" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		s.writeError(w, r, finhealth.Errorf(codeMethodNotAllowed, "Method %s is not allowed here.", r.Method))
		return
	}
	s.writeError(w, r, errRouteNotFound)
}

// wrap applies a route's access rule before its handler: authenticate, then find
// the organization and the caller's role in it, then check the permission.
func (s *Server) wrap(rt Route) http.Handler {
	pattern := rt.Pattern()
	rm := s.metrics.forRoute(pattern)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := stateFrom(r.Context())
		st.route, st.metrics = pattern, rm
		c := &Call{}
		if err := s.authorize(r, rt.Access, st, c); err != nil {
			s.writeError(w, r, err)
			return
		}
		if c.User != nil {
			r = r.WithContext(finhealth.WithActor(r.Context(), finhealth.Actor{
				UserID: c.User.ID, Email: c.User.Email, IP: st.ip, RequestID: st.requestID,
			}))
		}
		if err := rt.Handle(w, r, c); err != nil {
			s.writeError(w, r, err)
		}
	})
}
