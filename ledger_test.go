package finhealth

import "testing"

func TestMoneyDisplay(t *testing.T) {
	usd := func(minor int64) Money { return Money{Minor: minor, Currency: "USD", Exponent: 2} }
	for m, want := range map[Money]string{
		usd(0):                            "0.00 USD",
		usd(5):                            "0.05 USD",
		usd(-123_456_789):                 "-1,234,567.89 USD",
		usd(100_000):                      "1,000.00 USD",
		{Minor: 1234567, Currency: "JPY"}: "1,234,567 JPY",
		{Minor: -1, Currency: "KWD", Exponent: 3}:  "-0.001 KWD",
		{Minor: 999, Currency: "KWD", Exponent: 3}: "0.999 KWD",
		{Minor: -9223372036854775808, Exponent: 2}: "-92,233,720,368,547,758.08",
	} {
		if got := m.Display(); got != want {
			t.Errorf("%#v.Display() = %q, want %q", m, got, want)
		}
	}
}
