package wavetest

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The fake's records. They are Wave's data as Wave would hold it, not finhealth's
// types: tests compare what the client returns against them. Amounts are int64 minor
// units of the record's currency.

// User is a Wave user who can approve grants.
type User struct {
	ID, Email, FirstName, LastName string
	CreatedAt, ModifiedAt          time.Time
}

// Business is a Wave business owned by UserID.
type Business struct {
	ID, Name, Currency                                  string
	IsPersonal, IsClassicInvoicing, IsClassicAccounting bool
	IsArchived                                          bool
	OrganizationalType, Timezone                        string
	TypeName, TypeValue, SubtypeName, SubtypeValue      string
	CreatedAt, ModifiedAt                               time.Time
	UserID                                              string
}

// Account is one account of a chart of accounts. Balance is in the account's
// Currency, BalanceInBusinessCurrency in the business's.
type Account struct {
	ID, Name, Description, DisplayID, Currency string
	Type, Subtype, NormalBalance               string
	IsArchived                                 bool
	Sequence                                   int
	Balance, BalanceInBusinessCurrency         int64
}

// Customer is one customer. Its outstanding and overdue amounts are not stored: they
// are computed from its invoices against the fake's clock, as Wave does.
type Customer struct {
	ID, Name, FirstName, LastName, Email, Currency string
	IsArchived                                     bool
	CreatedAt, ModifiedAt                          time.Time
}

// Invoice is one invoice; amounts are in its Currency.
type Invoice struct {
	ID, Number, CustomerID, Status, Title, Currency string
	ExchangeRate                                    string // decimal text; "" means 1
	Total, AmountPaid, TaxTotal                     int64
	InvoiceDate, DueDate                            time.Time // midnight UTC
	CreatedAt, ModifiedAt                           time.Time
	LastSentAt, LastViewedAt                        time.Time
	LastSentVia                                     string
}

// AmountDue is what is left to pay (never negative: an overpaid invoice owes nothing).
func (inv Invoice) AmountDue() int64 { return max(inv.Total-inv.AmountPaid, 0) }

// IsReceivable reports whether an invoice in this status counts towards a customer's
// outstanding amount: issued and not settled (wave-api.md section 3.9).
func IsReceivable(status string) bool {
	switch status {
	case "UNPAID", "SENT", "VIEWED", "PARTIAL", "OVERDUE":
		return true
	}
	return false
}

// Receivables is what a customer owes, in its currency.
type Receivables struct {
	Currency             string
	Outstanding, Overdue int64
}

// Seed names the records New seeds (wave-api.md section 6.3).
type Seed struct {
	UserID             string
	PersonalBusinessID string // isPersonal
	AcmeBusinessID     string // USD, 120 invoices covering every status
	LegacyBusinessID   string // isClassicInvoicing
}

type currencyInfo struct {
	Code, Symbol, Name, Plural string
	Exponent                   int
}

var currencies = map[string]currencyInfo{
	"USD": {"USD", "$", "United States Dollar", "United States Dollars", 2},
	"CAD": {"CAD", "$", "Canadian Dollar", "Canadian Dollars", 2},
	"EUR": {"EUR", "€", "Euro", "Euros", 2},
	"GBP": {"GBP", "£", "Pound Sterling", "Pounds Sterling", 2},
	"AUD": {"AUD", "$", "Australian Dollar", "Australian Dollars", 2},
	"JPY": {"JPY", "¥", "Japanese Yen", "Japanese Yen", 0},
	"KWD": {"KWD", "KD", "Kuwaiti Dinar", "Kuwaiti Dinars", 3},
	"BHD": {"BHD", "BD", "Bahraini Dinar", "Bahraini Dinars", 3},
}

func currencyOf(code string) currencyInfo {
	if c, ok := currencies[code]; ok {
		return c
	}
	return currencyInfo{code, code, code, code, 2}
}

// accountTypes is Wave's AccountTypeValue list with each type's normal balance.
var accountTypes = []struct{ Value, Name, Normal string }{
	{"ASSET", "Assets", "DEBIT"},
	{"LIABILITY", "Liabilities & Credit Cards", "CREDIT"},
	{"EQUITY", "Equity", "CREDIT"},
	{"INCOME", "Income", "CREDIT"},
	{"EXPENSE", "Expenses", "DEBIT"},
}

func accountTypeName(value string) (name, normal string) {
	for _, t := range accountTypes {
		if t.Value == value {
			return t.Name, t.Normal
		}
	}
	return strings.ToLower(value), "DEBIT"
}

// accountSubtypes is the fake's subtype reference list. Wave documents no
// subtype-to-type mapping (wave-api.md section 3.8); this one is plausible, and it is
// served rather than built into the client, which reads it at run time.
var accountSubtypes = []struct{ Value, Name, Type string }{
	{"CASH_AND_BANK", "Cash and Bank", "ASSET"},
	{"MONEY_IN_TRANSIT", "Money in Transit", "ASSET"},
	{"RECEIVABLE", "Receivable", "ASSET"},
	{"RECEIVABLE_INVOICES", "Accounts Receivable", "ASSET"},
	{"RECEIVABLE_OTHER", "Other Receivables", "ASSET"},
	{"INVENTORY", "Inventory", "ASSET"},
	{"OTHER_CURRENT_ASSETS", "Other Short-Term Asset", "ASSET"},
	{"VENDOR_PREPAYMENTS_AND_CREDITS", "Vendor Prepayments and Vendor Credits", "ASSET"},
	{"PROPERTY_PLANT_EQUIPMENT", "Property, Plant, Equipment", "ASSET"},
	{"DEPRECIATION_AND_AMORTIZATION", "Depreciation and Amortization", "ASSET"},
	{"OTHER_LONG_TERM_ASSETS", "Other Long-Term Asset", "ASSET"},
	{"TRANSFERS", "Transfers", "ASSET"},
	{"UNKNOWN_ACCOUNT", "Unknown Account", "ASSET"},
	{"CREDIT_CARD", "Credit Card", "LIABILITY"},
	{"PAYABLE", "Payable", "LIABILITY"},
	{"PAYABLE_BILLS", "Accounts Payable", "LIABILITY"},
	{"PAYABLE_OTHER", "Other Payables", "LIABILITY"},
	{"SALES_TAX", "Sales Taxes", "LIABILITY"},
	{"DUE_FOR_PAYROLL", "Due For Payroll", "LIABILITY"},
	{"DUE_TO_YOU_AND_OTHER_OWNERS", "Due to You and Other Business Owners", "LIABILITY"},
	{"CUSTOMER_PREPAYMENTS_AND_CREDITS", "Customer Prepayments and Customer Credits", "LIABILITY"},
	{"SYSTEM_CUSTOMER_CREDITS", "Customer Credits", "LIABILITY"},
	{"LOANS", "Loan and Line of Credit", "LIABILITY"},
	{"OTHER_CURRENT_LIABILITY", "Other Short-Term Liability", "LIABILITY"},
	{"OTHER_LONG_TERM_LIABILITY", "Other Long-Term Liability", "LIABILITY"},
	{"NON_RETAINED_EARNINGS", "Business Owner Contribution and Drawing", "EQUITY"},
	{"RETAINED_EARNINGS", "Retained Earnings: Profit", "EQUITY"},
	{"INCOME", "Income", "INCOME"},
	{"DISCOUNTS", "Discount", "INCOME"},
	{"OTHER_INCOME", "Other Income", "INCOME"},
	{"GAIN_ON_FOREIGN_EXCHANGE", "Gain On Foreign Exchange", "INCOME"},
	{"UNCATEGORIZED_INCOME", "Uncategorized Income", "INCOME"},
	{"COST_OF_GOODS_SOLD", "Cost of Goods Sold", "EXPENSE"},
	{"EXPENSE", "Operating Expense", "EXPENSE"},
	{"PAYMENT_PROCESSING_FEES", "Payment Processing Fee", "EXPENSE"},
	{"PAYROLL_EXPENSES", "Payroll Expense", "EXPENSE"},
	{"LOSS_ON_FOREIGN_EXCHANGE", "Loss On Foreign Exchange", "EXPENSE"},
	{"UNCATEGORIZED_EXPENSE", "Uncategorized Expense", "EXPENSE"},
}

func subtypeInfo(value string) (name, typ string) {
	for _, s := range accountSubtypes {
		if s.Value == value {
			return s.Name, s.Type
		}
	}
	return strings.ToLower(value), "ASSET"
}

// ContraSign is a sign convention for contra balances (Options.ContraBalances).
type ContraSign string

const (
	// ContraNegative (the default, also "") signs a contra balance against its type:
	// accumulated depreciation of 6,000.00 is -6000.00, with a CREDIT side.
	ContraNegative ContraSign = "negative"
	// ContraPositive gives a contra balance positive on its own side: 6000.00, CREDIT.
	ContraPositive ContraSign = "positive"
)

// signed is a contra balance of size |v| under the convention.
func (c ContraSign) signed(v int64) int64 {
	if v < 0 {
		v = -v
	}
	if c == ContraPositive {
		return v
	}
	return -v
}

func isContraSubtype(subtype string) bool {
	return subtype == "DISCOUNTS" || subtype == "DEPRECIATION_AND_AMORTIZATION"
}

// normalBalanceFor is the side an account of subtype grows on: its type's, except for
// the contra subtypes, which grow opposite to it.
func normalBalanceFor(subtype, typ string) string {
	_, normal := accountTypeName(typ)
	if isContraSubtype(subtype) {
		if normal == "DEBIT" {
			return "CREDIT"
		}
		return "DEBIT"
	}
	return normal
}

// globalID builds a Wave-style opaque id: base64 of "Business:<uuid>;Invoice:<n>".
func globalID(parts ...string) string {
	return base64.StdEncoding.EncodeToString([]byte(strings.Join(parts, ";")))
}

// splitmix64 is a tiny, well-mixed deterministic generator: generated data must be
// the same on every run and computable for any index without generating the others.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func uuidFrom(seed uint64) string {
	a, b := splitmix64(seed), splitmix64(seed+1)
	return fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", uint32(a>>32), uint16(a>>16), uint16(a)&0xfff, uint16(b>>48)&0xfff, b&0xffffffffffff)
}

// bizData is one business and its books. Invoices are either a slice (seeded and
// added data) or a generator (GenerateBusiness), which computes invoice i on demand
// so that 50,000 invoices cost no memory.
type bizData struct {
	Business
	accounts  []Account
	customers []Customer
	custIndex map[string]int
	invoices  []Invoice
	gen       *generator

	arMu    sync.Mutex
	arDay   time.Time
	arValid bool
	ar      map[string]*Receivables
}

func (b *bizData) invoiceCount() int {
	if b.gen != nil {
		return b.gen.n
	}
	return len(b.invoices)
}

func (b *bizData) invoiceAt(i int) Invoice {
	if b.gen != nil {
		return b.gen.at(i)
	}
	return b.invoices[i]
}

func (b *bizData) customer(id string) (Customer, bool) {
	i, ok := b.custIndex[id]
	if !ok {
		return Customer{}, false
	}
	return b.customers[i], true
}

func (b *bizData) invalidate() {
	b.arMu.Lock()
	b.arValid = false
	b.arMu.Unlock()
}

// receivables returns every customer's outstanding and overdue totals as of today,
// summed over its invoices and cached for the day.
func (b *bizData) receivables(today time.Time) map[string]*Receivables {
	b.arMu.Lock()
	defer b.arMu.Unlock()
	if b.arValid && b.arDay.Equal(today) {
		return b.ar
	}
	ar := make(map[string]*Receivables, len(b.customers))
	for _, c := range b.customers {
		cur := c.Currency
		if cur == "" {
			cur = b.Currency
		}
		ar[c.ID] = &Receivables{Currency: cur}
	}
	n := b.invoiceCount()
	for i := 0; i < n; i++ {
		inv := b.invoiceAt(i)
		r := ar[inv.CustomerID]
		if r == nil || !IsReceivable(inv.Status) {
			continue
		}
		due := inv.AmountDue()
		r.Outstanding += due
		if inv.DueDate.Before(today) {
			r.Overdue += due
		}
	}
	b.ar, b.arDay, b.arValid = ar, today, true
	return ar
}

func midnight(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// seed fills the fake with wave-api.md section 6.3's data, dated relative to now so
// that "overdue" means the same thing whenever the tests run.
func (f *Fake) seed(now time.Time) Seed {
	today := midnight(now)
	userID := globalID("User:874e4075-f78a-4d79-88e3-52c51a9b18db")
	f.users[userID] = &User{ID: userID, Email: "ada@acme-bakery.example", FirstName: "Ada", LastName: "Baker",
		CreatedAt: today.AddDate(-3, 0, 0).Add(9 * time.Hour), ModifiedAt: today.AddDate(0, -2, 0).Add(11 * time.Hour)}
	f.approver = userID

	s := Seed{UserID: userID}
	personal := &bizData{Business: Business{
		ID: globalID("Business:0b0a1c3e-5b1f-4c8e-9d9e-2f6a7d1c0001"), Name: "Personal", Currency: "USD", IsPersonal: true,
		Timezone: "America/Toronto", TypeName: "Personal", TypeValue: "PERSONAL",
		CreatedAt: today.AddDate(-3, 0, 0), ModifiedAt: today.AddDate(-1, 0, 0), UserID: userID,
	}}
	personal.accounts = []Account{
		f.newAccount(personal, 1, "Chequing", "CASH_AND_BANK", "USD", 215000, 0),
		f.newAccount(personal, 2, "Visa", "CREDIT_CARD", "USD", 45000, 0),
	}
	s.PersonalBusinessID = personal.ID
	f.addBiz(personal)

	acme := &bizData{Business: Business{
		ID: globalID("Business:71524761-f611-4894-a748-7872f08825b0"), Name: "Acme Bakery", Currency: "USD",
		OrganizationalType: "CORPORATION", Timezone: "America/New_York",
		TypeName: "Food and Beverage", TypeValue: "FOOD_AND_BEVERAGE", SubtypeName: "Bakery", SubtypeValue: "BAKERY",
		CreatedAt: today.AddDate(-2, 0, 0), ModifiedAt: today.AddDate(0, -1, 0), UserID: userID,
	}}
	s.AcmeBusinessID = acme.ID
	f.seedAcme(acme, today)
	f.addBiz(acme)

	legacy := &bizData{Business: Business{
		ID: globalID("Business:4d2c1b0a-9e8f-4a7b-8c6d-5e4f3a2b1c00"), Name: "Legacy Co", Currency: "CAD",
		IsClassicInvoicing: true, IsClassicAccounting: true, OrganizationalType: "SOLE_PROPRIETORSHIP",
		Timezone: "America/Vancouver", TypeName: "Consulting", TypeValue: "CONSULTING",
		CreatedAt: today.AddDate(-9, 0, 0), ModifiedAt: today.AddDate(-2, 0, 0), UserID: userID,
	}}
	legacy.accounts = []Account{
		f.newAccount(legacy, 1, "Business Chequing", "CASH_AND_BANK", "CAD", 1850000, 0),
		f.newAccount(legacy, 2, "Accounts Receivable", "RECEIVABLE_INVOICES", "CAD", 420000, 0),
		f.newAccount(legacy, 3, "Accounts Payable", "PAYABLE_BILLS", "CAD", 130000, 0),
		f.newAccount(legacy, 4, "Consulting Income", "INCOME", "CAD", 9600000, 0),
	}
	legacy.customers = []Customer{{ID: globalID("Business:"+legacy.ID, "Customer:1"), Name: "Old Client Ltd", Currency: "CAD",
		CreatedAt: today.AddDate(-8, 0, 0), ModifiedAt: today.AddDate(-2, 0, 0)}}
	s.LegacyBusinessID = legacy.ID
	f.addBiz(legacy)
	return s
}

func (f *Fake) newAccount(b *bizData, n int, name, subtype, cur string, balance, inBusiness int64) Account {
	_, typ := subtypeInfo(subtype)
	if cur == b.Currency || inBusiness == 0 && cur == "" {
		inBusiness = balance
	}
	return Account{
		ID: globalID("Business:"+b.ID, fmt.Sprintf("Account:%d", 100000+n)), Name: name, DisplayID: fmt.Sprintf("%04d", 1000+n*10),
		Currency: cur, Type: typ, Subtype: subtype, NormalBalance: normalBalanceFor(subtype, typ),
		Sequence: n, Balance: balance, BalanceInBusinessCurrency: inBusiness,
	}
}

// seedAcme gives Acme Bakery a full chart of accounts (one per type, contra accounts,
// an archived account, a KWD bank account) and 120 invoices that cross page
// boundaries at sizes 10, 50 and 100 and cover every status, partial payments,
// overdue dates, a JPY invoice with an exchange rate and distinct modifiedAt values.
func (f *Fake) seedAcme(b *bizData, today time.Time) {
	var customers []Customer
	for i, name := range []string{"Blue Door Cafe", "Corner Grocer", "Delta Catering", "Elm Street Diner", "Fern Hotel",
		"Granary Market", "Harbor Bistro", "Ivy Events", "Juniper School"} {
		customers = append(customers, Customer{
			ID: globalID("Business:"+b.ID, fmt.Sprintf("Customer:%d", 32792113+i)), Name: name, Currency: "USD",
			Email: fmt.Sprintf("accounts@customer%d.example", i+1), FirstName: "Pat", LastName: fmt.Sprintf("Buyer%d", i+1),
			CreatedAt: today.AddDate(-1, 0, i).Add(10 * time.Hour), ModifiedAt: today.AddDate(0, -1, i).Add(10 * time.Hour),
		})
	}
	tokyo := Customer{ID: globalID("Business:"+b.ID, "Customer:32792199"), Name: "Tokyo Trading KK", Currency: "JPY",
		Email: "ap@tokyo-trading.example", CreatedAt: today.AddDate(-1, 1, 0).Add(3 * time.Hour), ModifiedAt: today.AddDate(0, 0, -20)}
	customers = append(customers, tokyo)
	customers = append(customers, Customer{ID: globalID("Business:"+b.ID, "Customer:32792200"), Name: "Closed Account Co",
		Currency: "USD", IsArchived: true, CreatedAt: today.AddDate(-2, 0, 0), ModifiedAt: today.AddDate(-1, 0, 0)})
	b.customers = customers

	// Invoices 0-89 are past due (dated 120 to 31 days ago with 30-day terms) and the
	// last 30 are not, so each status lands where it makes sense.
	pastDue := []string{"PAID", "PAID", "OVERDUE", "PARTIAL", "OVERPAID", "PAID"}
	current := []string{"DRAFT", "SAVED", "UNPAID", "SENT", "VIEWED", "PARTIAL"}
	for i := 0; i < 120; i++ {
		invDate := today.AddDate(0, 0, -(120 - i))
		var status string
		if i < 90 {
			status = pastDue[i%len(pastDue)]
		} else {
			status = current[i%len(current)]
		}
		total := int64(10000 + (i*3791)%90000 + i%100) // $100.00 to $999.99, odd cents
		inv := Invoice{
			ID:          globalID("Business:"+b.ID, fmt.Sprintf("Invoice:%d", 1800000000+i)),
			Number:      fmt.Sprintf("%d", 1001+i),
			CustomerID:  customers[i%9].ID,
			Status:      status,
			Title:       "Invoice",
			Currency:    "USD",
			Total:       total,
			TaxTotal:    total * 13 / 113,
			InvoiceDate: invDate,
			DueDate:     invDate.AddDate(0, 0, 30),
			CreatedAt:   invDate.Add(9*time.Hour + time.Duration(i)*time.Second),
			// Edits come after creation, all at distinct instants and in the past.
			ModifiedAt: invDate.Add(9*time.Hour + 30*time.Minute + time.Duration(i)*time.Minute + 123456*time.Microsecond),
		}
		switch status {
		case "PAID":
			inv.AmountPaid = total
		case "OVERPAID":
			inv.AmountPaid = total + 500
		case "PARTIAL":
			inv.AmountPaid = total / 3
		}
		if status != "DRAFT" && status != "SAVED" {
			inv.LastSentAt = inv.CreatedAt.Add(time.Hour)
			inv.LastSentVia = []string{"WAVE", "MARKED_SENT", "GMAIL"}[i%3]
		}
		if status == "VIEWED" || status == "PAID" || status == "PARTIAL" {
			inv.LastViewedAt = inv.CreatedAt.Add(5 * time.Hour)
		}
		if i == 100 { // the foreign-currency invoice
			inv.Currency, inv.CustomerID, inv.ExchangeRate = "JPY", tokyo.ID, "0.0067"
			inv.Total, inv.TaxTotal, inv.AmountPaid = 150000, 13636, 50000
			inv.Status = "PARTIAL"
		}
		b.invoices = append(b.invoices, inv)
	}
	var receivable int64
	for _, inv := range b.invoices {
		if IsReceivable(inv.Status) && inv.Currency == "USD" {
			receivable += inv.AmountDue()
		}
	}
	type acct struct {
		name, subtype, cur  string
		balance, inBusiness int64
		archived            bool
	}
	for i, a := range []acct{
		{"Operating Account", "CASH_AND_BANK", "USD", 3490000, 0, false},
		{"Savings", "CASH_AND_BANK", "USD", 1200000, 0, false},
		{"Kuwait Dinar Account", "CASH_AND_BANK", "KWD", 1234567, 401234, false},
		{"Stripe Clearing", "MONEY_IN_TRANSIT", "USD", 35000, 0, false},
		{"Accounts Receivable", "RECEIVABLE_INVOICES", "USD", receivable, 0, false},
		{"Inventory - Flour & Supplies", "INVENTORY", "USD", 560000, 0, false},
		{"Prepaid Insurance", "OTHER_CURRENT_ASSETS", "USD", 120000, 0, false},
		{"Ovens & Equipment", "PROPERTY_PLANT_EQUIPMENT", "USD", 2500000, 0, false},
		{"Accumulated Depreciation", "DEPRECIATION_AND_AMORTIZATION", "USD", -600000, 0, false},
		{"Business Visa", "CREDIT_CARD", "USD", 230000, 0, false},
		{"Accounts Payable", "PAYABLE_BILLS", "USD", 410000, 0, false},
		{"Sales Tax Payable", "SALES_TAX", "USD", 90000, 0, false},
		{"Payroll Liabilities", "DUE_FOR_PAYROLL", "USD", 150000, 0, false},
		{"Customer Deposits", "CUSTOMER_PREPAYMENTS_AND_CREDITS", "USD", 30000, 0, false},
		{"Equipment Loan", "LOANS", "USD", 2000000, 0, false},
		{"Owner Investment", "NON_RETAINED_EARNINGS", "USD", 1000000, 0, false},
		{"Retained Earnings", "RETAINED_EARNINGS", "USD", 1500000, 0, false},
		{"Bakery Sales", "INCOME", "USD", 18000000, 0, false},
		{"Sales Discounts", "DISCOUNTS", "USD", -200000, 0, false},
		{"Cost of Goods Sold", "COST_OF_GOODS_SOLD", "USD", 7000000, 0, false},
		{"Rent", "EXPENSE", "USD", 2400000, 0, false},
		{"Wages", "PAYROLL_EXPENSES", "USD", 6000000, 0, false},
		{"Old Chequing (closed)", "CASH_AND_BANK", "USD", 0, 0, true},
	} {
		ac := f.newAccount(b, i+1, a.name, a.subtype, a.cur, a.balance, a.inBusiness)
		ac.IsArchived = a.archived
		b.accounts = append(b.accounts, ac)
	}
}

// generator computes a large business's invoices from (seed, index) alone.
type generator struct {
	seed      uint64
	n         int
	bizID     string
	currency  string
	start     time.Time     // creation instant of invoice 0
	step      time.Duration // between consecutive invoices, so every order is the index order
	asOf      time.Time     // generation day: decides which invoices are already past due
	customers []Customer
}

// invoiceStatuses are the statuses of invoices not yet due, by roll.
var invoiceStatuses = [10]string{"DRAFT", "SAVED", "UNPAID", "SENT", "SENT", "VIEWED", "VIEWED", "PARTIAL", "UNPAID", "PAID"}

// invoiceID is globalID("Business:"+g.bizID, fmt.Sprintf("Invoice:%d", 2000000000+i)),
// with one allocation instead of six: a page of 100 invoices computes 100 of them.
func (g *generator) invoiceID(i int) string {
	var raw, enc [256]byte
	b := append(raw[:0], "Business:"...)
	b = append(b, g.bizID...)
	b = append(b, ";Invoice:"...)
	b = strconv.AppendInt(b, 2000000000+int64(i), 10)
	return string(base64.StdEncoding.AppendEncode(enc[:0], b))
}

func (g *generator) roll(i int) uint64 { return splitmix64(g.seed*0x100000001b3 ^ uint64(i)) }

func (g *generator) customerIndex(i int) int {
	return int((g.roll(i) >> 20) % uint64(len(g.customers)))
}

func (g *generator) at(i int) Invoice {
	r := g.roll(i)
	created := g.start.Add(time.Duration(i) * g.step)
	invDate := midnight(created)
	due := invDate.AddDate(0, 0, 30)
	total := int64(2000 + r%500000) // $20.00 to $5,020.00
	inv := Invoice{
		ID:          g.invoiceID(i),
		Number:      fmt.Sprintf("G%07d", i+1),
		CustomerID:  g.customers[g.customerIndex(i)].ID,
		Title:       "Invoice",
		Currency:    g.currency,
		Total:       total,
		TaxTotal:    total * 13 / 113,
		InvoiceDate: invDate,
		DueDate:     due,
		CreatedAt:   created,
		ModifiedAt:  created.Add(90 * time.Minute),
		LastSentVia: "WAVE",
	}
	roll := (r >> 40) % 100
	if due.Before(g.asOf) {
		switch {
		case roll < 72:
			inv.Status, inv.AmountPaid = "PAID", total
		case roll < 74:
			inv.Status, inv.AmountPaid = "OVERPAID", total+100
		case roll < 86:
			inv.Status, inv.AmountPaid = "PARTIAL", total/2
		default:
			inv.Status = "OVERDUE"
		}
	} else {
		inv.Status = invoiceStatuses[roll%10]
		switch inv.Status {
		case "PARTIAL":
			inv.AmountPaid = total / 4
		case "PAID":
			inv.AmountPaid = total
		}
	}
	if inv.Status != "DRAFT" && inv.Status != "SAVED" {
		inv.LastSentAt = created.Add(time.Hour)
	} else {
		inv.LastSentVia = ""
	}
	return inv
}

// GenerateBusiness adds a deterministic business with the given numbers of invoices,
// customers and accounts to the approving user, and returns its id. Invoices are
// computed on demand from (seed, index), so 50,000 of them cost no memory and a page
// costs only its own items; the same seed gives the same data for the same clock day.
func (f *Fake) GenerateBusiness(seed int64, invoices, customers, accounts int) string {
	f.mu.Lock()
	now := f.now()
	owner := f.approver
	f.mu.Unlock()
	customers = max(customers, 1)
	s := uint64(seed)
	id := globalID("Business:" + uuidFrom(s))
	today := midnight(now)
	b := &bizData{Business: Business{
		ID: id, Name: fmt.Sprintf("Generated Business %d", seed), Currency: "USD", OrganizationalType: "CORPORATION",
		Timezone: "UTC", TypeName: "Retail", TypeValue: "RETAIL", CreatedAt: today.AddDate(-3, 0, 0), ModifiedAt: today.AddDate(0, 0, -1),
		UserID: owner,
	}}
	start := today.AddDate(-2, 0, 0)
	step := time.Duration(0)
	if invoices > 0 {
		step = max(time.Duration(int64(2*365*24*time.Hour)/int64(invoices)), time.Second)
	}
	for k := 0; k < customers; k++ {
		b.customers = append(b.customers, Customer{
			ID: globalID("Business:"+id, fmt.Sprintf("Customer:%d", 50000000+k)), Name: fmt.Sprintf("Customer %05d", k+1),
			Email: fmt.Sprintf("c%05d@generated.example", k+1), Currency: "USD",
			CreatedAt: start.Add(-time.Duration(customers-k) * time.Hour), ModifiedAt: start.Add(time.Duration(k) * time.Minute),
		})
	}
	for k := 0; k < accounts; k++ {
		sub := accountSubtypes[k%len(accountSubtypes)]
		r := splitmix64(s ^ uint64(k)<<32)
		bal := int64(r % 10000000)
		b.accounts = append(b.accounts, f.newAccount(b, k+1, fmt.Sprintf("%s %d", sub.Name, k/len(accountSubtypes)+1), sub.Value, "USD", bal, 0))
	}
	b.gen = &generator{seed: s, n: invoices, bizID: id, currency: "USD", start: start.Add(8 * time.Hour), step: step, asOf: today, customers: b.customers}
	f.mu.Lock()
	f.addBiz(b)
	f.mu.Unlock()
	return id
}

// addBiz registers b; f.mu must be held (or f not yet shared).
func (f *Fake) addBiz(b *bizData) {
	b.custIndex = make(map[string]int, len(b.customers))
	for i, c := range b.customers {
		b.custIndex[c.ID] = i
	}
	if _, ok := f.biz[b.ID]; !ok {
		f.bizOrder = append(f.bizOrder, b.ID)
	}
	f.biz[b.ID] = b
}

// businessesOf returns the businesses of a user in creation order.
func (f *Fake) businessesOf(userID string) []*bizData {
	var out []*bizData
	for _, id := range f.bizOrder {
		if b := f.biz[id]; b.UserID == userID {
			out = append(out, b)
		}
	}
	return out
}
