package store

import (
	"encoding/json"
	"strconv"
)

// decodeBalances reads a stored snapshot's balances. Every score computed from the
// books reads a year of daily snapshots (hundreds of accounts each), and
// encoding/json spent most of that time; the balances are written by this package in
// one plain shape, which readBalances parses directly. Anything it does not expect
// (an escape, a key in another case, a float) goes to encoding/json, so the result
// is always encoding/json's. ids keeps the account ids already read (nil for
// none): the same accounts recur in every snapshot, and sharing their strings saves
// most of the allocations.
func decodeBalances(enc []byte, ids map[string]string) ([]storedBalance, error) {
	if out, ok := readBalances(enc, ids); ok {
		return out, nil
	}
	var out []storedBalance
	err := json.Unmarshal(enc, &out)
	return out, err
}

// readBalances parses the array written by InsertBalanceSnapshot: as json.Marshal
// writes it (SQLite keeps the text) or as PostgreSQL's jsonb gives it back (spaces
// after separators, keys in its own order). It reports false for anything else.
func readBalances(b []byte, ids map[string]string) ([]storedBalance, bool) {
	p := balanceParser{b: b, ids: ids}
	if !p.expect('[') {
		return nil, false
	}
	out := make([]storedBalance, 0, len(b)/40)
	if p.peek() == ']' {
		p.i++
		return out, p.end()
	}
	for {
		sb, ok := p.object()
		if !ok {
			return nil, false
		}
		out = append(out, sb)
		switch p.next() {
		case ',':
		case ']':
			return out, p.end()
		default:
			return nil, false
		}
	}
}

type balanceParser struct {
	b   []byte
	i   int
	ids map[string]string
}

func (p *balanceParser) skipSpace() {
	for p.i < len(p.b) && (p.b[p.i] == ' ' || p.b[p.i] == '\n' || p.b[p.i] == '\t' || p.b[p.i] == '\r') {
		p.i++
	}
}

// peek is the next byte after white space, or 0 at the end.
func (p *balanceParser) peek() byte {
	p.skipSpace()
	if p.i >= len(p.b) {
		return 0
	}
	return p.b[p.i]
}

func (p *balanceParser) next() byte {
	c := p.peek()
	if c != 0 {
		p.i++
	}
	return c
}

func (p *balanceParser) expect(c byte) bool { return p.next() == c }

// end reports whether only white space is left.
func (p *balanceParser) end() bool { return p.peek() == 0 && p.i == len(p.b) }

// object reads {"id":..., "minor":..., ["currency":..., "exponent":...]} with the
// keys in any order; a repeated key keeps its last value, as in encoding/json.
func (p *balanceParser) object() (storedBalance, bool) {
	var sb storedBalance
	if !p.expect('{') {
		return sb, false
	}
	if p.peek() == '}' {
		p.i++
		return sb, true
	}
	for {
		key, ok := p.raw()
		if !ok || !p.expect(':') {
			return sb, false
		}
		switch string(key) {
		case "id":
			raw, ok := p.raw()
			if !ok {
				return sb, false
			}
			if id, seen := p.ids[string(raw)]; seen {
				sb.ID = id
			} else {
				sb.ID = string(raw)
				if p.ids != nil {
					p.ids[sb.ID] = sb.ID
				}
			}
		case "currency":
			cur, ok := p.str()
			if !ok {
				return sb, false
			}
			sb.Currency = &cur
		case "minor":
			if sb.Minor, ok = p.integer(); !ok {
				return sb, false
			}
		case "exponent":
			v, ok := p.integer()
			if !ok || int64(int(v)) != v {
				return sb, false
			}
			e := int(v)
			sb.Exponent = &e
		default:
			return sb, false
		}
		switch p.next() {
		case ',':
		case '}':
			return sb, true
		default:
			return sb, false
		}
	}
}

// str reads a string of printable ASCII without escapes, which is all ids and
// currency codes are; anything else is left to encoding/json (which would, for
// instance, replace invalid UTF-8).
func (p *balanceParser) str() (string, bool) {
	raw, ok := p.raw()
	return string(raw), ok
}

// raw is str's bytes, not copied.
func (p *balanceParser) raw() ([]byte, bool) {
	if !p.expect('"') {
		return nil, false
	}
	start := p.i
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			return p.b[start : p.i-1], true
		case c < 0x20 || c > 0x7e || c == '\\':
			return nil, false
		}
		p.i++
	}
	return nil, false
}

// integer reads a JSON integer (no fraction or exponent) that fits in int64.
func (p *balanceParser) integer() (int64, bool) {
	p.skipSpace()
	start := p.i
	if p.i < len(p.b) && p.b[p.i] == '-' {
		p.i++
	}
	digits := p.i
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		p.i++
	}
	n := p.i - digits
	if n == 0 || (n > 1 && p.b[digits] == '0') {
		return 0, false
	}
	if p.i < len(p.b) && (p.b[p.i] == '.' || p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		return 0, false
	}
	v, err := strconv.ParseInt(string(p.b[start:p.i]), 10, 64)
	return v, err == nil
}
