package wave

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"finhealth"
	"finhealth/wave/wavetest"
)

// referenceDecode is decodeResponse done another way, with the data decoded in the same
// call as the envelope and a second call to tell a null data from a missing one: the
// oracle that decodeResponse must agree with.
func referenceDecode(body []byte, data any) (errs []GraphQLError, hasData bool, err error) {
	env := struct {
		Data   any         `json:"data"`
		Errors []wireError `json:"errors"`
	}{Data: data}
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, false, err
	}
	var probe struct {
		Data json.RawMessage `json:"data"`
	}
	_ = json.Unmarshal(body, &probe)
	return graphQLErrors(env.Errors), len(probe.Data) > 0 && string(probe.Data) != "null", nil
}

// decodeSeeds are bodies, good and bad, that decodeResponse and referenceDecode must
// read alike or both refuse.
var decodeSeeds = []string{
	`{"data":{"business":{"id":"B","isClassicInvoicing":false,"currency":{"code":"USD","exponent":2},"invoices":{"pageInfo":{"currentPage":1,"totalPages":1,"totalCount":1},"edges":[{"node":{"id":"I","invoiceNumber":"1","status":"PAID","invoiceDate":"2025-03-31","dueDate":"2025-04-30","createdAt":"2025-03-31T14:05:09.123456+00:00","modifiedAt":"2025-03-31T14:05:09Z","currency":{"code":"JPY","exponent":0},"exchangeRate":"0.0067","customer":{"id":"C","name":"n"},"total":{"value":"150000","raw":150000},"amountDue":{"value":"0","raw":0}}}]}}}}`,
	`{"errors":[{"message":"m","path":["business",0],"extensions":{"code":"NOT_FOUND","id":"x"}}],"data":{"business":null}}`,
	`{"data":{"business":{"invoices":{"edges":[{"node":{"total":{"raw":1e308},"exchangeRate":-1e-400}}]}}}}`,
	`{"data":{"business":{"invoices":{"edges":[{"node":{"total":{"value":"99999999999999999999999"},"invoiceDate":"x"}}]}}}}`,
	`{"errors":"nope"}`,
	`null`,
	`{"data":{"business":{"accounts":{"edges":[{"node":{"balance":"-1.5e2","balanceInBusinessCurrency":12.345,"currency":{"code":"KWD","exponent":-4}}}]}}}}`,
	// Whitespace everywhere, escapes, non-ASCII, invalid UTF-8 and nulls.
	" \t\r\n{ \"data\" : { \"business\" : { \"id\" : \"B\\u00e9\\n\" , \"invoices\" : { \"edges\" : [ { \"node\" : { \"id\" : \"caf\u00e9\", \"title\" : \"a\\\"b\\\\c\\/d\\ud83d\\ude00\", \"status\" : \"\xff\xfe\" , \"customer\" : null , \"currency\" : null , \"total\" : null } } , null , { \"node\" : null } ] } } } } \n",
	`{"data":{"business":{"customers":{"pageInfo":null,"edges":[]}}}}`,
	`{"data":{"business":{"customers":{"pageInfo":{"totalPages":3},"edges":null}}}}`,
	`{"data":{"business":{"customers":{"edges":[{"node":{"id":"C","isArchived":true,"outstandingAmount":{"raw":"1200","currency":{"code":"EUR","exponent":null}},"overdueAmount":{"raw":" 12"}}}]}}}}`,
	`{"data":{"business":{"customers":{"edges":[{"node":{"outstandingAmount":{"raw":"12e"}}}]}}}}`,
	`{"data":{"business":{"invoices":{"pageInfo":{"totalPages":1.5}}}}}`,
	`{"data":{"business":{"invoices":{"pageInfo":{"totalPages":99999999999999999999}}}}}`,
	`{"data":{"business":{"invoices":{"edges":[{"node":{"exchangeRate":true}}]}}}}`,
	`{"data":{"business":{"invoices":{"edges":[{"node":{"exchangeRate":"1\u002e5","id":7}}]}}}}`,
	`{"data":{"business":{"accounts":{"edges":[{"node":{"isArchived":"yes"}}]}}}}`,
	`{"data":{"business":{"accounts":{"edges":[{"node":{"unknown":{"a":[1,2,{"b":null}],"c":-0.5e+3}}}]}}}}`,
	`{"data":{"business":{"accounts":{"edges":[{"node":{"id":"A"}}]}}}} trailing`,
	`{"data":{"business":{"accounts":{"edges":[{"node":{"id":"A"}}]}}}}{}`,
	`{"data":{"business":{"accounts":{"edges":[{"node":{"id":"A\u0000"}}]}}}}`,
	`{"data":{"business":{"accounts":{"edges":[{"node":{"id":"A` + "\x01" + `"}}]}}}}`,
	`{"data":{"business":{"accounts":{"edges":[{"node":{"sequence":01}}]}}}}`,
	`{"data":{"business":{"accounts":{"edges":[{"node":{"sequence":-}}]}}}}`,
	`{"data":{"business":{"accounts":{"edges":[{"node":{"sequence":-0}}]}}}}`,
	`{"data":{"business":{"accounts":{"edges":[{"node":{"sequence":1,}}]}}}}`,
	`{"data":{"business":{"accounts":{"edges":[{"node":{"name":"\x"}}]}}}}`,
	`{"data":{"business":{"accounts":{"edges":[{"node":{"name":"\u12"}}]}}}}`,
	`{"data":{"business":{"accounts":{"edges":[{"node":{"name":"abc`,
	`{"data":{"business":{"accounts":{"edges":[{"node":tru}]}}}}`,
	`{"data":{"business":{"accounts":[]}}}`,
	`{"data":[]}`,
	`{"data":5}`,
	`{"data":{"business":{"id":"B"}},"extensions":{"cost":{"requested":10}}}`,
	`{"d\u0061ta":{"business":{"\u0069d":"B"}}}`,
	`[]`,
	``,
	`   `,
	`<html><body>Bad gateway</body></html>`,
	strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
	`{"data":{"x":` + strings.Repeat("[", 9998) + strings.Repeat("]", 9998) + `}}`,
}

// FuzzDecodeGraphQLResponse feeds arbitrary bodies to the response decoder as each of
// the three list pages, then converts every node it decoded to finhealth types: the body
// comes from the network, so nothing may panic. A refused body must be ErrBadResponse,
// an accepted one valid JSON read as referenceDecode reads it, and every amount read
// from a Decimal exact at its currency's exponent (checkMoney).
func FuzzDecodeGraphQLResponse(f *testing.F) {
	for _, seed := range decodeSeeds {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) { checkBody(t, body) })
}

// checkBody is the fuzz target's check of one body.
func checkBody(t *testing.T, body []byte) {
	t.Helper()
	checkPage(t, body, "invoices", func(w *wireInvoice, home currency) {
		if i, err := w.invoice("B", home); err == nil {
			_ = i.Total.String()
			checkMoney(t, w.Total, i.Total)
			checkMoney(t, w.AmountDue, i.AmountDue)
			checkMoney(t, w.AmountPaid, i.AmountPaid)
			checkMoney(t, w.TaxTotal, i.TaxTotal)
		}
	})
	checkPage(t, body, "accounts", func(w *wireAccount, home currency) {
		if a, err := w.account("B", home); err == nil {
			_ = a.Balance.String()
			checkMoney(t, wireMoney{Value: w.Balance}, a.AccountBalance)
			if w.BalanceInBusinessCurrency.set {
				checkMoney(t, wireMoney{Value: w.BalanceInBusinessCurrency}, a.Balance)
			}
		}
	})
	checkPage(t, body, "customers", func(w *wireCustomer, home currency) {
		if c, err := w.customer("B", home); err == nil {
			_ = c.Outstanding.String()
			checkMoney(t, w.OutstandingAmount, c.Outstanding)
			checkMoney(t, w.OverdueAmount, c.Overdue)
		}
	})
}

// checkPage decodes body as a page of the list field with decodeResponse and with
// referenceDecode, fails the test where they differ, and converts every node decoded.
func checkPage[N any](t *testing.T, body []byte, field string, convert func(w *N, home currency)) {
	t.Helper()
	page, ref := &listPage[N]{field: field}, &listPage[N]{field: field}
	errs, hasData, err := decodeResponse(bytes.NewReader(body), page)
	refErrs, refHasData, refErr := referenceDecode(body, ref)
	switch {
	case (err == nil) != (refErr == nil):
		t.Fatalf("%s: decodeResponse error %v, encoding/json error %v for %q", field, err, refErr, body)
	case err != nil:
		if !errors.Is(err, ErrBadResponse) {
			t.Fatalf("%s: error is not ErrBadResponse: %v", field, err)
		}
		return
	case !json.Valid(body):
		t.Fatalf("%s: accepted invalid JSON %q", field, body)
	case hasData != refHasData || !reflect.DeepEqual(errs, refErrs):
		t.Fatalf("%s: errors or hasData differ for %q", field, body)
	case !reflect.DeepEqual(page, ref):
		t.Fatalf("%s: the page differs for %q", field, body)
	}
	ge := &GraphQLErrors{Operation: "fuzz", Errors: errs}
	_ = ge.Error()
	_ = errors.Is(ge, ErrNotFound)
	if list := page.list(); list != nil {
		home := page.Business.Currency.resolve(currency{})
		for _, e := range list.Edges {
			if e.Node != nil {
				convert(e.Node, home)
			}
		}
	}
}

// checkMoney fails the test unless m, converted from w, holds exactly w's amount: the
// Decimal value rounded half away from zero at m's exponent, or else the whole raw.
func checkMoney(t *testing.T, w wireMoney, m finhealth.Money) {
	t.Helper()
	var want int64
	var err error
	switch {
	case w.Value.set:
		want, err = exactMinor(w.Value.text, m.Exponent)
	case w.Raw != "":
		want, err = exactMinor(w.Raw.String(), 0)
	}
	if err != nil || want != m.Minor {
		t.Fatalf("%+v converted to %d minor units at exponent %d; exactly: %d (%v)", w, m.Minor, m.Exponent, want, err)
	}
}

// TestDecodeResponseRefuses checks that bodies are refused for the reason intended,
// not merely somewhere.
func TestDecodeResponseRefuses(t *testing.T) {
	for _, c := range []struct{ body, want string }{
		{`{"data":{"business":{"id":"B"}}} trailing`, "after top-level value"},
		{`{"data":{"x":` + strings.Repeat("[", 9999) + strings.Repeat("]", 9999) + `}}`, "exceeded max depth"},
		{`{"data":{"business":{"customers":{"pageInfo":{"totalPages":1.5}}}}}`, "cannot unmarshal number 1.5"},
		{`{"data":{"business":{"customers":{"edges":[{"node":{"outstandingAmount":{"raw":"x"}}}]}}}}`, "invalid number literal"},
		{`{"data":{"business":{"customers":{"edges":[{"node":{"name":"abc`, "unexpected end"},
		{`{"data":{"business":{"customers":{"edges":[{"node":{"isArchived":"yes"}}]}}}}`, "of type bool"},
		{`{"data":{"business":{"customers":{"edges":[{"node":{"name":"\x"}}]}}}}`, "in string escape code"},
	} {
		_, _, err := decodeResponse(strings.NewReader(c.body), &listPage[wireCustomer]{field: "customers"})
		if !errors.Is(err, ErrBadResponse) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%.60s: %v, want ErrBadResponse saying %q", c.body, err, c.want)
		}
	}
}

// TestDecodeResponseAgrees runs the fuzz target's checks on the seeds as a plain test.
func TestDecodeResponseAgrees(t *testing.T) {
	for _, body := range decodeSeeds {
		checkBody(t, []byte(body))
	}
}

// TestListPageField checks that a page's list is the one its query names.
func TestListPageField(t *testing.T) {
	body := `{"data":{"business":{"id":"B","customers":{"pageInfo":{"totalPages":1,"totalCount":1},"edges":[{"node":{"id":"C"}}]}}}}`
	for field, want := range map[string]bool{"customers": true, "accounts": false, "invoices": false} {
		page := &listPage[wireCustomer]{field: field}
		if _, _, err := decodeResponse(strings.NewReader(body), page); err != nil {
			t.Fatal(err)
		}
		if got := page.list() != nil; got != want {
			t.Errorf("%s: list present %v, want %v", field, got, want)
		} else if got && (page.list().Edges[0].Node.ID != "C" || !page.list().PageInfo.countKnown) {
			t.Errorf("%s: %+v", field, page.list())
		}
	}
}

// invoicePageBody is page 1 of a generated business's invoices, 100 to a page, as
// the fake sends it.
func invoicePageBody(tb testing.TB) []byte {
	tb.Helper()
	cn, srv := connectedConn(tb, wavetest.Options{})
	biz := srv.GenerateBusiness(42, 1_000, 100, 10)
	var data json.RawMessage
	vars := map[string]any{"businessId": biz, "page": 1, "pageSize": 100, "sort": []string{sortModifiedAsc}}
	if err := cn.query(context.Background(), "ListInvoices", queryInvoices, vars, &data); err != nil {
		tb.Fatal(err)
	}
	return append(append([]byte(`{"data":`), data...), '}')
}

// BenchmarkDecodeInvoicePage decodes one page of 100 invoices (decode), and decodes it
// and converts every invoice to finhealth.Invoice (decode-convert): the client's whole
// share of a page, against the second that the rate limit gives each request. Besides
// the wall time it reports the process's CPU time per page, the steadier figure on a
// shared machine.
func BenchmarkDecodeInvoicePage(b *testing.B) {
	body := invoicePageBody(b)
	decode := func(b *testing.B) *listPage[wireInvoice] {
		page := &listPage[wireInvoice]{field: "invoices"}
		if _, _, err := decodeResponse(bytes.NewReader(body), page); err != nil || len(page.list().Edges) != 100 {
			b.Fatal(err)
		}
		return page
	}
	run := func(name string, op func(b *testing.B)) {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			cpu := processCPU()
			for b.Loop() {
				op(b)
			}
			b.ReportMetric(float64(processCPU()-cpu)/float64(b.N)/1e3, "cpu-us/op")
		})
	}
	run("decode", func(b *testing.B) { decode(b) })
	run("decode-convert", func(b *testing.B) {
		page := decode(b)
		home := page.Business.Currency.resolve(currency{})
		for _, e := range page.list().Edges {
			if _, err := e.Node.invoice("B", home); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// processCPU is the CPU time (user and system) the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
