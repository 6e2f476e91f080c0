package wave

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"finhealth"
)

// decimalText is a Wave Decimal scalar. Wave does not document whether it is encoded as
// a JSON string ("34900.00") or a number (34900.0), so both are accepted, and the text
// is kept as written: converting through float64 would lose cents on large balances.
type decimalText struct {
	text string
	set  bool
}

// UnmarshalJSON keeps the text of a JSON string or number; null unsets it.
func (d *decimalText) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		*d = decimalText{}
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*d = decimalText{text: strings.TrimSpace(s), set: true}
	case len(b) > 0 && (b[0] == '-' || b[0] >= '0' && b[0] <= '9'):
		*d = decimalText{text: string(b), set: true}
	default:
		return fmt.Errorf("decimal: want a string or a number, got %.20s", b)
	}
	return nil
}

// parsedDecimal is digits × 10^-scale, with the sign apart so that "-0.00" stays 0.
type parsedDecimal struct {
	neg    bool
	digits string // without leading zeros; "" for zero
	scale  int
}

// maxDecimalExponent bounds the e-notation exponent: no amount needs more, and an
// exponent like 1e999999999 must not make us allocate its zeros.
const maxDecimalExponent = 400

func parseDecimal(s string) (parsedDecimal, error) {
	var p parsedDecimal
	orig := s
	if s == "" {
		return p, errors.New("empty decimal")
	}
	if s[0] == '-' || s[0] == '+' {
		p.neg = s[0] == '-'
		s = s[1:]
	}
	mant, exp := s, 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mant = s[:i]
		e, err := strconv.Atoi(s[i+1:])
		if err != nil || e > maxDecimalExponent || e < -maxDecimalExponent {
			return p, fmt.Errorf("bad decimal %q", orig)
		}
		exp = e
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	if intPart == "" && frac == "" || !allDigits(intPart) || !allDigits(frac) {
		return p, fmt.Errorf("bad decimal %q", orig)
	}
	p.digits = strings.TrimLeft(intPart+frac, "0")
	p.scale = len(frac) - exp
	if p.digits == "" {
		p.neg = false
	}
	return p, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// minor returns the decimal as a count of 10^-exponent units. Digits beyond exponent
// are rounded half away from zero: Wave sends amounts already in the currency's
// precision, so rounding happens only for rates or for a currency whose exponent Wave
// and we disagree on.
func (p parsedDecimal) minor(exponent int) (int64, error) {
	digits := p.digits
	if digits == "" {
		return 0, nil
	}
	shift := exponent - p.scale
	roundUp := false
	switch {
	case shift > 0:
		if len(digits)+shift > 19 {
			return 0, errors.New("amount out of range")
		}
		digits += strings.Repeat("0", shift)
	case shift < 0:
		drop := -shift
		if drop > len(digits) {
			return 0, nil
		}
		roundUp = digits[len(digits)-drop] >= '5'
		digits = digits[:len(digits)-drop]
	}
	var u uint64
	if digits != "" {
		var err error
		if u, err = strconv.ParseUint(digits, 10, 64); err != nil {
			return 0, errors.New("amount out of range")
		}
	}
	if roundUp {
		u++
	}
	limit := uint64(math.MaxInt64)
	if p.neg {
		limit++
	}
	if u > limit {
		return 0, errors.New("amount out of range")
	}
	if p.neg {
		return int64(-u), nil // two's complement: u == 2^63 gives math.MinInt64
	}
	return int64(u), nil
}

// currencyExponents lists the ISO 4217 currencies whose minor unit is not 1/100, for
// when Wave leaves currency.exponent out of an answer.
var currencyExponents = map[string]int{
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
	"RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
	"CLF": 4, "UYW": 4,
}

func knownExponent(code string) int {
	if e, ok := currencyExponents[strings.ToUpper(code)]; ok {
		return e
	}
	return 2
}

type wireCurrency struct {
	Code     string `json:"code"`
	Symbol   string `json:"symbol"`
	Exponent *int   `json:"exponent"`
}

// currency is a resolved currency: the code and its exponent.
type currency struct {
	code     string
	exponent int
}

// resolve prefers what Wave says about the currency, then the fallback (the
// enclosing invoice's or business's currency), then the ISO table.
func (w *wireCurrency) resolve(fallback currency) currency {
	if w == nil || w.Code == "" {
		return fallback
	}
	if w.Exponent != nil && *w.Exponent >= 0 && *w.Exponent <= 18 {
		return currency{w.Code, *w.Exponent}
	}
	if strings.EqualFold(w.Code, fallback.code) {
		return currency{w.Code, fallback.exponent}
	}
	return currency{w.Code, knownExponent(w.Code)}
}

// wireMoney is Wave's Money object. value (major units as decimal text) is read
// exactly at the currency's exponent; raw (minor units) is only a fallback for an
// answer without value. finhealth's queries no longer select raw: it is a 32-bit
// GraphQL Int, deprecated in Wave's schema because large amounts overflow it.
//
// Value and Raw are values rather than pointers: absent and null both read as unset.
type wireMoney struct {
	Value    decimalText   `json:"value"`
	Raw      json.Number   `json:"raw"`
	Currency *wireCurrency `json:"currency"`
}

func (w *wireMoney) money(fallback currency) (finhealth.Money, error) {
	cur := w.Currency.resolve(fallback)
	m := finhealth.Money{Currency: cur.code, Exponent: cur.exponent}
	switch {
	case w.Value.set:
		p, err := parseDecimal(w.Value.text)
		if err != nil {
			return m, err
		}
		m.Minor, err = p.minor(cur.exponent)
		return m, err
	case w.Raw != "":
		p, err := parseDecimal(w.Raw.String())
		if err != nil {
			return m, err
		}
		if p.scale > 0 && strings.Trim(p.digits[max(0, len(p.digits)-p.scale):], "0") != "" {
			return m, fmt.Errorf("raw amount %s is not a whole number of minor units", w.Raw.String())
		}
		m.Minor, err = p.minor(0)
		return m, err
	}
	return m, nil
}

// decimalMoney converts a Decimal amount in major units (an account balance) to Money.
func decimalMoney(d decimalText, cur currency) (finhealth.Money, error) {
	m := finhealth.Money{Currency: cur.code, Exponent: cur.exponent}
	if !d.set {
		return m, nil
	}
	p, err := parseDecimal(d.text)
	if err != nil {
		return m, err
	}
	m.Minor, err = p.minor(cur.exponent)
	return m, err
}

// parseDateTime is lenient because Wave's exact rendering is undocumented: fractional
// seconds or not, "Z" or "+00:00", or no zone at all (taken as UTC).
func parseDateTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, ok := quickDateTime(s); ok {
		return t, nil
	}
	return parseDateTimeLayouts(s)
}

func parseDateTimeLayouts(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700", "2006-01-02 15:04:05.999999999Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	for _, layout := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999", time.DateOnly} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("bad DateTime %q", s)
}

// parseDate reads a calendar date; a full timestamp is accepted and cut to its own day.
func parseDate(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, ok := quickDate(s); ok {
		return t, nil
	}
	if t, err := time.ParseInLocation(time.DateOnly, s, time.UTC); err == nil {
		return t, nil
	}
	if len(s) > 10 {
		if t, err := time.ParseInLocation(time.DateOnly, s[:10], time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("bad Date %q", s)
}

// quickDateTime reads the forms Wave is seen to send, "2006-01-02T15:04:05" with up
// to nine fractional digits and "Z", "+hh:mm", "-hh:mm" or no zone, without
// time.Parse, which cost more than decoding the rest of an invoice. Anything else,
// and anything out of range, is left to parseDateTime's layouts (ok false), which
// decide; for what it accepts, quickDateTime gives what they would.
func quickDateTime(s string) (t time.Time, ok bool) {
	if len(s) < 19 || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return t, false
	}
	day, ok := quickDate(s[:10])
	h, ok1 := twoDigits(s[11:13])
	m, ok2 := twoDigits(s[14:16])
	sec, ok3 := twoDigits(s[17:19])
	if !ok || !ok1 || !ok2 || !ok3 || h > 23 || m > 59 || sec > 59 {
		return t, false
	}
	rest, nanos := s[19:], 0
	if len(rest) > 0 && rest[0] == '.' {
		n := 1
		for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
			n++
		}
		if n == 1 || n > 10 {
			return t, false
		}
		for i := 1; i < 10; i++ {
			nanos *= 10
			if i < n {
				nanos += int(rest[i] - '0')
			}
		}
		rest = rest[n:]
	}
	offset := 0
	switch {
	case rest == "" || rest == "Z":
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, ok1 := twoDigits(rest[1:3])
		om, ok2 := twoDigits(rest[4:6])
		if !ok1 || !ok2 || oh > 23 || om > 59 {
			return t, false
		}
		if offset = (oh*60 + om) * 60; rest[0] == '-' {
			offset = -offset
		}
	default:
		return t, false
	}
	return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(sec)*time.Second +
		time.Duration(nanos) - time.Duration(offset)*time.Second), true
}

// quickDate reads "2006-01-02" (years 1000 to 9999), or reports ok false.
func quickDate(s string) (t time.Time, ok bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return t, false
	}
	yh, ok1 := twoDigits(s[0:2])
	yl, ok2 := twoDigits(s[2:4])
	mo, ok3 := twoDigits(s[5:7])
	d, ok4 := twoDigits(s[8:10])
	y := yh*100 + yl
	if !ok1 || !ok2 || !ok3 || !ok4 || y < 1000 || mo < 1 || mo > 12 || d < 1 || d > daysIn(time.Month(mo), y) {
		return t, false
	}
	return time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC), true
}

func twoDigits(s string) (int, bool) {
	if s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' {
		return 0, false
	}
	return int(s[0]-'0')*10 + int(s[1]-'0'), true
}

func daysIn(m time.Month, year int) int {
	switch m {
	case time.February:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}
