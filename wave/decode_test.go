package wave

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"finhealth/wave/wavetest"
)

// referenceDecode is decodeResponse done by encoding/json alone, as it was before the
// list pages got their own reader: the oracle that decoding must agree with.
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

// referencePage decodes body as a page of the list field with encoding/json alone.
// It reads the business twice, for its header and for the list, which is what one
// decoding would give for any body without repeated keys.
func referencePage[N any](body []byte, field string) (page *listPage[N], errs []GraphQLError, hasData bool, err error) {
	var data struct {
		Business json.RawMessage `json:"business"`
	}
	page = &listPage[N]{field: field}
	if errs, hasData, err = referenceDecode(body, &data); err != nil || len(data.Business) == 0 || string(data.Business) == "null" {
		return page, errs, hasData, err
	}
	page.Business = new(listBusiness[N])
	if err := json.Unmarshal(data.Business, &page.Business.wireBusinessHeader); err != nil {
		return page, errs, hasData, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data.Business, &fields); err != nil {
		return page, errs, hasData, err
	}
	if raw, ok := fields[field]; ok {
		err = json.Unmarshal(raw, &page.Business.List)
	}
	return page, errs, hasData, err
}

// agree decodes body as a page of the list field with both decoders and reports how
// they differ ("" when they agree), and what the reader decoded.
func agree[N any](body []byte, field string) (diff string, page *listPage[N], errs []GraphQLError, err error) {
	page = &listPage[N]{field: field}
	errs, hasData, err := decodeResponse(bytes.NewReader(body), page)
	ref, refErrs, refHasData, refErr := referencePage[N](body, field)
	switch {
	case (err == nil) != (refErr == nil):
		diff = "reader error " + errString(err) + ", encoding/json error " + errString(refErr)
	case err != nil:
		if !errors.Is(err, ErrBadResponse) {
			diff = "error is not ErrBadResponse: " + err.Error()
		}
	case hasData != refHasData || !reflect.DeepEqual(errs, refErrs):
		diff = "errors or hasData differ"
	case !reflect.DeepEqual(page.Business, ref.Business):
		diff = "business differs"
	}
	return diff, page, errs, err
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// comparable reports whether the two decoders are meant to agree on body: not when an
// object repeats a key (encoding/json merges repeats in ways not worth copying), nor
// when a key matches a wire field only ignoring case (encoding/json accepts it;
// GraphQL keys are exact, and so is the reader).
func comparable(body []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(body))
	type frame struct {
		object, wantKey bool
		keys            map[string]bool
	}
	var stack []*frame
	valueDone := func() {
		if n := len(stack); n > 0 && stack[n-1].object {
			stack[n-1].wantKey = true
		}
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return true // the end, or invalid JSON, which both decoders must refuse
		}
		if n := len(stack); n > 0 && stack[n-1].wantKey {
			if k, ok := tok.(string); ok {
				top := stack[n-1]
				if top.keys[k] || foldsToWireKey(k) {
					return false
				}
				top.keys[k], top.wantKey = true, false
				continue
			}
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{object: true, wantKey: true, keys: map[string]bool{}})
		case json.Delim('['):
			stack = append(stack, &frame{})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			valueDone()
		default:
			valueDone()
		}
	}
}

var wireKeys = func() map[string]bool {
	keys := map[string]bool{"data": true, "errors": true}
	var walk func(t reflect.Type)
	seen := map[reflect.Type]bool{}
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || seen[t] {
			return
		}
		seen[t] = true
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name != "" {
				keys[name] = true
			}
			walk(f.Type)
		}
	}
	for _, t := range []reflect.Type{reflect.TypeFor[listBusiness[wireInvoice]](), reflect.TypeFor[listBusiness[wireAccount]](), reflect.TypeFor[listBusiness[wireCustomer]]()} {
		walk(t)
	}
	for _, k := range []string{"business", "accounts", "invoices", "customers"} {
		keys[k] = true
	}
	return keys
}()

func foldsToWireKey(k string) bool {
	if wireKeys[k] {
		return false
	}
	for w := range wireKeys {
		if strings.EqualFold(k, w) {
			return true
		}
	}
	return false
}

// decodeSeeds are bodies the decoders must agree on, or both refuse.
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

// FuzzDecodeGraphQLResponse feeds arbitrary bodies to the response decoder, which
// must agree with encoding/json (referenceDecode) and never panic, nor may the
// conversion to finhealth types: the body comes from the network.
func FuzzDecodeGraphQLResponse(f *testing.F) {
	for _, seed := range decodeSeeds {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		diffs := []string{
			fuzzPage(body, "invoices", func(w *wireInvoice, home currency) {
				if i, err := w.invoice("B", home); err == nil {
					_ = i.Total.String()
				}
			}),
			fuzzPage(body, "accounts", func(w *wireAccount, home currency) {
				if a, err := w.account("B", home); err == nil {
					_ = a.Balance.String()
				}
			}),
			fuzzPage(body, "customers", func(w *wireCustomer, home currency) {
				if c, err := w.customer("B", home); err == nil {
					_ = c.Outstanding.String()
				}
			}),
		}
		for _, d := range diffs {
			if d != "" && comparable(body) {
				t.Fatalf("%s for %q", d, body)
			}
		}
	})
}

// fuzzPage decodes body as a page of the list field with both decoders, converts
// every node the reader decoded (which must not panic either), and returns how the
// decoders differ.
func fuzzPage[N any](body []byte, field string, convert func(w *N, home currency)) string {
	diff, page, errs, err := agree[N](body, field)
	if err == nil {
		ge := &GraphQLErrors{Operation: "fuzz", Errors: errs}
		_ = ge.Error()
		_ = errors.Is(ge, ErrNotFound)
	}
	if b := page.Business; b != nil && b.List != nil {
		home := b.Currency.resolve(currency{})
		for _, e := range b.List.Edges {
			if e.Node != nil {
				convert(e.Node, home)
			}
		}
	}
	return diff
}

// TestDecodeResponseRefuses checks that bodies are refused for the reason intended,
// not merely somewhere.
func TestDecodeResponseRefuses(t *testing.T) {
	for _, c := range []struct{ body, want string }{
		{`{"data":{"business":{"id":"B"}}} trailing`, "after top-level value"},
		{`{"data":{"x":` + strings.Repeat("[", 9999) + strings.Repeat("]", 9999) + `}}`, "exceeded max depth"},
		{`{"data":{"business":{"customers":{"pageInfo":{"totalPages":1.5}}}}}`, "does not fit an integer"},
		{`{"data":{"business":{"customers":{"edges":[{"node":{"outstandingAmount":{"raw":"x"}}}]}}}}`, "invalid number literal"},
		{`{"data":{"business":{"customers":{"edges":[{"node":{"name":"abc`, "unexpected end"},
		{`{"data":{"business":{"customers":{"edges":[{"node":{"isArchived":"yes"}}]}}}}`, "as bool"},
		{`{"data":{"business":{"customers":{"edges":[{"node":{"name":"\x"}}]}}}}`, "invalid escape"},
	} {
		_, _, err := decodeResponse(strings.NewReader(c.body), &listPage[wireCustomer]{field: "customers"})
		if !errors.Is(err, ErrBadResponse) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%.60s: %v, want ErrBadResponse saying %q", c.body, err, c.want)
		}
	}
}

// TestDecodeResponseAgrees runs the seeds as a plain test, so that a change to either
// decoder is checked without fuzzing.
func TestDecodeResponseAgrees(t *testing.T) {
	for _, body := range decodeSeeds {
		diffs := make([]string, 3)
		diffs[0], _, _, _ = agree[wireInvoice]([]byte(body), "invoices")
		diffs[1], _, _, _ = agree[wireAccount]([]byte(body), "accounts")
		diffs[2], _, _, _ = agree[wireCustomer]([]byte(body), "customers")
		for _, d := range diffs {
			if d != "" {
				t.Errorf("%s for %.80q", d, body)
			}
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

// BenchmarkDecodeInvoicePage decodes one page of 100 invoices with the reader and, for
// comparison, with encoding/json.
func BenchmarkDecodeInvoicePage(b *testing.B) {
	body := invoicePageBody(b)
	b.Run("reader", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			page := listPage[wireInvoice]{field: "invoices"}
			if _, _, err := decodeResponse(bytes.NewReader(body), &page); err != nil || len(page.Business.List.Edges) != 100 {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var page struct {
				Business *struct {
					wireBusinessHeader
					Invoices *wireConnection[wireInvoice] `json:"invoices"`
				} `json:"business"`
			}
			if _, _, err := referenceDecode(body, &page); err != nil || len(page.Business.Invoices.Edges) != 100 {
				b.Fatal(err)
			}
		}
	})
}
