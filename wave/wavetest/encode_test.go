package wavetest

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// TestFormatMinor checks the Decimal text of amounts against string arithmetic.
func TestFormatMinor(t *testing.T) {
	// The same by fmt and string arithmetic.
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
