package store

import (
	"encoding/json"
	"reflect"
	"testing"
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
