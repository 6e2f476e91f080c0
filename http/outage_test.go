package http

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// manualClock is a clock the test moves by hand, so that "five seconds later" costs
// no waiting.
type manualClock struct{ t time.Time }

func (c *manualClock) now() time.Time          { return c.t }
func (c *manualClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func outageLines(buf *bytes.Buffer) []string {
	return strings.Split(strings.TrimSpace(buf.String()), "\n")
}

// TestOutageLogFloodIsThreeLines replays the outage the reliability test saw: 232
// failed requests in half a second make one ERROR, one count and one recovery line.
func TestOutageLogFloodIsThreeLines(t *testing.T) {
	var buf bytes.Buffer
	clock := &manualClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	o := newOutageLog(slog.New(slog.NewTextHandler(&buf, nil)), clock.now, 5*time.Second)
	ctx := context.Background()
	cause := errors.New("connection refused")
	o.recovered(ctx) // no outage: nothing to say
	for range 232 {
		o.failed(ctx, "req", cause)
		clock.advance(500 * time.Millisecond / 232)
	}
	o.recovered(ctx)
	o.recovered(ctx) // told once
	lines := outageLines(&buf)
	if len(lines) != 3 {
		t.Fatalf("got %d lines, want 3:\n%s", len(lines), buf.String())
	}
	for i, want := range []string{
		`level=ERROR msg="database unavailable" request_id=req error="connection refused"`,
		`level=WARN msg="231 more requests failed: database unavailable" failed=231`,
		`level=INFO msg="database available again after 232 failures, 500ms" failures=232`,
	} {
		if !strings.Contains(lines[i], want) {
			t.Errorf("line %d = %s\nwant it to contain %s", i, lines[i], want)
		}
	}
}

// TestOutageLogCountsAtMostEveryPeriod: a long outage counts its failures once per
// period, never per request, and a new outage starts with a new ERROR.
func TestOutageLogCountsAtMostEveryPeriod(t *testing.T) {
	var buf bytes.Buffer
	clock := &manualClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	o := newOutageLog(slog.New(slog.NewTextHandler(&buf, nil)), clock.now, 5*time.Second)
	ctx := context.Background()
	for range 1200 { // 12 s, one failure every 10 ms
		o.failed(ctx, "req", errors.New("disk full"))
		clock.advance(10 * time.Millisecond)
	}
	o.recovered(ctx)
	o.failed(ctx, "again", errors.New("disk full"))
	got := strings.Count(buf.String(), "level=ERROR")
	counts := strings.Count(buf.String(), "more requests failed")
	// Counts at 5 s and 10 s, and the 199 left at the recovery.
	if got != 2 || counts != 3 {
		t.Fatalf("%d ERROR and %d count lines, want 2 and 3:\n%s", got, counts, buf.String())
	}
	for _, want := range []string{"msg=\"500 more requests failed", "msg=\"199 more requests failed",
		"after 1200 failures, 12s"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, buf.String())
		}
	}
}
