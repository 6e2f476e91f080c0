package http

import (
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	l := newLimiter(RateLimit{Count: 2, Per: time.Minute})
	for i := 0; i < 2; i++ {
		if ok, _ := l.allow("k", start); !ok {
			t.Fatalf("attempt %d refused", i)
		}
	}
	ok, wait := l.allow("k", start)
	if ok || wait != 30*time.Second {
		t.Fatalf("third attempt: ok=%v wait=%v, want refused for 30s", ok, wait)
	}
	if ok, _ := l.check("k", start.Add(29*time.Second)); ok {
		t.Error("allowed before a token refilled")
	}
	if ok, _ := l.allow("k", start.Add(30*time.Second)); !ok {
		t.Error("refused after a token refilled")
	}
	// Full buckets are swept.
	l.allow("other", start)
	l.allow("zzz", start.Add(10*time.Minute))
	l.mu.Lock()
	n := len(l.buckets)
	l.mu.Unlock()
	if n != 1 {
		t.Errorf("%d buckets after a sweep, want 1", n)
	}
	if ok, _ := newLimiter(RateLimit{Count: 1, Per: time.Hour, Disabled: true}).allow("k", start); !ok {
		t.Error("disabled limiter refused")
	}
}
