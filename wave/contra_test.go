package wave_test

import (
	"context"
	"testing"

	"finhealth"
	"finhealth/scoring"
	"finhealth/wave"
	"finhealth/wave/wavetest"
)

// TestContraConventions reads Acme Bakery's books through the client under each sign
// convention the fake can serve for contra balances, and checks that the metrics take
// the accumulated depreciation off the assets either way.
//
// Acme's assets other than receivables (cents): operating 3,490,000 + savings
// 1,200,000 + the KWD account in USD 401,234 + Stripe 35,000 + inventory 560,000 +
// prepaid 120,000 + ovens 2,500,000 - accumulated depreciation 600,000 = 7,706,234.
// Liabilities: card 230,000 + payables 410,000 + sales tax 90,000 + payroll 150,000 +
// deposits 30,000 + loan 2,000,000 = 2,910,000. (Adding the depreciation, as a
// negated -6,000.00 did, would give 1,200,000 more assets.)
func TestContraConventions(t *testing.T) {
	for _, tc := range []struct {
		sign     wavetest.ContraSign
		dep      int64
		discount int64
	}{
		{wavetest.ContraNegative, -600_000, -200_000},
		{wavetest.ContraPositive, 600_000, 200_000},
	} {
		t.Run(string(tc.sign), func(t *testing.T) {
			e := newEnv(t, wavetest.Options{ContraBalances: tc.sign}, nil)
			cn, _ := e.connect(t)
			ctx := context.Background()
			acme := e.srv.Seed().AcmeBusinessID
			accts, err := cn.Accounts(ctx, acme, wave.AccountQuery{})
			if err != nil {
				t.Fatal(err)
			}
			subtypes, err := cn.AccountSubtypes(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var receivable int64
			for _, a := range e.srv.Accounts(acme) {
				if a.Name == "Accounts Receivable" {
					receivable = a.Balance
				}
			}
			mapping := scoring.DefaultAccountMapping(accts, subtypes)
			for _, a := range accts {
				want := map[string]int64{"Accumulated Depreciation": tc.dep, "Sales Discounts": tc.discount}
				w, ok := want[a.Name]
				if !ok {
					continue
				}
				entry, _ := mapping.Entry(a.WaveID)
				if a.Balance.Minor != w || a.NormalBalance == "" || !entry.Contra {
					t.Errorf("%s: balance %d side %q contra %v, want %d and contra", a.Name, a.Balance.Minor, a.NormalBalance, entry.Contra, w)
				}
			}
			snap := finhealth.LedgerSnapshot{AsOf: start, Currency: "USD", CurrencyExponent: 2, Accounts: accts}
			var de finhealth.MetricValue
			for _, m := range scoring.ComputeMetrics(snap, nil, mapping, start) {
				if m.Name == scoring.MetricDebtToEquity {
					de = m
				}
			}
			amounts := map[string]int64{}
			for _, in := range de.Inputs {
				if in.Amount != nil {
					amounts[in.Name] = in.Amount.Minor
				}
			}
			if amounts["total_assets"] != 7_706_234+receivable || amounts["total_liabilities"] != 2_910_000 ||
				amounts["equity"] != 7_706_234+receivable-2_910_000 {
				t.Errorf("assets %d, liabilities %d, equity %d; want %d, 2,910,000 and %d (receivables %d)",
					amounts["total_assets"], amounts["total_liabilities"], amounts["equity"],
					7_706_234+receivable, 7_706_234+receivable-2_910_000, receivable)
			}
		})
	}
}
