package wave_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"finhealth"
	"finhealth/wave"
	"finhealth/wave/wavetest"
)

// readInvoices reads every invoice of Acme Bakery in pages of 10 and returns them
// with the read's error.
func readInvoices(t *testing.T, e *env, cn *wave.Conn) ([]finhealth.Invoice, error) {
	t.Helper()
	var got []finhealth.Invoice
	err := cn.EachInvoicePage(context.Background(), e.srv.Seed().AcmeBusinessID, wave.InvoiceQuery{PageSize: 10}, func(p []finhealth.Invoice) error {
		got = append(got, p...)
		return nil
	})
	return got, err
}

func incomplete(t *testing.T, err error) *finhealth.IncompleteReadError {
	t.Helper()
	var inc *finhealth.IncompleteReadError
	if !errors.As(err, &inc) {
		t.Fatalf("want an incomplete read, got %v", err)
	}
	return inc
}

func TestWalkCompleteHasNoProblems(t *testing.T) {
	e := newEnv(t, wavetest.Options{}, nil)
	cn, _ := e.connect(t)
	got, err := readInvoices(t, e, cn)
	if err != nil || len(got) != 120 {
		t.Fatalf("%d invoices, %v", len(got), err)
	}
}

// A walk resumed at a later page reads that page and the rest, and reports it cannot
// prove it saw every invoice, so that nothing is pruned on its evidence.
func TestWalkResumedIsNotProvablyComplete(t *testing.T) {
	e := newEnv(t, wavetest.Options{}, nil)
	cn, _ := e.connect(t)
	var got []finhealth.Invoice
	err := cn.EachInvoicePage(context.Background(), e.srv.Seed().AcmeBusinessID, wave.InvoiceQuery{PageSize: 10, FromPage: 4}, func(p []finhealth.Invoice) error {
		got = append(got, p...)
		return nil
	})
	all, aerr := readInvoices(t, e, cn)
	if aerr != nil || len(got) != 90 || got[0].WaveID != all[30].WaveID || got[89].WaveID != all[119].WaveID {
		t.Fatalf("resumed read: %d invoices, %v", len(got), aerr)
	}
	if inc := incomplete(t, err); len(inc.Problems) != 1 || !strings.Contains(inc.Problems[0], "page 4") {
		t.Fatalf("problems = %q", inc.Problems)
	}
}

// A server that serves smaller pages than asked for, and counts its pages by that
// size, is walked whole without complaint.
func TestWalkServerPageSizeSmaller(t *testing.T) {
	e := newEnv(t, wavetest.Options{CapPageSize: 7}, nil)
	cn, _ := e.connect(t)
	got, err := readInvoices(t, e, cn)
	if err != nil || len(got) != 120 || e.srv.Stats().Operations["ListInvoices"] != 18 {
		t.Fatalf("%d invoices in %d requests, %v", len(got), e.srv.Stats().Operations["ListInvoices"], err)
	}
}

// A page that comes back short or empty while Wave still announces more must not pass
// for the end of the list: the rows after it are still read, and the read says it is
// incomplete.
func TestWalkShortPageMidWalk(t *testing.T) {
	for _, served := range []int{0, 4} {
		e := newEnv(t, wavetest.Options{PageHook: func(typ string, page, n int) int {
			if typ == "Invoice" && page == 3 {
				return served
			}
			return n
		}}, nil)
		cn, _ := e.connect(t)
		got, err := readInvoices(t, e, cn)
		inc := incomplete(t, err)
		if len(got) != 120-10+served || e.srv.Stats().Operations["ListInvoices"] != 12 {
			t.Fatalf("served %d on page 3: read %d invoices in %d requests; the pages after the short one must be read",
				served, len(got), e.srv.Stats().Operations["ListInvoices"])
		}
		if !strings.Contains(strings.Join(inc.Problems, " "), "Page 3 of 12 held") {
			t.Fatalf("problems %q", inc.Problems)
		}
	}
}

// An invoice added during the walk changes the count Wave announces; an invoice
// edited during it moves to the end (the read is oldest-modified first) and shifts
// another one past a page boundary unread. Neither walk may pass for complete.
func TestWalkCountChangesDuringWalk(t *testing.T) {
	for _, change := range []string{"added", "edited", "deleted"} {
		t.Run(change, func(t *testing.T) {
			var e *env
			done := false
			e = newEnv(t, wavetest.Options{BeforeRequest: func(op string, vars map[string]any) {
				if op != "ListInvoices" || done || fmt.Sprint(vars["page"]) != "5" {
					return
				}
				done = true
				acme := e.srv.Seed().AcmeBusinessID
				all := e.srv.Invoices(acme)
				inv := all[0]
				switch change {
				case "added":
					inv.ID, inv.Number = inv.ID+"new", "NEW-1"
					inv.ModifiedAt = e.clock.Now()
					must(t, e.srv.PutInvoice(acme, inv))
				case "edited":
					inv.ModifiedAt = e.clock.Now()
					inv.Title = "edited"
					must(t, e.srv.PutInvoice(acme, inv))
				case "deleted":
					must(t, e.srv.DeleteInvoice(acme, inv.ID))
				}
			}}, nil)
			cn, _ := e.connect(t)
			_, err := readInvoices(t, e, cn)
			inc := incomplete(t, err)
			if !done || len(inc.Problems) == 0 {
				t.Fatalf("hook ran %v; problems %q", done, inc.Problems)
			}
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// An amount too large for GraphQL's 32-bit Int makes Wave fail the deprecated raw
// field; finhealth reads value instead, exactly.
func TestLargeAmountReadFromValue(t *testing.T) {
	e := newEnv(t, wavetest.Options{}, nil)
	cn, _ := e.connect(t)
	acme := e.srv.Seed().AcmeBusinessID
	big := e.srv.Invoices(acme)[7]
	big.Total, big.AmountPaid, big.Currency = 2_500_000_000, 0, "USD"
	must(t, e.srv.PutInvoice(acme, big))
	got, err := readInvoices(t, e, cn)
	if err != nil || len(got) != 120 {
		t.Fatalf("%d invoices, %v", len(got), err)
	}
	for _, inv := range got {
		if inv.WaveID == big.ID {
			if inv.Total != (finhealth.Money{Minor: 2_500_000_000, Currency: "USD", Exponent: 2}) || inv.AmountDue.Minor != 2_500_000_000 {
				t.Fatalf("25,000,000.00 read as %+v due %+v", inv.Total, inv.AmountDue)
			}
			return
		}
	}
	t.Fatal("the large invoice was not read")
}

// The fake answers raw as a server would: selecting it for such an amount is a field
// error that nulls the invoice. This is what stopped every sync before.
func TestFakeRawOverflowNullsTheInvoice(t *testing.T) {
	e := newEnv(t, wavetest.Options{}, nil)
	_, store := e.connect(t)
	acme := e.srv.Seed().AcmeBusinessID
	big := e.srv.Invoices(acme)[0]
	big.Total = 2_500_000_000
	must(t, e.srv.PutInvoice(acme, big))
	code, body := rawGraphQL(t, e, store.token().AccessToken, `query($id: ID!) { business(id: $id) {
	  invoices(page: 1, pageSize: 100, sort: [MODIFIED_AT_ASC]) { edges { node { id total { raw } } } } } }`, map[string]any{"id": acme})
	if code != 200 || !strings.Contains(body, `"node":null`) || !strings.Contains(body, "32-bit") || !strings.Contains(body, `"path":["business","invoices","edges",`) {
		t.Fatalf("%d %.400s", code, body)
	}
}

// One invoice Wave cannot serve must not fail the walk: the others are delivered, the
// read names it and says it is incomplete.
func TestOneBrokenInvoiceDoesNotStopTheWalk(t *testing.T) {
	e := newEnv(t, wavetest.Options{}, nil)
	cn, _ := e.connect(t)
	acme := e.srv.Seed().AcmeBusinessID
	broken := e.srv.Invoices(acme)[42]
	e.srv.BreakInvoice(broken.ID, "Something went wrong resolving this invoice.")
	got, err := readInvoices(t, e, cn)
	inc := incomplete(t, err)
	if len(got) != 119 || inc.Skipped != 1 {
		t.Fatalf("%d invoices, %d skipped", len(got), inc.Skipped)
	}
	for _, inv := range got {
		if inv.WaveID == broken.ID {
			t.Fatal("the broken invoice was delivered")
		}
	}
	if p := strings.Join(inc.Problems, " "); !strings.Contains(p, "Something went wrong") || !strings.Contains(p, "Invoice "+broken.Number+" ("+broken.ID+") could not be read") || len(inc.Problems) != 1 {
		t.Fatalf("problems %q", inc.Problems)
	}
}

// rawGraphQL posts a query to the fake as any client would and returns the status and
// body.
func rawGraphQL(t *testing.T, e *env, token, query string, vars map[string]any) (int, string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, e.srv.Endpoints().GraphQLURL, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
