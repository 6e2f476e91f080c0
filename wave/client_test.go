package wave_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"finhealth"
	"finhealth/wave"
	"finhealth/wave/wavetest"
)

func TestOAuthFlowWithPKCE(t *testing.T) {
	e := newEnv(t, wavetest.Options{RequirePKCE: true}, nil)
	ctx := context.Background()
	verifier, challenge := wave.NewPKCE()

	u, err := url.Parse(e.client.AuthorizeURL("st4te", challenge, wave.WithForcePrompt()))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Path != "/oauth2/authorize/" || q.Get("response_type") != "code" || q.Get("client_id") != wavetest.DefaultClientID ||
		q.Get("redirect_uri") != wavetest.DefaultRedirectURI || q.Get("state") != "st4te" ||
		q.Get("code_challenge") != challenge || q.Get("code_challenge_method") != "S256" || q.Get("approval_prompt") != "force" {
		t.Fatalf("authorize URL %s", u)
	}
	if want := "user:read business:read account:read invoice:read customer:read offline_access"; q.Get("scope") != want {
		t.Fatalf("scope %q, want %q", q.Get("scope"), want)
	}

	code, state, err := wave.ParseCallback(e.authorize(t, "st4te", challenge))
	if err != nil || state != "st4te" || code == "" {
		t.Fatalf("callback: code %q state %q err %v", code, state, err)
	}
	// A wrong verifier is refused: the fake verifies S256 like a server that supports PKCE.
	_, err = e.client.Exchange(ctx, code, verifier+"x")
	if !errors.Is(err, wave.ErrInvalidGrant) || finhealth.ErrorCode(err) != finhealth.EINVALID {
		t.Fatalf("wrong verifier: %v (code %s)", err, finhealth.ErrorCode(err))
	}

	code, _, _ = wave.ParseCallback(e.authorize(t, "st4te", challenge))
	tok, err := e.client.Exchange(ctx, code, verifier)
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken == "" || tok.RefreshToken == "" || !tok.ExpiresAt.Equal(start.Add(2*time.Hour)) || !strings.Contains(tok.Scope, "invoice:read") {
		t.Fatalf("token %v", tok)
	}
	cn := e.client.Conn("flow", &memStore{tok: tok})
	u2, err := cn.User(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if u2.WaveID != e.srv.Seed().UserID || u2.Email != "ada@acme-bakery.example" || u2.CreatedAt.IsZero() {
		t.Fatalf("user %+v", u2)
	}

	// Codes are single-use, and a replayed code revokes what it produced (RFC 6749
	// section 4.1.2), so the connection needs reconnecting.
	if _, err := e.client.Exchange(ctx, code, verifier); !errors.Is(err, wave.ErrInvalidGrant) {
		t.Fatalf("replayed code: %v", err)
	}
	var re *finhealth.WaveReconnectError
	if _, err := cn.User(ctx); !errors.As(err, &re) {
		t.Fatalf("after a replayed code: %v", err)
	}
	if s := e.srv.Stats(); s.TokenExchanges != 3 || s.Authorize != 2 {
		t.Fatalf("stats %+v", s)
	}
}

func TestExpiredCodeAndBadClient(t *testing.T) {
	e := newEnv(t, wavetest.Options{}, nil)
	ctx := context.Background()
	verifier, challenge := wave.NewPKCE()
	code, _, _ := wave.ParseCallback(e.authorize(t, "s", challenge))
	e.clock.Advance(11 * time.Minute) // codes live 10 minutes
	if _, err := e.client.Exchange(ctx, code, verifier); !errors.Is(err, wave.ErrInvalidGrant) {
		t.Fatalf("expired code: %v", err)
	}

	bad := e.cfg
	bad.ClientSecret = "wrong"
	c, err := wave.New(bad)
	if err != nil {
		t.Fatal(err)
	}
	code, _, _ = wave.ParseCallback(e.authorize(t, "s", challenge))
	_, err = c.Exchange(ctx, code, verifier)
	if !errors.Is(err, wave.ErrInvalidClient) || finhealth.ErrorCode(err) != finhealth.EINTERNAL {
		t.Fatalf("bad client: %v", err)
	}
}

func TestAccessDenied(t *testing.T) {
	e := newEnv(t, wavetest.Options{DenyAuthorization: true}, nil)
	_, challenge := wave.NewPKCE()
	code, state, err := wave.ParseCallback(e.authorize(t, "st", challenge))
	if code != "" || state != "st" || !errors.Is(err, wave.ErrAccessDenied) {
		t.Fatalf("code %q state %q err %v", code, state, err)
	}
	if finhealth.ErrorCode(err) != finhealth.EFORBIDDEN || !strings.Contains(finhealth.ErrorMessage(err), "declined") {
		t.Fatalf("domain error %s: %s", finhealth.ErrorCode(err), finhealth.ErrorMessage(err))
	}
	_, _, err = wave.ParseCallback(url.Values{"state": {"x"}})
	if err == nil {
		t.Fatal("a callback without code or error was accepted")
	}
}

func TestBusinessesAndLimitations(t *testing.T) {
	e := newEnv(t, wavetest.Options{}, func(c *wave.Config) { c.PageSize = 2 })
	cn, _ := e.connect(t)
	bs, err := cn.Businesses(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 3 {
		t.Fatalf("%d businesses, want 3 across two pages", len(bs))
	}
	byName := map[string]finhealth.WaveBusiness{}
	for _, b := range bs {
		byName[b.Name] = b
	}
	acme, legacy, personal := byName["Acme Bakery"], byName["Legacy Co"], byName["Personal"]
	if acme.ID != e.srv.Seed().AcmeBusinessID || acme.Currency != "USD" || acme.CurrencyExponent != 2 || !acme.FullyAssessable() {
		t.Fatalf("acme %+v limitations %v", acme, acme.Limitations())
	}
	if l := legacy.Limitations(); len(l) != 1 || l[0].Code != finhealth.LimitationClassicInvoicing || l[0].Reason == "" {
		t.Fatalf("legacy limitations %v", l)
	}
	if l := personal.Limitations(); len(l) != 1 || l[0].Code != finhealth.LimitationPersonal {
		t.Fatalf("personal limitations %v", l)
	}
	one, err := cn.Business(context.Background(), acme.ID)
	if err != nil || one != acme {
		t.Fatalf("Business: %+v, %v", one, err)
	}
	if s := e.srv.Stats(); s.Operations["ListBusinesses"] != 2 {
		t.Fatalf("ListBusinesses requests: %d, want 2", s.Operations["ListBusinesses"])
	}
}

func TestUnknownBusinessIsNotFound(t *testing.T) {
	e := newEnv(t, wavetest.Options{}, nil)
	cn, _ := e.connect(t)
	_, err := cn.Invoices(context.Background(), "QnVzaW5lc3M6bm9uZQ==", wave.InvoiceQuery{})
	var ge *wave.GraphQLErrors
	if !errors.Is(err, wave.ErrNotFound) || finhealth.ErrorCode(err) != finhealth.ENOTFOUND || !errors.As(err, &ge) || ge.Errors[0].Path != "business" {
		t.Fatalf("err %v", err)
	}
}

func TestInvoicesAllPages(t *testing.T) {
	for _, size := range []int{10, 50, 100} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			e := newEnv(t, wavetest.Options{}, nil)
			cn, _ := e.connect(t)
			acme := e.srv.Seed().AcmeBusinessID
			want := e.srv.Invoices(acme)

			var pages []int
			var got []finhealth.Invoice
			err := cn.EachInvoicePage(context.Background(), acme, wave.InvoiceQuery{PageSize: size}, func(p []finhealth.Invoice) error {
				pages = append(pages, len(p))
				got = append(got, p...)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			wantPages := (120 + size - 1) / size
			if len(got) != 120 || len(pages) != wantPages || e.srv.Stats().Operations["ListInvoices"] != wantPages {
				t.Fatalf("%d invoices in pages %v (%d requests), want 120 in %d", len(got), pages, e.srv.Stats().Operations["ListInvoices"], wantPages)
			}
			totals := map[string][3]int64{} // currency -> total, due, paid
			for _, inv := range want {
				s := totals[inv.Currency]
				totals[inv.Currency] = [3]int64{s[0] + inv.Total, s[1] + inv.AmountDue(), s[2] + inv.AmountPaid}
			}
			gotTotals := map[string][3]int64{}
			ids := map[string]bool{}
			for i, inv := range got {
				ids[inv.WaveID] = true
				s := gotTotals[inv.Currency]
				gotTotals[inv.Currency] = [3]int64{s[0] + inv.Total.Minor, s[1] + inv.AmountDue.Minor, s[2] + inv.AmountPaid.Minor}
				if i > 0 && !inv.ModifiedAt.After(got[i-1].ModifiedAt) {
					t.Fatalf("invoices not in modifiedAt order at %d", i)
				}
			}
			if len(ids) != 120 {
				t.Fatalf("%d distinct invoices", len(ids))
			}
			if fmt.Sprint(gotTotals) != fmt.Sprint(totals) {
				t.Fatalf("sums %v, want %v", gotTotals, totals)
			}
		})
	}
}

func TestInvoiceFieldsAndMoney(t *testing.T) {
	for _, numbers := range []bool{false, true} {
		t.Run(fmt.Sprintf("decimals-as-numbers=%v", numbers), func(t *testing.T) {
			e := newEnv(t, wavetest.Options{DecimalsAsNumbers: numbers, DateTimeZulu: numbers}, nil)
			cn, _ := e.connect(t)
			ctx := context.Background()
			acme := e.srv.Seed().AcmeBusinessID
			invs, err := cn.Invoices(ctx, acme, wave.InvoiceQuery{})
			if err != nil {
				t.Fatal(err)
			}
			want := e.srv.Invoices(acme)
			statuses := map[finhealth.InvoiceStatus]bool{}
			for _, inv := range invs {
				statuses[inv.Status] = true
			}
			for _, s := range []finhealth.InvoiceStatus{finhealth.InvoiceDraft, finhealth.InvoiceSaved, finhealth.InvoiceUnpaid, finhealth.InvoiceSent,
				finhealth.InvoiceViewed, finhealth.InvoicePartial, finhealth.InvoiceOverdue, finhealth.InvoicePaid, finhealth.InvoiceOverpaid} {
				if !statuses[s] {
					t.Errorf("no %s invoice", s)
				}
			}
			var jpy finhealth.Invoice
			for _, inv := range invs {
				if inv.Currency == "JPY" {
					jpy = inv
				}
			}
			if jpy.Total != (finhealth.Money{Minor: 150000, Currency: "JPY", Exponent: 0}) || jpy.AmountDue.Minor != 100000 ||
				jpy.ExchangeRate != "0.0067" || jpy.CustomerName != "Tokyo Trading KK" || jpy.Total.String() != "150000 JPY" {
				t.Fatalf("JPY invoice %+v", jpy)
			}
			w := want[0]
			var first finhealth.Invoice
			for _, inv := range invs {
				if inv.WaveID == w.ID {
					first = inv
				}
			}
			if first.Number != w.Number || first.CustomerWaveID != w.CustomerID || !first.InvoiceDate.Equal(w.InvoiceDate) ||
				!first.DueDate.Equal(w.DueDate) || !first.ModifiedAt.Equal(w.ModifiedAt) || !first.CreatedAt.Equal(w.CreatedAt) ||
				first.Total != (finhealth.Money{Minor: w.Total, Currency: "USD", Exponent: 2}) || first.TaxTotal.Minor != w.TaxTotal ||
				first.ExchangeRate == "" || first.LastSentAt.IsZero() != w.LastSentAt.IsZero() {
				t.Fatalf("invoice %+v, want %+v", first, w)
			}

			accts, err := cn.Accounts(ctx, acme, wave.AccountQuery{})
			if err != nil {
				t.Fatal(err)
			}
			byName := map[string]finhealth.LedgerAccount{}
			types := map[finhealth.AccountType]bool{}
			for _, a := range accts {
				byName[a.Name] = a
				types[a.Type] = true
			}
			if len(accts) != len(e.srv.Accounts(acme)) || len(types) != 5 {
				t.Fatalf("%d accounts of %d types", len(accts), len(types))
			}
			kwd := byName["Kuwait Dinar Account"]
			if kwd.AccountBalance != (finhealth.Money{Minor: 1234567, Currency: "KWD", Exponent: 3}) || kwd.AccountBalance.Decimal() != "1234.567" ||
				kwd.Balance != (finhealth.Money{Minor: 401234, Currency: "USD", Exponent: 2}) || kwd.Currency != "KWD" {
				t.Fatalf("KWD account %+v", kwd)
			}
			dep := byName["Accumulated Depreciation"]
			if dep.Balance.Minor != -600000 || dep.Balance.Decimal() != "-6000.00" || !dep.Subtype.IsContra() ||
				dep.Type != finhealth.AccountAsset || dep.NormalBalance != finhealth.NormalCredit {
				t.Fatalf("contra account %+v", dep)
			}
			if !byName["Old Chequing (closed)"].IsArchived {
				t.Fatal("archived account not marked")
			}
			open, err := cn.Accounts(ctx, acme, wave.AccountQuery{ExcludeArchived: true})
			if err != nil || len(open) != len(accts)-1 {
				t.Fatalf("ExcludeArchived: %d accounts, %v", len(open), err)
			}

			custs, err := cn.Customers(ctx, acme, wave.CustomerQuery{PageSize: 4})
			if err != nil {
				t.Fatal(err)
			}
			ar := e.srv.Receivables(acme)
			if len(custs) != len(ar) {
				t.Fatalf("%d customers, want %d", len(custs), len(ar))
			}
			var overdue int64
			for _, c := range custs {
				r := ar[c.WaveID]
				if c.Outstanding.Minor != r.Outstanding || c.Overdue.Minor != r.Overdue || c.Outstanding.Currency != r.Currency {
					t.Fatalf("customer %s: %v/%v, want %+v", c.Name, c.Outstanding, c.Overdue, r)
				}
				if c.Currency == "USD" {
					overdue += c.Overdue.Minor
				}
			}
			if overdue == 0 {
				t.Fatal("no overdue receivables in the seed")
			}
		})
	}
}

func TestUnknownEnumValuesKept(t *testing.T) {
	e := newEnv(t, wavetest.Options{}, nil)
	cn, _ := e.connect(t)
	acme := e.srv.Seed().AcmeBusinessID
	inv := e.srv.Invoices(acme)[5]
	inv.Status = "PAYMENT_PENDING"
	inv.ModifiedAt = start.Add(-time.Minute)
	if err := e.srv.PutInvoice(acme, inv); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.AddAccount(acme, wavetest.Account{ID: "QWNjb3VudDpjcnlwdG8=", Name: "Crypto Wallet", Currency: "USD",
		Type: "ASSET", Subtype: "CRYPTO_WALLET", NormalBalance: "DEBIT", Balance: 12345, BalanceInBusinessCurrency: 12345}); err != nil {
		t.Fatal(err)
	}
	invs, err := cn.Invoices(context.Background(), acme, wave.InvoiceQuery{ModifiedAfter: start.Add(-2 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if len(invs) != 1 || invs[0].Status != "PAYMENT_PENDING" || invs[0].Status.IsKnown() || invs[0].Status.IsReceivable() {
		t.Fatalf("invoices %+v", invs)
	}
	accts, err := cn.Accounts(context.Background(), acme, wave.AccountQuery{})
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(accts, func(a finhealth.LedgerAccount) bool { return a.Name == "Crypto Wallet" })
	if i < 0 || accts[i].Subtype != "CRYPTO_WALLET" || accts[i].Balance.Minor != 12345 {
		t.Fatalf("accounts %+v", accts)
	}
}

func TestIncrementalInvoices(t *testing.T) {
	for _, supported := range []bool{true, false} {
		t.Run(fmt.Sprintf("modifiedAtAfter-supported=%v", supported), func(t *testing.T) {
			e := newEnv(t, wavetest.Options{NoModifiedAtAfter: !supported}, func(c *wave.Config) { c.PageSize = 25 })
			cn, _ := e.connect(t)
			acme := e.srv.Seed().AcmeBusinessID
			all := e.srv.Invoices(acme)
			watermark := all[59].ModifiedAt
			for round := 0; round < 2; round++ {
				got, err := cn.Invoices(context.Background(), acme, wave.InvoiceQuery{ModifiedAfter: watermark})
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != 60 {
					t.Fatalf("round %d: %d invoices modified after the watermark, want 60", round, len(got))
				}
				for _, inv := range got {
					if !inv.ModifiedAt.After(watermark) {
						t.Fatalf("invoice %s modified %s, not after %s", inv.Number, inv.ModifiedAt, watermark)
					}
				}
			}
			ops := e.srv.Stats().Operations
			if supported && (ops["ListInvoicesModifiedAfter"] != 6 || ops["ListInvoices"] != 0) {
				t.Fatalf("operations %v: want the server-side filter, 3 pages per round", ops)
			}
			// Without the argument the first attempt fails validation once; after that
			// the client reads newest-first and stops at the watermark (3 pages of 25).
			if !supported && (ops["ListInvoicesModifiedAfter"] != 1 || ops["ListInvoices"] != 6) {
				t.Fatalf("operations %v: want one rejected filter, then 3 pages per round", ops)
			}
		})
	}
}

func TestClassicInvoicing(t *testing.T) {
	for _, empty := range []bool{false, true} {
		t.Run(fmt.Sprintf("empty=%v", empty), func(t *testing.T) {
			e := newEnv(t, wavetest.Options{ClassicInvoicingEmpty: empty}, nil)
			cn, _ := e.connect(t)
			legacy := e.srv.Seed().LegacyBusinessID
			_, err := cn.Invoices(context.Background(), legacy, wave.InvoiceQuery{})
			if !errors.Is(err, wave.ErrClassicInvoicing) || finhealth.ErrorCode(err) != finhealth.EINVALID {
				t.Fatalf("err %v", err)
			}
			// The balance sheet is still readable.
			if accts, err := cn.Accounts(context.Background(), legacy, wave.AccountQuery{}); err != nil || len(accts) != 4 {
				t.Fatalf("accounts %d, %v", len(accts), err)
			}
		})
	}
}

func TestAccountSubtypes(t *testing.T) {
	e := newEnv(t, wavetest.Options{}, nil)
	cn, _ := e.connect(t)
	subs, err := cn.AccountSubtypes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(subs) != 38 {
		t.Fatalf("%d subtypes", len(subs))
	}
	for _, s := range subs {
		if s.Value == finhealth.SubtypeCashAndBank && (s.Type != finhealth.AccountAsset || s.NormalBalance != finhealth.NormalDebit) {
			t.Fatalf("CASH_AND_BANK %+v", s)
		}
		if s.Type == "" || s.Name == "" {
			t.Fatalf("incomplete subtype %+v", s)
		}
	}
}

func TestTokenExpiryMidPaginationRefreshesOnceAndSavesFirst(t *testing.T) {
	for _, status := range []int{200, 401} {
		t.Run(fmt.Sprintf("auth-failure-status=%d", status), func(t *testing.T) {
			e := newEnv(t, wavetest.Options{AuthFailureStatus: status}, nil)
			cn, store := e.connect(t)
			oldRefresh := store.token().RefreshToken
			store.onSave = func(tok finhealth.OAuthToken) error {
				// Saved before a single request used it, and the rotated refresh token
				// is the one that now works.
				if n := e.srv.TokenUses(tok.AccessToken); n != 0 {
					t.Errorf("new access token used %d times before it was saved", n)
				}
				if tok.RefreshToken == oldRefresh || tok.RefreshToken == "" {
					t.Errorf("refresh token was not rotated")
				}
				return nil
			}
			acme := e.srv.Seed().AcmeBusinessID
			pages := 0
			var got int
			err := cn.EachInvoicePage(context.Background(), acme, wave.InvoiceQuery{PageSize: 10}, func(p []finhealth.Invoice) error {
				pages++
				got += len(p)
				if pages == 3 {
					e.srv.ExpireAccessTokens()
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			s := e.srv.Stats()
			if got != 120 || s.TokenRefreshes != 1 || store.saveCount() != 1 || s.Unauthenticated != 1 {
				t.Fatalf("%d invoices, %d refreshes, %d saves, %d unauthenticated", got, s.TokenRefreshes, store.saveCount(), s.Unauthenticated)
			}
			if e.srv.TokenUses(store.token().AccessToken) != 9 {
				t.Fatalf("new token used %d times, want 9 (pages 4-12)", e.srv.TokenUses(store.token().AccessToken))
			}
			// The old refresh token is dead: rotation happened.
			if _, err := e.client.Refresh(context.Background(), oldRefresh); err == nil {
				t.Fatal("old refresh token still works")
			}
		})
	}
}

func TestConcurrentCallersRefreshOnce(t *testing.T) {
	for _, how := range []string{"client-side expiry", "server-side expiry"} {
		t.Run(how, func(t *testing.T) {
			e := newEnv(t, wavetest.Options{}, nil)
			_, store := e.connect(t)
			// Two Conns for one connection key share the lock, as two jobs would.
			c1, c2 := e.client.Conn("shared", store), e.client.Conn("shared", store)
			if _, err := c1.User(context.Background()); err != nil {
				t.Fatal(err)
			}
			if how == "client-side expiry" {
				e.clock.Advance(3 * time.Hour)
			} else {
				e.srv.ExpireAccessTokens()
			}
			var wg sync.WaitGroup
			errs := make(chan error, 16)
			for i := 0; i < 16; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					cn := c1
					if i%2 == 1 {
						cn = c2
					}
					_, err := cn.User(context.Background())
					errs <- err
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			if s := e.srv.Stats(); s.TokenRefreshes != 1 || store.saveCount() != 1 {
				t.Fatalf("%d refreshes, %d saves: want exactly one of each", s.TokenRefreshes, store.saveCount())
			}
		})
	}
}

func TestSaveFailureKeepsTokenUnused(t *testing.T) {
	e := newEnv(t, wavetest.Options{}, nil)
	cn, store := e.connect(t)
	fail := true
	store.onSave = func(finhealth.OAuthToken) error {
		if fail {
			return errors.New("database down")
		}
		return nil
	}
	e.clock.Advance(3 * time.Hour)
	before := e.srv.Stats().GraphQL
	if _, err := cn.User(context.Background()); err == nil || !strings.Contains(err.Error(), "database down") {
		t.Fatalf("err %v", err)
	}
	if e.srv.Stats().GraphQL != before {
		t.Fatal("a request was sent with a token that was never saved")
	}
	// Once the store recovers, the refreshed token is saved, then used; no second
	// refresh burns the grant.
	fail = false
	if _, err := cn.User(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s := e.srv.Stats(); s.TokenRefreshes != 1 || store.saveCount() != 1 {
		t.Fatalf("%d refreshes, %d saves", s.TokenRefreshes, store.saveCount())
	}
}

// TestRefusedSaveRevokesTheRefreshedToken: when the owner connects again (or
// disconnects) while a refresh of the previous grant runs, the store refuses the
// rotated token for good, and nothing would ever revoke it; the Conn revokes it.
func TestRefusedSaveRevokesTheRefreshedToken(t *testing.T) {
	for name, refusal := range map[string]error{
		"reconnected":  finhealth.ErrWaveGrantReplaced,
		"disconnected": finhealth.Errorf(finhealth.ENOTFOUND, "The Wave connection was not found or has been disconnected."),
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, wavetest.Options{}, nil)
			cn, store := e.connect(t)
			var refused []finhealth.OAuthToken
			store.onSave = func(tok finhealth.OAuthToken) error {
				refused = append(refused, tok)
				return refusal
			}
			e.clock.Advance(3 * time.Hour)
			before := e.srv.Stats().GraphQL
			if _, err := cn.User(context.Background()); !errors.Is(err, refusal) {
				t.Fatalf("err %v, want the store's refusal", err)
			}
			if len(refused) != 1 || e.srv.Stats().GraphQL != before {
				t.Fatalf("%d saves, %d GraphQL requests", len(refused), e.srv.Stats().GraphQL-before)
			}
			// The rotated pair is dead at Wave.
			orphan := refused[0]
			probe := e.client.Conn("probe", &memStore{tok: orphan})
			if _, err := probe.User(context.Background()); err == nil {
				t.Error("the refreshed token the store refused still works")
			}
			if _, err := e.client.Refresh(context.Background(), orphan.RefreshToken); !errors.Is(err, wave.ErrInvalidGrant) &&
				!isGrantRevoked(err) {
				t.Errorf("the refused refresh token still refreshes: %v", err)
			}
		})
	}
}

func isGrantRevoked(err error) bool {
	var re *finhealth.WaveReconnectError
	return errors.As(err, &re) && re.Reason == finhealth.WaveGrantRevoked
}

func TestRateLimitStormHonoursRetryAfter(t *testing.T) {
	for _, httpDate := range []bool{false, true} {
		t.Run(fmt.Sprintf("http-date=%v", httpDate), func(t *testing.T) {
			e := newEnv(t, wavetest.Options{RetryAfterHTTPDate: httpDate}, nil)
			cn, _ := e.connect(t)
			e.srv.RateLimitNext(3, 7*time.Second)
			if _, err := cn.User(context.Background()); err != nil {
				t.Fatal(err)
			}
			if got := e.clock.Slept(); !slices.Equal(got, []time.Duration{7 * time.Second, 7 * time.Second, 7 * time.Second}) {
				t.Fatalf("slept %v, want Retry-After (7s) three times", got)
			}
			if s := e.srv.Stats(); s.RateLimited != 3 || s.Operations["CurrentUser"] != 1 {
				t.Fatalf("stats %+v", s)
			}
		})
	}
}

func TestRateLimitBeyondBudget(t *testing.T) {
	e := newEnv(t, wavetest.Options{}, func(c *wave.Config) { c.MaxRetries = 2; c.MaxRetryAfter = time.Minute })
	cn, _ := e.connect(t)
	e.srv.RateLimitNext(10, 0)
	_, err := cn.User(context.Background())
	if !errors.Is(err, wave.ErrRateLimited) || finhealth.ErrorCode(err) != finhealth.EUNAVAILABLE || !strings.Contains(err.Error(), "gave up after 3 attempts") {
		t.Fatalf("err %v", err)
	}
	// Without Retry-After the waits are jittered exponential backoff.
	for i, d := range e.clock.Slept() {
		if d < 0 || d >= 500*time.Millisecond<<i {
			t.Fatalf("backoff %d was %s", i, d)
		}
	}
	e.srv.RateLimitNext(1, 10*time.Minute)
	if _, err := cn.User(context.Background()); !errors.Is(err, wave.ErrRateLimited) || !strings.Contains(err.Error(), "retry after 10m0s") {
		t.Fatalf("a Retry-After beyond MaxRetryAfter must end the call: %v", err)
	}
	// ... and say how long to wait, so that a job can be rescheduled for that long.
	e.srv.RateLimitNext(1, 10*time.Minute)
	_, err = cn.User(context.Background())
	var later *finhealth.WaveRetryLaterError
	if !errors.As(err, &later) || later.After != 10*time.Minute || finhealth.ErrorCode(err) != finhealth.EUNAVAILABLE {
		t.Fatalf("the wait Wave asked for is lost: %v", err)
	}
}

func TestServerErrorsRetriedThenGiveUp(t *testing.T) {
	e := newEnv(t, wavetest.Options{}, func(c *wave.Config) { c.MaxRetries = 3 })
	cn, _ := e.connect(t)
	e.srv.FailNext(2, 503)
	if _, err := cn.User(context.Background()); err != nil {
		t.Fatalf("two 503s then success: %v", err)
	}
	e.srv.FailNext(10, 502)
	_, err := cn.User(context.Background())
	if !errors.Is(err, wave.ErrUnavailable) || finhealth.ErrorCode(err) != finhealth.EUNAVAILABLE {
		t.Fatalf("err %v", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "gave up after 4 attempts") || !strings.Contains(msg, "HTTP 502 Bad Gateway") {
		t.Fatalf("unclear error: %s", msg)
	}
	e.srv.FailNext(0, 0)
	e.srv.FailAfter(1, 500)
	acme := e.srv.Seed().AcmeBusinessID
	_, err = cn.Invoices(context.Background(), acme, wave.InvoiceQuery{PageSize: 10})
	if !errors.Is(err, wave.ErrUnavailable) || !strings.Contains(err.Error(), "HTTP 500") {
		t.Fatalf("fail after 1: %v", err)
	}
}

func TestTimeoutsRetried(t *testing.T) {
	e := newEnv(t, wavetest.Options{Latency: 300 * time.Millisecond}, func(c *wave.Config) {
		c.RequestTimeout = 40 * time.Millisecond
		c.MaxRetries = 1
	})
	cn, store := e.connect(t)
	_, err := cn.User(context.Background())
	if !errors.Is(err, wave.ErrUnavailable) || !strings.Contains(err.Error(), "gave up after 2 attempts") {
		t.Fatalf("err %v", err)
	}
	// A client with a timeout longer than the latency gets through; the generous
	// timeout keeps this from flaking on a loaded machine.
	patient := e.cfg
	patient.RequestTimeout = 10 * time.Second
	c, err := wave.New(patient)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Conn("patient", store).User(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestRevokedGrantNeedsReconnect(t *testing.T) {
	e := newEnv(t, wavetest.Options{}, nil)
	cn, _ := e.connect(t)
	e.srv.RevokeGrants()
	_, err := cn.User(context.Background())
	var re *finhealth.WaveReconnectError
	if !errors.As(err, &re) || re.Reason != finhealth.WaveGrantRevoked || finhealth.ErrorCode(err) != finhealth.ECONFLICT {
		t.Fatalf("err %v", err)
	}
	if !strings.Contains(finhealth.ErrorMessage(err), "Connect Wave again") {
		t.Fatalf("message %q", finhealth.ErrorMessage(err))
	}
}

func TestLapsedSubscriptionNeedsReconnect(t *testing.T) {
	e := newEnv(t, wavetest.Options{}, nil)
	cn, _ := e.connect(t)
	e.srv.Update(func(o *wavetest.Options) { o.SubscriptionLapsed = true })
	e.clock.Advance(3 * time.Hour)
	_, err := cn.User(context.Background())
	var re *finhealth.WaveReconnectError
	if !errors.As(err, &re) || re.Reason != finhealth.WaveSubscriptionLapsed || !strings.Contains(finhealth.ErrorMessage(err), "Wave Pro") {
		t.Fatalf("err %v", err)
	}
	if e.srv.Stats().TokenRefreshes != 1 {
		t.Fatal("a refresh refused with 403 must not be retried")
	}
}

func TestRevoke(t *testing.T) {
	e := newEnv(t, wavetest.Options{}, nil)
	cn, store := e.connect(t)
	if err := e.client.Revoke(context.Background(), store.token().RefreshToken); err != nil {
		t.Fatal(err)
	}
	if err := e.client.Revoke(context.Background(), "unknown-token"); err != nil {
		t.Fatalf("revoking an unknown token: %v", err)
	}
	_, err := cn.User(context.Background())
	var re *finhealth.WaveReconnectError
	if !errors.As(err, &re) || re.Reason != finhealth.WaveGrantRevoked {
		t.Fatalf("after revoke: %v", err)
	}
}

func TestRateLimiterPacesRequests(t *testing.T) {
	e := newEnv(t, wavetest.Options{}, func(c *wave.Config) { c.RequestsPerSecond = 2 })
	cn, _ := e.connect(t)
	for i := 0; i < 4; i++ {
		if _, err := cn.User(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if got := e.clock.Slept(); !slices.Equal(got, []time.Duration{500 * time.Millisecond, 500 * time.Millisecond, 500 * time.Millisecond}) {
		t.Fatalf("slept %v, want 3 × 500ms at 2 requests/s", got)
	}
}

func TestOneRequestInFlightPerConnection(t *testing.T) {
	for _, limit := range []int{1, 0} {
		t.Run(fmt.Sprintf("max-in-flight=%d", limit), func(t *testing.T) {
			e := newEnv(t, wavetest.Options{Latency: 50 * time.Millisecond}, func(c *wave.Config) { c.MaxInFlight = limit })
			cn, _ := e.connect(t)
			var wg sync.WaitGroup
			for i := 0; i < 6; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := cn.User(context.Background()); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			if got := e.srv.Stats().MaxInFlight; (limit == 1) != (got == 1) {
				t.Fatalf("max in flight %d with MaxInFlight %d", got, limit)
			}
		})
	}
}

// TestOfflineAccessScope checks the scopes asked for: offline_access by default, so
// that a standard OAuth server issues a refresh token, and left out on request.
func TestOfflineAccessScope(t *testing.T) {
	scopeOf := func(t *testing.T, c *wave.Client) string {
		t.Helper()
		u, err := url.Parse(c.AuthorizeURL("s", ""))
		if err != nil {
			t.Fatal(err)
		}
		return u.Query().Get("scope")
	}
	e := newEnv(t, wavetest.Options{RefreshTokenNeedsOfflineAccess: true}, nil)
	if got := scopeOf(t, e.client); !slices.Contains(strings.Fields(got), wave.OfflineAccessScope) {
		t.Fatalf("default scopes %q lack offline_access", got)
	}
	_, store := e.connect(t)
	if store.tok.RefreshToken == "" || !strings.Contains(store.tok.Scope, wave.OfflineAccessScope) {
		t.Fatalf("token %v", store.tok)
	}

	e = newEnv(t, wavetest.Options{}, func(c *wave.Config) { c.OmitOfflineAccess = true })
	if got := scopeOf(t, e.client); got != strings.Join(wave.ReadScopes(), " ") {
		t.Fatalf("scopes without offline_access: %q", got)
	}
	// Wave issues a refresh token anyway.
	if _, store := e.connect(t); store.tok.RefreshToken == "" {
		t.Fatal("no refresh token")
	}
	// Explicit scopes win.
	e = newEnv(t, wavetest.Options{}, func(c *wave.Config) { c.Scopes, c.OmitOfflineAccess = []string{"user:read"}, false })
	if got := scopeOf(t, e.client); got != "user:read" {
		t.Fatalf("explicit scopes: %q", got)
	}

	// A standard server without offline_access issues no refresh token: Exchange
	// refuses the grant and hands back the access token, for the caller to revoke.
	e = newEnv(t, wavetest.Options{RefreshTokenNeedsOfflineAccess: true}, func(c *wave.Config) { c.OmitOfflineAccess = true })
	verifier, challenge := wave.NewPKCE()
	code, _, err := wave.ParseCallback(e.authorize(t, "s", challenge))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := e.client.Exchange(context.Background(), code, verifier)
	if !errors.Is(err, finhealth.ErrWaveNoRefreshToken) || finhealth.ErrorCode(err) != finhealth.EBADGATEWAY ||
		!strings.Contains(finhealth.ErrorMessage(err), "no refresh token") {
		t.Fatalf("exchange without a refresh token: %v (code %s)", err, finhealth.ErrorCode(err))
	}
	if tok.AccessToken == "" || tok.RefreshToken != "" {
		t.Fatalf("token handed back: %v", tok)
	}
	if err := wave.NewGateway(e.client).Revoke(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	cn := e.client.Conn("revoked", &memStore{tok: tok})
	if _, err := cn.User(context.Background()); err == nil {
		t.Error("the revoked access token still works")
	}
	for _, s := range []string{tok.AccessToken, wavetest.DefaultClientSecret} {
		if strings.Contains(err.Error(), s) || strings.Contains(e.logs.String(), s) {
			t.Error("a secret leaked into the error or the log")
		}
	}
}

func TestForbiddenScope(t *testing.T) {
	e := newEnv(t, wavetest.Options{}, func(c *wave.Config) { c.Scopes = []string{"user:read", "business:read"} })
	cn, _ := e.connect(t)
	_, err := cn.Invoices(context.Background(), e.srv.Seed().AcmeBusinessID, wave.InvoiceQuery{})
	if !errors.Is(err, wave.ErrForbidden) || finhealth.ErrorCode(err) != finhealth.EFORBIDDEN {
		t.Fatalf("err %v", err)
	}
}

func TestConfigValidation(t *testing.T) {
	for _, cfg := range []wave.Config{
		{PageSize: 101},
		{GraphQLURL: "not a url"},
		{MaxRetries: -1},
	} {
		if _, err := wave.New(cfg); err == nil {
			t.Errorf("accepted %v", cfg)
		}
	}
	cfg := wave.DefaultConfig()
	cfg.ClientSecret = "s3cr3t-value"
	for _, s := range []string{fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), fmt.Sprintf("%s", cfg)} {
		if strings.Contains(s, "s3cr3t-value") {
			t.Fatalf("config printed its secret: %s", s)
		}
	}
}
