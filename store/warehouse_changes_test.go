package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"finhealth"
	"finhealth/internal/testdb"
	"finhealth/store"
)

// TestChangeTrackingBackfill writes the books, takes the schema back to before
// change tracking (migration 00006) and forward again, as a database upgraded from
// an earlier version is: the next write of the books counts only the records that
// differ from the rows written before the upgrade, on both databases.
func TestChangeTrackingBackfill(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx, org, _ := connected(t, db, "owner@example.com")
		const biz = "biz-1"
		accounts := []finhealth.LedgerAccount{{WaveID: "acc-1", BusinessWaveID: biz, Name: "Bank"}, {WaveID: "acc-2", BusinessWaveID: biz, Name: "Card"}}
		var invoices []finhealth.Invoice
		for i := range 5 {
			invoices = append(invoices, finhealth.Invoice{WaveID: fmt.Sprintf("inv-%d", i), BusinessWaveID: biz, Number: fmt.Sprint(i),
				Total: finhealth.Money{Minor: int64(100 * i), Currency: "USD", Exponent: 2}, InvoiceDate: time.Date(2025, 1, i+1, 0, 0, 0, 0, time.UTC)})
		}
		customers := []finhealth.Customer{{WaveID: "cus-1", BusinessWaveID: biz, Name: "A"}}
		write := func() [3]int {
			t.Helper()
			a, err := db.UpsertAccounts(ctx, org.ID, accounts)
			if err != nil {
				t.Fatal(err)
			}
			i, err := db.UpsertInvoices(ctx, org.ID, invoices)
			if err != nil {
				t.Fatal(err)
			}
			c, err := db.UpsertCustomers(ctx, org.ID, customers)
			if err != nil {
				t.Fatal(err)
			}
			return [3]int{a, i, c}
		}
		all := [3]int{len(accounts), len(invoices), len(customers)}
		if got := write(); got != all {
			t.Fatalf("first write counted %v, want %v", got, all)
		}

		if err := db.MigrateDownTo(context.Background(), 5); err != nil {
			t.Fatal(err)
		}
		if err := db.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		for _, table := range []string{"ledger_accounts", "invoices", "customers"} {
			var rows, backfilled int
			err := db.SQL().QueryRow(`SELECT COUNT(*), SUM(CASE WHEN changed_at = seen_at THEN 1 ELSE 0 END) FROM `+table).
				Scan(&rows, &backfilled)
			if err != nil {
				t.Fatal(err)
			}
			if rows == 0 || backfilled != rows {
				t.Errorf("%s after the migration: %d rows, %d with changed_at = seen_at; want every row", table, rows, backfilled)
			}
		}

		// One invoice changed in Wave meanwhile.
		invoices[2].AmountPaid = finhealth.Money{Minor: 50, Currency: "USD", Exponent: 2}
		if got, want := write(), [3]int{0, 1, 0}; got != want {
			t.Fatalf("first write after the migration counted %v, want %v", got, want)
		}
		if got := write(); got != [3]int{} {
			t.Fatalf("second write after the migration counted %v, want none", got)
		}
	})
}
