package scoring

import (
	"testing"
	"time"

	"finhealth"
)

// TestBooksConfidence judges hand-made books: balances (absolute, in USD) of 10,000
// cash, 2,000 payables and 500 uncategorized expense give 500 / 12,500 = 4% unsure
// (medium); 1,500 uncategorized gives 1,500 / 13,500 = 11% (low).
func TestBooksConfidence(t *testing.T) {
	A, L, X := finhealth.AccountAsset, finhealth.AccountLiability, finhealth.AccountExpense
	books := func(uncategorized, payables int64) finhealth.LedgerSnapshot {
		snap := finhealth.LedgerSnapshot{AsOf: bakeryAsOf, Currency: "USD", CurrencyExponent: 2}
		snap.Accounts = []finhealth.LedgerAccount{
			account("cash", "Checking", A, finhealth.SubtypeCashAndBank, finhealth.NormalDebit, usd(1_000_000)),
			account("ap", "Accounts payable", L, finhealth.SubtypePayableBills, finhealth.NormalCredit, usd(payables)),
			account("unc", "Uncategorized expense", X, finhealth.SubtypeUncategorizedExpense, finhealth.NormalDebit, usd(uncategorized)),
		}
		return snap
	}
	codes := func(c *finhealth.Confidence) map[string]string {
		out := map[string]string{}
		for _, i := range c.Issues {
			out[i.Code] = i.Level
			if i.Text == "" || i.Action == "" {
				t.Errorf("issue without text or action: %+v", i)
			}
		}
		return out
	}
	for _, tc := range []struct {
		name          string
		uncategorized int64
		payables      int64
		age           time.Duration
		level         string
		issues        map[string]string
	}{
		{"clean", 0, 200_000, 0, finhealth.ConfidenceHigh, map[string]string{}},
		{"a little uncategorized (1%)", 12_000, 200_000, 0, finhealth.ConfidenceHigh, map[string]string{}},
		{"4% uncategorized", 50_000, 200_000, 0, finhealth.ConfidenceMedium, map[string]string{"uncategorized": "medium"}},
		{"11% uncategorized", 150_000, 200_000, 0, finhealth.ConfidenceLow, map[string]string{"uncategorized": "low"}},
		{"no payables", 0, 0, 0, finhealth.ConfidenceMedium, map[string]string{"no_payables": "medium"}},
		{"a week and a day old", 0, 200_000, 8 * 24 * time.Hour, finhealth.ConfidenceMedium, map[string]string{"sync_age": "medium"}},
		{"31 days old", 0, 200_000, 31 * 24 * time.Hour, finhealth.ConfidenceLow, map[string]string{"sync_age": "low"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			snap := books(tc.uncategorized, tc.payables)
			c := BooksConfidence(&snap, DefaultAccountMapping(snap.Accounts, nil), bakeryAsOf.Add(tc.age))
			got := codes(c)
			if c.Level != tc.level || len(got) != len(tc.issues) {
				t.Fatalf("level %s issues %v, want %s %v", c.Level, got, tc.level, tc.issues)
			}
			for k, v := range tc.issues {
				if got[k] != v {
					t.Errorf("issue %s = %q, want %q", k, got[k], v)
				}
			}
		})
	}

	// Accounts flagged for review lower confidence until someone decides.
	snap := books(0, 200_000)
	snap.Accounts = append(snap.Accounts, account("loc", "Line of credit", L, finhealth.SubtypeLoans, finhealth.NormalCredit, usd(300_000)))
	m := DefaultAccountMapping(snap.Accounts, nil)
	if c := BooksConfidence(&snap, m, bakeryAsOf); c.Level != finhealth.ConfidenceMedium || codes(c)["review"] != "medium" {
		t.Errorf("flagged: %+v", c)
	}
	decided, err := ApplyOverrides(m, []finhealth.AccountOverride{{AccountID: "loc", Class: finhealth.ClassCurrentDebt, SetBy: "u1", SetAt: bakeryAsOf}})
	if err != nil {
		t.Fatal(err)
	}
	if c := BooksConfidence(&snap, decided, bakeryAsOf); c.Level != finhealth.ConfidenceHigh {
		t.Errorf("decided: %+v", c)
	}
	if BooksConfidence(nil, m, bakeryAsOf) != nil {
		t.Error("confidence without books")
	}
}
