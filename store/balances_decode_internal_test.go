package store

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"
	"syscall"
	"testing"
	"time"
)

// balanceSamples are the shapes the store writes and reads back, and near misses
// that the fast path must hand to encoding/json.
var balanceSamples = []string{
	// As json.Marshal writes them (SQLite keeps this text).
	`[]`,
	`[{"id":"QWNjb3VudDox","minor":349000000},{"id":"QWNjb3VudDoy","minor":-5,"currency":"KWD","exponent":3}]`,
	// As PostgreSQL's jsonb returns them: spaces, keys ordered by length.
	`[{"id": "QWNjb3VudDox", "minor": 0}, {"id": "QWNjb3VudDoy", "minor": -9223372036854775808, "currency": "JPY", "exponent": 0}]`,
	" [ { \"minor\" : 12 , \"id\" : \"a+b/c=\" } ] \n",
	`[{}]`,
	// Left to encoding/json: escapes, other key cases, floats, overflow, trailing data,
	// non-ASCII, null, leading zeros, unknown keys, invalid JSON.
	`[{"id":"a\u003cb","minor":1}]`,
	`[{"ID":"x","Minor":2}]`,
	`[{"id":"x","minor":1.5}]`,
	`[{"id":"x","minor":1e3}]`,
	`[{"id":"x","minor":9223372036854775808}]`,
	`[{"id":"x","minor":1}] x`,
	`[{"id":"é","minor":1}]`,
	`[{"id":"x","minor":1,"currency":null}]`,
	`[{"id":"x","minor":01}]`,
	`[{"id":"x","minor":1,"other":true}]`,
	`[{"id":"x","minor":1},]`,
	`[{"id":"x","minor":1}`,
	`null`,
	``,
	`[{"id":"x","minor":1,"exponent":99999999999999999999}]`,
}

// TestDecodeBalances: the fast path gives exactly what encoding/json gives, or
// steps aside.
func TestDecodeBalances(t *testing.T) {
	fast := 0
	for _, s := range balanceSamples {
		checkBalances(t, []byte(s))
		if _, ok := readBalances([]byte(s), nil); ok {
			fast++
		}
	}
	if fast != 5 {
		t.Errorf("the fast path took %d of the samples, want the 5 the store writes", fast)
	}
}

func checkBalances(t *testing.T, b []byte) {
	t.Helper()
	var want []storedBalance
	wantErr := json.Unmarshal(b, &want)
	got, err := decodeBalances(b, map[string]string{"x": "x", "QWNjb3VudDox": "QWNjb3VudDox"})
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("%q: error %v, encoding/json %v", b, err, wantErr)
	}
	if err == nil && !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
		t.Fatalf("%q: %+v, encoding/json %+v", b, got, want)
	}
	if fast, ok := readBalances(b, nil); ok && (wantErr != nil || !reflect.DeepEqual(fast, want) && !(len(fast) == 0 && len(want) == 0)) {
		t.Fatalf("%q: the fast path accepted what encoding/json reads differently (%v)", b, wantErr)
	}
}

func FuzzDecodeBalances(f *testing.F) {
	for _, s := range balanceSamples {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) { checkBalances(t, b) })
}

// benchSnapshotText is one stored snapshot of a chart of n accounts with Wave's ids,
// one in twenty in a foreign currency: as json.Marshal writes it (SQLite keeps this
// text) or as PostgreSQL's jsonb gives it back (spaces, keys ordered by length).
func benchSnapshotText(n int, jsonb bool) []byte {
	stored := make([]storedBalance, n)
	for i := range stored {
		id := base64.StdEncoding.EncodeToString(fmt.Appendf(nil, "Business:0190c3b2-7a1e-7c3d-9f00-5b6a2e4d8c11;Account:%d", 100000+i))
		stored[i] = storedBalance{ID: id, Minor: int64(i*7919%2000000) - 250000}
		if i%20 == 19 {
			cur, exp := "EUR", 2
			stored[i].Currency, stored[i].Exponent = &cur, &exp
		}
	}
	if !jsonb {
		b, _ := json.Marshal(stored)
		return b
	}
	var b []byte
	for i, s := range stored {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = fmt.Appendf(b, `{"id": %q, "minor": %d`, s.ID, s.Minor)
		if s.Currency != nil {
			b = fmt.Appendf(b, `, "currency": %q, "exponent": %d`, *s.Currency, *s.Exponent)
		}
		b = append(b, '}')
	}
	return append(append([]byte{'['}, b...), ']')
}

// BenchmarkDecodeBalances decodes one stored snapshot, as the health read does for
// the one snapshot it compares the books with (a fresh ids map per read, as in
// balanceHistory).
func BenchmarkDecodeBalances(b *testing.B) {
	for _, form := range []string{"sqlite", "postgres"} {
		for _, n := range []int{40, 300} {
			enc := benchSnapshotText(n, form == "postgres")
			b.Run(fmt.Sprintf("%s/accounts=%d", form, n), func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(enc)))
				cpu := processCPU()
				for b.Loop() {
					if out, err := decodeBalances(enc, map[string]string{}); err != nil || len(out) != n {
						b.Fatalf("%d balances, %v", len(out), err)
					}
				}
				// On a shared machine the process's CPU time (collecting the garbage
				// included) is steadier than the wall time.
				b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
			})
		}
	}
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
