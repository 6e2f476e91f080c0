package wavetest

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

// The fake writes its answers by hand for speed; these check the hand-written parts
// against the library code they replace, so that the answers stay byte for byte the
// same.

func TestAppendDateTime(t *testing.T) {
	for _, tm := range []time.Time{
		time.Date(2025, 3, 31, 14, 5, 9, 123456789, time.UTC),
		time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(2024, 2, 29, 1, 2, 3, 0, time.FixedZone("x", -5*3600)),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Unix(1750000000, 5000).In(time.FixedZone("y", 3600)),
	} {
		if got, want := string(appendDateTime(nil, tm)), tm.UTC().Format("2006-01-02T15:04:05.000000"); got != want {
			t.Errorf("%v: %s, want %s", tm, got, want)
		}
		if got, want := string(appendDate(nil, tm.UTC())), tm.UTC().Format(time.DateOnly); got != want {
			t.Errorf("%v: date %s, want %s", tm, got, want)
		}
	}
}

func TestFormatMinor(t *testing.T) {
	// The implementation this replaced, by string arithmetic.
	reference := func(minor int64, exp int) string {
		neg := minor < 0
		digits := fmt.Sprint(uint64(minor))
		if neg {
			digits = fmt.Sprint(uint64(-minor))
		}
		if exp > 0 {
			if len(digits) <= exp {
				digits = strings.Repeat("0", exp-len(digits)+1) + digits
			}
			digits = digits[:len(digits)-exp] + "." + digits[len(digits)-exp:]
		}
		if neg {
			return "-" + digits
		}
		return digits
	}
	for _, m := range []int64{0, 1, -1, 5, 99, 100, 123456, -123456, math.MaxInt64, math.MinInt64} {
		for _, exp := range []int{0, 2, 3, 4, 20} {
			if got, want := formatMinor(m, exp), reference(m, exp); got != want {
				t.Errorf("%d exp %d: %s, want %s", m, exp, got, want)
			}
		}
	}
}

func TestAppendJSONString(t *testing.T) {
	for _, s := range []string{"", "plain", `a"b\c`, "tab\there\x00\x1f", "caf\u00e9 \xff", `"`, `\`} {
		got := string(appendJSONString(nil, s))
		var back string
		if err := json.Unmarshal([]byte(got), &back); err != nil || back != strings.ToValidUTF8(s, "\ufffd") {
			t.Errorf("%q: wrote %s, which reads back as %q (%v)", s, got, back, err)
		}
	}
}

func TestGeneratedInvoiceIdentity(t *testing.T) {
	b := &bizData{customers: []Customer{{ID: "C1"}, {ID: "C2"}, {ID: "C3"}}}
	b.custIndex = map[string]int{"C1": 0, "C2": 1, "C3": 2}
	g := &generator{seed: 42, n: 3_000_000, bizID: globalID("Business:" + uuidFrom(42)), customers: b.customers}
	for _, i := range []int{0, 1, 99, 1_234_567, 2_999_999} {
		inv := g.at(i)
		// The executor takes a generated invoice's customer by index, not by id.
		if c, _ := b.customer(inv.CustomerID); b.customers[g.customerIndex(i)] != c {
			t.Errorf("%d: customer by index %+v, by id %+v", i, b.customers[g.customerIndex(i)], c)
		}
		if want := globalID("Business:"+g.bizID, fmt.Sprintf("Invoice:%d", 2000000000+i)); inv.ID != want {
			t.Errorf("%d: id %s, want %s", i, inv.ID, want)
		}
		if want := fmt.Sprintf("G%07d", i+1); inv.Number != want {
			t.Errorf("%d: number %s, want %s", i, inv.Number, want)
		}
	}
}
