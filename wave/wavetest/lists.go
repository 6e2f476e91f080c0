package wavetest

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/vektah/gqlparser/v2/ast"
)

// invoiceFilter is the invoices(...) arguments of wave-api.md section 3.9.
type invoiceFilter struct {
	sort                   []string
	status, customerID     string
	currency, number       string
	dateStart, dateEnd     time.Time
	modAfter, modBefore    time.Time
	hasModAfter, hasModBef bool
}

func (e *executor) invoices(b *bizData, fg *fieldGroup) any {
	if !e.scope("invoice", fg) {
		return nil
	}
	if b.IsClassicInvoicing {
		if !e.opts.ClassicInvoicingEmpty {
			return e.fail(fg, "BAD_REQUEST", "Invoices are not available for businesses using classic invoicing.")
		}
	}
	args, page, size, ok := e.pageArgs(fg)
	if !ok {
		return nil
	}
	fl := invoiceFilter{
		sort: argStrings(args, "sort"), status: argString(args, "status"), customerID: argString(args, "customerId"),
		currency: argString(args, "currency"), number: argString(args, "invoiceNumber"),
	}
	for _, t := range []struct {
		name string
		dst  *time.Time
		set  *bool
	}{{"invoiceDateStart", &fl.dateStart, nil}, {"invoiceDateEnd", &fl.dateEnd, nil},
		{"modifiedAtAfter", &fl.modAfter, &fl.hasModAfter}, {"modifiedAtBefore", &fl.modBefore, &fl.hasModBef}} {
		v, set, ok := argTime(args, t.name)
		if !ok {
			return e.fail(fg, "BAD_USER_INPUT", fmt.Sprintf("%s is not a valid date or time.", t.name))
		}
		*t.dst = v
		if t.set != nil {
			*t.set = set
		}
	}
	if len(fl.sort) == 0 {
		fl.sort = []string{"INVOICE_DATE_DESC"}
	}
	var total int
	var at func(k int) Invoice
	var customerOf func(k int) *Customer // nil: looked up by id
	if b.IsClassicInvoicing {
		at = func(int) Invoice { return Invoice{} }
	} else if b.gen != nil && generatedFastPath(fl) {
		total, at, customerOf = e.generatedInvoices(b, fl, page, size)
	} else {
		total, at = e.matchInvoices(b, fl, page, size)
	}
	_, n := pageWindow(total, page, size)
	return e.connection(fg.sub, "Invoice", total, page, size, n, func(k int, sub ast.SelectionSet) any {
		inv := at(k)
		var c *Customer
		if customerOf != nil {
			c = customerOf(k)
		}
		return e.invoice(b, &inv, c, sub)
	})
}

// generatedFastPath reports whether a generated business can answer without
// computing every invoice: its index order is the order of creation, modification
// and number, so those sorts and the modifiedAt filters are index arithmetic.
func generatedFastPath(fl invoiceFilter) bool {
	if fl.status != "" || fl.customerID != "" || fl.currency != "" || fl.number != "" || !fl.dateStart.IsZero() || !fl.dateEnd.IsZero() {
		return false
	}
	switch strings.TrimSuffix(strings.TrimSuffix(fl.sort[0], "_ASC"), "_DESC") {
	case "MODIFIED_AT", "CREATED_AT", "INVOICE_NUMBER":
		return true
	}
	return false
}

// generatedInvoices also returns each invoice's customer, which the generator knows
// by index (customers are only ever appended): looking 100 customers up by id per
// page was a fifth of the fake's time.
func (e *executor) generatedInvoices(b *bizData, fl invoiceFilter, page, size int) (int, func(int) Invoice, func(int) *Customer) {
	g := b.gen
	lo, hi := 0, g.n
	if fl.hasModAfter {
		lo = sort.Search(g.n, func(i int) bool { return g.at(i).ModifiedAt.After(fl.modAfter) })
	}
	if fl.hasModBef {
		hi = sort.Search(g.n, func(i int) bool { return !g.at(i).ModifiedAt.Before(fl.modBefore) })
	}
	total := max(hi-lo, 0)
	off, _ := pageWindow(total, page, size)
	desc := strings.HasSuffix(fl.sort[0], "_DESC")
	index := func(k int) int {
		if desc {
			return hi - 1 - off - k
		}
		return lo + off + k
	}
	return total, func(k int) Invoice { return g.at(index(k)) },
		func(k int) *Customer { return &b.customers[g.customerIndex(index(k))] }
}

// matchInvoices filters and sorts every invoice; fine for seeded data, and for a
// generated business only under unusual arguments.
func (e *executor) matchInvoices(b *bizData, fl invoiceFilter, page, size int) (int, func(int) Invoice) {
	var list []Invoice
	for i, n := 0, b.invoiceCount(); i < n; i++ {
		inv := b.invoiceAt(i)
		if fl.status != "" && inv.Status != fl.status || fl.customerID != "" && inv.CustomerID != fl.customerID ||
			fl.currency != "" && inv.Currency != fl.currency || fl.number != "" && inv.Number != fl.number ||
			!fl.dateStart.IsZero() && inv.InvoiceDate.Before(fl.dateStart) || !fl.dateEnd.IsZero() && inv.InvoiceDate.After(fl.dateEnd) ||
			fl.hasModAfter && !inv.ModifiedAt.After(fl.modAfter) || fl.hasModBef && !inv.ModifiedAt.Before(fl.modBefore) {
			continue
		}
		list = append(list, inv)
	}
	slices.SortStableFunc(list, func(a, c Invoice) int {
		for _, key := range fl.sort {
			desc := strings.HasSuffix(key, "_DESC")
			var r int
			switch strings.TrimSuffix(strings.TrimSuffix(key, "_ASC"), "_DESC") {
			case "AMOUNT_DUE":
				r = cmp.Compare(a.AmountDue(), c.AmountDue())
			case "AMOUNT_PAID":
				r = cmp.Compare(a.AmountPaid, c.AmountPaid)
			case "CREATED_AT":
				r = a.CreatedAt.Compare(c.CreatedAt)
			case "CUSTOMER_NAME":
				ca, _ := b.customer(a.CustomerID)
				cc, _ := b.customer(c.CustomerID)
				r = strings.Compare(strings.ToLower(ca.Name), strings.ToLower(cc.Name))
			case "DUE_AT":
				r = a.DueDate.Compare(c.DueDate)
			case "INVOICE_DATE":
				r = a.InvoiceDate.Compare(c.InvoiceDate)
			case "INVOICE_NUMBER":
				r = cmp.Or(cmp.Compare(len(a.Number), len(c.Number)), strings.Compare(a.Number, c.Number))
			case "MODIFIED_AT":
				r = a.ModifiedAt.Compare(c.ModifiedAt)
			case "STATUS":
				r = strings.Compare(a.Status, c.Status)
			case "TOTAL":
				r = cmp.Compare(a.Total, c.Total)
			}
			if desc {
				r = -r
			}
			if r != 0 {
				return r
			}
		}
		return 0
	})
	off, _ := pageWindow(len(list), page, size)
	return len(list), func(k int) Invoice { return list[off+k] }
}

// invoice resolves inv; c is its customer, or nil to look it up.
func (e *executor) invoice(b *bizData, inv *Invoice, c *Customer, sub ast.SelectionSet) any {
	if msg, broken := e.f.broken[inv.ID]; broken && e.selectsAny(sub, "Invoice", "total", "amountDue", "amountPaid", "taxTotal") {
		// Invoice.total is non-null, so its error nulls the whole invoice.
		e.fieldError(nil, []string{"total"}, "INTERNAL_SERVER_ERROR", msg)
		e.nullNode = true
		return nil
	}
	return e.object(sub, "Invoice", func(fg *fieldGroup) any {
		switch fg.field.Name {
		case "id":
			return inv.ID
		case "createdAt":
			return e.dateTime(inv.CreatedAt)
		case "modifiedAt":
			return e.dateTime(inv.ModifiedAt)
		case "pdfUrl":
			return "https://api.waveapps.example/invoices/" + inv.Number + "/pdf"
		case "viewUrl":
			return "https://next.waveapps.example/invoices/" + inv.Number
		case "status":
			return inv.Status
		case "title":
			return optStr(inv.Title)
		case "invoiceNumber":
			return inv.Number
		case "invoiceDate":
			return date(inv.InvoiceDate)
		case "dueDate":
			return date(inv.DueDate)
		case "currency":
			return e.currency(fg.sub, inv.Currency)
		case "exchangeRate":
			rate := inv.ExchangeRate
			if rate == "" {
				rate = "1.0"
			}
			return e.decimal(rate)
		case "amountDue":
			return e.money(fg.sub, inv.AmountDue(), inv.Currency)
		case "amountPaid":
			return e.money(fg.sub, inv.AmountPaid, inv.Currency)
		case "taxTotal":
			return e.money(fg.sub, inv.TaxTotal, inv.Currency)
		case "total":
			return e.money(fg.sub, inv.Total, inv.Currency)
		case "lastSentAt":
			return e.dateTime(inv.LastSentAt)
		case "lastSentVia":
			return optStr(inv.LastSentVia)
		case "lastViewedAt":
			return e.dateTime(inv.LastViewedAt)
		case "customer":
			if c == nil {
				found, ok := b.customer(inv.CustomerID)
				if !ok {
					found = Customer{ID: inv.CustomerID, Name: "Unknown customer"}
				}
				c = &found
			}
			return e.customer(b, c, fg.sub)
		case "business":
			return e.business(b, fg.sub)
		}
		return nil // subhead, poNumber, memo, footer: never set in the fake
	})
}

// selectsAny reports whether the selection asks for any of the fields.
func (e *executor) selectsAny(sub ast.SelectionSet, typ string, fields ...string) bool {
	for _, g := range e.collect(sub, typ) {
		if slices.Contains(fields, g.field.Name) {
			return true
		}
	}
	return false
}

func (e *executor) customers(b *bizData, fg *fieldGroup) any {
	if !e.scope("customer", fg) {
		return nil
	}
	args, page, size, ok := e.pageArgs(fg)
	if !ok {
		return nil
	}
	email := argString(args, "email")
	after, hasAfter, ok1 := argTime(args, "modifiedAtAfter")
	before, hasBefore, ok2 := argTime(args, "modifiedAtBefore")
	if !ok1 || !ok2 {
		return e.fail(fg, "BAD_USER_INPUT", "modifiedAtAfter and modifiedAtBefore must be DateTimes.")
	}
	var list []*Customer
	for i := range b.customers {
		c := &b.customers[i]
		if email != "" && !strings.EqualFold(c.Email, email) || hasAfter && !c.ModifiedAt.After(after) || hasBefore && !c.ModifiedAt.Before(before) {
			continue
		}
		list = append(list, c)
	}
	keys := argStrings(args, "sort")
	if len(keys) == 0 {
		keys = []string{"NAME_ASC"}
	}
	slices.SortStableFunc(list, func(a, c *Customer) int {
		for _, key := range keys {
			var r int
			switch strings.TrimSuffix(strings.TrimSuffix(key, "_ASC"), "_DESC") {
			case "NAME":
				r = strings.Compare(strings.ToLower(a.Name), strings.ToLower(c.Name))
			case "CREATED_AT":
				r = a.CreatedAt.Compare(c.CreatedAt)
			case "MODIFIED_AT":
				r = a.ModifiedAt.Compare(c.ModifiedAt)
			}
			if strings.HasSuffix(key, "_DESC") {
				r = -r
			}
			if r != 0 {
				return r
			}
		}
		return 0
	})
	off, n := pageWindow(len(list), page, size)
	return e.connection(fg.sub, "Customer", len(list), page, size, n, func(k int, sub ast.SelectionSet) any {
		return e.customer(b, list[off+k], sub)
	})
}

func (e *executor) customer(b *bizData, c *Customer, sub ast.SelectionSet) any {
	cur := c.Currency
	if cur == "" {
		cur = b.Currency
	}
	return e.object(sub, "Customer", func(fg *fieldGroup) any {
		switch fg.field.Name {
		case "id":
			return c.ID
		case "name":
			return c.Name
		case "firstName":
			return optStr(c.FirstName)
		case "lastName":
			return optStr(c.LastName)
		case "email":
			return optStr(c.Email)
		case "currency":
			if c.Currency == "" {
				return nil
			}
			return e.currency(fg.sub, c.Currency)
		case "isArchived":
			return c.IsArchived
		case "createdAt":
			return e.dateTime(c.CreatedAt)
		case "modifiedAt":
			return e.dateTime(c.ModifiedAt)
		case "outstandingAmount", "overdueAmount":
			var amount int64
			if r := b.receivables(e.today)[c.ID]; r != nil {
				amount = r.Outstanding
				if fg.field.Name == "overdueAmount" {
					amount = r.Overdue
				}
			}
			return e.money(fg.sub, amount, cur)
		case "business":
			return e.business(b, fg.sub)
		}
		return nil // displayId: never set in the fake
	})
}
