package wave

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"finhealth"
)

// The query documents, from wave-api.md section 3.15. Every field is one a public
// source shows Wave serving, and wavetest validates each against its SDL.
const (
	pageInfoFields = `pageInfo { currentPage totalPages totalCount }`

	businessFields = `id name isPersonal isArchived isClassicAccounting isClassicInvoicing
        organizationalType timezone currency { code symbol exponent }
        type { name value } subtype { name value } createdAt modifiedAt`

	queryUser = `query CurrentUser {
  user { id defaultEmail firstName lastName createdAt modifiedAt }
}`

	queryBusinesses = `query ListBusinesses($page: Int!, $pageSize: Int!) {
  businesses(page: $page, pageSize: $pageSize) {
    ` + pageInfoFields + `
    edges { node { ` + businessFields + ` } }
  }
}`

	queryBusiness = `query GetBusiness($businessId: ID!) {
  business(id: $businessId) { ` + businessFields + ` }
}`

	queryAccountSubtypes = `query ListAccountSubtypes {
  accountSubtypes { name value description type { name value normalBalanceType } }
}`

	queryAccounts = `query ListAccounts($businessId: ID!, $page: Int!, $pageSize: Int!, $isArchived: Boolean) {
  business(id: $businessId) {
    id
    currency { code symbol exponent }
    accounts(page: $page, pageSize: $pageSize, isArchived: $isArchived) {
      ` + pageInfoFields + `
      edges {
        node {
          id name description displayId
          currency { code symbol exponent }
          type { name value normalBalanceType }
          subtype { name value }
          normalBalanceType isArchived sequence
          balance balanceInBusinessCurrency
        }
      }
    }
  }
}`

	// Money is read from value, the decimal text, never raw: raw is a GraphQL Int
	// (32 bits), deprecated in Wave's schema because it overflows, and one invoice of
	// 21,474,836.48 or more makes Wave answer that field with an error.
	invoiceNodeFields = `id invoiceNumber status title invoiceDate dueDate
          createdAt modifiedAt lastSentAt lastSentVia lastViewedAt
          currency { code symbol exponent } exchangeRate
          customer { id name }
          total { value currency { code } }
          amountDue { value } amountPaid { value } taxTotal { value }`

	// queryInvoices is the full read. It has no modifiedAtAfter at all, rather than
	// passing null, because one integrator suspects an explicit null filters
	// everything out (wave-api.md section 3.15 d).
	queryInvoices = `query ListInvoices($businessId: ID!, $page: Int!, $pageSize: Int!, $sort: [InvoiceSort!]!) {
  business(id: $businessId) {
    id isClassicInvoicing currency { code symbol exponent }
    invoices(page: $page, pageSize: $pageSize, sort: $sort) {
      ` + pageInfoFields + `
      edges { node { ` + invoiceNodeFields + ` } }
    }
  }
}`

	queryInvoicesModifiedAfter = `query ListInvoicesModifiedAfter($businessId: ID!, $page: Int!, $pageSize: Int!, $sort: [InvoiceSort!]!, $modifiedAtAfter: DateTime) {
  business(id: $businessId) {
    id isClassicInvoicing currency { code symbol exponent }
    invoices(page: $page, pageSize: $pageSize, sort: $sort, modifiedAtAfter: $modifiedAtAfter) {
      ` + pageInfoFields + `
      edges { node { ` + invoiceNodeFields + ` } }
    }
  }
}`

	// The invoice id queries name the invoices of a page that Wave nulled (a field
	// error on one of their amounts), so that an owner is told which ones were not
	// read: they select nothing that can fail.
	queryInvoiceIDs = `query ListInvoiceIDs($businessId: ID!, $page: Int!, $pageSize: Int!, $sort: [InvoiceSort!]!) {
  business(id: $businessId) {
    id
    invoices(page: $page, pageSize: $pageSize, sort: $sort) { edges { node { id invoiceNumber } } }
  }
}`

	queryInvoiceIDsModifiedAfter = `query ListInvoiceIDsModifiedAfter($businessId: ID!, $page: Int!, $pageSize: Int!, $sort: [InvoiceSort!]!, $modifiedAtAfter: DateTime) {
  business(id: $businessId) {
    id
    invoices(page: $page, pageSize: $pageSize, sort: $sort, modifiedAtAfter: $modifiedAtAfter) { edges { node { id invoiceNumber } } }
  }
}`

	queryCustomers = `query ListCustomers($businessId: ID!, $page: Int!, $pageSize: Int!, $sort: [CustomerSort!]!) {
  business(id: $businessId) {
    id currency { code symbol exponent }
    customers(page: $page, pageSize: $pageSize, sort: $sort) {
      ` + pageInfoFields + `
      edges {
        node {
          id name email isArchived createdAt modifiedAt
          currency { code symbol exponent }
          outstandingAmount { value currency { code exponent } }
          overdueAmount { value currency { code exponent } }
        }
      }
    }
  }
}`
)

// QueryDocuments returns every GraphQL document this package sends, by operation
// name, so that a test can validate them against a schema.
func QueryDocuments() map[string]string {
	return map[string]string{
		"CurrentUser":                 queryUser,
		"ListBusinesses":              queryBusinesses,
		"GetBusiness":                 queryBusiness,
		"ListAccountSubtypes":         queryAccountSubtypes,
		"ListAccounts":                queryAccounts,
		"ListInvoices":                queryInvoices,
		"ListInvoicesModifiedAfter":   queryInvoicesModifiedAfter,
		"ListInvoiceIDs":              queryInvoiceIDs,
		"ListInvoiceIDsModifiedAfter": queryInvoiceIDsModifiedAfter,
		"ListCustomers":               queryCustomers,
	}
}

type wirePageInfo struct {
	CurrentPage int `json:"currentPage"`
	TotalPages  int `json:"totalPages"`
	TotalCount  int `json:"totalCount"`
	// countKnown is false when Wave left totalCount out or null (the schema allows
	// it): a walk then cannot compare what it read with the count.
	countKnown bool
}

// UnmarshalJSON sets countKnown when totalCount is present and not null.
func (p *wirePageInfo) UnmarshalJSON(b []byte) error {
	var w struct {
		CurrentPage int  `json:"currentPage"`
		TotalPages  int  `json:"totalPages"`
		TotalCount  *int `json:"totalCount"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*p = wirePageInfo{CurrentPage: w.CurrentPage, TotalPages: w.TotalPages}
	if w.TotalCount != nil {
		p.TotalCount, p.countKnown = *w.TotalCount, true
	}
	return nil
}

type wireConnection[N any] struct {
	PageInfo wirePageInfo  `json:"pageInfo"`
	Edges    []wireEdge[N] `json:"edges"`
}

type wireEdge[N any] struct {
	Node *N `json:"node"`
}

// listPage is the data of ListAccounts, ListInvoices or ListCustomers: the business's
// header and the list named by field.
type listPage[N any] struct {
	field    string
	Business *listBusiness[N] `json:"business"`
}

// listBusiness has a key for each of the three lists; an answer to one of the queries
// holds only the list it asked for, which list returns.
type listBusiness[N any] struct {
	wireBusinessHeader
	Accounts  *wireConnection[N] `json:"accounts"`
	Invoices  *wireConnection[N] `json:"invoices"`
	Customers *wireConnection[N] `json:"customers"`
}

// list is the connection named by field; nil when the business or the list is null
// or missing.
func (p *listPage[N]) list() *wireConnection[N] {
	if p.Business == nil {
		return nil
	}
	switch p.field {
	case "accounts":
		return p.Business.Accounts
	case "invoices":
		return p.Business.Invoices
	case "customers":
		return p.Business.Customers
	}
	return nil
}

type wireNameValue struct {
	Name              string `json:"name"`
	Value             string `json:"value"`
	NormalBalanceType string `json:"normalBalanceType"`
}

// User returns the Wave user who granted the connection.
func (cn *Conn) User(ctx context.Context) (finhealth.WaveUser, error) {
	var out struct {
		User *struct {
			ID           string `json:"id"`
			DefaultEmail string `json:"defaultEmail"`
			FirstName    string `json:"firstName"`
			LastName     string `json:"lastName"`
			CreatedAt    string `json:"createdAt"`
			ModifiedAt   string `json:"modifiedAt"`
		} `json:"user"`
	}
	if err := cn.query(ctx, "CurrentUser", queryUser, nil, &out); err != nil {
		return finhealth.WaveUser{}, err
	}
	if out.User == nil {
		return finhealth.WaveUser{}, &GraphQLErrors{Operation: "CurrentUser", Errors: []GraphQLError{{Code: codeNotFound, Message: "no user in the response", Path: "user"}}}
	}
	u := finhealth.WaveUser{WaveID: out.User.ID, Email: out.User.DefaultEmail, FirstName: out.User.FirstName, LastName: out.User.LastName}
	var err1, err2 error
	u.CreatedAt, err1 = parseDateTime(out.User.CreatedAt)
	u.ModifiedAt, err2 = parseDateTime(out.User.ModifiedAt)
	if err := errors.Join(err1, err2); err != nil {
		return u, badData("CurrentUser", err)
	}
	return u, nil
}

type wireBusiness struct {
	ID                  string        `json:"id"`
	Name                string        `json:"name"`
	IsPersonal          bool          `json:"isPersonal"`
	IsArchived          bool          `json:"isArchived"`
	IsClassicAccounting bool          `json:"isClassicAccounting"`
	IsClassicInvoicing  bool          `json:"isClassicInvoicing"`
	OrganizationalType  string        `json:"organizationalType"`
	Timezone            string        `json:"timezone"`
	Currency            *wireCurrency `json:"currency"`
	Type                wireNameValue `json:"type"`
	Subtype             wireNameValue `json:"subtype"`
	CreatedAt           string        `json:"createdAt"`
	ModifiedAt          string        `json:"modifiedAt"`
}

func (w *wireBusiness) business() (finhealth.WaveBusiness, error) {
	cur := w.Currency.resolve(currency{})
	b := finhealth.WaveBusiness{
		ID: w.ID, Name: w.Name, Currency: cur.code, CurrencyExponent: cur.exponent,
		IsPersonal: w.IsPersonal, IsArchived: w.IsArchived,
		IsClassicAccounting: w.IsClassicAccounting, IsClassicInvoicing: w.IsClassicInvoicing,
		OrganizationalType: w.OrganizationalType, Timezone: w.Timezone,
		Type: w.Type.Value, TypeName: w.Type.Name, Subtype: w.Subtype.Value, SubtypeName: w.Subtype.Name,
	}
	var err1, err2 error
	b.CreatedAt, err1 = parseDateTime(w.CreatedAt)
	b.ModifiedAt, err2 = parseDateTime(w.ModifiedAt)
	return b, errors.Join(err1, err2)
}

// Businesses returns every business the grant reaches, personal and classic ones
// included: the owner chooses, and WaveBusiness.Limitations says what each can offer.
func (cn *Conn) Businesses(ctx context.Context) ([]finhealth.WaveBusiness, error) {
	var all []finhealth.WaveBusiness
	// The owner picks from this list; a walk that is not provably whole still shows
	// every business it found, so its completeness is not checked.
	w := newWalk("businesses", cn.c.cfg.PageSize, 1)
	err := eachPage(ctx, w, func(ctx context.Context, page int) (wirePageInfo, int, bool, error) {
		var out struct {
			Businesses *wireConnection[wireBusiness] `json:"businesses"`
		}
		vars := map[string]any{"page": page, "pageSize": cn.c.cfg.PageSize}
		if err := cn.query(ctx, "ListBusinesses", queryBusinesses, vars, &out); err != nil {
			return wirePageInfo{}, 0, false, err
		}
		if out.Businesses == nil {
			return wirePageInfo{}, 0, false, badData("ListBusinesses", errors.New("businesses is null"))
		}
		for _, e := range out.Businesses.Edges {
			if e.Node == nil {
				continue
			}
			b, err := e.Node.business()
			if err != nil {
				return wirePageInfo{}, 0, false, badData("ListBusinesses", err)
			}
			all = append(all, b)
		}
		return out.Businesses.PageInfo, len(out.Businesses.Edges), false, nil
	})
	return dedupe(all, func(b finhealth.WaveBusiness) string { return b.ID }), err
}

// Business returns one business; an id the grant does not reach is ErrNotFound.
func (cn *Conn) Business(ctx context.Context, businessID string) (finhealth.WaveBusiness, error) {
	var out struct {
		Business *wireBusiness `json:"business"`
	}
	if err := cn.query(ctx, "GetBusiness", queryBusiness, map[string]any{"businessId": businessID}, &out); err != nil {
		return finhealth.WaveBusiness{}, err
	}
	if out.Business == nil {
		return finhealth.WaveBusiness{}, notFound("GetBusiness", businessID)
	}
	b, err := out.Business.business()
	if err != nil {
		return b, badData("GetBusiness", err)
	}
	return b, nil
}

// AccountSubtypes returns Wave's subtype reference list: which type each subtype
// belongs to. The account mapping takes it from here at run time rather than from a
// hard-coded table, because Wave documents none.
func (cn *Conn) AccountSubtypes(ctx context.Context) ([]finhealth.AccountSubtype, error) {
	var out struct {
		AccountSubtypes []struct {
			Name        string        `json:"name"`
			Value       string        `json:"value"`
			Description string        `json:"description"`
			Type        wireNameValue `json:"type"`
		} `json:"accountSubtypes"`
	}
	if err := cn.query(ctx, "ListAccountSubtypes", queryAccountSubtypes, nil, &out); err != nil {
		return nil, err
	}
	subs := make([]finhealth.AccountSubtype, 0, len(out.AccountSubtypes))
	for _, s := range out.AccountSubtypes {
		subs = append(subs, finhealth.AccountSubtype{
			Value:         finhealth.AccountSubtypeValue(s.Value),
			Name:          s.Name,
			Type:          finhealth.AccountType(s.Type.Value),
			NormalBalance: finhealth.NormalBalance(s.Type.NormalBalanceType),
			Description:   s.Description,
		})
	}
	return subs, nil
}

// AccountQuery selects accounts.
type AccountQuery struct {
	// ExcludeArchived leaves archived accounts out. By default they are included, so
	// that a sync can record that an account it knew has been archived.
	ExcludeArchived bool
	// PageSize overrides the client's page size (at most MaxPageSize).
	PageSize int
	// FromPage, when above 1, starts the walk at that page: the pages before it were
	// read by an attempt that was interrupted (a resumed sync). Such a walk cannot
	// prove it saw every record, so it ends with *finhealth.IncompleteReadError.
	FromPage int
}

type wireAccount struct {
	ID                        string        `json:"id"`
	Name                      string        `json:"name"`
	Description               string        `json:"description"`
	DisplayID                 string        `json:"displayId"`
	Currency                  *wireCurrency `json:"currency"`
	Type                      wireNameValue `json:"type"`
	Subtype                   wireNameValue `json:"subtype"`
	NormalBalanceType         string        `json:"normalBalanceType"`
	IsArchived                bool          `json:"isArchived"`
	Sequence                  int64         `json:"sequence"`
	Balance                   decimalText   `json:"balance"`
	BalanceInBusinessCurrency decimalText   `json:"balanceInBusinessCurrency"`
}

type wireBusinessHeader struct {
	ID                 string        `json:"id"`
	IsClassicInvoicing bool          `json:"isClassicInvoicing"`
	Currency           *wireCurrency `json:"currency"`
}

// EachAccountPage calls fn with each page of the business's chart of accounts, with
// balances in the business's home currency. fn owns the slice.
func (cn *Conn) EachAccountPage(ctx context.Context, businessID string, q AccountQuery, fn func([]finhealth.LedgerAccount) error) error {
	size, err := cn.pageSize(q.PageSize)
	if err != nil {
		return err
	}
	w := newWalk("accounts", size, q.FromPage)
	err = eachPage(ctx, w, func(ctx context.Context, page int) (wirePageInfo, int, bool, error) {
		out := listPage[wireAccount]{field: "accounts"}
		vars := map[string]any{"businessId": businessID, "page": page, "pageSize": size}
		if q.ExcludeArchived {
			// Left out rather than sent as null when archived accounts are wanted: an
			// omitted variable is an omitted argument, which means "no filter".
			vars["isArchived"] = false
		}
		failed, err := listQuery(ctx, cn, "ListAccounts", queryAccounts, vars, &out, businessID)
		if err != nil {
			return wirePageInfo{}, 0, false, err
		}
		home, list := out.Business.Currency.resolve(currency{}), out.list()
		err = deliverPage(w, list, failed,
			func(a *wireAccount) string { return a.ID },
			func(a *wireAccount) string { return fmt.Sprintf("Account %q (%s)", a.Name, a.ID) },
			func(a *wireAccount) (finhealth.LedgerAccount, error) { return a.account(businessID, home) },
			nil, fn)
		return list.PageInfo, len(list.Edges), false, err
	})
	if err != nil {
		return err
	}
	return w.result()
}

// listQuery runs one page of a list under business(id:) and checks the answer's
// shape. Errors about single records of the list (itemErrors) do not fail the page:
// they are returned as failed, for deliverPage to skip those records.
func listQuery[N any](ctx context.Context, cn *Conn, op, doc string, vars map[string]any, out *listPage[N], businessID string) (failed map[int]string, err error) {
	err = cn.query(ctx, op, doc, vars, out)
	if f, ok := itemErrors(err, out.field); ok && out.list() != nil {
		cn.c.log.WarnContext(ctx, "wave could not serve some records of a page", "op", op, "records", len(f))
		failed, err = f, nil
	}
	if err != nil {
		return nil, err
	}
	if out.Business == nil {
		return nil, notFound(op, businessID)
	}
	if out.list() == nil {
		return nil, badData(op, fmt.Errorf("%s is null", out.field))
	}
	return failed, nil
}

func (w *wireAccount) account(businessID string, home currency) (finhealth.LedgerAccount, error) {
	own := w.Currency.resolve(home)
	a := finhealth.LedgerAccount{
		WaveID: w.ID, BusinessWaveID: businessID, Name: w.Name, Description: w.Description, DisplayID: w.DisplayID,
		Type: finhealth.AccountType(w.Type.Value), Subtype: finhealth.AccountSubtypeValue(w.Subtype.Value),
		SubtypeName: w.Subtype.Name, NormalBalance: finhealth.NormalBalance(w.NormalBalanceType),
		Currency: own.code, IsArchived: w.IsArchived, Sequence: w.Sequence,
	}
	if a.NormalBalance == "" {
		a.NormalBalance = finhealth.NormalBalance(w.Type.NormalBalanceType)
	}
	var err error
	if a.AccountBalance, err = decimalMoney(w.Balance, own); err != nil {
		return a, fmt.Errorf("account %s balance: %w", w.ID, err)
	}
	if !w.BalanceInBusinessCurrency.set && own == home {
		a.Balance = a.AccountBalance
		return a, nil
	}
	if a.Balance, err = decimalMoney(w.BalanceInBusinessCurrency, home); err != nil {
		return a, fmt.Errorf("account %s balanceInBusinessCurrency: %w", w.ID, err)
	}
	return a, nil
}

// Accounts returns the whole chart of accounts (a few hundred at most).
func (cn *Conn) Accounts(ctx context.Context, businessID string, q AccountQuery) ([]finhealth.LedgerAccount, error) {
	var all []finhealth.LedgerAccount
	err := cn.EachAccountPage(ctx, businessID, q, func(p []finhealth.LedgerAccount) error {
		all = append(all, p...)
		return nil
	})
	return dedupe(all, func(a finhealth.LedgerAccount) string { return a.WaveID }), err
}

// InvoiceQuery selects invoices.
type InvoiceQuery struct {
	// ModifiedAfter, when set, reads only invoices modified strictly after it (the
	// sync's watermark). Wave's modifiedAtAfter filter is used when Wave accepts it;
	// otherwise the client reads newest-first and stops at the watermark.
	ModifiedAfter time.Time
	// PageSize overrides the client's page size (at most MaxPageSize).
	PageSize int
	// FromPage, when above 1, starts the walk at that page: the pages before it were
	// read by an attempt that was interrupted (a resumed sync). Such a walk cannot
	// prove it saw every record, so it ends with *finhealth.IncompleteReadError.
	FromPage int
}

type wireInvoice struct {
	// unread marks an invoice known only by id and number (nameNulledInvoices):
	// Wave could not serve the rest of it.
	unread        bool
	ID            string        `json:"id"`
	InvoiceNumber string        `json:"invoiceNumber"`
	Status        string        `json:"status"`
	Title         string        `json:"title"`
	InvoiceDate   string        `json:"invoiceDate"`
	DueDate       string        `json:"dueDate"`
	CreatedAt     string        `json:"createdAt"`
	ModifiedAt    string        `json:"modifiedAt"`
	LastSentAt    string        `json:"lastSentAt"`
	LastSentVia   string        `json:"lastSentVia"`
	LastViewedAt  string        `json:"lastViewedAt"`
	Currency      *wireCurrency `json:"currency"`
	ExchangeRate  decimalText   `json:"exchangeRate"`
	Customer      struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"customer"`
	Total      wireMoney `json:"total"`
	AmountDue  wireMoney `json:"amountDue"`
	AmountPaid wireMoney `json:"amountPaid"`
	TaxTotal   wireMoney `json:"taxTotal"`
}

func (w *wireInvoice) invoice(businessID string, home currency) (finhealth.Invoice, error) {
	if w.unread {
		return finhealth.Invoice{}, errors.New("no data was returned for it")
	}
	cur := w.Currency.resolve(home)
	inv := finhealth.Invoice{
		WaveID: w.ID, BusinessWaveID: businessID, Number: w.InvoiceNumber, Title: w.Title,
		Status: finhealth.InvoiceStatus(w.Status), Currency: cur.code, LastSentVia: w.LastSentVia,
		CustomerWaveID: w.Customer.ID, CustomerName: w.Customer.Name, ExchangeRate: "1",
	}
	// Written out field by field rather than looped over a table: this runs for every
	// invoice of every sync, and the table would allocate.
	var err error
	fail := func(field string, e error) {
		if e != nil && err == nil {
			err = fmt.Errorf("invoice %s %s: %w", w.ID, field, e)
		}
	}
	if w.ExchangeRate.set {
		_, e := parseDecimal(w.ExchangeRate.text)
		fail("exchangeRate", e)
		inv.ExchangeRate = w.ExchangeRate.text
	}
	var e error
	inv.Total, e = w.Total.money(cur)
	fail("total", e)
	inv.AmountDue, e = w.AmountDue.money(cur)
	fail("amountDue", e)
	inv.AmountPaid, e = w.AmountPaid.money(cur)
	fail("amountPaid", e)
	inv.TaxTotal, e = w.TaxTotal.money(cur)
	fail("taxTotal", e)
	inv.InvoiceDate, e = parseDate(w.InvoiceDate)
	fail("invoiceDate", e)
	inv.DueDate, e = parseDate(w.DueDate)
	fail("dueDate", e)
	inv.CreatedAt, e = parseDateTime(w.CreatedAt)
	fail("createdAt", e)
	inv.ModifiedAt, e = parseDateTime(w.ModifiedAt)
	fail("modifiedAt", e)
	inv.LastSentAt, e = parseDateTime(w.LastSentAt)
	fail("lastSentAt", e)
	inv.LastViewedAt, e = parseDateTime(w.LastViewedAt)
	fail("lastViewedAt", e)
	return inv, err
}

// Invoice sort orders used. Reading oldest-modified first keeps an interrupted sync's
// watermark valid: everything before the last invoice seen has been seen.
const (
	sortModifiedAsc  = "MODIFIED_AT_ASC"
	sortModifiedDesc = "MODIFIED_AT_DESC"
)

// EachInvoicePage calls fn with each page of the business's invoices, so that a
// business with 50,000 invoices is never held in memory at once. fn owns the slice.
// A business on classic invoicing is ErrClassicInvoicing: Wave's API does not expose
// those invoices.
func (cn *Conn) EachInvoicePage(ctx context.Context, businessID string, q InvoiceQuery, fn func([]finhealth.Invoice) error) error {
	size, err := cn.pageSize(q.PageSize)
	if err != nil {
		return err
	}
	after := q.ModifiedAfter
	useFilter := !after.IsZero() && !cn.c.modifiedAtAfterUnsupported.Load()
	reachedWatermark := false

	w := newWalk("invoices", size, q.FromPage)
	err = eachPage(ctx, w, func(ctx context.Context, page int) (wirePageInfo, int, bool, error) {
		if reachedWatermark {
			return wirePageInfo{}, 0, true, nil
		}
		out := listPage[wireInvoice]{field: "invoices"}
		op, doc := "ListInvoices", queryInvoices
		vars := map[string]any{"businessId": businessID, "page": page, "pageSize": size, "sort": []string{sortModifiedAsc}}
		switch {
		case useFilter:
			op, doc = "ListInvoicesModifiedAfter", queryInvoicesModifiedAfter
			vars["modifiedAtAfter"] = after.UTC().Format(time.RFC3339Nano)
		case !after.IsZero():
			vars["sort"] = []string{sortModifiedDesc}
		}
		failed, qerr := listQuery(ctx, cn, op, doc, vars, &out, businessID)
		if out.Business != nil && out.Business.IsClassicInvoicing {
			return wirePageInfo{}, 0, false, &classicInvoicingError{businessID: businessID, cause: qerr}
		}
		if qerr != nil {
			return wirePageInfo{}, 0, false, qerr
		}
		list := out.list()
		if len(failed) > 0 {
			cn.nameNulledInvoices(ctx, op, vars, list)
		}
		home := out.Business.Currency.resolve(currency{})
		err := deliverPage(w, list, failed,
			func(i *wireInvoice) string { return i.ID },
			func(i *wireInvoice) string { return fmt.Sprintf("Invoice %s (%s)", i.InvoiceNumber, i.ID) },
			func(i *wireInvoice) (finhealth.Invoice, error) { return i.invoice(businessID, home) },
			func(inv finhealth.Invoice) bool {
				// Filtering here too costs nothing and keeps the result right if
				// Wave ever ignores the argument.
				if !after.IsZero() && !inv.ModifiedAt.After(after) {
					if !useFilter {
						reachedWatermark = true // newest first: the rest is older still
					}
					return false
				}
				return true
			}, fn)
		return list.PageInfo, len(list.Edges), false, err
	})
	if useFilter && filterUnsupported(err) {
		cn.c.log.WarnContext(ctx, "wave rejected invoices(modifiedAtAfter:); filtering on the client from now on")
		cn.c.modifiedAtAfterUnsupported.Store(true)
		return cn.EachInvoicePage(ctx, businessID, q, fn)
	}
	if err != nil {
		return err
	}
	return w.result()
}

// nameNulledInvoices fills the id and number of the page's invoices that Wave
// nulled, by reading the same page again with nothing but those two fields, so that
// the invoices that could not be read are named. It is best effort: when the page
// cannot be read again, or no longer lines up (the list changed in between), the
// nodes stay null and are reported by position.
func (cn *Conn) nameNulledInvoices(ctx context.Context, op string, vars map[string]any, list *wireConnection[wireInvoice]) {
	idOp, idDoc := "ListInvoiceIDs", queryInvoiceIDs
	if op == "ListInvoicesModifiedAfter" {
		idOp, idDoc = "ListInvoiceIDsModifiedAfter", queryInvoiceIDsModifiedAfter
	}
	ids := listPage[wireInvoice]{field: "invoices"}
	if err := cn.query(ctx, idOp, idDoc, vars, &ids); err != nil || ids.list() == nil || len(ids.list().Edges) != len(list.Edges) {
		cn.c.log.DebugContext(ctx, "wave: could not name the invoices it nulled", "op", idOp, "error", err)
		return
	}
	for i, e := range list.Edges {
		if named := ids.list().Edges[i].Node; e.Node == nil && named != nil && named.ID != "" {
			list.Edges[i].Node = &wireInvoice{ID: named.ID, InvoiceNumber: named.InvoiceNumber, unread: true}
		}
	}
}

// filterUnsupported reports whether Wave rejected the modifiedAtAfter argument itself,
// the one part of the invoice query no official page documents.
func filterUnsupported(err error) bool {
	var ge *GraphQLErrors
	if !errors.As(err, &ge) || !errors.Is(err, ErrQueryInvalid) {
		return false
	}
	for _, e := range ge.Errors {
		if strings.Contains(e.Message, "modifiedAtAfter") {
			return true
		}
	}
	return false
}

// Invoices collects every invoice of the business. Prefer EachInvoicePage for a sync:
// this holds them all in memory.
func (cn *Conn) Invoices(ctx context.Context, businessID string, q InvoiceQuery) ([]finhealth.Invoice, error) {
	var all []finhealth.Invoice
	err := cn.EachInvoicePage(ctx, businessID, q, func(p []finhealth.Invoice) error {
		all = append(all, p...)
		return nil
	})
	return dedupe(all, func(i finhealth.Invoice) string { return i.WaveID }), err
}

// CustomerQuery selects customers. There is deliberately no modified-after filter:
// a customer's outstanding and overdue totals change when an invoice is paid or falls
// due, which need not touch the customer's modifiedAt, so customers are always read
// in full.
type CustomerQuery struct {
	// PageSize overrides the client's page size (at most MaxPageSize).
	PageSize int
	// FromPage, when above 1, starts the walk at that page: the pages before it were
	// read by an attempt that was interrupted (a resumed sync). Such a walk cannot
	// prove it saw every record, so it ends with *finhealth.IncompleteReadError.
	FromPage int
}

type wireCustomer struct {
	ID                string        `json:"id"`
	Name              string        `json:"name"`
	Email             string        `json:"email"`
	IsArchived        bool          `json:"isArchived"`
	CreatedAt         string        `json:"createdAt"`
	ModifiedAt        string        `json:"modifiedAt"`
	Currency          *wireCurrency `json:"currency"`
	OutstandingAmount wireMoney     `json:"outstandingAmount"`
	OverdueAmount     wireMoney     `json:"overdueAmount"`
}

func (w *wireCustomer) customer(businessID string, home currency) (finhealth.Customer, error) {
	cur := w.Currency.resolve(home)
	c := finhealth.Customer{WaveID: w.ID, BusinessWaveID: businessID, Name: w.Name, Email: w.Email, IsArchived: w.IsArchived}
	if w.Currency != nil {
		c.Currency = cur.code
	}
	var err1, err2, err3, err4 error
	c.Outstanding, err1 = w.OutstandingAmount.money(cur)
	c.Overdue, err2 = w.OverdueAmount.money(cur)
	c.CreatedAt, err3 = parseDateTime(w.CreatedAt)
	c.ModifiedAt, err4 = parseDateTime(w.ModifiedAt)
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		return c, fmt.Errorf("customer %s: %w", w.ID, err)
	}
	return c, nil
}

// EachCustomerPage calls fn with each page of the business's customers and what each
// owes. Pages are read oldest-created first, so that customers added during the walk
// land on later pages instead of shifting earlier ones. fn owns the slice.
func (cn *Conn) EachCustomerPage(ctx context.Context, businessID string, q CustomerQuery, fn func([]finhealth.Customer) error) error {
	size, err := cn.pageSize(q.PageSize)
	if err != nil {
		return err
	}
	w := newWalk("customers", size, q.FromPage)
	err = eachPage(ctx, w, func(ctx context.Context, page int) (wirePageInfo, int, bool, error) {
		out := listPage[wireCustomer]{field: "customers"}
		vars := map[string]any{"businessId": businessID, "page": page, "pageSize": size, "sort": []string{"CREATED_AT_ASC"}}
		failed, err := listQuery(ctx, cn, "ListCustomers", queryCustomers, vars, &out, businessID)
		if err != nil {
			return wirePageInfo{}, 0, false, err
		}
		home, list := out.Business.Currency.resolve(currency{}), out.list()
		err = deliverPage(w, list, failed,
			func(c *wireCustomer) string { return c.ID },
			func(c *wireCustomer) string { return fmt.Sprintf("Customer %q (%s)", c.Name, c.ID) },
			func(c *wireCustomer) (finhealth.Customer, error) { return c.customer(businessID, home) },
			nil, fn)
		return list.PageInfo, len(list.Edges), false, err
	})
	if err != nil {
		return err
	}
	return w.result()
}

// Customers collects every customer of the business.
func (cn *Conn) Customers(ctx context.Context, businessID string, q CustomerQuery) ([]finhealth.Customer, error) {
	var all []finhealth.Customer
	err := cn.EachCustomerPage(ctx, businessID, q, func(p []finhealth.Customer) error {
		all = append(all, p...)
		return nil
	})
	return dedupe(all, func(c finhealth.Customer) string { return c.WaveID }), err
}

func (cn *Conn) pageSize(override int) (int, error) {
	switch {
	case override == 0:
		return cn.c.cfg.PageSize, nil
	case override < 1 || override > MaxPageSize:
		return 0, fmt.Errorf("wave: page size %d is outside 1..%d", override, MaxPageSize)
	}
	return override, nil
}

// maxPages stops a walk over a server that keeps announcing more pages: at 100 items
// a page it allows ten million, far beyond any small business.
const maxPages = 100_000

// dedupe keeps the last copy of each id: offset paging can return an item twice when
// the data shifts between pages, and the later copy is the fresher one.
func dedupe[T any](items []T, id func(T) string) []T {
	seen := make(map[string]int, len(items))
	out := items[:0]
	for _, it := range items {
		k := id(it)
		if i, ok := seen[k]; ok {
			out[i] = it
			continue
		}
		seen[k] = len(out)
		out = append(out, it)
	}
	return out
}

func notFound(op, id string) error {
	return &GraphQLErrors{Operation: op, Errors: []GraphQLError{{Code: codeNotFound, Message: fmt.Sprintf("Business '%s' could not be found.", id), Path: "business"}}}
}

func badData(op string, err error) error {
	return &HTTPError{Op: "graphql " + op, Status: 200, Err: fmt.Errorf("%w: %v", ErrBadResponse, err)}
}
