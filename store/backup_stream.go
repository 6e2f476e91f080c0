package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The backup stream is JSON, one value per line:
//
//	{"header":{...}}                       the manifest without its table sums
//	{"table":{"name":...,"columns":[...],"key":[...]}}
//	["value", null, ...]                   one line per row, in key order
//	...                                    (the next table, and so on)
//	{"manifest":{...,"tables":[{"name","rows","sha256"}, ...]}}
//
// The header comes first so that a restore knows the schema version before it reads
// any row; the row counts and checksums can only come last, since the rows are
// streamed. Every value is a JSON string or null, whatever its kind, so that no
// number goes through a float: text and JSON as they are, integers in decimal,
// floats in Go's shortest round-trip form, booleans "true"/"false", timestamps UTC
// in 2006-01-02T15:04:05.000000Z, bytes in standard base64.
//
// A table's sha256 is over a canonical encoding of its rows that both databases
// give for the same data (see tableSum), so that restore can check what it wrote by
// reading it back.

// Identification of the stream, checked by restore.
const (
	BackupFormat        = "finhealth-backup"
	BackupFormatVersion = 1
)

// Manifest describes a backup.
type Manifest struct {
	Format        string    `json:"format"`
	FormatVersion int       `json:"format_version"`
	SchemaVersion int64     `json:"schema_version"` // the goose version of the source
	CreatedAt     time.Time `json:"created_at"`
	AppVersion    string    `json:"app_version"`
	SourceDialect string    `json:"source_dialect"`
	// Tables are in backup (foreign-key) order; absent from the header.
	Tables []TableSummary `json:"tables,omitempty"`
}

// TableSummary is a table's entry in the manifest.
type TableSummary struct {
	Name   string `json:"name"`
	Rows   int64  `json:"rows"`
	SHA256 string `json:"sha256"`
}

// Rows is the total number of rows in the backup.
func (m *Manifest) Rows() int64 {
	var n int64
	for _, t := range m.Tables {
		n += t.Rows
	}
	return n
}

// backupLine is a line of the stream other than a row.
type backupLine struct {
	Header   *Manifest    `json:"header,omitempty"`
	Table    *BackupTable `json:"table,omitempty"`
	Manifest *Manifest    `json:"manifest,omitempty"`
}

type backupWriter struct {
	enc     *json.Encoder
	encoded []*string
}

func newBackupWriter(w io.Writer) *backupWriter {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // keep text readable: the stream is never embedded in HTML
	return &backupWriter{enc: enc}
}

func (w *backupWriter) write(v any) error {
	if err := w.enc.Encode(v); err != nil {
		return fmt.Errorf("store: backup: write: %w", err)
	}
	return nil
}

func (w *backupWriter) header(m *Manifest) error {
	h := *m
	h.Tables = nil
	return w.write(backupLine{Header: &h})
}

func (w *backupWriter) table(t BackupTable) error { return w.write(backupLine{Table: &t}) }

func (w *backupWriter) row(t BackupTable, values []any) error {
	w.encoded = w.encoded[:0]
	for i, v := range values {
		w.encoded = append(w.encoded, encodeValue(t.Columns[i].Kind, v))
	}
	return w.write(w.encoded)
}

func (w *backupWriter) manifest(m *Manifest) error { return w.write(backupLine{Manifest: m}) }

// backupSink receives a backup as readBackup reads it: each table, its rows (the
// slice is reused), and flush after a table's last row.
type backupSink interface {
	table(t BackupTable) error
	row(values []any) error
	flush() error
}

// readBackup reads a whole stream into sink and returns its manifest once every
// table's rows have been counted and checksummed against it. A backup of a schema
// newer than latest is refused before any row is read. Any flaw is ErrBackupInvalid,
// and so is an error of r, which is how a decrypting reader reports tampering.
func readBackup(r io.Reader, latest int64, sink backupSink) (*Manifest, error) {
	invalid := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrBackupInvalid, fmt.Sprintf(format, args...))
	}
	dec := json.NewDecoder(r)
	var (
		header  *Manifest
		current *BackupTable
		sum     *tableSum
		sums    []TableSummary
		names   []string
		raw     json.RawMessage
		strs    []*string
		values  []any
	)
	endTable := func() error {
		if current == nil {
			return nil
		}
		sums = append(sums, sum.summary())
		current = nil
		return sink.flush()
	}
	for line := 1; ; line++ {
		raw = raw[:0]
		if err := dec.Decode(&raw); err != nil {
			if errors.Is(err, io.EOF) {
				return nil, invalid("it ends before its manifest (truncated)")
			}
			return nil, invalid("line %d: %v", line, err)
		}
		if bytes.HasPrefix(raw, []byte("[")) {
			if current == nil {
				return nil, invalid("line %d: a row outside any table", line)
			}
			strs = strs[:0]
			if err := json.Unmarshal(raw, &strs); err != nil || len(strs) != len(current.Columns) {
				return nil, invalid("line %d: a row of %s that is not %d values", line, current.Name, len(current.Columns))
			}
			values = values[:0]
			for i, s := range strs {
				v, err := decodeValue(current.Columns[i].Kind, s)
				if err != nil {
					return nil, invalid("line %d: %s.%s: %v", line, current.Name, current.Columns[i].Name, err)
				}
				values = append(values, v)
			}
			if err := sum.add(values); err != nil {
				return nil, invalid("line %d: %v", line, err)
			}
			if err := sink.row(values); err != nil {
				return nil, err
			}
			continue
		}

		var l backupLine
		d := json.NewDecoder(bytes.NewReader(raw))
		d.DisallowUnknownFields()
		if err := d.Decode(&l); err != nil {
			return nil, invalid("line %d: %v", line, err)
		}
		switch {
		case line == 1:
			if l.Header == nil || l.Header.Format != BackupFormat {
				return nil, invalid("it does not start with a %s header", BackupFormat)
			}
			if l.Header.FormatVersion != BackupFormatVersion {
				return nil, invalid("format version %d; this build reads version %d", l.Header.FormatVersion, BackupFormatVersion)
			}
			if l.Header.SchemaVersion > latest {
				return nil, fmt.Errorf("%w: its schema version is %d and this build knows up to %d; restore it with a newer finhealth",
					ErrBackupTooNew, l.Header.SchemaVersion, latest)
			}
			header = l.Header
		case l.Table != nil:
			if err := endTable(); err != nil {
				return nil, err
			}
			if err := l.Table.validate(); err != nil {
				return nil, invalid("line %d: %v", line, err)
			}
			if slices.Contains(names, l.Table.Name) {
				return nil, invalid("line %d: table %s appears twice", line, l.Table.Name)
			}
			current, sum, names = l.Table, newTableSum(*l.Table), append(names, l.Table.Name)
			if err := sink.table(*current); err != nil {
				return nil, err
			}
		case l.Manifest != nil:
			if err := endTable(); err != nil {
				return nil, err
			}
			if err := checkManifest(header, l.Manifest, sums); err != nil {
				return nil, invalid("%v", err)
			}
			// Read to the end: a decrypting reader authenticates its last chunk
			// only there, and nothing may follow the manifest.
			if _, err := dec.Token(); !errors.Is(err, io.EOF) {
				if err == nil {
					return nil, invalid("data after the manifest")
				}
				return nil, invalid("after the manifest: %v", err)
			}
			return l.Manifest, nil
		default:
			return nil, invalid("line %d: not a table, row or manifest", line)
		}
	}
}

// checkManifest compares the manifest with the header and with what was read.
func checkManifest(header, m *Manifest, read []TableSummary) error {
	if header.Format != m.Format || header.FormatVersion != m.FormatVersion || header.SchemaVersion != m.SchemaVersion ||
		!header.CreatedAt.Equal(m.CreatedAt) || header.AppVersion != m.AppVersion || header.SourceDialect != m.SourceDialect {
		return errors.New("the manifest does not match the header")
	}
	if len(m.Tables) != len(read) {
		return fmt.Errorf("the manifest lists %d tables, the backup holds %d", len(m.Tables), len(read))
	}
	for i, t := range m.Tables {
		if t != read[i] {
			return fmt.Errorf("table %s: the manifest says %d rows with sha256 %s, the backup holds %d rows with sha256 %s",
				read[i].Name, t.Rows, t.SHA256, read[i].Rows, read[i].SHA256)
		}
	}
	return nil
}

// encodeValue writes a neutral value as the stream carries it (nil for NULL).
func encodeValue(kind string, v any) *string {
	var s string
	switch v := v.(type) {
	case nil:
		return nil
	case string:
		s = v
	case int64:
		s = strconv.FormatInt(v, 10)
	case float64:
		if v == 0 {
			v = 0 // one zero: SQLite may store -0.0 as integer 0
		}
		s = strconv.FormatFloat(v, 'g', -1, 64)
	case bool:
		s = strconv.FormatBool(v)
	case time.Time:
		s = v.UTC().Format(timeLayout)
	case []byte:
		s = base64.StdEncoding.EncodeToString(v)
	default:
		panic(fmt.Sprintf("store: backup: %s value of type %T", kind, v)) // cell produces no other
	}
	return &s
}

// decodeValue parses a stream value back into the neutral value of its kind.
func decodeValue(kind string, s *string) (any, error) {
	if s == nil {
		return nil, nil
	}
	switch kind {
	case kindText:
		return *s, nil
	case kindJSON:
		if !json.Valid([]byte(*s)) {
			return nil, errors.New("not valid JSON")
		}
		return *s, nil
	case kindInt:
		return strconv.ParseInt(*s, 10, 64)
	case kindFloat:
		return strconv.ParseFloat(*s, 64)
	case kindBool:
		return strconv.ParseBool(*s)
	case kindTime:
		t, err := time.Parse(time.RFC3339Nano, *s)
		if err != nil {
			return nil, err
		}
		return dbTime(t), nil
	case kindBytes:
		return base64.StdEncoding.DecodeString(*s)
	}
	return nil, fmt.Errorf("unknown kind %q", kind)
}

// tableSum counts a table's rows and hashes their canonical encoding: per value, a
// 0 byte for NULL, else a 1 byte, the length as a uvarint and the bytes of the
// stream encoding, except that JSON is canonicalized (PostgreSQL's jsonb keeps
// neither the key order, the spacing nor the number spelling it was given).
type tableSum struct {
	t    BackupTable
	h    hash.Hash
	rows int64
	buf  []byte
}

func newTableSum(t BackupTable) *tableSum { return &tableSum{t: t, h: sha256.New()} }

func (s *tableSum) add(values []any) error {
	s.rows++
	for i, v := range values {
		e := encodeValue(s.t.Columns[i].Kind, v)
		if e == nil {
			s.h.Write([]byte{0})
			continue
		}
		b := []byte(*e)
		if s.t.Columns[i].Kind == kindJSON {
			var err error
			if b, err = canonicalJSON(b); err != nil {
				return fmt.Errorf("%s.%s: %w", s.t.Name, s.t.Columns[i].Name, err)
			}
		}
		s.buf = binary.AppendUvarint(append(s.buf[:0], 1), uint64(len(b)))
		s.h.Write(s.buf)
		s.h.Write(b)
	}
	return nil
}

func (s *tableSum) summary() TableSummary {
	return TableSummary{Name: s.t.Name, Rows: s.rows, SHA256: hex.EncodeToString(s.h.Sum(nil))}
}

// canonicalJSON encodes a JSON text in one form per meaning: object keys sorted,
// no spaces, strings quoted by strconv.Quote, numbers by canonicalNumber. It is a
// hash input only, not JSON.
func canonicalJSON(text []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return appendCanonical(nil, v), nil
}

func appendCanonical(b []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...)
	case bool:
		return strconv.AppendBool(b, v)
	case json.Number:
		return append(b, canonicalNumber(string(v))...)
	case string:
		return strconv.AppendQuote(b, v)
	case []any:
		b = append(b, '[')
		for i, e := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendCanonical(b, e)
		}
		return append(b, ']')
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(strconv.AppendQuote(b, k), ':')
			b = appendCanonical(b, v[k])
		}
		return append(b, '}')
	}
	panic(fmt.Sprintf("store: canonical JSON of %T", v)) // the decoder produces no other
}

// canonicalNumber spells a JSON number as significant digits and a decimal
// exponent, exactly (no float in between): 1.50, 15e-1 and 1.5 are all "15e-1".
func canonicalNumber(lit string) string {
	sign := ""
	if rest, ok := strings.CutPrefix(lit, "-"); ok {
		sign, lit = "-", rest
	}
	mantissa, expText, _ := strings.Cut(strings.ToLower(lit), "e")
	exp := 0
	if expText != "" {
		e, err := strconv.Atoi(expText)
		if err != nil {
			return sign + lit // an exponent beyond int: compare as spelled
		}
		exp = e
	}
	whole, frac, _ := strings.Cut(mantissa, ".")
	digits := strings.TrimLeft(whole+frac, "0")
	exp -= len(frac)
	if digits == "" {
		return "0"
	}
	trimmed := strings.TrimRight(digits, "0")
	exp += len(digits) - len(trimmed)
	return sign + trimmed + "e" + strconv.Itoa(exp)
}
