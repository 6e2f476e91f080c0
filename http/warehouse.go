package http

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode"

	"finhealth"
)

// The 503s of an instance without Wave or without background jobs.
var (
	errWaveNotConfigured = finhealth.Errorf(finhealth.EUNAVAILABLE, "Wave is not configured on this instance.")
	ErrSyncNotConfigured = finhealth.Errorf(finhealth.EUNAVAILABLE, "Background syncing is not configured on this instance.")
)

// wave returns the gateway, or the 503 every route that talks to Wave answers when
// the instance has no Wave registration.
func (s Wave) wave() (finhealth.WaveGateway, error) {
	if s.cfg.Wave == nil {
		return nil, errWaveNotConfigured
	}
	return s.cfg.Wave, nil
}

// heldTokens holds a token that is not stored yet (between the code exchange and
// saving the connection); a refresh in that window replaces it here, and the
// replacement is what gets stored.
type heldTokens struct {
	mu  sync.Mutex
	tok finhealth.OAuthToken
}

func (h *heldTokens) Load(context.Context) (finhealth.OAuthToken, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.tok, nil
}

func (h *heldTokens) Save(_ context.Context, tok finhealth.OAuthToken) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.tok = tok
	return nil
}

// waveFailure turns an error from Wave into what the caller may read, and logs it
// with the request id. The wave package scrubs what it sent (codes, tokens) from
// its errors, so the error text is safe to log. Its internal errors (a
// misconfigured registration, an unreadable answer) stay 503 rather than 500: the
// request was fine, and the message says what the administrator must look at.
func (s Wave) waveFailure(r *http.Request, op string, err error) error {
	level := slog.LevelWarn
	if finhealth.ErrorCode(err) == finhealth.EINTERNAL {
		level = slog.LevelError
	}
	s.log.LogAttrs(r.Context(), level, "wave request failed",
		slog.String("request_id", stateFrom(r.Context()).requestID),
		slog.String("op", op),
		slog.String("error", err.Error()))
	if finhealth.ErrorCode(err) != finhealth.EINTERNAL {
		return err
	}
	var fe *finhealth.Error
	if errors.As(err, &fe) && fe.Message != "" {
		return finhealth.Errorf(finhealth.EUNAVAILABLE, "%s If this keeps happening, tell the administrator.", fe.Message)
	}
	return finhealth.Errorf(finhealth.EUNAVAILABLE, "Wave could not be reached. Try again later.")
}

// ErrWaveReconnectedMeanwhile answers a request whose Wave work was cut short because
// the owner connected Wave again while it ran: the new connection is fine, and the
// next request uses it.
var ErrWaveReconnectedMeanwhile = finhealth.Errorf(finhealth.ECONFLICT,
	"Wave was connected again while this request was using the previous connection. Try again: the new connection is used from now on.")

// waveSessionFailed turns an error of a Wave session on the organization's stored
// tokens into the answer, after acting on it. Wave refusing the grant the request
// used puts the connection in needs_reconnect, as a sync would, so that the status
// shows why and syncs stop until the owner connects again; unless the owner has
// connected again since the request read its token, and the refusal concerns a grant
// that is no longer the connection's. That, or a refreshed token that the store
// would not save for the same reason, is answered 409. In every such case the
// process's cached token is the refused or replaced one, so it is dropped and the
// next request starts from the store.
func (s Wave) waveSessionFailed(r *http.Request, orgID string, tokens *finhealth.StoredWaveTokens, op string, err error) error {
	var rc *finhealth.WaveReconnectError
	if errors.As(err, &rc) {
		_, serr := s.st.SetWaveConnectionStatus(r.Context(), orgID, tokens.RefusedGrant(rc), finhealth.WaveNeedsReconnect, string(rc.Reason))
		switch {
		case errors.Is(serr, finhealth.ErrWaveGrantReplaced):
			err = fmt.Errorf("%w (Wave refused the previous grant: %v)", finhealth.ErrWaveGrantReplaced, err)
		case serr != nil:
			s.log.LogAttrs(r.Context(), slog.LevelError, "marking the wave connection needs_reconnect failed",
				slog.String("request_id", stateFrom(r.Context()).requestID), slog.String("error", serr.Error()))
		}
	}
	replaced := errors.Is(err, finhealth.ErrWaveGrantReplaced)
	if (rc != nil || replaced) && s.cfg.Wave != nil {
		s.cfg.Wave.Forget(orgID)
	}
	err = s.waveFailure(r, op, err)
	if replaced {
		return ErrWaveReconnectedMeanwhile
	}
	return err
}

// rescore asks the worker to recompute the organization's metrics and score after
// something they depend on changed. The change itself is already stored and the live
// health score shows it, so a queue failure is logged rather than failing the
// request.
func (s Insights) rescore(r *http.Request, orgID string) {
	if s.cfg.Sync == nil {
		return
	}
	if err := s.cfg.Sync.EnqueueRescore(r.Context(), orgID); err != nil {
		s.log.LogAttrs(r.Context(), slog.LevelWarn, "queueing a rescore failed",
			slog.String("request_id", stateFrom(r.Context()).requestID),
			slog.String("organization_id", orgID),
			slog.String("error", err.Error()))
	}
}

// assessmentSubmitted is the hook createAssessment calls once an assessment is
// stored, so that the stored health score blends it in.
func (s Insights) assessmentSubmitted(r *http.Request, orgID string) { s.rescore(r, orgID) }

// parseTimeParam reads an RFC 3339 time or a YYYY-MM-DD date from the query. A date
// is the start of that day (UTC) or, for the end of a range, its last instant, so
// that "to=2024-05-31" includes the whole day.
func parseTimeParam(r *http.Request, f FieldErrors, name string, endOfDay bool) time.Time {
	v := strings.TrimSpace(r.URL.Query().Get(name))
	if v == "" {
		return time.Time{}
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.UTC()
	}
	if d, err := time.Parse(time.DateOnly, v); err == nil {
		if endOfDay {
			return d.Add(24*time.Hour - time.Nanosecond)
		}
		return d
	}
	f.Add(name, "must be an RFC 3339 time or a YYYY-MM-DD date")
	return time.Time{}
}

// plainPathValue checks an opaque id from the path (Wave ids are base64 text) before
// it reaches the store: bounded and printable, or the route answers 404.
func plainPathValue(s string) bool {
	return s != "" && len(s) <= 256 && strings.IndexFunc(s, func(r rune) bool {
		return unicode.IsControl(r) || unicode.IsSpace(r)
	}) < 0
}
