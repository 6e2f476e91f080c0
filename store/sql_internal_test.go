package store

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"testing"
	"time"

	"finhealth"
)

// TestTimeLayoutSortsAsTime checks the property SQLite's timestamp comparisons and
// ORDER BY rely on: the stored text sorts exactly as the instants do.
func TestTimeLayoutSortsAsTime(t *testing.T) {
	base := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	var times []time.Time
	for _, d := range []time.Duration{0, time.Microsecond, 10 * time.Microsecond, 100 * time.Millisecond,
		time.Second, time.Second + time.Microsecond, 59 * time.Minute, 36 * time.Hour, 400 * 24 * time.Hour} {
		times = append(times, base.Add(d), base.Add(-d))
	}
	// Another zone must not matter: the text is always UTC.
	times = append(times, base.In(time.FixedZone("X", -7*3600)).Add(time.Millisecond))
	h := handle{}
	texts := make([]string, len(times))
	for i, ts := range times {
		texts[i] = h.timeArg(ts).(string)
	}
	byTime := slices.Clone(times)
	sort.Slice(byTime, func(i, j int) bool { return byTime[i].Before(byTime[j]) })
	sort.Strings(texts)
	for i, text := range texts {
		got, err := parseDBTime(text)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Equal(byTime[i]) {
			t.Fatalf("position %d: text %s, time %v", i, text, byTime[i])
		}
	}
}

func TestParseDBTime(t *testing.T) {
	want := time.Date(2025, 3, 4, 5, 6, 7, 123456000, time.UTC)
	for _, v := range []any{
		"2025-03-04T05:06:07.123456Z",
		[]byte("2025-03-04T05:06:07.123456Z"),
		time.Date(2025, 3, 4, 7, 6, 7, 123456789, time.FixedZone("Y", 2*3600)),
	} {
		got, err := parseDBTime(v)
		if err != nil || *got != want {
			t.Fatalf("parseDBTime(%#v) = %v, %v; want %v", v, got, err, want)
		}
	}
	if got, err := parseDBTime(nil); got != nil || err != nil {
		t.Fatalf("parseDBTime(nil) = %v, %v", got, err)
	}
	if _, err := parseDBTime("yesterday"); err == nil {
		t.Fatal("parseDBTime accepted garbage")
	}
	if _, err := parseDBTime(42); err == nil {
		t.Fatal("parseDBTime accepted an integer")
	}
}

func TestCursor(t *testing.T) {
	id := newID()
	got, err := decodeCursor(encodeCursor(id))
	if err != nil || got != id {
		t.Fatalf("round trip: %q, %v", got, err)
	}
	if got, err := decodeCursor(""); got != "" || err != nil {
		t.Fatalf("empty cursor: %q, %v", got, err)
	}
	for _, bad := range []string{"!!!", encodeCursor("not-an-id"), id} {
		_, err := decodeCursor(bad)
		if finhealth.ErrorCode(err) != finhealth.EINVALID || finhealth.ErrorFields(err)["cursor"] == "" {
			t.Errorf("decodeCursor(%q) = %v", bad, err)
		}
	}
}

func TestPageLimit(t *testing.T) {
	for in, want := range map[int]int{-1: finhealth.DefaultPageSize, 0: finhealth.DefaultPageSize, 1: 1,
		finhealth.MaxPageSize: finhealth.MaxPageSize, finhealth.MaxPageSize + 1: finhealth.MaxPageSize} {
		if got := pageLimit(in); got != want {
			t.Errorf("pageLimit(%d) = %d, want %d", in, got, want)
		}
	}
}

func TestLikePattern(t *testing.T) {
	for in, want := range map[string]string{
		"Ada":     "%ada%",
		"100%":    `%100\%%`,
		"a_b":     `%a\_b%`,
		`back\sl`: `%back\\sl%`,
	} {
		if got := likePattern(in); got != want {
			t.Errorf("likePattern(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNewIDsAreOrdered(t *testing.T) {
	prev := newID()
	for range 1000 {
		id := newID()
		if id <= prev {
			t.Fatalf("%s after %s", id, prev)
		}
		prev = id
	}
}

func TestStmtCache(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "stmts.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c := db.h.stmts
	if c == nil {
		t.Fatal("no statement cache on SQLite")
	}
	first := c.get(ctx, "SELECT 1")
	if first == nil || c.get(ctx, "SELECT 1") != first {
		t.Fatal("the same query was not given the same prepared statement")
	}
	// A query that does not compile is not cached: the caller runs it unprepared,
	// which reports the error.
	if c.get(ctx, "SELEKT 1") != nil {
		t.Fatal("a broken query was cached")
	}
	var n int
	if err := db.h.queryRow(ctx, "SELEKT 1").Scan(&n); err == nil {
		t.Fatal("a broken query succeeded")
	}
	for i := c.n; i < maxCachedStatements; i++ {
		if c.get(ctx, fmt.Sprintf("SELECT %d", i+1000)) == nil {
			t.Fatalf("statement %d not cached below the bound", i)
		}
	}
	if c.get(ctx, "SELECT 'over the bound'") != nil {
		t.Fatal("the cache grew past its bound")
	}
	if err := db.h.queryRow(ctx, "SELECT 7").Scan(&n); err != nil || n != 7 {
		t.Fatalf("query past the bound = %d, %v", n, err)
	}
	var nilCache *stmtCache
	if nilCache.get(ctx, "SELECT 1") != nil {
		t.Fatal("a nil cache returned a statement")
	}
}
