package http

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"finhealth"
)

var statusOK = []byte(`{"status":"ok"}` + "\n")

// probeRoutes are the routes that say whether the process is alive and ready, which
// every instance serves whatever is mounted on it.
func (s *Server) probeRoutes() []Route {
	return []Route{
		{"GET", "/healthz", Public, http.StatusOK, s.healthz},
		{"GET", "/readyz", Public, http.StatusOK, s.readyz},
	}
}

// healthz says the process is alive; it touches nothing so that a slow database
// does not get a healthy process restarted.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request, _ *Call) error {
	h := w.Header()
	h["Content-Type"] = JSONContentType
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(statusOK)
	return nil
}

// readyz says whether the instance can serve: the database answers and its schema
// is current. The cause is logged, not returned.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request, _ *Call) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.cfg.Ready(ctx); err != nil {
		s.log.LogAttrs(r.Context(), slog.LevelWarn, "not ready",
			slog.String("request_id", stateFrom(r.Context()).requestID), slog.String("error", err.Error()))
		return finhealth.Errorf(finhealth.EUNAVAILABLE, "Not ready.")
	}
	s.outage.recovered(r.Context())
	return s.healthz(w, r, nil)
}
