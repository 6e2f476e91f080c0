package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"finhealth"
)

func usd(minor int64) finhealth.Money {
	return finhealth.Money{Minor: minor, Currency: "USD", Exponent: 2}
}

func ledgerAccount(biz string, i int, balance int64) finhealth.LedgerAccount {
	return finhealth.LedgerAccount{
		WaveID: fmt.Sprintf("Account:%04d", i), BusinessWaveID: biz, Name: fmt.Sprintf("Account %d", i),
		Description: "desc", DisplayID: fmt.Sprint(1000 + i), Type: finhealth.AccountAsset,
		Subtype: finhealth.SubtypeCashAndBank, SubtypeName: "Cash & Bank", NormalBalance: finhealth.NormalDebit,
		Currency: "USD", Balance: usd(balance), AccountBalance: usd(balance), Sequence: int64(i),
	}
}

// ledgerInvoice makes a distinct invoice dated within the last two years of day:
// every third paid, the others open, some never sent.
func ledgerInvoice(biz string, i int) finhealth.Invoice {
	total := int64(10000 + i)
	inv := finhealth.Invoice{
		WaveID: fmt.Sprintf("Invoice:%06d", i), BusinessWaveID: biz, Number: fmt.Sprint(i), Title: "Services",
		CustomerWaveID: fmt.Sprintf("Customer:%04d", i%7), CustomerName: fmt.Sprintf("Customer %d", i%7),
		Status: finhealth.InvoiceSent, Currency: "USD", ExchangeRate: "1",
		Total: usd(total), AmountDue: usd(total), AmountPaid: usd(0), TaxTotal: usd(total / 10),
		InvoiceDate: day.AddDate(0, 0, -(i % 600)), DueDate: day.AddDate(0, 0, 30-(i%600)),
		CreatedAt:  day.AddDate(0, 0, -(i % 600)).Add(9 * time.Hour),
		ModifiedAt: day.Add(time.Duration(i) * time.Second),
		LastSentAt: day.AddDate(0, 0, -(i % 600)).Add(10 * time.Hour), LastSentVia: "MARKED_SENT",
	}
	if i%3 == 0 {
		inv.Status, inv.AmountDue, inv.AmountPaid = finhealth.InvoicePaid, usd(0), usd(total)
	}
	if i%5 == 0 {
		inv.LastSentAt, inv.LastSentVia = time.Time{}, ""
	}
	return inv
}

func ledgerInvoices(biz string, from, to int) []finhealth.Invoice {
	var out []finhealth.Invoice
	for i := from; i < to; i++ {
		out = append(out, ledgerInvoice(biz, i))
	}
	return out
}

func ledgerCustomer(biz string, i int) finhealth.Customer {
	return finhealth.Customer{
		WaveID: fmt.Sprintf("Customer:%04d", i), BusinessWaveID: biz, Name: fmt.Sprintf("Customer %d", i),
		Email: fmt.Sprintf("c%d@example.com", i), Outstanding: usd(int64(500 * i)), Overdue: usd(int64(100 * i)),
		CreatedAt: day.AddDate(-1, 0, i), ModifiedAt: day.Add(time.Duration(i) * time.Minute),
	}
}

// upsertPages writes records in pages of size, as a sync does.
func upsertPages[T any](t *testing.T, recs []T, size int, upsert func([]T) (int, error)) int {
	t.Helper()
	total := 0
	for start := 0; start < len(recs); start += size {
		n, err := upsert(recs[start:min(start+size, len(recs))])
		must(t, err)
		total += n
	}
	return total
}

func snapshot(t *testing.T, s warehouseStore, orgID string) *finhealth.LedgerSnapshot {
	t.Helper()
	snap, err := s.LedgerSnapshot(context.Background(), orgID, day)
	must(t, err)
	return snap
}

func byWaveID[T any](recs []T, id func(T) string) []T {
	out := slices.Clone(recs)
	slices.SortFunc(out, func(a, b T) int { return strings.Compare(id(a), id(b)) })
	return out
}

func invoiceID(inv finhealth.Invoice) string { return inv.WaveID }

func testUpsertLedger(t *testing.T, s warehouseStore) {
	owner, org := register(t, s, "owner@example.com")
	c := connect(t, s, owner, org.ID)
	ctx := context.Background()
	biz := c.BusinessID

	accounts := []finhealth.LedgerAccount{ledgerAccount(biz, 1, 1234567), ledgerAccount(biz, 2, -500)}
	// A foreign-currency account keeps both balances with their own currencies.
	accounts[1].Currency, accounts[1].AccountBalance = "JPY", finhealth.Money{Minor: -800, Currency: "JPY", Exponent: 0}
	accounts[1].Type, accounts[1].Subtype, accounts[1].NormalBalance = finhealth.AccountLiability, finhealth.SubtypeCreditCard, finhealth.NormalCredit
	accounts[1].IsArchived = true
	n, err := s.UpsertAccounts(ctx, org.ID, accounts)
	must(t, err)
	if n != 2 {
		t.Fatalf("UpsertAccounts = %d", n)
	}
	invoices := ledgerInvoices(biz, 1, 8)
	// A foreign-currency invoice keeps its currency and rate.
	invoices[2].Currency, invoices[2].ExchangeRate = "EUR", "1.0825"
	for _, m := range []*finhealth.Money{&invoices[2].Total, &invoices[2].AmountDue, &invoices[2].AmountPaid, &invoices[2].TaxTotal} {
		m.Currency = "EUR"
	}
	_, err = s.UpsertInvoices(ctx, org.ID, invoices)
	must(t, err)
	customers := []finhealth.Customer{ledgerCustomer(biz, 1), ledgerCustomer(biz, 2)}
	customers[1].Currency, customers[1].IsArchived, customers[1].CreatedAt = "USD", true, time.Time{}
	_, err = s.UpsertCustomers(ctx, org.ID, customers)
	must(t, err)

	snap := snapshot(t, s, org.ID)
	if !snap.AsOf.Equal(day) || snap.BusinessID != biz || snap.Currency != "USD" || snap.CurrencyExponent != 2 ||
		snap.InvoicesUnavailable != "" {
		t.Fatalf("snapshot header = %+v", snap)
	}
	wantEqual(t, "accounts", snap.Accounts, accounts)
	wantEqual(t, "invoices", snap.Invoices, byWaveID(invoices, invoiceID))
	wantEqual(t, "customers", snap.Customers, customers)

	// A zero amount the provider left out takes the invoice's currency.
	bare := ledgerInvoice(biz, 99)
	bare.TaxTotal = finhealth.Money{}
	_, err = s.UpsertInvoices(ctx, org.ID, []finhealth.Invoice{bare})
	must(t, err)
	snap = snapshot(t, s, org.ID)
	got := snap.Invoices[len(snap.Invoices)-1]
	if got.WaveID != bare.WaveID || got.TaxTotal != usd(0) {
		t.Fatalf("invoice with a bare zero amount = %+v", got)
	}
}

func testUpsertIdempotent(t *testing.T, s warehouseStore) {
	owner, org := register(t, s, "owner@example.com")
	biz := connect(t, s, owner, org.ID).BusinessID
	ctx := context.Background()
	upsertInv := func(p []finhealth.Invoice) (int, error) { return s.UpsertInvoices(ctx, org.ID, p) }

	invoices := ledgerInvoices(biz, 0, 250)
	if n := upsertPages(t, invoices, 100, upsertInv); n != 250 {
		t.Fatalf("wrote %d invoices, want 250", n)
	}
	// The same data again, paged differently: the same 250 rows, none of them changed.
	if n := upsertPages(t, invoices, 50, upsertInv); n != 0 {
		t.Fatalf("re-run counted %d invoices new or changed, want 0", n)
	}
	snap := snapshot(t, s, org.ID)
	wantEqual(t, "invoices after a re-run", snap.Invoices, invoices)

	// A page that repeats a record (data moved under the walk) writes it once, with
	// its last reading: invoice 7 changed, invoice 8 did not.
	fresh := ledgerInvoice(biz, 7)
	fresh.Status, fresh.AmountDue, fresh.AmountPaid = finhealth.InvoicePaid, usd(0), fresh.Total
	n, err := s.UpsertInvoices(ctx, org.ID, []finhealth.Invoice{ledgerInvoice(biz, 7), ledgerInvoice(biz, 8), fresh})
	must(t, err)
	if n != 1 {
		t.Fatalf("page with a repeated record counted %d changed, want 1", n)
	}
	snap = snapshot(t, s, org.ID)
	if len(snap.Invoices) != 250 || snap.Invoices[7].Status != finhealth.InvoicePaid {
		t.Fatalf("after the repeated record: %d invoices, invoice 7 %s", len(snap.Invoices), snap.Invoices[7].Status)
	}

	// One call larger than a statement holds is written whole.
	big := ledgerInvoices(biz, 1000, 2200)
	n, err = s.UpsertInvoices(ctx, org.ID, big)
	must(t, err)
	if n != len(big) {
		t.Fatalf("big call wrote %d", n)
	}
	n, err = s.UpsertInvoices(ctx, org.ID, big)
	must(t, err)
	snap = snapshot(t, s, org.ID)
	if n != 0 || len(snap.Invoices) != 250+len(big) {
		t.Fatalf("after two big calls: %d invoices, the second counted %d changed", len(snap.Invoices), n)
	}

	// Accounts and customers too.
	accounts := []finhealth.LedgerAccount{ledgerAccount(biz, 1, 10), ledgerAccount(biz, 2, 20)}
	customers := []finhealth.Customer{ledgerCustomer(biz, 1), ledgerCustomer(biz, 2)}
	for range 3 {
		_, err = s.UpsertAccounts(ctx, org.ID, accounts)
		must(t, err)
		_, err = s.UpsertCustomers(ctx, org.ID, customers)
		must(t, err)
	}
	accounts[0].Balance, accounts[0].AccountBalance, accounts[0].Sequence = usd(99), usd(99), 7
	_, err = s.UpsertAccounts(ctx, org.ID, accounts[:1])
	must(t, err)
	snap = snapshot(t, s, org.ID)
	wantEqual(t, "accounts", snap.Accounts, accounts)
	wantEqual(t, "customers", snap.Customers, customers)
}

// testUpsertCountsChanges checks what the Upsert methods count: records new to the
// warehouse or different from the stored row, never a record written again
// unchanged, which must still count as seen for PruneUnseen.
func testUpsertCountsChanges(t *testing.T, s warehouseStore) {
	owner, org := register(t, s, "owner@example.com")
	biz := connect(t, s, owner, org.ID).BusinessID
	ctx := context.Background()
	upsertInv := func(p []finhealth.Invoice) (int, error) { return s.UpsertInvoices(ctx, org.ID, p) }

	// The clock of a prune is later than every earlier write: the store's clock
	// moves on, and the writes since carry its new time or later.
	clock := clockOf(t, s)
	later := func() time.Time { return clock.Advance(time.Second) }

	invoices := ledgerInvoices(biz, 0, 120)
	accounts := []finhealth.LedgerAccount{ledgerAccount(biz, 1, 10), ledgerAccount(biz, 2, 20), ledgerAccount(biz, 3, 30)}
	customers := []finhealth.Customer{ledgerCustomer(biz, 1), ledgerCustomer(biz, 2)}
	writeAll := func() (inv, acc, cus int) {
		t.Helper()
		inv = upsertPages(t, invoices, 50, upsertInv)
		acc, err := s.UpsertAccounts(ctx, org.ID, accounts)
		must(t, err)
		cus, err = s.UpsertCustomers(ctx, org.ID, customers)
		must(t, err)
		return inv, acc, cus
	}
	if inv, acc, cus := writeAll(); inv != 120 || acc != 3 || cus != 2 {
		t.Fatalf("first write counted %d invoices, %d accounts, %d customers; want all new", inv, acc, cus)
	}

	// The same books again: nothing new or changed, yet every row was seen, so a
	// prune as of this second read deletes none of them.
	second := later()
	if inv, acc, cus := writeAll(); inv != 0 || acc != 0 || cus != 0 {
		t.Fatalf("unchanged write counted %d invoices, %d accounts, %d customers; want 0", inv, acc, cus)
	}
	for _, e := range []finhealth.SyncEntity{finhealth.EntityInvoices, finhealth.EntityAccounts, finhealth.EntityCustomers} {
		pruned, err := s.PruneUnseen(ctx, org.ID, e, second)
		must(t, err)
		if pruned != 0 {
			t.Fatalf("pruned %d %s that the unchanged write read", pruned, e)
		}
	}
	snap := snapshot(t, s, org.ID)
	wantEqual(t, "invoices", snap.Invoices, invoices)
	wantEqual(t, "accounts", snap.Accounts, accounts)
	wantEqual(t, "customers", snap.Customers, customers)

	// One field of one record: that record, and its new value is stored.
	changes := []struct {
		name   string
		change func(inv *finhealth.Invoice)
	}{
		{"title", func(inv *finhealth.Invoice) { inv.Title = "Services, March" }},
		{"amount paid", func(inv *finhealth.Invoice) { inv.AmountDue, inv.AmountPaid = usd(1), usd(inv.Total.Minor-1) }},
		{"a timestamp set", func(inv *finhealth.Invoice) { inv.LastViewedAt = day.Add(time.Hour) }},
		{"a timestamp by a microsecond", func(inv *finhealth.Invoice) { inv.LastViewedAt = inv.LastViewedAt.Add(time.Microsecond) }},
		{"a timestamp cleared", func(inv *finhealth.Invoice) { inv.LastViewedAt = time.Time{} }},
		{"text moved between fields", func(inv *finhealth.Invoice) {
			both, k := inv.Number+inv.Title, len(inv.Number)+1
			inv.Number, inv.Title = both[:k], both[k:]
		}},
	}
	for _, c := range changes {
		c.change(&invoices[40])
		if n := upsertPages(t, invoices, 50, upsertInv); n != 1 {
			t.Fatalf("after changing the %s of one invoice, counted %d changed, want 1", c.name, n)
		}
		if n := upsertPages(t, invoices, 50, upsertInv); n != 0 {
			t.Fatalf("writing the changed %s again counted %d, want 0", c.name, n)
		}
	}
	wantEqual(t, "invoices after the changes", snapshot(t, s, org.ID).Invoices, invoices)

	accounts[1].Balance, accounts[1].AccountBalance = usd(21), usd(21)
	n, err := s.UpsertAccounts(ctx, org.ID, accounts)
	must(t, err)
	if n != 1 {
		t.Fatalf("after one account's balance changed, counted %d, want 1", n)
	}
	customers[0].IsArchived = true
	n, err = s.UpsertCustomers(ctx, org.ID, customers)
	must(t, err)
	if n != 1 {
		t.Fatalf("after one customer was archived, counted %d, want 1", n)
	}

	// A record repeated within one call is written once, with its last reading, and
	// counted once: a new record, and a stored one whose last reading differs.
	fresh := invoices[7]
	fresh.Status, fresh.AmountDue, fresh.AmountPaid = finhealth.InvoicePaid, usd(0), fresh.Total
	brandNew := ledgerInvoice(biz, 500)
	n, err = s.UpsertInvoices(ctx, org.ID, []finhealth.Invoice{brandNew, invoices[7], invoices[8], fresh, brandNew})
	must(t, err)
	if n != 2 {
		t.Fatalf("a call repeating records counted %d, want 2 (the new invoice and the changed one)", n)
	}
	// A record repeated with an unchanged last reading is not a change.
	n, err = s.UpsertInvoices(ctx, org.ID, []finhealth.Invoice{invoices[7], fresh})
	must(t, err)
	if n != 0 {
		t.Fatalf("a repeated record whose last reading is stored counted %d, want 0", n)
	}
	invoices[7] = fresh
	wantEqual(t, "invoices after the repeats", snapshot(t, s, org.ID).Invoices, append(slices.Clone(invoices), brandNew))

	// One call larger than a statement holds counts across its statements.
	big := ledgerInvoices(biz, 1000, 2200)
	n, err = s.UpsertInvoices(ctx, org.ID, big)
	must(t, err)
	if n != len(big) {
		t.Fatalf("big call counted %d, want %d", n, len(big))
	}
	big[3].Title, big[1100].Title = "changed", "changed"
	n, err = s.UpsertInvoices(ctx, org.ID, big)
	must(t, err)
	if n != 2 {
		t.Fatalf("big call with two changes counted %d, want 2", n)
	}
}

// testUpsertResumedAfterCrash is a full sync that dies after two of five pages, while
// Wave's data changes, and is then resumed by its retried job, whose pages no longer
// line up with the first attempt's.
func testUpsertResumedAfterCrash(t *testing.T, s warehouseStore) {
	owner, org := register(t, s, "owner@example.com")
	biz := connect(t, s, owner, org.ID).BusinessID
	ctx := context.Background()
	upsertInv := func(p []finhealth.Invoice) (int, error) { return s.UpsertInvoices(ctx, org.ID, p) }

	run, err := s.CreateSyncRun(ctx, org.ID, finhealth.SyncFull, finhealth.SyncOnConnect)
	must(t, err)
	run, err = s.StartSyncRun(ctx, run.ID)
	must(t, err)
	before := ledgerInvoices(biz, 0, 500)
	upsertPages(t, before[:200], 100, upsertInv)
	must(t, s.UpdateSyncProgress(ctx, run.ID, finhealth.SyncProgress{Invoices: finhealth.SyncCounts{Seen: 200, Upserted: 200}, Pages: 2}))
	// The worker dies here: no finish, no watermark.
	at, err := s.SyncWatermark(ctx, org.ID, finhealth.EntityInvoices)
	must(t, err)
	if !at.IsZero() {
		t.Fatalf("watermark after a crash = %v", at)
	}

	// Meanwhile in Wave: invoice 10 is paid and invoice 500 is new.
	after := ledgerInvoices(biz, 0, 501)
	after[10].Status, after[10].AmountDue, after[10].AmountPaid = finhealth.InvoicePaid, usd(0), after[10].Total
	after[10].ModifiedAt = day.Add(48 * time.Hour)

	resumed, err := s.StartSyncRun(ctx, run.ID)
	must(t, err)
	if !resumed.StartedAt.Equal(*run.StartedAt) {
		t.Fatal("resuming restarted the run")
	}
	// The retried walk starts over with shifted pages (an invoice was added), so some
	// records arrive twice.
	shifted := append(slices.Clone(after[:3]), after...)
	upsertPages(t, shifted, 100, upsertInv)
	must(t, s.SetSyncWatermark(ctx, org.ID, run.ID, finhealth.EntityInvoices, after[10].ModifiedAt))
	pruned, err := s.PruneUnseen(ctx, org.ID, finhealth.EntityInvoices, *run.StartedAt)
	must(t, err)
	if pruned != 0 {
		t.Fatalf("pruned %d invoices that the resumed run wrote", pruned)
	}
	_, err = s.FinishSyncRun(ctx, run.ID, finhealth.SyncSucceeded, finhealth.SyncProgress{Invoices: finhealth.SyncCounts{Seen: 504, Upserted: 501}, Pages: 6}, "")
	must(t, err)

	snap := snapshot(t, s, org.ID)
	wantEqual(t, "invoices after the resumed run", snap.Invoices, after)
}

func testUpsertRejected(t *testing.T, s warehouseStore) {
	owner, org := register(t, s, "owner@example.com")
	biz := connect(t, s, owner, org.ID).BusinessID
	ctx := context.Background()

	noID := ledgerInvoices(biz, 0, 2)
	noID[1].WaveID = ""
	_, err := s.UpsertInvoices(ctx, org.ID, noID)
	wantCode(t, err, finhealth.EINVALID)
	if f := finhealth.ErrorFields(err); f["invoices[1].wave_id"] == "" {
		t.Fatalf("fields = %v", f)
	}
	mixed := ledgerInvoices(biz, 0, 1)
	mixed[0].AmountDue.Currency = "CAD"
	_, err = s.UpsertInvoices(ctx, org.ID, mixed)
	wantCode(t, err, finhealth.EINVALID)
	if f := finhealth.ErrorFields(err); f["invoices[0].amount_due"] == "" {
		t.Fatalf("fields = %v", f)
	}
	noBiz := []finhealth.LedgerAccount{ledgerAccount("", 1, 1)}
	_, err = s.UpsertAccounts(ctx, org.ID, noBiz)
	wantCode(t, err, finhealth.EINVALID)
	odd := []finhealth.Customer{ledgerCustomer(biz, 1)}
	odd[0].Overdue.Exponent = 3
	_, err = s.UpsertCustomers(ctx, org.ID, odd)
	wantCode(t, err, finhealth.EINVALID)
	_, err = s.UpsertInvoices(ctx, "", ledgerInvoices(biz, 0, 1))
	wantCode(t, err, finhealth.EINVALID)
	_, err = s.UpsertInvoices(ctx, "0190a000-0000-7000-8000-000000000000", ledgerInvoices(biz, 0, 1))
	wantCode(t, err, finhealth.ENOTFOUND)
	n, err := s.UpsertCustomers(ctx, org.ID, nil)
	if err != nil || n != 0 {
		t.Fatalf("empty upsert = %d, %v", n, err)
	}
	// Nothing of the rejected calls was written.
	if snap := snapshot(t, s, org.ID); len(snap.Invoices)+len(snap.Accounts)+len(snap.Customers) != 0 {
		t.Fatalf("rejected upserts wrote %+v", snap)
	}
	_, err = s.PruneUnseen(ctx, org.ID, "vendors", nowOf(s))
	wantCode(t, err, finhealth.EINVALID)
}

func testPruneUnseen(t *testing.T, s warehouseStore) {
	owner, org := register(t, s, "owner@example.com")
	owner2, org2 := register(t, s, "owner2@example.com")
	biz := connect(t, s, owner, org.ID).BusinessID
	biz2 := connect(t, s, owner2, org2.ID).BusinessID
	ctx := context.Background()
	customers := []finhealth.Customer{ledgerCustomer(biz, 1), ledgerCustomer(biz, 2), ledgerCustomer(biz, 3)}
	_, err := s.UpsertCustomers(ctx, org.ID, customers)
	must(t, err)
	_, err = s.UpsertCustomers(ctx, org2.ID, []finhealth.Customer{ledgerCustomer(biz2, 1)})
	must(t, err)
	fullReadStart := clockOf(t, s).Advance(time.Second) // later than the writes above
	// Customer 2 was deleted in Wave: the full read does not return it.
	_, err = s.UpsertCustomers(ctx, org.ID, []finhealth.Customer{customers[0], customers[2]})
	must(t, err)
	n, err := s.PruneUnseen(ctx, org.ID, finhealth.EntityCustomers, fullReadStart)
	must(t, err)
	if n != 1 {
		t.Fatalf("pruned %d customers, want 1", n)
	}
	wantEqual(t, "customers", snapshot(t, s, org.ID).Customers, []finhealth.Customer{customers[0], customers[2]})
	// Another organization's rows are never pruned by this one's read.
	if got := snapshot(t, s, org2.ID).Customers; len(got) != 1 {
		t.Fatalf("organization 2 customers = %+v", got)
	}
}

func testLedgerSnapshotWindow(t *testing.T, s warehouseStore) {
	owner, org := register(t, s, "owner@example.com")
	ctx := actorCtx(owner)
	_, err := s.LedgerSnapshot(ctx, org.ID, day)
	wantCode(t, err, finhealth.ENOTFOUND) // never connected
	_, err = s.LedgerSnapshot(ctx, org.ID, time.Time{})
	wantCode(t, err, finhealth.EINVALID)
	_, err = s.SaveWaveConnection(ctx, finhealth.WaveConnection{OrganizationID: org.ID, WaveUserID: "u"}, waveToken("x"))
	must(t, err)
	_, err = s.LedgerSnapshot(ctx, org.ID, day)
	wantCode(t, err, finhealth.ENOTFOUND) // no business chosen
	biz := connect(t, s, owner, org.ID).BusinessID

	oldPaid := ledgerInvoice(biz, 3) // i%3 == 0: paid
	oldPaid.WaveID, oldPaid.InvoiceDate = "Invoice:old-paid", day.AddDate(-3, 0, 0)
	oldOpen := ledgerInvoice(biz, 4)
	oldOpen.WaveID, oldOpen.InvoiceDate = "Invoice:old-open", day.AddDate(-3, 0, 0)
	recentPaid := ledgerInvoice(biz, 6)
	recentPaid.WaveID, recentPaid.InvoiceDate = "Invoice:recent-paid", day.AddDate(-1, -11, 0)
	undated := ledgerInvoice(biz, 9)
	undated.WaveID, undated.InvoiceDate, undated.DueDate = "Invoice:undated-paid", time.Time{}, time.Time{}
	_, err = s.UpsertInvoices(ctx, org.ID, []finhealth.Invoice{oldPaid, oldOpen, recentPaid, undated})
	must(t, err)
	var ids []string
	for _, inv := range snapshot(t, s, org.ID).Invoices {
		ids = append(ids, inv.WaveID)
	}
	wantEqual(t, "invoices in the window", ids, []string{"Invoice:old-open", "Invoice:recent-paid"})

	// A classic-invoicing business has no readable invoices, which is said, not
	// shown as "no invoices".
	b := business(biz)
	b.IsClassicInvoicing = true
	_, err = s.ChooseWaveBusiness(ctx, org.ID, b)
	must(t, err)
	snap := snapshot(t, s, org.ID)
	if snap.InvoicesUnavailable == "" || len(snap.Invoices) != 0 {
		t.Fatalf("classic invoicing snapshot: %q, %d invoices", snap.InvoicesUnavailable, len(snap.Invoices))
	}
}

func testChooseOtherBusiness(t *testing.T, s warehouseStore) {
	owner, org := register(t, s, "owner@example.com")
	ctx := actorCtx(owner)
	bizA := connect(t, s, owner, org.ID).BusinessID
	_, err := s.UpsertAccounts(ctx, org.ID, []finhealth.LedgerAccount{ledgerAccount(bizA, 1, 100)})
	must(t, err)
	_, err = s.UpsertInvoices(ctx, org.ID, ledgerInvoices(bizA, 1, 5))
	must(t, err)
	must(t, s.InsertBalanceSnapshot(ctx, org.ID, finhealth.BalanceSnapshot{AsOf: day, Currency: "USD", CurrencyExponent: 2,
		Balances: []finhealth.AccountBalance{{AccountID: "Account:0001", Balance: usd(100)}}}))

	_, err = s.ChooseWaveBusiness(ctx, org.ID, business("biz-B"))
	must(t, err)
	snap := snapshot(t, s, org.ID)
	if snap.BusinessID != "biz-B" || len(snap.Accounts)+len(snap.Invoices) != 0 {
		t.Fatalf("snapshot after choosing another business = %+v", snap)
	}
	hist, err := s.BalanceHistory(ctx, org.ID, time.Time{}, time.Time{})
	must(t, err)
	if len(hist) != 0 {
		t.Fatalf("history of business A shown for B: %+v", hist)
	}
	// Back to A: its current state was dropped (a sync refills it), its history was kept.
	_, err = s.ChooseWaveBusiness(ctx, org.ID, business(bizA))
	must(t, err)
	if snap := snapshot(t, s, org.ID); len(snap.Accounts) != 0 {
		t.Fatalf("stale current state came back: %+v", snap.Accounts)
	}
	hist, err = s.BalanceHistory(ctx, org.ID, time.Time{}, time.Time{})
	must(t, err)
	if len(hist) != 1 {
		t.Fatalf("history of business A after coming back: %+v", hist)
	}
}

func testBalanceSnapshots(t *testing.T, s warehouseStore) {
	owner, org := register(t, s, "owner@example.com")
	ctx := actorCtx(owner)
	connect(t, s, owner, org.ID)
	snap := func(asOf time.Time, cash int64) finhealth.BalanceSnapshot {
		return finhealth.BalanceSnapshot{AsOf: asOf, Currency: "USD", CurrencyExponent: 2, Balances: []finhealth.AccountBalance{
			{AccountID: "Account:0001", Balance: usd(cash)},
			{AccountID: "Account:0002", Balance: finhealth.Money{Minor: -700, Currency: "JPY", Exponent: 0}},
			{AccountID: "Account:0003", Balance: finhealth.Money{Minor: 5}},
		}}
	}
	s1, s2, s3 := snap(day.AddDate(0, 0, -60), 100), snap(day.AddDate(0, 0, -30), 200), snap(day.Add(123*time.Microsecond), 300)
	for _, x := range []finhealth.BalanceSnapshot{s2, s1, s3} {
		must(t, s.InsertBalanceSnapshot(ctx, org.ID, x))
	}
	// History is append-only: the same moment again keeps what was recorded first.
	must(t, s.InsertBalanceSnapshot(ctx, org.ID, snap(s2.AsOf, 999)))

	all, err := s.BalanceHistory(ctx, org.ID, time.Time{}, time.Time{})
	must(t, err)
	wantEqual(t, "all snapshots", all, []finhealth.BalanceSnapshot{s1, s2, s3})
	some, err := s.BalanceHistory(ctx, org.ID, day.AddDate(0, 0, -45), day)
	must(t, err)
	if len(some) != 1 || !some[0].AsOf.Equal(s2.AsOf) {
		t.Fatalf("snapshots in [-45d, day] = %+v", some)
	}
	some, err = s.BalanceHistory(ctx, org.ID, s1.AsOf, s2.AsOf) // bounds included
	must(t, err)
	if len(some) != 2 {
		t.Fatalf("snapshots in [s1, s2] = %d", len(some))
	}
	// The dates are the history without the balances, bounds and all.
	dates, err := s.BalanceSnapshotDates(ctx, org.ID, time.Time{}, time.Time{})
	must(t, err)
	headers := make([]finhealth.BalanceSnapshot, len(all))
	for i, h := range all {
		headers[i] = finhealth.BalanceSnapshot{AsOf: h.AsOf, Currency: h.Currency, CurrencyExponent: h.CurrencyExponent}
	}
	wantEqual(t, "snapshot dates", dates, headers)
	dates, err = s.BalanceSnapshotDates(ctx, org.ID, s1.AsOf, s2.AsOf)
	must(t, err)
	wantEqual(t, "snapshot dates in [s1, s2]", dates, headers[:2])

	wantCode(t, s.InsertBalanceSnapshot(ctx, org.ID, finhealth.BalanceSnapshot{Currency: "USD"}), finhealth.EINVALID)
	wantCode(t, s.InsertBalanceSnapshot(ctx, org.ID, finhealth.BalanceSnapshot{AsOf: day}), finhealth.EINVALID)
	wantCode(t, s.InsertBalanceSnapshot(ctx, "0190a000-0000-7000-8000-000000000000", s1), finhealth.ENOTFOUND)
}

func testReceivablesSnapshots(t *testing.T, s warehouseStore) {
	owner, org := register(t, s, "owner@example.com")
	ctx := actorCtx(owner)
	connect(t, s, owner, org.ID)
	rs := func(asOf time.Time, total int64) finhealth.ReceivablesSnapshot {
		return finhealth.ReceivablesSnapshot{
			AsOf: asOf, Currency: "USD", CurrencyExponent: 2, Total: usd(total), Overdue: usd(total / 2),
			Current: usd(total / 2), Days1To30: usd(total / 4), Days31To60: usd(total / 8), Days61To90: usd(total / 16),
			Over90: usd(total/4 - total/8 - total/16), OpenInvoices: 12, OverdueInvoices: 5,
		}
	}
	r1, r2 := rs(day.AddDate(0, 0, -1), 1600), rs(day, 3200)
	must(t, s.InsertReceivablesSnapshot(ctx, org.ID, r1))
	must(t, s.InsertReceivablesSnapshot(ctx, org.ID, r2))
	must(t, s.InsertReceivablesSnapshot(ctx, org.ID, rs(day, 1))) // kept as first recorded
	all, err := s.ReceivablesHistory(ctx, org.ID, time.Time{}, time.Time{})
	must(t, err)
	wantEqual(t, "receivables history", all, []finhealth.ReceivablesSnapshot{r1, r2})
	some, err := s.ReceivablesHistory(ctx, org.ID, day, time.Time{})
	must(t, err)
	wantEqual(t, "receivables since day", some, []finhealth.ReceivablesSnapshot{r2})

	bad := rs(day.AddDate(0, 0, 1), 10)
	bad.Over90.Currency = "EUR"
	wantCode(t, s.InsertReceivablesSnapshot(ctx, org.ID, bad), finhealth.EINVALID)
	wantCode(t, s.InsertReceivablesSnapshot(ctx, org.ID, finhealth.ReceivablesSnapshot{Currency: "USD"}), finhealth.EINVALID)
}

func testAccountOverrides(t *testing.T, s warehouseStore) {
	owner, org := register(t, s, "owner@example.com")
	advisor := createUser(t, s, "advisor@example.com", finhealth.RoleUser)
	join(t, s, owner, org.ID, advisor, finhealth.OrgRoleAdvisor)
	ctx := actorCtx(owner)
	biz := connect(t, s, owner, org.ID).BusinessID
	loan := ledgerAccount(biz, 1, 500000)
	loan.Type, loan.Subtype = finhealth.AccountLiability, finhealth.SubtypeLoans
	_, err := s.UpsertAccounts(ctx, org.ID, []finhealth.LedgerAccount{loan, ledgerAccount(biz, 2, 10)})
	must(t, err)

	list, err := s.AccountOverrides(ctx, org.ID)
	must(t, err)
	if len(list) != 0 {
		t.Fatalf("overrides = %+v", list)
	}
	o, err := s.SetAccountOverride(ctx, org.ID, finhealth.AccountOverride{AccountID: loan.WaveID, Class: finhealth.ClassCurrentDebt, Note: " due in March "})
	must(t, err)
	if o.SetBy != owner.ID || o.Note != "due in March" || o.Class != finhealth.ClassCurrentDebt {
		t.Fatalf("override = %+v", o)
	}
	recent(t, "SetAt", o.SetAt)
	// An advisor changes the owner's decision; the list shows who decided last.
	o2, err := s.SetAccountOverride(actorCtx(advisor), org.ID, finhealth.AccountOverride{AccountID: loan.WaveID, Class: finhealth.ClassLongTermDebt})
	must(t, err)
	_, err = s.SetAccountOverride(ctx, org.ID, finhealth.AccountOverride{AccountID: "Account:0002", Class: finhealth.ClassExcluded})
	must(t, err)
	list, err = s.AccountOverrides(ctx, org.ID)
	must(t, err)
	if len(list) != 2 || list[0] != *o2 || list[0].SetBy != advisor.ID || list[1].Class != finhealth.ClassExcluded {
		t.Fatalf("overrides = %+v", list)
	}

	_, err = s.SetAccountOverride(ctx, org.ID, finhealth.AccountOverride{AccountID: loan.WaveID, Class: "liquid"})
	wantCode(t, err, finhealth.EINVALID)
	_, err = s.SetAccountOverride(ctx, org.ID, finhealth.AccountOverride{AccountID: "Account:nope", Class: finhealth.ClassCash})
	wantCode(t, err, finhealth.ENOTFOUND)
	_, err = s.SetAccountOverride(context.Background(), org.ID, finhealth.AccountOverride{AccountID: loan.WaveID, Class: finhealth.ClassCash})
	wantCode(t, err, finhealth.EINVALID) // nobody to record as the decider

	must(t, s.DeleteAccountOverride(ctx, org.ID, loan.WaveID))
	wantCode(t, s.DeleteAccountOverride(ctx, org.ID, loan.WaveID), finhealth.ENOTFOUND)
	list, err = s.AccountOverrides(ctx, org.ID)
	must(t, err)
	if len(list) != 1 || list[0].AccountID != "Account:0002" {
		t.Fatalf("overrides after delete = %+v", list)
	}

	entries := allAudit(t, s, finhealth.AuditFilter{OrganizationID: org.ID, Action: finhealth.AuditAccountOverrideSet})
	if len(entries) != 3 || entries[1].ActorID != advisor.ID || entries[1].Details["from"] != string(finhealth.ClassCurrentDebt) ||
		entries[1].Details["to"] != string(finhealth.ClassLongTermDebt) || entries[2].Details["from"] != "default" {
		t.Fatalf("override audit = %+v", entries)
	}
	if n := countAction(t, s, finhealth.AuditAccountOverrideDeleted); n != 1 {
		t.Fatalf("%d deletions audited", n)
	}
}

// testMappingAccounts: the mapping's read gives the chosen business's accounts and
// every override of the organization, and nothing of other businesses or
// organizations.
func testMappingAccounts(t *testing.T, s warehouseStore) {
	owner, org := register(t, s, "owner@example.com")
	ctx := actorCtx(owner)
	got, err := s.MappingAccounts(ctx, org.ID)
	must(t, err)
	if got.BusinessID != "" || len(got.Accounts) != 0 || got.Accounts == nil || len(got.Overrides) != 0 {
		t.Fatalf("never connected = %+v", got)
	}
	_, err = s.SaveWaveConnection(ctx, finhealth.WaveConnection{OrganizationID: org.ID, WaveUserID: "u"}, waveToken("x"))
	must(t, err)
	got, err = s.MappingAccounts(ctx, org.ID)
	must(t, err)
	if got.BusinessID != "" || len(got.Accounts) != 0 {
		t.Fatalf("pending = %+v", got)
	}

	biz := connect(t, s, owner, org.ID).BusinessID
	accounts := []finhealth.LedgerAccount{ledgerAccount(biz, 2, -500), ledgerAccount(biz, 1, 1234567)}
	_, err = s.UpsertAccounts(ctx, org.ID, accounts)
	must(t, err)
	_, err = s.UpsertInvoices(ctx, org.ID, ledgerInvoices(biz, 1, 4))
	must(t, err)
	o, err := s.SetAccountOverride(ctx, org.ID, finhealth.AccountOverride{AccountID: "Account:0002", Class: finhealth.ClassExcluded, Note: "closed"})
	must(t, err)
	// Another organization with the same Wave ids and its own decision.
	otherOwner, other := register(t, s, "other@example.com")
	otherBiz := connect(t, s, otherOwner, other.ID).BusinessID
	_, err = s.UpsertAccounts(ctx, other.ID, []finhealth.LedgerAccount{ledgerAccount(otherBiz, 1, 1), ledgerAccount(otherBiz, 3, 3)})
	must(t, err)
	_, err = s.SetAccountOverride(actorCtx(otherOwner), other.ID, finhealth.AccountOverride{AccountID: "Account:0001", Class: finhealth.ClassCash})
	must(t, err)

	got, err = s.MappingAccounts(ctx, org.ID)
	must(t, err)
	wantEqual(t, "mapping accounts", got, &finhealth.MappingAccounts{
		BusinessID: biz, Accounts: snapshot(t, s, org.ID).Accounts, Overrides: []finhealth.AccountOverride{*o},
	})
	wantEqual(t, "accounts by id", got.Accounts, []finhealth.LedgerAccount{accounts[1], accounts[0]})

	// Another business: its accounts (none yet), and the decisions kept, now stale.
	_, err = s.ChooseWaveBusiness(ctx, org.ID, business("biz-B"))
	must(t, err)
	got, err = s.MappingAccounts(ctx, org.ID)
	must(t, err)
	if got.BusinessID != "biz-B" || len(got.Accounts) != 0 || len(got.Overrides) != 1 || got.Overrides[0].AccountID != "Account:0002" {
		t.Fatalf("after choosing another business = %+v", got)
	}
}

func ratio(name string, v float64, band string, points int) finhealth.MetricValue {
	return finhealth.MetricValue{
		Name: name, Label: strings.ToUpper(name), Unit: finhealth.UnitRatio, Value: &v, Status: finhealth.MetricOK,
		Inputs:  []finhealth.MetricInput{{Name: "current_assets", Label: "Current assets", Amount: ptr(usd(150000)), Accounts: []string{"Account:0001"}}},
		Formula: "current assets / current liabilities", Band: band, Points: &points,
		Bands: []finhealth.MetricBand{{Name: band, Label: band, Min: ptr(1.5), Max: ptr(3.0), Points: points}},
	}
}

func cash(minor int64) finhealth.MetricValue {
	return finhealth.MetricValue{Name: "cash", Label: "Cash", Unit: finhealth.UnitMoney, Money: ptr(usd(minor)),
		Status: finhealth.MetricOK, Formula: "sum of cash accounts"}
}

func testMetrics(t *testing.T, s warehouseStore) {
	owner, org := register(t, s, "owner@example.com")
	ctx := actorCtx(owner)
	d0, d1, d2 := day.AddDate(0, 0, -2), day.AddDate(0, 0, -1), day
	must(t, s.InsertMetrics(ctx, org.ID, d0, []finhealth.MetricValue{ratio("current_ratio", 1.5, "healthy", 100), cash(1000)}))
	must(t, s.InsertMetrics(ctx, org.ID, d1, []finhealth.MetricValue{ratio("current_ratio", 1.7, "healthy", 100), cash(1100), ratio("overdue_share", 12, "watch", 70)}))
	dso := finhealth.MetricValue{Name: "dso", Label: "DSO", Unit: finhealth.UnitDays, Status: finhealth.MetricNotEnoughData, Reason: "no sales", Formula: "f"}
	latest := []finhealth.MetricValue{ratio("overdue_share", 8, "watch", 70), ratio("current_ratio", 2.0, "healthy", 100), cash(1200), dso}
	must(t, s.InsertMetrics(ctx, org.ID, d2, latest))

	series, err := s.MetricSeries(ctx, org.ID, []string{"current_ratio"}, time.Time{}, time.Time{})
	must(t, err)
	if len(series) != 3 || *series[0].Value != 1.5 || *series[2].Value != 2.0 || !series[1].AsOf.Equal(d1) ||
		series[0].Band != "healthy" || *series[0].Points != 100 || series[0].Unit != finhealth.UnitRatio || series[0].Money != nil {
		t.Fatalf("current ratio series = %+v", series)
	}
	series, err = s.MetricSeries(ctx, org.ID, []string{"cash", "overdue_share"}, d1, d2)
	must(t, err)
	var got []string
	for _, p := range series {
		got = append(got, fmt.Sprintf("%s@%d", p.Name, p.AsOf.Day()))
	}
	wantEqual(t, "cash and overdue since d1", got, []string{"cash@13", "cash@14", "overdue_share@13", "overdue_share@14"})
	if *series[1].Money != usd(1200) || series[1].Value != nil || series[1].Points != nil {
		t.Fatalf("cash point = %+v", series[1])
	}
	all, err := s.MetricSeries(ctx, org.ID, nil, d2, d2)
	must(t, err)
	if len(all) != 4 || all[2].Name != "dso" || all[2].Status != finhealth.MetricNotEnoughData || all[2].Value != nil {
		t.Fatalf("every metric at d2 = %+v", all)
	}

	// The newest computation comes back whole, in computed order.
	want := slices.Clone(latest)
	for i := range want {
		want[i].AsOf = d2
	}
	full, err := s.LatestMetrics(ctx, org.ID)
	must(t, err)
	wantEqual(t, "latest metrics", full, want)

	// Recomputing a moment (after a mapping change) replaces it whole; a repeated name
	// counts once, with its last value.
	must(t, s.InsertMetrics(ctx, org.ID, d2, []finhealth.MetricValue{ratio("current_ratio", 2.1, "healthy", 100), ratio("current_ratio", 2.2, "healthy", 100)}))
	full, err = s.LatestMetrics(ctx, org.ID)
	must(t, err)
	if len(full) != 1 || *full[0].Value != 2.2 {
		t.Fatalf("recomputed = %+v", full)
	}
	series, err = s.MetricSeries(ctx, org.ID, []string{"cash"}, time.Time{}, time.Time{})
	must(t, err)
	if len(series) != 2 {
		t.Fatalf("cash after the recomputation: %+v", series)
	}

	wantCode(t, s.InsertMetrics(ctx, org.ID, time.Time{}, latest), finhealth.EINVALID)
	wantCode(t, s.InsertMetrics(ctx, org.ID, day, []finhealth.MetricValue{{Label: "nameless"}}), finhealth.EINVALID)
	wantCode(t, s.InsertMetrics(ctx, "0190a000-0000-7000-8000-000000000000", day, latest), finhealth.ENOTFOUND)
	empty, err := s.LatestMetrics(ctx, "0190a000-0000-7000-8000-000000000000")
	must(t, err)
	if len(empty) != 0 {
		t.Fatalf("metrics of nobody = %+v", empty)
	}
}

func healthScore(asOf time.Time, score float64) finhealth.HealthScore {
	tier := finhealth.TierCoping
	if score >= 80 {
		tier = finhealth.TierHealthy
	}
	ledgerAsOf := asOf.Add(-time.Hour)
	return finhealth.HealthScore{
		Status: finhealth.MetricOK, Score: &score, Tier: tier, MethodVersion: "health-1",
		Pillars:         []finhealth.HealthPillar{{ID: "liquidity", Label: "Liquidity", Source: finhealth.SourceLedger, Status: finhealth.MetricOK, Score: &score, Weight: 0.5, EffectiveWeight: 0.5}},
		Components:      []finhealth.HealthComponent{{Name: "current_ratio", Label: "Current ratio", Source: finhealth.SourceLedger, Pillar: "liquidity", Status: finhealth.MetricOK, Points: &score, Weight: 0.2, EffectiveWeight: 0.25}},
		Recommendations: []finhealth.Recommendation{{Category: "liquidity", Priority: 1, Title: "t", Detail: "d"}},
		AssessmentID:    "0190a000-0000-7000-8000-0000000000aa", QuestionnaireVersion: 1, AlgorithmVersion: "1",
		LedgerAsOf: &ledgerAsOf, AsOf: asOf,
	}
}

func testHealthScores(t *testing.T, s warehouseStore) {
	owner, org := register(t, s, "owner@example.com")
	ctx := actorCtx(owner)
	_, err := s.LatestHealthScore(ctx, org.ID)
	wantCode(t, err, finhealth.ENOTFOUND)

	var scores []finhealth.HealthScore
	for i := range 5 {
		hs := healthScore(day.AddDate(0, 0, i-4), float64(60+i))
		scores = append(scores, hs)
		must(t, s.InsertHealthScore(ctx, org.ID, hs))
	}
	// Two scores at one moment (a rescore): the later one counts as newer.
	again := healthScore(day, 90)
	must(t, s.InsertHealthScore(ctx, org.ID, again))
	noData := finhealth.HealthScore{Status: finhealth.MetricNotEnoughData, Reason: "nothing yet", MethodVersion: "health-1", AsOf: day.AddDate(0, 0, -30)}
	must(t, s.InsertHealthScore(ctx, org.ID, noData))

	latest, err := s.LatestHealthScore(ctx, org.ID)
	must(t, err)
	wantEqual(t, "latest score", *latest, again)

	var got []finhealth.HealthScore
	cursor, pages := "", 0
	for {
		page, next, err := s.HealthHistory(ctx, org.ID, day.AddDate(0, 0, -3), day, cursor, 2)
		must(t, err)
		got, pages = append(got, page...), pages+1
		if next == "" {
			break
		}
		cursor = next
	}
	wantEqual(t, "history in [-3d, day]", got, []finhealth.HealthScore{again, scores[4], scores[3], scores[2], scores[1]})
	if pages != 3 {
		t.Fatalf("%d pages, want 3", pages)
	}
	all, _, err := s.HealthHistory(ctx, org.ID, time.Time{}, time.Time{}, "", 100)
	must(t, err)
	if len(all) != 7 || all[6].Score != nil || all[6].Status != finhealth.MetricNotEnoughData {
		t.Fatalf("whole history = %d scores, last %+v", len(all), all[len(all)-1])
	}

	// The timeline is the same list without the explanations.
	line, more, err := s.HealthTimeline(ctx, org.ID, day.AddDate(0, 0, -3), day, 4)
	must(t, err)
	if !more {
		t.Error("a timeline of five scores cut at four says there are no more")
	}
	wantEqual(t, "timeline in [-3d, day]", line, TimelineOf(got[:4]))
	line, more, err = s.HealthTimeline(ctx, org.ID, time.Time{}, time.Time{}, 100)
	must(t, err)
	if more {
		t.Error("the whole timeline says there are more")
	}
	wantEqual(t, "whole timeline", line, TimelineOf(all))

	_, _, err = s.HealthHistory(ctx, org.ID, time.Time{}, time.Time{}, "garbage", 10)
	wantCode(t, err, finhealth.EINVALID)
	wantCode(t, s.InsertHealthScore(ctx, org.ID, finhealth.HealthScore{MethodVersion: "x"}), finhealth.EINVALID)
	wantCode(t, s.InsertHealthScore(ctx, org.ID, finhealth.HealthScore{AsOf: day}), finhealth.EINVALID)
	wantCode(t, s.InsertHealthScore(ctx, "0190a000-0000-7000-8000-000000000000", again), finhealth.ENOTFOUND)
}

func testPortfolio(t *testing.T, s warehouseStore) {
	adv, own := register(t, s, "adv@example.com")
	ownerA, orgA := register(t, s, "a@example.com")
	ownerC, orgC := register(t, s, "c@example.com")
	ownerD, orgD := register(t, s, "d@example.com")
	join(t, s, ownerA, orgA.ID, adv, finhealth.OrgRoleAdvisor)
	join(t, s, ownerC, orgC.ID, adv, finhealth.OrgRoleViewer)
	ctx := context.Background()
	for org, name := range map[string]string{orgA.ID: "Alpha", own.ID: "Bravo", orgC.ID: "Charlie", orgD.ID: "Delta"} {
		_, err := s.UpdateOrganization(ctx, org, finhealth.OrganizationUpdate{Name: ptr(name)})
		must(t, err)
	}

	// Alpha: connected and synced, a score now and one 40 days ago, flags data.
	now := nowOf(s).UTC().Truncate(time.Microsecond)
	connect(t, s, ownerA, orgA.ID)
	run, err := s.CreateSyncRun(ctx, orgA.ID, finhealth.SyncFull, finhealth.SyncOnConnect)
	must(t, err)
	_, err = s.StartSyncRun(ctx, run.ID)
	must(t, err)
	doneA, err := s.FinishSyncRun(ctx, run.ID, finhealth.SyncSucceeded, finhealth.SyncProgress{}, "")
	must(t, err)
	must(t, s.InsertHealthScore(ctx, orgA.ID, healthScore(now.AddDate(0, 0, -40), 50)))
	must(t, s.InsertHealthScore(ctx, orgA.ID, healthScore(now.AddDate(0, 0, -10), 60)))
	must(t, s.InsertHealthScore(ctx, orgA.ID, healthScore(now.Add(-time.Hour), 72.5)))
	must(t, s.InsertMetrics(ctx, orgA.ID, now.AddDate(0, 0, -2), []finhealth.MetricValue{ratio("overdue_share", 10, "watch", 70)}))
	must(t, s.InsertMetrics(ctx, orgA.ID, now.Add(-time.Hour), []finhealth.MetricValue{
		ratio("overdue_share", 22.5, "high", 30), ratio("cash_buffer_days", 12, "low", 20)}))

	// Bravo (the advisor's own): its grant was revoked, its last run failed, and its
	// only score is old, so there is no change to show.
	connect(t, s, adv, own.ID)
	run, err = s.CreateSyncRun(ctx, own.ID, finhealth.SyncIncremental, finhealth.SyncScheduled)
	must(t, err)
	_, err = s.FinishSyncRun(ctx, run.ID, finhealth.SyncFailed, finhealth.SyncProgress{}, "wave: invalid_grant")
	must(t, err)
	_, err = s.SetWaveConnectionStatus(ctx, own.ID, grantOf(t, s, own.ID), finhealth.WaveNeedsReconnect, string(finhealth.WaveGrantRevoked))
	must(t, err)
	must(t, s.InsertHealthScore(ctx, own.ID, healthScore(now.AddDate(0, 0, -40), 45)))

	// Charlie (viewer) and Delta (not a member) have data that must not show.
	must(t, s.InsertHealthScore(ctx, orgC.ID, healthScore(now, 99)))
	connect(t, s, ownerD, orgD.ID)
	must(t, s.InsertHealthScore(ctx, orgD.ID, healthScore(now, 98)))

	entries, err := s.Portfolio(ctx, adv.ID)
	must(t, err)
	if len(entries) != 2 || entries[0].OrganizationID != orgA.ID || entries[1].OrganizationID != own.ID {
		t.Fatalf("portfolio = %+v", entries)
	}
	a, b := entries[0], entries[1]
	if a.OrganizationName != "Alpha" || a.Role != finhealth.OrgRoleAdvisor || *a.Score != 72.5 || a.Tier != finhealth.TierCoping ||
		!a.ScoreAsOf.Equal(now.Add(-time.Hour)) || *a.PreviousScore != 50 || *a.ScoreChange != 22.5 ||
		!a.PreviousScoreAsOf.Equal(now.AddDate(0, 0, -40)) {
		t.Fatalf("Alpha scores = %+v", a)
	}
	if a.ConnectionStatus != finhealth.WaveActive || a.BusinessName == "" || a.LastSyncAt == nil ||
		!a.LastSyncAt.Equal(*doneA.FinishedAt) || a.LastRunStatus != finhealth.SyncSucceeded || a.LastRunError != "" {
		t.Fatalf("Alpha sync = %+v", a)
	}
	if a.OverdueShare == nil || *a.OverdueShare.Value != 22.5 || a.OverdueShare.Band != "high" ||
		a.CashBufferDays == nil || *a.CashBufferDays.Value != 12 || a.CashBufferDays.Band != "low" ||
		a.CashBufferDays.Status != finhealth.MetricOK || !a.CashBufferDays.AsOf.Equal(now.Add(-time.Hour)) {
		t.Fatalf("Alpha flags = %+v / %+v", a.OverdueShare, a.CashBufferDays)
	}
	if b.OrganizationName != "Bravo" || b.Role != finhealth.OrgRoleOwner || *b.Score != 45 || b.PreviousScore != nil ||
		b.ScoreChange != nil || b.ConnectionStatus != finhealth.WaveNeedsReconnect ||
		b.ConnectionReason != string(finhealth.WaveGrantRevoked) || b.LastSyncAt != nil ||
		b.LastRunStatus != finhealth.SyncFailed || b.LastRunError != "wave: invalid_grant" || b.LastRunFinished == nil ||
		b.OverdueShare != nil || b.CashBufferDays != nil {
		t.Fatalf("Bravo = %+v", b)
	}

	// An organization that never connected Wave shows its score and no sync data.
	entries, err = s.Portfolio(ctx, ownerC.ID)
	must(t, err)
	if len(entries) != 1 || entries[0].Score == nil || entries[0].ConnectionStatus != "" || entries[0].LastRunStatus != "" {
		t.Fatalf("Charlie's owner portfolio = %+v", entries)
	}
	entries, err = s.Portfolio(ctx, "0190a000-0000-7000-8000-000000000000")
	must(t, err)
	if len(entries) != 0 {
		t.Fatalf("portfolio of nobody = %+v", entries)
	}
}

// testWarehouseTenantIsolation fills organization A and reads everything through
// organization B, which holds records with the same Wave ids.
func testWarehouseTenantIsolation(t *testing.T, s warehouseStore) {
	ownerA, orgA := register(t, s, "a@example.com")
	ownerB, orgB := register(t, s, "b@example.com")
	ctx := context.Background()
	connA := connect(t, s, ownerA, orgA.ID)
	runA, err := s.CreateSyncRun(ctx, orgA.ID, finhealth.SyncFull, finhealth.SyncOnConnect)
	must(t, err)
	_, err = s.StartSyncRun(ctx, runA.ID)
	must(t, err)
	must(t, s.SetSyncWatermark(ctx, orgA.ID, runA.ID, finhealth.EntityInvoices, day))
	_, err = s.UpsertAccounts(ctx, orgA.ID, []finhealth.LedgerAccount{ledgerAccount(connA.BusinessID, 1, 100)})
	must(t, err)
	_, err = s.UpsertInvoices(ctx, orgA.ID, ledgerInvoices(connA.BusinessID, 1, 4))
	must(t, err)
	_, err = s.SetAccountOverride(actorCtx(ownerA), orgA.ID, finhealth.AccountOverride{AccountID: "Account:0001", Class: finhealth.ClassExcluded})
	must(t, err)
	must(t, s.InsertBalanceSnapshot(ctx, orgA.ID, finhealth.BalanceSnapshot{AsOf: day, Currency: "USD", CurrencyExponent: 2}))
	must(t, s.InsertMetrics(ctx, orgA.ID, day, []finhealth.MetricValue{cash(1)}))
	must(t, s.InsertHealthScore(ctx, orgA.ID, healthScore(day, 70)))

	// Nothing of A through B.
	_, err = s.WaveConnection(ctx, orgB.ID)
	wantCode(t, err, finhealth.ENOTFOUND)
	_, err = s.WaveToken(ctx, orgB.ID)
	wantCode(t, err, finhealth.ENOTFOUND)
	_, err = s.SyncRun(ctx, orgB.ID, runA.ID)
	wantCode(t, err, finhealth.ENOTFOUND)
	runs, _, err := s.ListSyncRuns(ctx, orgB.ID, "", 10)
	must(t, err)
	if len(runs) != 0 {
		t.Fatalf("B's runs = %+v", runs)
	}
	// B cannot move A's run's watermark by naming it.
	wantCode(t, s.SetSyncWatermark(ctx, orgB.ID, runA.ID, finhealth.EntityInvoices, day), finhealth.ENOTFOUND)
	_, err = s.LedgerSnapshot(ctx, orgB.ID, day)
	wantCode(t, err, finhealth.ENOTFOUND)
	overrides, err := s.AccountOverrides(ctx, orgB.ID)
	must(t, err)
	hist, err := s.BalanceHistory(ctx, orgB.ID, time.Time{}, time.Time{})
	must(t, err)
	points, err := s.MetricSeries(ctx, orgB.ID, nil, time.Time{}, time.Time{})
	must(t, err)
	scores, _, err := s.HealthHistory(ctx, orgB.ID, time.Time{}, time.Time{}, "", 10)
	must(t, err)
	if len(overrides)+len(hist)+len(points)+len(scores) != 0 {
		t.Fatalf("B sees A's data: %v %v %v %v", overrides, hist, points, scores)
	}
	_, err = s.LatestHealthScore(ctx, orgB.ID)
	wantCode(t, err, finhealth.ENOTFOUND)
	// B cannot override A's account, nor delete A's override.
	_, err = s.SetAccountOverride(actorCtx(ownerB), orgB.ID, finhealth.AccountOverride{AccountID: "Account:0001", Class: finhealth.ClassCash})
	wantCode(t, err, finhealth.ENOTFOUND)
	wantCode(t, s.DeleteAccountOverride(actorCtx(ownerB), orgB.ID, "Account:0001"), finhealth.ENOTFOUND)

	// The same Wave ids in B are B's own rows: writing, pruning and choosing another
	// business in B leave A untouched.
	connB := connect(t, s, ownerB, orgB.ID)
	invB := ledgerInvoices(connB.BusinessID, 1, 4)
	for i := range invB {
		invB[i].Total, invB[i].AmountDue = usd(1), usd(1)
	}
	_, err = s.UpsertInvoices(ctx, orgB.ID, invB)
	must(t, err)
	_, err = s.PruneUnseen(ctx, orgB.ID, finhealth.EntityAccounts, nowOf(s).Add(time.Hour))
	must(t, err)
	_, err = s.ChooseWaveBusiness(actorCtx(ownerB), orgB.ID, business("elsewhere"))
	must(t, err)
	wm, err := s.SyncWatermark(ctx, orgB.ID, finhealth.EntityInvoices)
	must(t, err)
	if !wm.IsZero() {
		t.Fatalf("B's watermark = %v", wm)
	}
	snapA := snapshot(t, s, orgA.ID)
	wantEqual(t, "A's invoices", snapA.Invoices, ledgerInvoices(connA.BusinessID, 1, 4))
	if len(snapA.Accounts) != 1 {
		t.Fatalf("A's accounts = %+v", snapA.Accounts)
	}
	wm, err = s.SyncWatermark(ctx, orgA.ID, finhealth.EntityInvoices)
	must(t, err)
	if !wm.Equal(day) {
		t.Fatalf("A's watermark = %v", wm)
	}
	tokA, err := s.WaveToken(ctx, orgA.ID)
	must(t, err)
	if tokA.AccessToken != waveToken(orgA.ID).AccessToken {
		t.Fatalf("A's token = %#v", tokA)
	}
}

// TimelineOf is what HealthTimeline keeps of each score.
func TimelineOf(scores []finhealth.HealthScore) []finhealth.HealthScore {
	out := make([]finhealth.HealthScore, len(scores))
	for i, h := range scores {
		out[i] = finhealth.HealthScore{Status: h.Status, Score: h.Score, Tier: h.Tier, MethodVersion: h.MethodVersion,
			AssessmentID: h.AssessmentID, LedgerAsOf: h.LedgerAsOf, AsOf: h.AsOf}
	}
	return out
}
