package store

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestCanonicalNumber(t *testing.T) {
	for _, group := range [][]string{
		{"1.5", "1.50", "15e-1", "0.15E+1", "150e-2"},
		{"0", "-0", "0.0", "0e10", "00"},
		{"100", "1e2", "1E+2", "100.000"},
		{"-0.001", "-1e-3", "-0.0010"},
		{"9007199254740993", "9007199254740993.0"}, // beyond float64's integers: kept exact
	} {
		want := canonicalNumber(group[0])
		for _, n := range group[1:] {
			if got := canonicalNumber(n); got != want {
				t.Errorf("canonicalNumber(%s) = %s, canonicalNumber(%s) = %s", n, got, group[0], want)
			}
		}
	}
	if canonicalNumber("9007199254740993") == canonicalNumber("9007199254740992") {
		t.Error("two integers beyond float64's precision have the same canonical form")
	}
}

func TestCanonicalJSON(t *testing.T) {
	// What Go writes, and what PostgreSQL's jsonb gives back for it.
	a, err := canonicalJSON([]byte(`{"b":1,"a":[1.0,"x\u003cy",null,true],"c":{"z":1e-7,"y":{}}}`))
	if err != nil {
		t.Fatal(err)
	}
	b, err := canonicalJSON([]byte(`{"a": [1, "x<y", null, true], "b": 1, "c": {"y": {}, "z": 0.0000001}}`))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatalf("same JSON, different canonical forms:\n%s\n%s", a, b)
	}
	c, _ := canonicalJSON([]byte(`{"a": [1, "x<y", null, false], "b": 1, "c": {"y": {}, "z": 0.0000001}}`))
	if bytes.Equal(a, c) {
		t.Fatal("different JSON, same canonical form")
	}
}

// FuzzReadBackup feeds arbitrary streams to the backup reader: it must refuse or
// accept without panicking, and what it accepts is self-consistent.
func FuzzReadBackup(f *testing.F) {
	var buf bytes.Buffer
	w := newBackupWriter(&buf)
	tables := []BackupTable{
		defineTable("things", "id", "id text, n int, x float, ok bool, at time, doc json, blob bytes"),
		defineTable("others", "a, b", "a text, b time"),
	}
	m := &Manifest{Format: BackupFormat, FormatVersion: BackupFormatVersion, SchemaVersion: 3,
		CreatedAt: time.Date(2025, 3, 14, 1, 2, 3, 456789000, time.UTC), AppVersion: "test", SourceDialect: DialectSQLite}
	rows := [][][]any{
		{{"a", int64(-7), 1.0 / 3, true, m.CreatedAt, `{"k":[1,2.5,"<"]}`, []byte{0, 1, 2}}, {"b", nil, nil, false, nil, nil, nil}},
		{{"x", m.CreatedAt}},
	}
	must := func(err error) {
		if err != nil {
			f.Fatal(err)
		}
	}
	must(w.header(m))
	for i, tb := range tables {
		must(w.table(tb))
		sum := newTableSum(tb)
		for _, r := range rows[i] {
			must(sum.add(r))
			must(w.row(tb, r))
		}
		m.Tables = append(m.Tables, sum.summary())
	}
	must(w.manifest(m))
	if _, err := readBackup(bytes.NewReader(buf.Bytes()), 3, &backupCollector{tables: new([]BackupTable)}); err != nil {
		f.Fatalf("the seed does not read back: %v", err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte(strings.SplitAfter(buf.String(), "\n")[0]))
	f.Add([]byte(`{"header":{"format":"finhealth-backup","format_version":1}}` + "\n[]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var got []BackupTable
		m, err := readBackup(bytes.NewReader(data), 3, &backupCollector{tables: &got})
		if err == nil && len(m.Tables) != len(got) {
			t.Fatalf("accepted a backup whose manifest lists %d tables for %d read", len(m.Tables), len(got))
		}
	})
}
