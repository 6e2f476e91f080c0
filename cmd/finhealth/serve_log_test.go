package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The tests that run serve wait for what it says, line by line, rather than polling it
// against deadlines of their own: serve tells when it listens, when it stops
// accepting connections, when a sync ends and when a score is recorded.

// serveLog is everything serve writes (its log, and in development the line saying
// where to go), kept line by line as it is written.
type serveLog struct {
	mu      sync.Mutex
	lines   []string
	partial []byte
	grew    chan struct{} // closed when a line is added, then replaced
	ended   chan struct{} // closed when serve has returned
	endOnce sync.Once
}

func newServeLog() *serveLog {
	return &serveLog{grew: make(chan struct{}), ended: make(chan struct{})}
}

func (l *serveLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial = append(l.partial, p...)
	added := false
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		l.lines = append(l.lines, string(l.partial[:i]))
		l.partial = l.partial[i+1:]
		added = true
	}
	if added {
		close(l.grew)
		l.grew = make(chan struct{})
	}
	return len(p), nil
}

// end records that serve has returned: nothing more will be written.
func (l *serveLog) end() { l.endOnce.Do(func() { close(l.ended) }) }

// String is the whole log so far.
func (l *serveLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n") + "\n" + string(l.partial)
}

// wait returns the first line of the log, from its start, that match accepts. It
// fails the test when serve returns without writing one, or at the test's deadline
// (testContext): under load serve may take many times longer than usual, and only a
// line that never comes should fail the test.
func (l *serveLog) wait(t testing.TB, what string, match func(logLine) bool) logLine {
	t.Helper()
	ctx := testContext(t)
	seen := 0
	for {
		l.mu.Lock()
		lines, grew := l.lines[seen:], l.grew
		seen = len(l.lines)
		l.mu.Unlock()
		for _, s := range lines {
			if line := parseLogLine(s); match(line) {
				return line
			}
		}
		select {
		case <-grew:
		case <-l.ended:
			// Serve has returned; its last lines are in by now.
			l.mu.Lock()
			rest := l.lines[seen:]
			l.mu.Unlock()
			for _, s := range rest {
				if line := parseLogLine(s); match(line) {
					return line
				}
			}
			t.Fatalf("serve returned before saying %s:\n%s", what, l)
		case <-ctx.Done():
			t.Fatalf("serve had not said %s by the test's deadline:\n%s", what, l)
		}
	}
}

// waitMsg waits for a log record with the message msg and, when given, these
// attribute values ("key", "value", ...).
func (l *serveLog) waitMsg(t testing.TB, msg string, attrs ...string) logLine {
	t.Helper()
	return l.wait(t, fmt.Sprintf("%q %v", msg, attrs), func(line logLine) bool { return line.is(msg, attrs...) })
}

// waitListening waits until serve accepts connections: its "listening" record, or
// in development with text logs (where that record is at debug level) the plain line
// saying where to go, which it writes once everything has started.
func (l *serveLog) waitListening(t testing.TB) {
	t.Helper()
	l.wait(t, "that it is listening", func(line logLine) bool {
		return line.is("listening") || strings.HasPrefix(line.text, "finhealth is ready")
	})
}

// syncEnds are the messages with which the worker ends a sync run's job for good.
var syncEnds = map[string]bool{
	"sync finished": true, "sync finished after its run was abandoned": true, "sync failed": true,
	"sync failed; giving up": true, "wave connection needs reconnecting": true,
	"wave connection replaced during the sync; stopping it": true, "sync interrupted by shutdown": true,
	"sync run no longer exists": true, "sync run already finished": true,
}

// waitSyncEnd waits for the record that ends the run's job, which the worker writes
// once the run's outcome is stored ("sync finished") or as it stores it (a failure):
// a test that wants the outcome reads it after a success, and fails on the others.
func (l *serveLog) waitSyncEnd(t testing.TB, runID string) logLine {
	t.Helper()
	return l.wait(t, "that sync run "+runID+" ended", func(line logLine) bool {
		return line.attrs["run_id"] == runID && syncEnds[line.attrs["msg"]]
	})
}

// waitOrgSyncEnd is waitSyncEnd for the first run of the organization to end, for a
// test that does not know the run.
func (l *serveLog) waitOrgSyncEnd(t testing.TB, orgID string) logLine {
	t.Helper()
	return l.wait(t, "that a sync of organization "+orgID+" ended", func(line logLine) bool {
		return line.attrs["organization_id"] == orgID && syncEnds[line.attrs["msg"]]
	})
}

// logLine is one line serve wrote: a JSON or text (logfmt) record, whose attributes
// are kept as text, or a plain line.
type logLine struct {
	text  string
	attrs map[string]string
}

func (l logLine) is(msg string, attrs ...string) bool {
	if l.attrs["msg"] != msg {
		return false
	}
	for i := 0; i+1 < len(attrs); i += 2 {
		if l.attrs[attrs[i]] != attrs[i+1] {
			return false
		}
	}
	return true
}

func parseLogLine(s string) logLine {
	line := logLine{text: s, attrs: map[string]string{}}
	if strings.HasPrefix(s, "{") {
		var m map[string]any
		if json.Unmarshal([]byte(s), &m) == nil {
			for k, v := range m {
				if str, ok := v.(string); ok {
					line.attrs[k] = str
				} else {
					line.attrs[k] = fmt.Sprint(v)
				}
			}
		}
		return line
	}
	// slog's text handler: key=value pairs, values quoted when they need it.
	rest := s
	for rest != "" {
		rest = strings.TrimLeft(rest, " ")
		eq := strings.IndexByte(rest, '=')
		if eq <= 0 || strings.ContainsAny(rest[:eq], " \"") {
			break // not a record: a plain line
		}
		key := rest[:eq]
		rest = rest[eq+1:]
		var value string
		if strings.HasPrefix(rest, `"`) {
			q, err := strconv.QuotedPrefix(rest)
			if err != nil {
				break
			}
			value, _ = strconv.Unquote(q)
			rest = rest[len(q):]
		} else {
			end := strings.IndexByte(rest, ' ')
			if end < 0 {
				end = len(rest)
			}
			value, rest = rest[:end], rest[end:]
		}
		line.attrs[key] = value
	}
	return line
}

// testContext ends shortly before the test binary's -timeout would, for waits that
// only a broken test never sees the end of. Unlike t.Context it is still live in
// cleanups (it ends after them).
func testContext(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	if d, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if deadline, ok := d.Deadline(); ok {
			ctx, cancel = context.WithDeadline(context.Background(), deadline.Add(-5*time.Second))
		}
	}
	t.Cleanup(cancel)
	return ctx
}

// waitFor waits for ch to close, until the test's deadline.
func waitFor(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-testContext(t).Done():
		t.Fatalf("gave up waiting for %s at the test's deadline", what)
	}
}
