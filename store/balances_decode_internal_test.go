package store

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// balanceSamples are the shapes the store writes and reads back, and data it must
// refuse.
var balanceSamples = []string{
	// As json.Marshal writes them (SQLite keeps this text).
	`[]`,
	`[{"id":"QWNjb3VudDox","minor":349000000},{"id":"QWNjb3VudDoy","minor":-5,"currency":"KWD","exponent":3}]`,
	// As PostgreSQL's jsonb returns them: spaces, keys ordered by length.
	`[{"id": "QWNjb3VudDox", "minor": 0}, {"id": "QWNjb3VudDoy", "minor": -9223372036854775808, "currency": "JPY", "exponent": 0}]`,
	" [ { \"minor\" : 12 , \"id\" : \"a+b/c=\" } ] \n",
	`[{}]`,
	`[{"id":"a\u003cb","minor":1}]`,
	`[{"ID":"x","Minor":2}]`,
	`[{"id":"é","minor":1}]`,
	`[{"id":"x","minor":1,"currency":null}]`,
	`[{"id":"x","minor":1,"other":true}]`,
	`null`,
	// Not balances.
	`[{"id":"x","minor":1.5}]`,
	`[{"id":"x","minor":1e3}]`,
	`[{"id":"x","minor":9223372036854775808}]`,
	`[{"id":"x","minor":"1"}]`,
	`[{"id":"x","minor":1}] x`,
	`[{"id":"x","minor":01}]`,
	`[{"id":"x","minor":1},]`,
	`[{"id":"x","minor":1}`,
	`{"id":"x","minor":1}`,
	``,
	`[{"id":"x","minor":1,"exponent":99999999999999999999}]`,
}

// TestDecodeBalances: minor units exact to the last unit of int64, the optional
// currency and exponent kept apart from zero values, errors on anything that is not
// a list of balances, and an account's id shared by every snapshot read with the
// same ids.
func TestDecodeBalances(t *testing.T) {
	kwd, three, jpy, zero := "KWD", 3, "JPY", 0
	for _, c := range []struct {
		in      string
		want    []storedBalance
		wantErr bool
	}{
		{in: balanceSamples[1], want: []storedBalance{{ID: "QWNjb3VudDox", Minor: 349000000},
			{ID: "QWNjb3VudDoy", Minor: -5, Currency: &kwd, Exponent: &three}}},
		{in: `[{"id": "a", "minor": -9223372036854775808}, {"id": "b", "minor": 9223372036854775807}]`,
			want: []storedBalance{{ID: "a", Minor: -9223372036854775808}, {ID: "b", Minor: 9223372036854775807}}},
		{in: `[{"id": "y", "minor": 0, "currency": "JPY", "exponent": 0}]`,
			want: []storedBalance{{ID: "y", Currency: &jpy, Exponent: &zero}}},
		{in: `[]`, want: []storedBalance{}},
		{in: `[{"id":"x","minor":1.5}]`, wantErr: true},
		{in: `[{"id":"x","minor":9223372036854775808}]`, wantErr: true},
		{in: `[{"id":"x","minor":1,"exponent":99999999999999999999}]`, wantErr: true},
		{in: `[{"id":"x","minor":1}] x`, wantErr: true},
		{in: `[{"id":"x","minor":1}`, wantErr: true},
	} {
		got, err := decodeBalances([]byte(c.in), nil)
		if (err != nil) != c.wantErr || !c.wantErr && !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: %+v, %v; want %+v (error %v)", c.in, got, err, c.want, c.wantErr)
		}
	}

	ids := map[string]string{}
	first, err1 := decodeBalances(benchSnapshotText(3, false), ids)
	second, err2 := decodeBalances(benchSnapshotText(3, true), ids)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	for i := range first {
		if unsafe.StringData(first[i].ID) != unsafe.StringData(second[i].ID) {
			t.Errorf("account %d: the second snapshot holds its own copy of the id", i)
		}
	}
	for _, s := range balanceSamples {
		checkBalances(t, []byte(s))
	}
}

// checkBalances decodes b as the store does and, when it is balances, checks that
// both stored forms of them read back the same; it agrees with encoding/json on
// what is balances at all.
func checkBalances(t *testing.T, b []byte) {
	t.Helper()
	var plain []storedBalance
	plainErr := json.Unmarshal(b, &plain)
	got, err := decodeBalances(b, map[string]string{})
	if (err != nil) != (plainErr != nil) {
		t.Fatalf("%q: error %v, encoding/json %v", b, err, plainErr)
	}
	if err != nil {
		return
	}
	marshaled, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	for _, enc := range [][]byte{marshaled, jsonbText(got)} {
		again, err := decodeBalances(enc, map[string]string{})
		if err != nil || !reflect.DeepEqual(again, got) && !(len(again) == 0 && len(got) == 0) {
			t.Fatalf("%q read back from %s as %+v, %v; want %+v", b, enc, again, err, got)
		}
	}
}

// FuzzDecodeBalances: whatever decodes reads back the same from both stored forms.
func FuzzDecodeBalances(f *testing.F) {
	for _, s := range balanceSamples {
		f.Add([]byte(s))
	}
	f.Add(benchSnapshotText(3, true))
	f.Fuzz(func(t *testing.T, b []byte) { checkBalances(t, b) })
}

// jsonbText writes balances as PostgreSQL's jsonb gives them back: a space after
// each separator, keys ordered by length. nil stands for a JSON null.
func jsonbText(stored []storedBalance) []byte {
	if stored == nil {
		return []byte("null")
	}
	str := func(s string) []byte {
		b, _ := json.Marshal(s)
		return b
	}
	b := []byte{'['}
	for i, s := range stored {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = fmt.Appendf(b, `{"id": %s, "minor": %d`, str(s.ID), s.Minor)
		if s.Currency != nil {
			b = fmt.Appendf(b, `, "currency": %s`, str(*s.Currency))
		}
		if s.Exponent != nil {
			b = fmt.Appendf(b, `, "exponent": %d`, *s.Exponent)
		}
		b = append(b, '}')
	}
	return append(b, ']')
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
	if jsonb {
		return jsonbText(stored)
	}
	b, _ := json.Marshal(stored)
	return b
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
