package finhealth

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
)

// Ledger data is what an accounting connection (Wave today) hands to the warehouse and
// the metrics. The types are finhealth's own rather than Wave's shapes, so that the store,
// the metrics and the UI never change when the provider's schema does, and so that a
// second provider or a file import can fill them too.
//
// Enumerations (statuses, account types and subtypes) are open string types: a value
// the provider adds tomorrow is kept verbatim rather than rejected, because refusing a
// whole sync over one new status would hide every other number from the owner.

// Money is an exact amount: Minor units of Currency (an ISO 4217 code), where one major
// unit is 10^Exponent minor units (USD 2, JPY 0, KWD 3). Money is never a float, so
// sums over thousands of invoices stay exact to the cent.
type Money struct {
	Minor    int64  `json:"minor"`
	Currency string `json:"currency"`
	Exponent int    `json:"exponent"`
}

// IsZero reports whether the amount is zero, whatever its currency.
func (m Money) IsZero() bool { return m.Minor == 0 }

// Decimal renders the amount in major units with exactly Exponent decimals ("1234.50",
// "-0.05", "1200" for JPY), without going through a float.
func (m Money) Decimal() string {
	neg := m.Minor < 0
	var digits string
	if neg {
		// Formatting the magnitude as unsigned keeps math.MinInt64 exact.
		digits = strconv.FormatUint(uint64(-(m.Minor+1))+1, 10)
	} else {
		digits = strconv.FormatInt(m.Minor, 10)
	}
	if m.Exponent > 0 {
		if len(digits) <= m.Exponent {
			digits = strings.Repeat("0", m.Exponent-len(digits)+1) + digits
		}
		cut := len(digits) - m.Exponent
		digits = digits[:cut] + "." + digits[cut:]
	}
	if neg {
		return "-" + digits
	}
	return digits
}

// String is the amount followed by its currency code, e.g. "1234.50 USD".
func (m Money) String() string {
	if m.Currency == "" {
		return m.Decimal()
	}
	return m.Decimal() + " " + m.Currency
}

// Display is the amount as people read it, with thousands separators and the
// currency code, e.g. "12,345.60 USD", exactly (from the minor units, never a float).
func (m Money) Display() string {
	s := m.Decimal()
	var b strings.Builder
	if rest, neg := strings.CutPrefix(s, "-"); neg {
		b.WriteByte('-')
		s = rest
	}
	whole, frac, hasFrac := strings.Cut(s, ".")
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if hasFrac {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	if m.Currency != "" {
		b.WriteByte(' ')
		b.WriteString(m.Currency)
	}
	return b.String()
}

// Add returns m+o. Amounts in different currencies or exponents cannot be added
// without an exchange rate, and an int64 overflow is an error rather than a wrong total.
func (m Money) Add(o Money) (Money, error) {
	if m.Currency != o.Currency || m.Exponent != o.Exponent {
		return Money{}, fmt.Errorf("finhealth: cannot add %s and %s: different currencies", m, o)
	}
	sum := m.Minor + o.Minor
	if (o.Minor > 0 && sum < m.Minor) || (o.Minor < 0 && sum > m.Minor) {
		return Money{}, fmt.Errorf("finhealth: %s + %s overflows", m, o)
	}
	return Money{Minor: sum, Currency: m.Currency, Exponent: m.Exponent}, nil
}

// WaveUser is the Wave user who granted a connection.
type WaveUser struct {
	WaveID    string    `json:"wave_id"`
	Email     string    `json:"email"`
	FirstName string    `json:"first_name"`
	LastName  string    `json:"last_name"`
	CreatedAt time.Time `json:"created_at"`
	// ModifiedAt is zero when the provider did not say.
	ModifiedAt time.Time `json:"modified_at"`
}

// WaveBusiness is one business the connected Wave user can reach. The owner chooses one
// of them for an organization.
type WaveBusiness struct {
	ID                  string    `json:"id"`
	Name                string    `json:"name"`
	Currency            string    `json:"currency"`          // home currency, ISO 4217
	CurrencyExponent    int       `json:"currency_exponent"` // minor-unit digits of Currency
	IsPersonal          bool      `json:"is_personal"`
	IsClassicInvoicing  bool      `json:"is_classic_invoicing"`
	IsClassicAccounting bool      `json:"is_classic_accounting"`
	IsArchived          bool      `json:"is_archived"`
	OrganizationalType  string    `json:"organizational_type,omitempty"` // CORPORATION, PARTNERSHIP, SOLE_PROPRIETORSHIP, or newer
	Type                string    `json:"type,omitempty"`                // Wave's business type value (industry)
	TypeName            string    `json:"type_name,omitempty"`
	Subtype             string    `json:"subtype,omitempty"`
	SubtypeName         string    `json:"subtype_name,omitempty"`
	Timezone            string    `json:"timezone,omitempty"`
	CreatedAt           time.Time `json:"created_at"`
	ModifiedAt          time.Time `json:"modified_at"`
}

// BusinessLimitation is a reason why a business cannot be fully assessed. Code is
// stable for clients to branch on; Reason is a sentence for the owner.
type BusinessLimitation struct {
	Code   string `json:"code"`
	Reason string `json:"reason"`
}

// Business limitation codes.
const (
	LimitationPersonal         = "personal"
	LimitationClassicInvoicing = "classic_invoicing"
	LimitationArchived         = "archived"
)

// Limitations lists why b cannot be fully assessed; none means every metric can be
// computed. The owner may still connect a limited business: the score then rests on
// what is available, and the UI says which parts are missing and why.
func (b WaveBusiness) Limitations() []BusinessLimitation {
	var out []BusinessLimitation
	if b.IsPersonal {
		out = append(out, BusinessLimitation{LimitationPersonal,
			"This is a Wave personal business: Wave keeps only limited books for it, so it is not assessed as a business."})
	}
	if b.IsClassicInvoicing {
		out = append(out, BusinessLimitation{LimitationClassicInvoicing,
			"This business uses Wave's classic invoicing, whose invoices Wave's API does not expose: receivables, overdue share, DSO and invoiced revenue cannot be computed. Balance-sheet ratios still can."})
	}
	if b.IsArchived {
		out = append(out, BusinessLimitation{LimitationArchived,
			"This business is archived in Wave, so its books are no longer kept up to date."})
	}
	return out
}

// FullyAssessable reports whether every ledger metric can be computed for b.
func (b WaveBusiness) FullyAssessable() bool { return len(b.Limitations()) == 0 }

// AccountType is the top-level class of a ledger account.
type AccountType string

// Account types Wave knows today.
const (
	AccountAsset     AccountType = "ASSET"
	AccountLiability AccountType = "LIABILITY"
	AccountEquity    AccountType = "EQUITY"
	AccountIncome    AccountType = "INCOME"
	AccountExpense   AccountType = "EXPENSE"
)

// NormalBalance is the side (DEBIT or CREDIT) on which an account's balance grows.
type NormalBalance string

// Normal balance sides.
const (
	NormalDebit  NormalBalance = "DEBIT"
	NormalCredit NormalBalance = "CREDIT"
)

// AccountSubtypeValue is Wave's finer classification of an account (CASH_AND_BANK,
// RECEIVABLE, LOANS, ...). It drives the default account mapping of the metrics; which
// type each subtype belongs to comes from the provider at run time (AccountSubtype),
// never from this list.
type AccountSubtypeValue string

// Account subtypes Wave knows today (wave-api.md section 3.8).
const (
	SubtypeCashAndBank                   AccountSubtypeValue = "CASH_AND_BANK"
	SubtypeCostOfGoodsSold               AccountSubtypeValue = "COST_OF_GOODS_SOLD"
	SubtypeCreditCard                    AccountSubtypeValue = "CREDIT_CARD"
	SubtypeCustomerPrepaymentsAndCredits AccountSubtypeValue = "CUSTOMER_PREPAYMENTS_AND_CREDITS"
	SubtypeDepreciationAndAmortization   AccountSubtypeValue = "DEPRECIATION_AND_AMORTIZATION"
	SubtypeDiscounts                     AccountSubtypeValue = "DISCOUNTS"
	SubtypeDueForPayroll                 AccountSubtypeValue = "DUE_FOR_PAYROLL"
	SubtypeDueToYouAndOtherOwners        AccountSubtypeValue = "DUE_TO_YOU_AND_OTHER_OWNERS"
	SubtypeExpense                       AccountSubtypeValue = "EXPENSE"
	SubtypeGainOnForeignExchange         AccountSubtypeValue = "GAIN_ON_FOREIGN_EXCHANGE"
	SubtypeIncome                        AccountSubtypeValue = "INCOME"
	SubtypeInventory                     AccountSubtypeValue = "INVENTORY"
	SubtypeLoans                         AccountSubtypeValue = "LOANS"
	SubtypeLossOnForeignExchange         AccountSubtypeValue = "LOSS_ON_FOREIGN_EXCHANGE"
	SubtypeMoneyInTransit                AccountSubtypeValue = "MONEY_IN_TRANSIT"
	SubtypeNonRetainedEarnings           AccountSubtypeValue = "NON_RETAINED_EARNINGS"
	SubtypeOtherCurrentAssets            AccountSubtypeValue = "OTHER_CURRENT_ASSETS"
	SubtypeOtherCurrentLiability         AccountSubtypeValue = "OTHER_CURRENT_LIABILITY"
	SubtypeOtherIncome                   AccountSubtypeValue = "OTHER_INCOME"
	SubtypeOtherLongTermAssets           AccountSubtypeValue = "OTHER_LONG_TERM_ASSETS"
	SubtypeOtherLongTermLiability        AccountSubtypeValue = "OTHER_LONG_TERM_LIABILITY"
	SubtypePayable                       AccountSubtypeValue = "PAYABLE"
	SubtypePayableBills                  AccountSubtypeValue = "PAYABLE_BILLS"
	SubtypePayableOther                  AccountSubtypeValue = "PAYABLE_OTHER"
	SubtypePaymentProcessingFees         AccountSubtypeValue = "PAYMENT_PROCESSING_FEES"
	SubtypePayrollExpenses               AccountSubtypeValue = "PAYROLL_EXPENSES"
	SubtypePropertyPlantEquipment        AccountSubtypeValue = "PROPERTY_PLANT_EQUIPMENT"
	SubtypeReceivable                    AccountSubtypeValue = "RECEIVABLE"
	SubtypeReceivableInvoices            AccountSubtypeValue = "RECEIVABLE_INVOICES"
	SubtypeReceivableOther               AccountSubtypeValue = "RECEIVABLE_OTHER"
	SubtypeRetainedEarnings              AccountSubtypeValue = "RETAINED_EARNINGS"
	SubtypeSalesTax                      AccountSubtypeValue = "SALES_TAX"
	SubtypeSystemCustomerCredits         AccountSubtypeValue = "SYSTEM_CUSTOMER_CREDITS"
	SubtypeTransfers                     AccountSubtypeValue = "TRANSFERS"
	SubtypeUncategorizedExpense          AccountSubtypeValue = "UNCATEGORIZED_EXPENSE"
	SubtypeUncategorizedIncome           AccountSubtypeValue = "UNCATEGORIZED_INCOME"
	SubtypeUnknownAccount                AccountSubtypeValue = "UNKNOWN_ACCOUNT"
	SubtypeVendorPrepaymentsAndCredits   AccountSubtypeValue = "VENDOR_PREPAYMENTS_AND_CREDITS"
)

// IsContra reports whether accounts of this subtype grow opposite to their type's
// normal balance (Wave documents DISCOUNTS and DEPRECIATION_AND_AMORTIZATION as contra),
// so that a metric summing a type does not add them with the wrong sign.
func (s AccountSubtypeValue) IsContra() bool {
	return s == SubtypeDiscounts || s == SubtypeDepreciationAndAmortization
}

// AccountSubtype is one entry of the provider's subtype reference list: which type a
// subtype belongs to and on which side it grows.
type AccountSubtype struct {
	Value         AccountSubtypeValue `json:"value"`
	Name          string              `json:"name"`
	Type          AccountType         `json:"type"`
	NormalBalance NormalBalance       `json:"normal_balance,omitempty"`
	Description   string              `json:"description,omitempty"`
}

// LedgerAccount is one account of a business's chart of accounts with its current
// balance. Wave gives balances "as of now" only, so history comes from the snapshots
// finhealth stores at every sync.
type LedgerAccount struct {
	WaveID         string              `json:"wave_id"`
	BusinessWaveID string              `json:"business_wave_id"`
	Name           string              `json:"name"`
	Description    string              `json:"description,omitempty"`
	DisplayID      string              `json:"display_id,omitempty"` // the user's own account number
	Type           AccountType         `json:"type"`
	Subtype        AccountSubtypeValue `json:"subtype"`
	SubtypeName    string              `json:"subtype_name,omitempty"`
	NormalBalance  NormalBalance       `json:"normal_balance"`
	Currency       string              `json:"currency"` // the account's own currency
	// Balance is in the business's home currency, which is what ratios add up.
	Balance Money `json:"balance"`
	// AccountBalance is in the account's own currency; it differs from Balance only for
	// foreign-currency accounts.
	AccountBalance Money `json:"account_balance"`
	IsArchived     bool  `json:"is_archived"`
	// Sequence grows on every edit of the account in Wave.
	Sequence int64 `json:"sequence"`
}

// InvoiceStatus is an invoice's state in its provider.
type InvoiceStatus string

// Invoice statuses Wave knows today.
const (
	InvoiceDraft    InvoiceStatus = "DRAFT"
	InvoiceSaved    InvoiceStatus = "SAVED"
	InvoiceUnpaid   InvoiceStatus = "UNPAID"
	InvoiceSent     InvoiceStatus = "SENT"
	InvoiceViewed   InvoiceStatus = "VIEWED"
	InvoicePartial  InvoiceStatus = "PARTIAL"
	InvoiceOverdue  InvoiceStatus = "OVERDUE"
	InvoicePaid     InvoiceStatus = "PAID"
	InvoiceOverpaid InvoiceStatus = "OVERPAID"
)

// IsReceivable reports whether the invoice is owed to the business: issued and not
// settled. Drafts and saved invoices are not yet owed; an unknown status is not counted
// as owed, because over-stating receivables flatters every liquidity ratio.
func (s InvoiceStatus) IsReceivable() bool {
	switch s {
	case InvoiceUnpaid, InvoiceSent, InvoiceViewed, InvoicePartial, InvoiceOverdue:
		return true
	}
	return false
}

// IsSettled reports whether the invoice has been paid in full (or more).
func (s InvoiceStatus) IsSettled() bool { return s == InvoicePaid || s == InvoiceOverpaid }

// IsKnown reports whether s is one of the statuses above; an unknown one is kept and
// shown, and its invoices are left out of receivables.
func (s InvoiceStatus) IsKnown() bool {
	switch s {
	case InvoiceDraft, InvoiceSaved, InvoiceUnpaid, InvoiceSent, InvoiceViewed, InvoicePartial,
		InvoiceOverdue, InvoicePaid, InvoiceOverpaid:
		return true
	}
	return false
}

// Invoice is one sales invoice. Amounts are in the invoice's currency; ExchangeRate
// converts them to the business's home currency.
type Invoice struct {
	WaveID         string        `json:"wave_id"`
	BusinessWaveID string        `json:"business_wave_id"`
	Number         string        `json:"number"`
	Title          string        `json:"title,omitempty"`
	CustomerWaveID string        `json:"customer_wave_id"`
	CustomerName   string        `json:"customer_name,omitempty"`
	Status         InvoiceStatus `json:"status"`
	Currency       string        `json:"currency"`
	// ExchangeRate is the invoice-to-home-currency rate as the provider's exact decimal
	// text ("1" for home-currency invoices), kept as text so that a conversion can be
	// done exactly.
	ExchangeRate string `json:"exchange_rate"`
	Total        Money  `json:"total"` // tax-inclusive
	AmountDue    Money  `json:"amount_due"`
	AmountPaid   Money  `json:"amount_paid"`
	TaxTotal     Money  `json:"tax_total"`
	// InvoiceDate and DueDate are calendar dates, at midnight UTC.
	InvoiceDate  time.Time `json:"invoice_date"`
	DueDate      time.Time `json:"due_date"`
	CreatedAt    time.Time `json:"created_at"`
	ModifiedAt   time.Time `json:"modified_at"`
	LastSentAt   time.Time `json:"last_sent_at"` // zero when never sent
	LastSentVia  string    `json:"last_sent_via,omitempty"`
	LastViewedAt time.Time `json:"last_viewed_at"` // zero when never viewed
}

// DaysPastDue is how many whole days after its due date the invoice still is on the
// given date (0 when not yet due or not receivable): the input of A/R aging.
func (inv Invoice) DaysPastDue(asOf time.Time) int {
	if !inv.Status.IsReceivable() || inv.AmountDue.Minor <= 0 || inv.DueDate.IsZero() {
		return 0
	}
	y, m, d := asOf.Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	y, m, d = inv.DueDate.Date()
	due := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	if !today.After(due) {
		return 0
	}
	return int(today.Sub(due).Hours() / 24)
}

// Customer is one customer of a business with what the provider says they owe.
type Customer struct {
	WaveID         string `json:"wave_id"`
	BusinessWaveID string `json:"business_wave_id"`
	Name           string `json:"name"`
	Email          string `json:"email,omitempty"`
	Currency       string `json:"currency,omitempty"`
	// Outstanding is due across the customer's invoices; Overdue is the part past its
	// due date.
	Outstanding Money     `json:"outstanding"`
	Overdue     Money     `json:"overdue"`
	IsArchived  bool      `json:"is_archived"`
	CreatedAt   time.Time `json:"created_at"`
	ModifiedAt  time.Time `json:"modified_at"`
}

// OAuthToken is an OAuth 2.0 grant to a provider (Wave). AccessToken and RefreshToken
// are secrets: the String, GoString, Format, LogValue and MarshalJSON methods all mask
// them, so printing, logging or serializing a token by mistake leaks nothing. Code that
// must persist the secrets reads the fields explicitly (and encrypts them).
type OAuthToken struct {
	AccessToken  string
	RefreshToken string
	TokenType    string    // "Bearer"
	ExpiresAt    time.Time // when AccessToken stops working; zero if the provider did not say
	Scope        string    // space-separated scopes granted, which may be fewer than asked for
	// UserID and BusinessID are filled only when the provider volunteers them in the
	// token response; Wave is not known to, so never depend on them.
	UserID     string
	BusinessID string
	// GrantID identifies the authorization the token belongs to, as the store keeps
	// it: a refreshed token carries its predecessor's, so that saving it cannot
	// overwrite the tokens of a newer authorization. It is not a secret.
	GrantID string
}

// Expired reports whether the access token is missing or expires within leeway of now,
// so that a request is never sent with a token about to die in flight.
func (t OAuthToken) Expired(now time.Time, leeway time.Duration) bool {
	if t.AccessToken == "" {
		return true
	}
	return !t.ExpiresAt.IsZero() && !now.Add(leeway).Before(t.ExpiresAt)
}

func maskSecret(s string) string {
	if s == "" {
		return "none"
	}
	return "redacted"
}

// String shows everything but the secrets.
func (t OAuthToken) String() string {
	exp := "unknown"
	if !t.ExpiresAt.IsZero() {
		exp = t.ExpiresAt.UTC().Format(time.RFC3339)
	}
	return fmt.Sprintf("OAuthToken{access_token:%s refresh_token:%s expires_at:%s scope:%q}",
		maskSecret(t.AccessToken), maskSecret(t.RefreshToken), exp, t.Scope)
}

// GoString masks the secrets in %#v too.
func (t OAuthToken) GoString() string { return "finhealth." + t.String() }

// Format masks the secrets under every fmt verb (%v, %+v, %s, %d, %x, ...), since any
// verb other than %v and %s would otherwise print the struct's fields raw.
func (t OAuthToken) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		fmt.Fprint(f, t.GoString())
		return
	}
	fmt.Fprint(f, t.String())
}

// LogValue masks the secrets in log/slog records.
func (t OAuthToken) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("access_token", maskSecret(t.AccessToken)),
		slog.String("refresh_token", maskSecret(t.RefreshToken)),
		slog.Time("expires_at", t.ExpiresAt),
		slog.String("scope", t.Scope),
	)
}

// MarshalJSON masks the secrets, so that a token embedded in an API response or a log
// line by mistake carries none.
func (t OAuthToken) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		AccessToken  string    `json:"access_token"`
		RefreshToken string    `json:"refresh_token"`
		ExpiresAt    time.Time `json:"expires_at"`
		Scope        string    `json:"scope"`
	}{maskSecret(t.AccessToken), maskSecret(t.RefreshToken), t.ExpiresAt, t.Scope})
}

// WaveReconnectReason says why a Wave connection stopped working until its owner
// connects again.
type WaveReconnectReason string

// Reasons a connection needs reconnecting.
const (
	// WaveGrantRevoked: the refresh token was refused (invalid_grant): the user revoked
	// the app in Wave, or the grant expired.
	WaveGrantRevoked WaveReconnectReason = "grant_revoked"
	// WaveSubscriptionLapsed: Wave refused to refresh with HTTP 403, which it does when
	// the business's Wave Pro or Wave Advisor subscription has lapsed.
	WaveSubscriptionLapsed WaveReconnectReason = "subscription_lapsed"
	// WaveTokenRejected: Wave refused a freshly refreshed access token.
	WaveTokenRejected WaveReconnectReason = "token_rejected"
)

// Message explains the reason to the owner, with what to do about it.
func (r WaveReconnectReason) Message() string {
	switch r {
	case WaveGrantRevoked:
		return "Wave no longer accepts this connection: access was revoked in Wave or has expired. Connect Wave again."
	case WaveSubscriptionLapsed:
		return "Wave refused access because the business's Wave Pro or Wave Advisor subscription is not active. Renew it in Wave, then connect again."
	case WaveTokenRejected:
		return "Wave rejected this connection's credentials. Connect Wave again."
	}
	return "The Wave connection needs to be connected again."
}

// WaveReconnectError means a Wave connection cannot be used until its owner connects
// again; the connection is put in the "needs reconnect" state with Reason shown.
// It unwraps to an ECONFLICT *Error, since the request is fine but the connection's
// state is not.
type WaveReconnectError struct {
	Reason WaveReconnectReason
	// Detail is the provider's own error text (never a secret), for logs.
	Detail string
	// GrantID is the grant of the token Wave refused (OAuthToken.GrantID), when the
	// client knows it: what SetWaveConnectionStatus must be told, so that a refusal
	// of a grant the owner has since replaced does not mark the new connection.
	GrantID string
}

func (e *WaveReconnectError) Error() string {
	if e.Detail == "" {
		return "wave: needs reconnect: " + string(e.Reason)
	}
	return "wave: needs reconnect: " + string(e.Reason) + ": " + e.Detail
}

// Unwrap lets ErrorCode and ErrorMessage see the caller-safe form.
func (e *WaveReconnectError) Unwrap() error {
	return &Error{Code: ECONFLICT, Message: e.Reason.Message()}
}

// IncompleteReadError ends a read of a list from Wave that delivered every record it
// could, but cannot prove it saw every record Wave has: a page came back short before
// the last one, the total count changed during the walk or disagrees with what was
// read, or Wave could not serve some records. What was read is good and is kept;
// what was not is unknown, so a sync must not remove records on the evidence of such
// a read, nor move its watermark past it.
type IncompleteReadError struct {
	// Problems say what was wrong, in sentences an owner can read.
	Problems []string
	// Skipped counts the records Wave could not serve (nulled or with field errors).
	Skipped int
}

func (e *IncompleteReadError) Error() string {
	return fmt.Sprintf("wave: incomplete read (%d skipped): %s", e.Skipped, strings.Join(e.Problems, " "))
}

// WaveRetryLaterError means Wave asked finhealth to wait longer before its next
// request than a client waits in-process (a long Retry-After): the work should be
// rescheduled for at least After, not retried sooner. It unwraps to EUNAVAILABLE.
type WaveRetryLaterError struct {
	After time.Duration
	// Detail is the provider's own error text (never a secret), for logs.
	Detail string
}

func (e *WaveRetryLaterError) Error() string {
	return fmt.Sprintf("wave: asked to retry after %s: %s", e.After, e.Detail)
}

// Unwrap lets ErrorCode and ErrorMessage see the caller-safe form.
func (e *WaveRetryLaterError) Unwrap() error {
	return &Error{Code: EUNAVAILABLE, Message: fmt.Sprintf("Wave asked finhealth to wait %s before reading again.", e.After.Round(time.Second))}
}
