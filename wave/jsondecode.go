package wave

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// jsonReader is a wire type that reads itself from a jsonDecoder. The pages a sync
// fetches by the hundred (accounts, invoices, customers) implement it: encoding/json
// spent about 9 us per invoice on them, mostly validating the whole body before
// decoding it and finding fields by reflection, which made the client's decoding the
// largest cost of a sync. Every other response goes through encoding/json
// (decodeResponse), and the wire types keep their json tags for it and for the fuzz
// target, which checks that both decoders agree.
type jsonReader interface {
	readJSON(d *jsonDecoder) error
}

// jsonDecoder reads one JSON document held in a string. It follows encoding/json's
// rules for the values it stores, so that a page decodes to the same wire structs
// either way: a null leaves a string, number, bool or struct as it was and sets a
// pointer or slice to nil; unknown fields are skipped, but the whole document must
// be valid JSON; strings with escapes or invalid UTF-8 are unquoted by encoding/json
// itself. One deliberate difference: object keys must match exactly, as GraphQL
// response keys do, where encoding/json also accepts them in another case.
//
// Strings that need no unquoting are substrings of the document, so a page's strings
// cost one allocation instead of one each; a record kept alive keeps its page's text
// alive too, which a sync, streaming a few pages at a time, never notices.
type jsonDecoder struct {
	s     string
	i     int
	depth int
}

// maxJSONDepth is encoding/json's nesting limit, so that a hostile body is refused
// the same way by both decoders.
const maxJSONDepth = 10000

// jsonError is any reason a document does not decode: bad syntax or a value of the
// wrong type for its field.
type jsonError struct {
	msg    string
	offset int
}

func (e *jsonError) Error() string { return fmt.Sprintf("json: %s at offset %d", e.msg, e.offset) }

func (d *jsonDecoder) errorf(format string, args ...any) error {
	return &jsonError{msg: fmt.Sprintf(format, args...), offset: d.i}
}

// decodeJSON reads s, which must hold exactly one JSON value, with top.
func decodeJSON(s string, top func(d *jsonDecoder) error) error {
	d := &jsonDecoder{s: s}
	if err := top(d); err != nil {
		return err
	}
	if d.next() != 0 || d.i < len(d.s) {
		return d.errorf("invalid character %q after top-level value", d.s[d.i])
	}
	return nil
}

// next skips white space and returns the byte there, 0 at the end.
func (d *jsonDecoder) next() byte {
	for ; d.i < len(d.s); d.i++ {
		switch c := d.s[d.i]; c {
		case ' ', '\t', '\n', '\r':
		default:
			return c
		}
	}
	return 0
}

// unexpected describes the value at the current position for a type error.
func (d *jsonDecoder) unexpected(want string) error {
	if d.i >= len(d.s) {
		return d.errorf("unexpected end of JSON input")
	}
	return d.errorf("cannot read %q as %s", d.s[d.i], want)
}

// null consumes a null literal if one is next.
func (d *jsonDecoder) null() bool {
	if d.next() == 'n' && strings.HasPrefix(d.s[d.i:], "null") {
		d.i += 4
		return true
	}
	return false
}

// object reads an object, calling field for each key with the decoder at the key's
// value, which field must consume.
func (d *jsonDecoder) object(field func(key string) error) error {
	return d.container('{', '}', "object", func() error {
		if d.next() != '"' {
			return d.unexpected("object key")
		}
		key, err := d.str()
		if err != nil {
			return err
		}
		if d.next() != ':' {
			return d.unexpected("':' after object key")
		}
		d.i++
		return field(key)
	})
}

// array reads an array, calling elem with the decoder at each element, which elem
// must consume.
func (d *jsonDecoder) array(elem func() error) error {
	return d.container('[', ']', "array", elem)
}

// container reads an object or an array: open, items separated by commas, close.
func (d *jsonDecoder) container(open, close byte, what string, item func() error) error {
	if d.next() != open {
		return d.unexpected(what)
	}
	if d.depth++; d.depth > maxJSONDepth {
		return d.errorf("exceeded max depth")
	}
	d.i++
	if d.next() == close {
		d.i++
		d.depth--
		return nil
	}
	for {
		if err := item(); err != nil {
			return err
		}
		switch d.next() {
		case ',':
			d.i++
		case close:
			d.i++
			d.depth--
			return nil
		default:
			return d.unexpected("',' or '" + string(close) + "' after an " + what + " item")
		}
	}
}

// scanString moves past the string at the current position and reports whether it
// may be used as written (no escapes, valid UTF-8).
func (d *jsonDecoder) scanString() (plain bool, err error) {
	d.i++ // the opening quote
	plain = true
	for {
		for d.i < len(d.s) && plainASCII[d.s[d.i]] {
			d.i++
		}
		if d.i >= len(d.s) {
			return false, d.errorf("unexpected end of JSON input")
		}
		switch c := d.s[d.i]; {
		case c == '"':
			d.i++
			return plain, nil
		case c < 0x20:
			return false, d.errorf("invalid character %q in string literal", c)
		case c == '\\':
			plain = false
			if d.i+1 >= len(d.s) {
				d.i = len(d.s)
				return false, d.errorf("unexpected end of JSON input")
			}
			switch d.s[d.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				d.i += 2
			case 'u':
				if d.i+6 > len(d.s) || !isHex4(d.s[d.i+2:d.i+6]) {
					return false, d.errorf("invalid \\u escape in string literal")
				}
				d.i += 6
			default:
				return false, d.errorf("invalid escape in string literal")
			}
		default: // not ASCII
			r, size := utf8.DecodeRuneInString(d.s[d.i:])
			if r == utf8.RuneError && size == 1 {
				plain = false
			}
			d.i += size
		}
	}
}

// plainASCII marks the bytes a string may hold as they are: printable ASCII other
// than the quote and the backslash.
var plainASCII = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func isHex4(s string) bool {
	for i := 0; i < 4; i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// str reads a string.
func (d *jsonDecoder) str() (string, error) {
	if d.next() != '"' {
		return "", d.unexpected("string")
	}
	start := d.i
	plain, err := d.scanString()
	if err != nil {
		return "", err
	}
	if plain {
		return d.s[start+1 : d.i-1], nil
	}
	var s string
	if err := json.Unmarshal([]byte(d.s[start:d.i]), &s); err != nil {
		return "", err
	}
	return s, nil
}

// number reads a number literal and returns its text.
func (d *jsonDecoder) number() (string, error) {
	c := d.next()
	if c != '-' && (c < '0' || c > '9') {
		return "", d.unexpected("number")
	}
	start := d.i
	if c == '-' {
		d.i++
	}
	switch {
	case d.i < len(d.s) && d.s[d.i] == '0':
		d.i++
	case d.i < len(d.s) && '1' <= d.s[d.i] && d.s[d.i] <= '9':
		d.digits()
	default:
		return "", d.errorf("invalid number literal")
	}
	if d.i < len(d.s) && d.s[d.i] == '.' {
		d.i++
		if d.digits() == 0 {
			return "", d.errorf("invalid number literal")
		}
	}
	if d.i < len(d.s) && (d.s[d.i] == 'e' || d.s[d.i] == 'E') {
		d.i++
		if d.i < len(d.s) && (d.s[d.i] == '+' || d.s[d.i] == '-') {
			d.i++
		}
		if d.digits() == 0 {
			return "", d.errorf("invalid number literal")
		}
	}
	return d.s[start:d.i], nil
}

func (d *jsonDecoder) digits() int {
	start := d.i
	for d.i < len(d.s) && '0' <= d.s[d.i] && d.s[d.i] <= '9' {
		d.i++
	}
	return d.i - start
}

// literal consumes word (true, false, null) if it is next.
func (d *jsonDecoder) literal(word string) bool {
	if strings.HasPrefix(d.s[d.i:], word) {
		d.i += len(word)
		return true
	}
	return false
}

// skip consumes any value, checking that it is valid JSON.
func (d *jsonDecoder) skip() error {
	switch c := d.next(); c {
	case '{':
		return d.object(func(string) error { return d.skip() })
	case '[':
		return d.array(d.skip)
	case '"':
		_, err := d.scanString()
		return err
	case 't', 'f', 'n':
		if d.literal("true") || d.literal("false") || d.literal("null") {
			return nil
		}
		return d.errorf("invalid literal")
	default:
		_, err := d.number()
		return err
	}
}

// raw consumes any value and returns its text.
func (d *jsonDecoder) raw() (string, error) {
	d.next()
	start := d.i
	err := d.skip()
	return d.s[start:d.i], err
}

// The readers below store a value into a field the way encoding/json would.

func (d *jsonDecoder) readString(dst *string) error {
	if d.null() {
		return nil
	}
	s, err := d.str()
	if err != nil {
		return err
	}
	*dst = s
	return nil
}

func (d *jsonDecoder) readBool(dst *bool) error {
	switch {
	case d.null():
	case d.next() == 't' && d.literal("true"):
		*dst = true
	case d.next() == 'f' && d.literal("false"):
		*dst = false
	default:
		return d.unexpected("bool")
	}
	return nil
}

func readInt[T int | int64](d *jsonDecoder, dst *T) error {
	if d.null() {
		return nil
	}
	text, err := d.number()
	if err != nil {
		return err
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil || int64(T(n)) != n {
		return d.errorf("number %s does not fit an integer field", text)
	}
	*dst = T(n)
	return nil
}

// readNumber reads a json.Number: a number, or a string holding one.
func (d *jsonDecoder) readNumber(dst *json.Number) error {
	if d.null() {
		return nil
	}
	if d.next() != '"' {
		text, err := d.number()
		*dst = json.Number(text)
		return err
	}
	s, err := d.str()
	if err != nil {
		return err
	}
	if !validNumber(s) {
		return d.errorf("invalid number literal %q", s)
	}
	*dst = json.Number(s)
	return nil
}

// validNumber reports whether s is exactly a JSON number literal.
func validNumber(s string) bool {
	if s == "" || s[0] != '-' && (s[0] < '0' || s[0] > '9') {
		return false
	}
	d := jsonDecoder{s: s}
	_, err := d.number()
	return err == nil && d.i == len(s)
}

// readStruct reads an object into *dst, allocating it on first use; null sets it to
// nil.
func readStruct[T any, P interface {
	*T
	jsonReader
}](d *jsonDecoder, dst **T) error {
	if d.null() {
		*dst = nil
		return nil
	}
	if *dst == nil {
		*dst = new(T)
	}
	return P(*dst).readJSON(d)
}

// readObject reads an object's fields with field, leaving the struct as it was on
// null, as encoding/json does for a struct held by value.
func (d *jsonDecoder) readObject(field func(key string) error) error {
	if d.null() {
		return nil
	}
	return d.object(field)
}
