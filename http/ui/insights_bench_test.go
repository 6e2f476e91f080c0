package ui

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"finhealth"
	fhttp "finhealth/http"
	"finhealth/http/internal/servertest"
	"finhealth/internal/testdb"
	"finhealth/scoring"
	"finhealth/store"
)

// benchDailyBooks stores the given number of days of daily syncs for a new
// organization through the store, as the worker would have: 40 accounts and 600
// invoices, a balance snapshot, the metrics and a health score for each day, and one
// assessment. It returns the organization and its owner.
func benchDailyBooks(b testing.TB, db *store.DB, days int) (orgID, userID string) {
	b.Helper()
	const business = "QnVzaW5lc3M6eWVhcg=="
	ctx, o, u := benchConnectedOwner(b, db, "year@example.com", "Year", "A year of books", business, "Year Bakery")
	usd := func(m int64) finhealth.Money { return finhealth.Money{Minor: m, Currency: "USD", Exponent: 2} }
	subtypes := []struct {
		sub  finhealth.AccountSubtypeValue
		typ  finhealth.AccountType
		side finhealth.NormalBalance
	}{
		{finhealth.SubtypeCashAndBank, finhealth.AccountAsset, finhealth.NormalDebit},
		{finhealth.SubtypeReceivableInvoices, finhealth.AccountAsset, finhealth.NormalDebit},
		{finhealth.SubtypeInventory, finhealth.AccountAsset, finhealth.NormalDebit},
		{finhealth.SubtypePropertyPlantEquipment, finhealth.AccountAsset, finhealth.NormalDebit},
		{finhealth.SubtypeCreditCard, finhealth.AccountLiability, finhealth.NormalCredit},
		{finhealth.SubtypePayableBills, finhealth.AccountLiability, finhealth.NormalCredit},
		{finhealth.SubtypeLoans, finhealth.AccountLiability, finhealth.NormalCredit},
		{finhealth.SubtypeRetainedEarnings, finhealth.AccountEquity, finhealth.NormalCredit},
		{finhealth.SubtypeIncome, finhealth.AccountIncome, finhealth.NormalCredit},
		{finhealth.SubtypeExpense, finhealth.AccountExpense, finhealth.NormalDebit},
	}
	accounts := make([]finhealth.LedgerAccount, 40)
	for i := range accounts {
		st := subtypes[i%len(subtypes)]
		accounts[i] = finhealth.LedgerAccount{WaveID: fmt.Sprintf("QWNjb3VudDo%04d", i), BusinessWaveID: business,
			Name: fmt.Sprintf("Account %d", i), Type: st.typ, Subtype: st.sub, NormalBalance: st.side, Currency: "USD",
			Balance: usd(int64(100000 + i*25000)), AccountBalance: usd(int64(100000 + i*25000))}
	}
	if _, err := db.UpsertAccounts(ctx, o.ID, accounts); err != nil {
		b.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Hour)
	invoices := make([]finhealth.Invoice, 600)
	for i := range invoices {
		date := now.AddDate(0, 0, -(i % 400))
		total := int64(20000 + i*37%90000)
		status := finhealth.InvoicePaid
		if i%4 == 0 {
			status = finhealth.InvoiceSent
		}
		due := usd(0)
		if status == finhealth.InvoiceSent {
			due = usd(total)
		}
		invoices[i] = finhealth.Invoice{WaveID: fmt.Sprintf("SW52b2ljZTo%05d", i), BusinessWaveID: business, Number: fmt.Sprint(1000 + i),
			CustomerWaveID: fmt.Sprintf("Q3VzdDo%02d", i%30), CustomerName: fmt.Sprintf("Customer %d", i%30), Status: status,
			Currency: "USD", ExchangeRate: "1", Total: usd(total), AmountDue: due, AmountPaid: usd(total - due.Minor),
			InvoiceDate: date, DueDate: date.AddDate(0, 0, 30), CreatedAt: date, ModifiedAt: date}
	}
	if _, err := db.UpsertInvoices(ctx, o.ID, invoices); err != nil {
		b.Fatal(err)
	}
	snap, err := db.LedgerSnapshot(ctx, o.ID, now)
	if err != nil {
		b.Fatal(err)
	}
	mapping := scoring.DefaultAccountMapping(snap.Accounts, nil)
	var history []finhealth.BalanceSnapshot
	for day := days - 1; day >= 0; day-- {
		asOf := now.AddDate(0, 0, -day)
		bs := snap.Balances()
		bs.AsOf = asOf
		for i := range bs.Balances {
			// Balances drift over the year, so that every series has a shape.
			bs.Balances[i].Balance.Minor += int64((days-day)*(i+1)) * 100
		}
		if err := db.InsertBalanceSnapshot(ctx, o.ID, bs); err != nil {
			b.Fatal(err)
		}
		history = append(history, bs)
		daySnap := *snap
		daySnap.AsOf = asOf
		metrics := scoring.ComputeMetrics(daySnap, history, mapping, asOf)
		if err := db.InsertMetrics(ctx, o.ID, asOf, metrics); err != nil {
			b.Fatal(err)
		}
		if err := db.InsertHealthScore(ctx, o.ID, scoring.CombinedHealth(metrics, nil, asOf)); err != nil {
			b.Fatal(err)
		}
	}
	servertest.StoreAssessment(b, db, o.ID, u.ID, 1)
	return o.ID, u.ID
}

// processCPU is the CPU time (user and system) the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkDashboardYear renders an organization's pages with a year of daily
// snapshots through the whole handler (session cookie, authorization, queries,
// template). Issue 4's target for the dashboard is under 20 ms per render.
func BenchmarkDashboardYear(b *testing.B) { benchInsightPages(b, 365) }

// BenchmarkDashboard3Years is BenchmarkDashboardYear for a business with three years
// of daily snapshots, scores and metrics. Issue 12 sets the dashboard and the
// history page under 20 ms each.
func BenchmarkDashboard3Years(b *testing.B) { benchInsightPages(b, 3*365+1) }

func benchInsightPages(b *testing.B, days int) {
	for _, dialect := range testdb.Dialects {
		b.Run(dialect, func(b *testing.B) {
			testdb.SkipIfUnavailable(b, dialect)
			db := testdb.Open(b, dialect)
			orgID, userID := benchDailyBooks(b, db, days)
			if dialect == store.DialectPostgres {
				// As in BenchmarkHealth50k: the state a minute after a sync, once
				// autovacuum has analyzed the tables.
				if _, err := db.SQL().Exec("VACUUM ANALYZE"); err != nil {
					b.Fatal(err)
				}
			}
			srv := fhttp.NewServer(fhttp.Config{JWTSecret: servertest.Secret, Argon2: servertest.Argon2}, db)
			mount(srv)
			benchPages(b, srv, userID, []benchPage{
				{"dashboard", "/orgs/" + orgID, `data-metric="current_ratio"`},
				{"metric", "/orgs/" + orgID + "/metrics/current_ratio", `id="metric-chart-title"`},
				{"history", "/orgs/" + orgID + "/history", `id="history-chart-title"`},
			})
		})
	}
}

// benchPage is a GET that a benchmark repeats and the text its answer must hold.
type benchPage struct{ name, path, want string }

// benchPages runs one sub-benchmark per page, signed in as userID: with a bearer
// token for the API, with the session cookies for pages.
func benchPages(b *testing.B, srv *fhttp.Server, userID string, pages []benchPage) {
	tok, err := fhttp.Accounts{Server: srv}.AccessToken(context.Background(), userID)
	if err != nil {
		b.Fatal(err)
	}
	seed, _, _ := fhttp.NewOpaqueToken()
	cookies := fhttp.Accounts{Server: srv}.Cookies()
	for _, page := range pages {
		b.Run(page.name, func(b *testing.B) {
			b.ReportAllocs()
			cpu := processCPU()
			for b.Loop() {
				r := httptest.NewRequest("GET", page.path, nil)
				if strings.HasPrefix(page.path, "/api/") {
					r.Header.Set("Authorization", "Bearer "+tok)
				} else {
					r.AddCookie(&http.Cookie{Name: cookies.Name(fhttp.CookieAccess), Value: tok})
					r.AddCookie(&http.Cookie{Name: cookies.Name(fhttp.CookieCSRF), Value: seed})
				}
				w := httptest.NewRecorder()
				srv.Handler().ServeHTTP(w, r)
				if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), page.want) {
					b.Fatalf("status %d: %.2000s", w.Code, w.Body)
				}
			}
			// On a shared machine the wall time per render mostly measures the
			// queue for a core; the CPU time the process spent is steadier.
			b.ReportMetric(float64(processCPU()-cpu)/float64(b.N)/1e6, "cpu-ms/op")
		})
	}
}
