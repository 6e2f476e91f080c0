package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"finhealth"
	"finhealth/internal/testdb"
)

// benchInvoices is a generated business's invoices, shaped like Wave's.
func benchInvoices(n int) []finhealth.Invoice {
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	usd := func(m int64) finhealth.Money { return finhealth.Money{Minor: m, Currency: "USD", Exponent: 2} }
	out := make([]finhealth.Invoice, n)
	for i := range out {
		total := int64(5000 + i%100000)
		date := base.AddDate(0, 0, -(i % 700))
		out[i] = finhealth.Invoice{
			WaveID: fmt.Sprintf("SW52b2ljZToxMjM0NTY3ODk%08d", i), BusinessWaveID: "QnVzaW5lc3M6YmVuY2g=",
			Number: fmt.Sprint(100000 + i), Title: "Invoice", CustomerWaveID: fmt.Sprintf("Q3VzdG9tZXI6%05d", i%5000),
			CustomerName: fmt.Sprintf("Customer %d", i%5000), Status: finhealth.InvoiceSent, Currency: "USD",
			ExchangeRate: "1", Total: usd(total), AmountDue: usd(total / 2), AmountPaid: usd(total - total/2),
			TaxTotal: usd(total / 10), InvoiceDate: date, DueDate: date.AddDate(0, 0, 30),
			CreatedAt: date.Add(9 * time.Hour), ModifiedAt: date.Add(10 * time.Hour), LastSentAt: date.Add(11 * time.Hour),
			LastSentVia: "MARKED_SENT",
		}
	}
	return out
}

// BenchmarkUpsertInvoices stores a 50,000-invoice business in pages of 100, as a
// sync from Wave does: "insert" into an empty organization (a first sync), "update"
// over the same invoices (a full resync). The target is 20,000 invoices per
// second on PostgreSQL.
func BenchmarkUpsertInvoices(b *testing.B) {
	const (
		total = 50000
		page  = 100
	)
	invoices := benchInvoices(total)
	for _, dialect := range testdb.Dialects {
		b.Run(dialect, func(b *testing.B) {
			testdb.SkipIfUnavailable(b, dialect)
			ctx := context.Background()
			db := testdb.Open(b, dialect)
			// The benchmark function runs several times (b.N grows), so emails come from a
			// counter that outlives each run.
			orgs := 0
			newOrg := func() string {
				orgs++
				_, org, err := db.Register(ctx, finhealth.NewUser{Email: fmt.Sprintf("bench%d@example.com", orgs), Name: "B", PasswordHash: "h"},
					finhealth.NewOrganization{Name: "Bench"})
				if err != nil {
					b.Fatal(err)
				}
				return org.ID
			}
			store := func(orgID string) {
				for start := 0; start < total; start += page {
					if _, err := db.UpsertInvoices(ctx, orgID, invoices[start:start+page]); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.Run("insert", func(b *testing.B) {
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					orgID := newOrg()
					b.StartTimer()
					store(orgID)
				}
				b.ReportMetric(float64(total*b.N)/b.Elapsed().Seconds(), "invoices/s")
			})
			b.Run("update", func(b *testing.B) {
				orgID := newOrg()
				store(orgID)
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					store(orgID)
				}
				b.ReportMetric(float64(total*b.N)/b.Elapsed().Seconds(), "invoices/s")
			})
			connected := func() string {
				orgID := newOrg()
				if _, err := db.SaveWaveConnection(ctx, finhealth.WaveConnection{OrganizationID: orgID, WaveUserID: "w",
					Business: &finhealth.WaveBusiness{ID: "QnVzaW5lc3M6YmVuY2g=", Currency: "USD", CurrencyExponent: 2}},
					finhealth.OAuthToken{AccessToken: "a", RefreshToken: "r"}); err != nil {
					b.Fatal(err)
				}
				store(orgID)
				return orgID
			}
			b.Run("ledger_snapshot", func(b *testing.B) {
				orgID := connected()
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					snap, err := db.LedgerSnapshot(ctx, orgID, time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC))
					if err != nil || len(snap.Invoices) != total {
						b.Fatalf("snapshot: %d invoices, %v", len(snap.Invoices), err)
					}
				}
			})
			// The same books summed by the database: every one of these invoices is open,
			// which is the summary's worst case.
			b.Run("ledger_summary", func(b *testing.B) {
				orgID := connected()
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					snap, err := db.LedgerSummary(ctx, orgID, time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC))
					if err != nil || snap.InvoiceSummary == nil || len(snap.InvoiceSummary.Largest) != 5*100 {
						b.Fatalf("summary: %+v, %v", snap, err)
					}
				}
			})
		})
	}
}

// BenchmarkBaseSnapshotRead reads one balance snapshot out of a year of daily ones,
// as the health read does for the snapshot it compares the books with: the query,
// the decoding and the conversion to finhealth's balances, for a chart of 40 and of
// 300 accounts.
func BenchmarkBaseSnapshotRead(b *testing.B) {
	for _, dialect := range testdb.Dialects {
		b.Run(dialect, func(b *testing.B) {
			testdb.SkipIfUnavailable(b, dialect)
			ctx := context.Background()
			db := testdb.Open(b, dialect)
			for _, n := range []int{40, 300} {
				_, org, err := db.Register(ctx, finhealth.NewUser{Email: fmt.Sprintf("snap%d@example.com", n), Name: "B", PasswordHash: "h"},
					finhealth.NewOrganization{Name: "Bench"})
				if err != nil {
					b.Fatal(err)
				}
				last := time.Date(2025, 6, 30, 12, 0, 0, 0, time.UTC)
				for d := 364; d >= 0; d-- {
					snap := finhealth.BalanceSnapshot{AsOf: last.AddDate(0, 0, -d), Currency: "USD", CurrencyExponent: 2,
						Balances: make([]finhealth.AccountBalance, n)}
					for i := range snap.Balances {
						m := finhealth.Money{Minor: int64((i*7919+d*31)%2000000) - 250000, Currency: "USD", Exponent: 2}
						if i%20 == 19 {
							m.Currency = "EUR"
						}
						snap.Balances[i] = finhealth.AccountBalance{AccountID: fmt.Sprintf("QnVzaW5lc3M6MDE5MGMzYjItN2ExZS03YzNkLTlmMDAtNWI2YTJlNGQ4YzExO0FjY291bnQ6%08d", i), Balance: m}
					}
					if err := db.InsertBalanceSnapshot(ctx, org.ID, snap); err != nil {
						b.Fatal(err)
					}
				}
				base := last.AddDate(0, 0, -90)
				b.Run(fmt.Sprintf("accounts=%d", n), func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						hist, err := db.BalanceHistory(ctx, org.ID, base, base)
						if err != nil || len(hist) != 1 || len(hist[0].Balances) != n {
							b.Fatalf("%d snapshots, %v", len(hist), err)
						}
					}
				})
			}
		})
	}
}
