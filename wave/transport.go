package wave

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/time/rate"

	"finhealth"
)

// retryPolicy says which failures an operation may repeat. Reads are idempotent and
// repeat on any transient failure. A refresh is not: if Wave rotated the refresh token
// but the answer was lost, repeating it with the old token burns the grant, so it
// repeats only when Wave certainly did not act (429, 503, connection refused).
type retryPolicy int

const (
	retryIdempotent retryPolicy = iota
	retryOnlyUnprocessed
)

// retryable reports whether err is worth another attempt and how long Wave asked us to
// wait before it (0 when it did not say).
func retryable(err error, policy retryPolicy) (bool, time.Duration) {
	var he *HTTPError
	var oe *OAuthError
	var ge *GraphQLErrors
	switch {
	case errors.As(err, &he):
		if he.Status == http.StatusTooManyRequests || he.Status == http.StatusServiceUnavailable {
			return true, he.RetryAfter
		}
		if policy == retryOnlyUnprocessed {
			return he.Status == 0 && refusedConnection(he.Err), 0
		}
		if he.Status == 0 || he.Status >= 500 {
			return true, he.RetryAfter
		}
		// A 2xx whose body broke off mid-read is a network failure; a 2xx whose body is
		// not what we expect would be the same next time.
		return he.Status < 300 && he.Err != nil && !errors.Is(he.Err, ErrBadResponse), 0
	case errors.As(err, &oe):
		if oe.Status == http.StatusTooManyRequests || oe.Status == http.StatusServiceUnavailable {
			return true, oe.RetryAfter
		}
		return policy == retryIdempotent && oe.Status >= 500, oe.RetryAfter
	case errors.As(err, &ge):
		// A throttling or internal error without data is Wave failing, not us asking
		// wrongly; anything with data or another code would fail the same way again.
		if ge.Partial || policy == retryOnlyUnprocessed {
			return false, 0
		}
		for _, e := range ge.Errors {
			if s := codeSentinel(e.Code); s != ErrRateLimited && s != ErrUnavailable {
				return false, 0
			}
		}
		return true, 0
	}
	return false, 0
}

func refusedConnection(err error) bool {
	var op *net.OpError
	return errors.Is(err, syscall.ECONNREFUSED) || (errors.As(err, &op) && op.Op == "dial")
}

// parseRetryAfter reads a Retry-After header in either form RFC 9110 allows: delay
// seconds or an HTTP date. Anything unreadable counts as absent.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		if secs > 24*3600 {
			secs = 24 * 3600
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// backoff is the full-jitter delay before retry number attempt (0-based): uniform in
// [0, min(max, base*2^attempt)), so that many connections throttled together do not
// come back together.
func (c *Client) backoff(attempt int) time.Duration {
	ceiling := c.cfg.RetryMaxDelay
	if attempt < 30 {
		if d := c.cfg.RetryBaseDelay << attempt; d > 0 && d < ceiling {
			ceiling = d
		}
	}
	return c.cfg.Jitter(ceiling)
}

// gate paces one connection's requests: a token-bucket rate limiter and a bound on
// requests in flight. A nil gate or nil field means no limit.
type gate struct {
	limiter  *rate.Limiter
	inFlight chan struct{}
}

func (c *Client) newGate() *gate {
	g := &gate{}
	if c.cfg.RequestsPerSecond > 0 {
		g.limiter = rate.NewLimiter(rate.Limit(c.cfg.RequestsPerSecond), c.cfg.Burst)
	}
	if c.cfg.MaxInFlight > 0 {
		g.inFlight = make(chan struct{}, c.cfg.MaxInFlight)
	}
	return g
}

// withRetries runs attempt until it succeeds, fails permanently, or the retry budget
// is spent. Each attempt first passes the connection's gate (nil: none) and runs under
// its own timeout, so one hung request cannot eat the caller's deadline.
func (c *Client) withRetries(ctx context.Context, op string, g *gate, policy retryPolicy, attempt func(ctx context.Context) error) error {
	for n := 0; ; n++ {
		release, err := c.enter(ctx, g)
		if err != nil {
			return err
		}
		start := c.now()
		actx, cancel := context.WithTimeout(ctx, c.cfg.RequestTimeout)
		err = attempt(actx)
		cancel()
		release()
		c.metrics.observe(op, err, ctx.Err() != nil, c.now().Sub(start))
		if err == nil {
			c.log.DebugContext(ctx, "wave request", "op", op, "attempt", n+1, "duration", c.now().Sub(start))
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("wave: %s: %w", op, ctx.Err())
		}
		retry, after := retryable(err, policy)
		if !retry {
			c.log.DebugContext(ctx, "wave request failed", "op", op, "attempt", n+1, "error", err.Error())
			return err
		}
		if n >= c.cfg.MaxRetries {
			c.log.WarnContext(ctx, "wave request failed; giving up", "op", op, "attempts", n+1, "error", err.Error())
			return fmt.Errorf("wave: %s: gave up after %d attempts: %w", op, n+1, err)
		}
		delay := c.backoff(n)
		if after > 0 {
			if after > c.cfg.MaxRetryAfter {
				c.log.WarnContext(ctx, "wave asked to wait longer than this client waits", "op", op, "retry_after", after)
				// The caller reschedules for at least this long (a job snoozes);
				// retrying sooner would only be throttled again.
				later := &finhealth.WaveRetryLaterError{After: after, Detail: err.Error()}
				return fmt.Errorf("wave: %s: asked to retry after %s: %w", op, after, errors.Join(err, later))
			}
			delay = after
		}
		c.log.WarnContext(ctx, "wave request failed; retrying", "op", op, "attempt", n+1, "delay", delay, "error", err.Error())
		if err := c.cfg.Sleep(ctx, delay); err != nil {
			return fmt.Errorf("wave: %s: %w", op, err)
		}
	}
}

// enter waits for a free in-flight slot, then for a rate-limiter token on the
// client's clock (so that tests with a fake clock see the waits as calls to Sleep).
// The slot is taken first so that the pace counts requests as they are sent.
func (c *Client) enter(ctx context.Context, g *gate) (release func(), err error) {
	release = func() {}
	if g == nil {
		return release, ctx.Err()
	}
	if g.inFlight != nil {
		select {
		case g.inFlight <- struct{}{}:
			release = func() { <-g.inFlight }
		case <-ctx.Done():
			return release, ctx.Err()
		}
	}
	if g.limiter == nil {
		return release, ctx.Err()
	}
	now := c.now()
	r := g.limiter.ReserveN(now, 1)
	if !r.OK() {
		release()
		return func() {}, errors.New("wave: rate limiter misconfigured")
	}
	if d := r.DelayFrom(now); d > 0 {
		if err := c.cfg.Sleep(ctx, d); err != nil {
			r.CancelAt(c.now())
			release()
			return func() {}, err
		}
	}
	return release, ctx.Err()
}
