package http

import (
	"math"
	"sync"
	"time"
)

// limiter is a set of token buckets keyed by client IP or account. It lives in
// memory: one process serves the API, and a restart forgiving a few attempts is
// acceptable for login throttling.
type limiter struct {
	disabled bool
	burst    float64
	rate     float64 // tokens per second

	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

// maxBuckets bounds memory when an attacker sprays keys faster than buckets refill.
const maxBuckets = 100_000

func newLimiter(rl RateLimit) *limiter {
	return &limiter{
		disabled: rl.Disabled,
		burst:    float64(rl.Count),
		rate:     float64(rl.Count) / rl.Per.Seconds(),
		buckets:  make(map[string]*bucket),
	}
}

// refill brings b up to now and returns its tokens.
func (l *limiter) refill(b *bucket, now time.Time) float64 {
	if elapsed := now.Sub(b.at).Seconds(); elapsed > 0 {
		b.tokens = math.Min(l.burst, b.tokens+elapsed*l.rate)
		b.at = now
	}
	return b.tokens
}

// wait is how long until b holds a whole token again, rounded up to whole seconds
// because Retry-After is in seconds.
func (l *limiter) wait(b *bucket) time.Duration {
	secs := math.Ceil((1 - b.tokens) / l.rate)
	return time.Duration(math.Max(1, secs)) * time.Second
}

// allow takes one token for key, or says how long to wait.
func (l *limiter) allow(key string, now time.Time) (bool, time.Duration) {
	if l.disabled {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	if l.refill(b, now) < 1 {
		return false, l.wait(b)
	}
	b.tokens--
	return true, 0
}

// check reports whether key has a token left without taking it: failed logins are
// counted only after the attempt fails, but a locked account is refused first.
func (l *limiter) check(key string, now time.Time) (bool, time.Duration) {
	if l.disabled {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok || l.refill(b, now) >= 1 {
		return true, 0
	}
	return false, l.wait(b)
}

// reset forgets key, after a successful login.
func (l *limiter) reset(key string) {
	if l.disabled {
		return
	}
	l.mu.Lock()
	delete(l.buckets, key)
	l.mu.Unlock()
}

// sweep drops buckets that have refilled completely (they carry no information) at
// most once a minute, or at once when the map is at its bound.
func (l *limiter) sweep(now time.Time) {
	if len(l.buckets) < maxBuckets && now.Sub(l.lastSweep) < time.Minute {
		return
	}
	l.lastSweep = now
	for k, b := range l.buckets {
		if l.refill(b, now) >= l.burst {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) >= maxBuckets {
		// Still full of live buckets: start over rather than grow without bound. An
		// attacker who can fill the map can already rotate keys freely.
		clear(l.buckets)
	}
}
