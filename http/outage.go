package http

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// outageLogEvery is how often, at most, an ongoing outage logs how many more
// requests it failed.
const outageLogEvery = 5 * time.Second

// outageLog tells an outage of the database in a few lines instead of one ERROR per
// failed request (232 in half a second once): the first failure at ERROR with its
// cause, then at most every outageLogEvery a WARN counting the failures since, then
// one INFO when the database answers again, saying how many failed and for how
// long. It is driven by events only (failures, and successes that prove the
// database answers), so an idle instance logs nothing and needs no timer.
type outageLog struct {
	log   *slog.Logger
	now   func() time.Time
	every time.Duration

	open atomic.Bool // read on every successful request, so it must be cheap

	mu       sync.Mutex
	started  time.Time
	failures int // in this outage
	unlogged int // failures since the last line
	lastLine time.Time
}

func newOutageLog(log *slog.Logger, now func() time.Time, every time.Duration) *outageLog {
	return &outageLog{log: log, now: now, every: every}
}

// failed records a request that failed because the database is unavailable.
func (o *outageLog) failed(ctx context.Context, requestID string, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	now := o.now()
	o.failures++
	if !o.open.Load() {
		o.open.Store(true)
		o.started, o.lastLine, o.failures, o.unlogged = now, now, 1, 0
		o.log.LogAttrs(ctx, slog.LevelError, "database unavailable",
			slog.String("request_id", requestID), slog.String("error", err.Error()))
		return
	}
	o.unlogged++
	if now.Sub(o.lastLine) >= o.every {
		o.logCount(ctx, now, err)
	}
}

// logCount logs the failures not yet told; o.mu is held.
func (o *outageLog) logCount(ctx context.Context, now time.Time, err error) {
	attrs := []slog.Attr{slog.Int("failed", o.unlogged)}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	o.log.LogAttrs(ctx, slog.LevelWarn,
		fmt.Sprintf("%d more requests failed: database unavailable", o.unlogged), attrs...)
	o.unlogged, o.lastLine = 0, now
}

// recovered records that the database answered; it ends an ongoing outage.
func (o *outageLog) recovered(ctx context.Context) {
	if !o.open.Load() {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.open.Load() {
		return
	}
	now := o.now()
	if o.unlogged > 0 {
		o.logCount(ctx, now, nil)
	}
	down := now.Sub(o.started)
	o.log.LogAttrs(ctx, slog.LevelInfo,
		fmt.Sprintf("database available again after %d failures, %s", o.failures, down.Round(time.Millisecond)),
		slog.Int("failures", o.failures), slog.Duration("down", down))
	o.open.Store(false)
}
