package wave

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"finhealth"
	"finhealth/wave/wavetest"
)

type staticStore struct{ tok finhealth.OAuthToken }

func (s *staticStore) Load(context.Context) (finhealth.OAuthToken, error) { return s.tok, nil }
func (s *staticStore) Save(_ context.Context, t finhealth.OAuthToken) error {
	s.tok = t
	return nil
}

// connectedConn returns a Conn to a fresh fake, connected through the real OAuth flow.
func connectedConn(t testing.TB, opts wavetest.Options) (*Conn, *wavetest.Server) {
	t.Helper()
	srv := wavetest.NewServer(opts)
	t.Cleanup(srv.Close)
	cfg := DefaultConfig()
	cfg.ClientID, cfg.ClientSecret, cfg.RedirectURI = wavetest.DefaultClientID, wavetest.DefaultClientSecret, wavetest.DefaultRedirectURI
	cfg.SetOAuthBase(srv.URL)
	cfg.GraphQLURL = srv.Endpoints().GraphQLURL
	cfg.RequestsPerSecond = 0
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	verifier, challenge := NewPKCE()
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(c.AuthorizeURL("s", challenge))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := resp.Location()
	code, _, err := ParseCallback(loc.Query())
	if err != nil {
		t.Fatal(err)
	}
	tok, err := c.Exchange(context.Background(), code, verifier)
	if err != nil {
		t.Fatal(err)
	}
	return c.Conn("internal", &staticStore{tok}), srv
}

// The fake validates every document against its SDL, so a field Wave does not have is
// refused the way Wave refuses it, and every document this package sends is valid.
func TestQueryValidation(t *testing.T) {
	cn, srv := connectedConn(t, wavetest.Options{})
	ctx := context.Background()
	var out struct{}
	err := cn.query(ctx, "Bad", `query Bad { user { id balance } }`, nil, &out)
	var ge *GraphQLErrors
	if !errors.Is(err, ErrQueryInvalid) || !errors.As(err, &ge) || ge.Code() != "GRAPHQL_VALIDATION_FAILED" || ge.Partial ||
		!strings.Contains(err.Error(), `Cannot query field "balance" on type "User"`) {
		t.Fatalf("err %v", err)
	}
	if finhealth.ErrorCode(err) != finhealth.EINTERNAL {
		t.Fatalf("a query bug is ours: code %s", finhealth.ErrorCode(err))
	}
	// Invented fields from AI-written clients (wave-api.md section 5.10) are refused too.
	for _, doc := range []string{
		`query { business(id: "x") { expenses { incurredAt } } }`,
		`query { business(id: "x") { invoices { pageInfo { hasNextPage endCursor } } } }`,
		`query { business(id: "x") { transactions { edges { node { id } } } } }`,
		`query { business(name: "x") { id } }`,
	} {
		if err := cn.query(ctx, "", doc, nil, &out); !errors.Is(err, ErrQueryInvalid) {
			t.Errorf("%s: %v", doc, err)
		}
	}
	if srv.Stats().ValidationFails != 5 {
		t.Fatalf("validation failures %d", srv.Stats().ValidationFails)
	}
	acme := srv.Seed().AcmeBusinessID
	vars := map[string]map[string]any{
		"ListBusinesses":            {"page": 1, "pageSize": 10},
		"GetBusiness":               {"businessId": acme},
		"ListAccounts":              {"businessId": acme, "page": 1, "pageSize": 10, "isArchived": false},
		"ListInvoices":              {"businessId": acme, "page": 1, "pageSize": 10, "sort": []string{"MODIFIED_AT_ASC"}},
		"ListInvoicesModifiedAfter": {"businessId": acme, "page": 1, "pageSize": 10, "sort": []string{"MODIFIED_AT_ASC"}, "modifiedAtAfter": "2025-01-01T00:00:00Z"},
		"ListCustomers":             {"businessId": acme, "page": 1, "pageSize": 10, "sort": []string{"NAME_ASC"}},
	}
	vars["ListInvoiceIDs"] = vars["ListInvoices"]
	vars["ListInvoiceIDsModifiedAfter"] = vars["ListInvoicesModifiedAfter"]
	for op, doc := range QueryDocuments() {
		var any map[string]any
		if err := cn.query(ctx, op, doc, vars[op], &any); err != nil {
			t.Errorf("%s: %v", op, err)
		}
	}
}

func TestDecodeResponse(t *testing.T) {
	var out struct {
		Business *struct{ ID string } `json:"business"`
	}
	errs, hasData, err := decodeResponse(strings.NewReader(`{"errors":[{"message":"Business 'BAD_ID' could not be found.","locations":[{"line":2,"column":3}],"path":["business"],"extensions":{"code":"NOT_FOUND","id":"b1c2"}}],"data":{"business":null}}`), &out)
	if err != nil || !hasData || len(errs) != 1 || errs[0].Code != "NOT_FOUND" || errs[0].Path != "business" || errs[0].ID != "b1c2" {
		t.Fatalf("errs %+v hasData %v err %v", errs, hasData, err)
	}
	errs, hasData, err = decodeResponse(strings.NewReader(`{"errors":[{"message":"x","path":["a",3,"b"],"extensions":{"code":7,"id":12}}]}`), &out)
	if err != nil || hasData || errs[0].Path != "a.3.b" || errs[0].Code != "" || errs[0].ID != "12" {
		t.Fatalf("lenient extensions: %+v %v %v", errs, hasData, err)
	}
	if _, _, err := decodeResponse(strings.NewReader(`<html>`), &out); err == nil {
		t.Fatal("HTML accepted")
	}
}

func TestDecimalToMinor(t *testing.T) {
	for _, c := range []struct {
		in   string
		exp  int
		want int64
		err  bool
	}{
		{"34900.00", 2, 3490000, false},
		{"-120.00", 2, -12000, false},
		{"1234.567", 3, 1234567, false},
		{"1200", 0, 1200, false},
		{"0.005", 2, 1, false}, // half away from zero
		{"-0.005", 2, -1, false},
		{"0.004", 2, 0, false},
		{"1.2345e3", 2, 123450, false},
		{"34900", 2, 3490000, false},
		{"-0.00", 2, 0, false},
		{".5", 2, 50, false},
		{"92233720368547758.07", 2, math.MaxInt64, false},
		{"-92233720368547758.08", 2, math.MinInt64, false},
		{"92233720368547758.08", 2, 0, true},
		{"1e400", 2, 0, true},
		{"1e999999999999", 2, 0, true},
		{"12,50", 2, 0, true},
		{"", 2, 0, true},
		{"-", 2, 0, true},
		{"NaN", 2, 0, true},
		{"1.2.3", 2, 0, true},
	} {
		p, err := parseDecimal(c.in)
		var got int64
		if err == nil {
			got, err = p.minor(c.exp)
		}
		if (err != nil) != c.err || got != c.want {
			t.Errorf("%q exp %d: %d, %v; want %d (error %v)", c.in, c.exp, got, err, c.want, c.err)
		}
	}
}

// exactMinor is the oracle for parseDecimal and minor, in big.Rat arithmetic: the
// decimal text s as a count of 10^-exponent units, rounded half away from zero.
func exactMinor(s string, exponent int) (int64, error) {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return 0, fmt.Errorf("big.Rat cannot read %q", s)
	}
	r.Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(exponent)), nil)))
	q, rem := new(big.Int).QuoRem(new(big.Int).Abs(r.Num()), r.Denom(), new(big.Int))
	if rem.Lsh(rem, 1).Cmp(r.Denom()) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if r.Sign() < 0 {
		q.Neg(q)
	}
	if !q.IsInt64() {
		return 0, errors.New("out of range")
	}
	return q.Int64(), nil
}

// FuzzDecimalMinor checks parseDecimal and minor, which turn Wave's Decimal text into
// minor units, against exact arithmetic: wherever they accept a text, big.Rat must read
// the same number, and the units must be exact, or refused exactly when out of range.
func FuzzDecimalMinor(f *testing.F) {
	for _, s := range []string{"34900.00", "-0.005", "1e2", "-1.5E-2", ".5", "5.", "+7", "0.0051", "92233720368547758.07",
		"-92233720368547758.08", "92233720368547758.08", "9999999999999999999.5", "1e400", "00012.3400", "-0"} {
		f.Add(s, uint8(2))
	}
	f.Fuzz(func(t *testing.T, s string, exponent uint8) {
		exp := int(exponent % 19)
		p, err := parseDecimal(s)
		if err != nil {
			return
		}
		got, err := p.minor(exp)
		want, werr := exactMinor(s, exp)
		if werr != nil && strings.HasPrefix(werr.Error(), "big.Rat") {
			t.Fatalf("parseDecimal accepted %q: %v", s, werr)
		}
		if (err == nil) != (werr == nil) || got != want {
			t.Fatalf("%q at exponent %d: %d (%v), exactly %d (%v)", s, exp, got, err, want, werr)
		}
	})
}

func TestMoneyDecoding(t *testing.T) {
	usd := currency{"USD", 2}
	raw := func(s string) *wireMoney {
		var m wireMoney
		if err := jsonUnmarshal(s, &m); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		return &m
	}
	for _, c := range []struct {
		in   string
		want finhealth.Money
		err  bool
	}{
		{`{"value":"1234.50","raw":123450,"currency":{"code":"USD","exponent":2}}`, finhealth.Money{Minor: 123450, Currency: "USD", Exponent: 2}, false},
		{`{"value":"1234.50"}`, finhealth.Money{Minor: 123450, Currency: "USD", Exponent: 2}, false},
		{`{"raw":"123450"}`, finhealth.Money{Minor: 123450, Currency: "USD", Exponent: 2}, false},
		{`{"value":1234.5}`, finhealth.Money{Minor: 123450, Currency: "USD", Exponent: 2}, false},
		{`{"raw":1500,"currency":{"code":"JPY"}}`, finhealth.Money{Minor: 1500, Currency: "JPY", Exponent: 0}, false},
		{`{"value":"1.234","currency":{"code":"KWD"}}`, finhealth.Money{Minor: 1234, Currency: "KWD", Exponent: 3}, false},
		{`{"raw":12.5}`, finhealth.Money{Currency: "USD", Exponent: 2}, true},
		{`{}`, finhealth.Money{Currency: "USD", Exponent: 2}, false},
	} {
		got, err := raw(c.in).money(usd)
		if (err != nil) != c.err || (!c.err && got != c.want) {
			t.Errorf("%s: %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
	var m wireMoney
	if err := jsonUnmarshal(`{"value":true}`, &m); err == nil {
		t.Error("a boolean Decimal was accepted")
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 6, 15, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"7":                             7 * time.Second,
		" 120 ":                         2 * time.Minute,
		"0":                             0,
		"-3":                            0,
		"soon":                          0,
		"":                              0,
		"Sun, 15 Jun 2025 12:00:30 GMT": 30 * time.Second,
		"Sun, 15 Jun 2025 11:00:00 GMT": 0,
		"99999999":                      24 * time.Hour,
	} {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("%q: %s, want %s", in, got, want)
		}
	}
}

func TestParseTimes(t *testing.T) {
	want := time.Date(2025, 3, 31, 14, 5, 9, 123456000, time.UTC)
	for _, s := range []string{"2025-03-31T14:05:09.123456+00:00", "2025-03-31T14:05:09.123456Z", "2025-03-31T16:05:09.123456+02:00", "2025-03-31T14:05:09.123456"} {
		if got, err := parseDateTime(s); err != nil || !got.Equal(want) {
			t.Errorf("%s: %s %v", s, got, err)
		}
	}
	if d, err := parseDate("2025-03-31"); err != nil || !d.Equal(time.Date(2025, 3, 31, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("date %s %v", d, err)
	}
	if _, err := parseDateTime("31/03/2025"); err == nil {
		t.Error("accepted a non-ISO date")
	}
}

func TestMoneyString(t *testing.T) {
	for _, c := range []struct {
		m    finhealth.Money
		want string
	}{
		{finhealth.Money{Minor: 123450, Currency: "USD", Exponent: 2}, "1234.50 USD"},
		{finhealth.Money{Minor: -5, Currency: "USD", Exponent: 2}, "-0.05 USD"},
		{finhealth.Money{Minor: 1200, Currency: "JPY"}, "1200 JPY"},
		{finhealth.Money{Minor: 7, Currency: "KWD", Exponent: 3}, "0.007 KWD"},
		{finhealth.Money{Minor: math.MinInt64, Exponent: 2}, "-92233720368547758.08"},
	} {
		if got := c.m.String(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.m, got, c.want)
		}
	}
	a := finhealth.Money{Minor: math.MaxInt64, Currency: "USD", Exponent: 2}
	if _, err := a.Add(finhealth.Money{Minor: 1, Currency: "USD", Exponent: 2}); err == nil {
		t.Error("overflow not detected")
	}
	if _, err := a.Add(finhealth.Money{Minor: 1, Currency: "EUR", Exponent: 2}); err == nil {
		t.Error("added different currencies")
	}
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

// FuzzQuickDateTime checks the hand-written date parsing against the time.Parse
// layouts it stands in front of: wherever it accepts, it must read the same instant.
func FuzzQuickDateTime(f *testing.F) {
	for _, s := range []string{"2025-03-31T14:05:09.123456+00:00", "2025-03-31T14:05:09Z", "2025-03-31T16:05:09.1+02:00",
		"2025-03-31T14:05:09", "2024-02-29T23:59:59.999999999-23:59", "2023-02-29T00:00:00Z", "2025-03-31", "0999-01-01",
		"2025-03-31T24:00:00Z", "2025-03-31T14:05:09.1234567891Z", "2025-03-31T14:05:09.Z", "2025-13-01T00:00:00+01:60"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, ok := quickDateTime(s); ok {
			want, err := parseDateTimeLayouts(s)
			if err != nil || got != want {
				t.Fatalf("%q: quick %v, layouts %v (%v)", s, got, want, err)
			}
		}
		if got, ok := quickDate(s); ok {
			want, err := time.ParseInLocation(time.DateOnly, s, time.UTC)
			if err != nil || got != want {
				t.Fatalf("%q: quick date %v, time.Parse %v (%v)", s, got, want, err)
			}
		}
	})
}
