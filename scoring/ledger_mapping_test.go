package scoring

import (
	"errors"
	"strings"
	"testing"

	"finhealth"
)

func TestDefaultAccountMapping(t *testing.T) {
	m := DefaultAccountMapping(bakeryAccounts(), nil)
	want := map[string]struct {
		class  finhealth.AccountClass
		contra bool
		review string // substring; "" means no review
	}{
		"chk":      {finhealth.ClassCash, false, ""},
		"stripe":   {finhealth.ClassMoneyInTransit, false, ""},
		"ar":       {finhealth.ClassReceivable, false, ""},
		"stock":    {finhealth.ClassOtherCurrentAsset, false, ""},
		"prepaid":  {finhealth.ClassOtherCurrentAsset, false, ""},
		"ovens":    {finhealth.ClassLongTermAsset, false, ""},
		"dep":      {finhealth.ClassLongTermAsset, true, ""},
		"crypto":   {finhealth.ClassLongTermAsset, false, `"DIGITAL_ASSETS" is not one finhealth knows`},
		"visa":     {finhealth.ClassCurrentLiability, false, ""},
		"ap":       {finhealth.ClassCurrentLiability, false, ""},
		"tax":      {finhealth.ClassCurrentLiability, false, ""},
		"payroll":  {finhealth.ClassCurrentLiability, false, ""},
		"loan":     {finhealth.ClassCurrentDebt, false, "map it to long-term debt"},
		"owner":    {finhealth.ClassLongTermDebt, false, "owners"},
		"capital":  {finhealth.ClassEquity, false, ""},
		"sales":    {finhealth.ClassRevenue, false, ""},
		"disc":     {finhealth.ClassRevenue, true, ""},
		"interest": {finhealth.ClassOtherIncome, false, ""},
		"cogs":     {finhealth.ClassCostOfSales, false, ""},
		"wages":    {finhealth.ClassExpense, false, ""},
	}
	if len(m.Entries) != len(bakeryAccounts()) {
		t.Fatalf("%d entries for %d accounts", len(m.Entries), len(bakeryAccounts()))
	}
	for id, w := range want {
		e, ok := m.Entry(id)
		if !ok {
			t.Fatalf("no entry for %s", id)
		}
		if e.Class != w.class || e.DefaultClass != w.class || e.Contra != w.contra {
			t.Errorf("%s: %s/%s contra=%v, want %s contra=%v", id, e.Class, e.DefaultClass, e.Contra, w.class, w.contra)
		}
		if (w.review == "") != (e.Review == "") || !strings.Contains(e.Review, w.review) {
			t.Errorf("%s: review %q, want one containing %q", id, e.Review, w.review)
		}
	}
}

// The subtype's type comes from the provider's reference list when the account lacks
// it; an unknown subtype, one filed under an unexpected type, or an unknown type are
// all tolerated and flagged.
func TestDefaultAccountMappingRuntimeSubtypes(t *testing.T) {
	subtypes := []finhealth.AccountSubtype{
		{Value: finhealth.SubtypeCashAndBank, Type: finhealth.AccountAsset, NormalBalance: finhealth.NormalDebit},
		{Value: finhealth.SubtypeDepreciationAndAmortization, Type: finhealth.AccountAsset, NormalBalance: finhealth.NormalCredit},
		{Value: "ESCROW", Type: finhealth.AccountLiability, NormalBalance: finhealth.NormalCredit},
	}
	accounts := []finhealth.LedgerAccount{
		{WaveID: "bank", Subtype: finhealth.SubtypeCashAndBank},                // type and side from the list
		{WaveID: "dep", Subtype: finhealth.SubtypeDepreciationAndAmortization}, // contra from the list's side
		{WaveID: "dep-noside", Type: finhealth.AccountAsset, Subtype: finhealth.SubtypeDepreciationAndAmortization, NormalBalance: ""},
		{WaveID: "escrow", Subtype: "ESCROW"},                                                        // known to Wave, not to us
		{WaveID: "weird", Type: finhealth.AccountLiability, Subtype: finhealth.SubtypeCashAndBank},   // type contradicts subtype
		{WaveID: "unknown", Type: finhealth.AccountIncome, Subtype: finhealth.SubtypeUnknownAccount}, // Wave's own "unknown"
		{WaveID: "alien", Type: "ALIEN", Subtype: "ZZZ"},                                             // nothing known
		{WaveID: "dep-exp", Type: finhealth.AccountExpense, Subtype: finhealth.SubtypeDepreciationAndAmortization, NormalBalance: finhealth.NormalDebit},
	}
	m := DefaultAccountMapping(accounts, subtypes)
	for _, tc := range []struct {
		id     string
		class  finhealth.AccountClass
		contra bool
		review bool
	}{
		{"bank", finhealth.ClassCash, false, false},
		{"dep", finhealth.ClassLongTermAsset, true, false},
		{"dep-noside", finhealth.ClassLongTermAsset, true, false}, // the subtype's documented contra status
		{"escrow", finhealth.ClassCurrentLiability, false, true},
		{"weird", finhealth.ClassCurrentLiability, true, true}, // a debit-normal account among credit-normal liabilities
		{"unknown", finhealth.ClassOtherIncome, false, true},
		{"alien", finhealth.ClassExcluded, false, true},
		{"dep-exp", finhealth.ClassExpense, false, true}, // filed under expense: depreciation expense, not a contra asset
	} {
		e, _ := m.Entry(tc.id)
		if e.Class != tc.class || e.Contra != tc.contra || (e.Review != "") != tc.review {
			t.Errorf("%s: %s contra=%v review=%q, want %s contra=%v review=%v", tc.id, e.Class, e.Contra, e.Review, tc.class, tc.contra, tc.review)
		}
	}
	if e, _ := m.Entry("bank"); e.Type != finhealth.AccountAsset || e.NormalBalance != finhealth.NormalDebit {
		t.Errorf("bank: type %s side %s from the reference list", e.Type, e.NormalBalance)
	}
	if e, _ := m.Entry("dep-noside"); e.NormalBalance != finhealth.NormalCredit {
		t.Errorf("dep-noside: side %q, want CREDIT from the reference list", e.NormalBalance)
	}
}

func TestApplyOverrides(t *testing.T) {
	base := DefaultAccountMapping(bakeryAccounts(), nil)
	older, newer := day(2025, 5, 1), day(2025, 6, 1)
	m, err := ApplyOverrides(base, []finhealth.AccountOverride{
		{AccountID: "owner", Class: finhealth.ClassCurrentDebt, SetBy: "u1", SetAt: newer},
		{AccountID: "owner", Class: finhealth.ClassEquity, SetBy: "u2", SetAt: older}, // older: loses
		{AccountID: "dep", Class: finhealth.ClassExcluded, SetBy: "u1", SetAt: older},
		{AccountID: "gone", Class: finhealth.ClassCash, SetBy: "u1", SetAt: older},
	})
	if err != nil {
		t.Fatal(err)
	}
	e, _ := m.Entry("owner")
	if e.Class != finhealth.ClassCurrentDebt || e.DefaultClass != finhealth.ClassLongTermDebt || e.Review != "" ||
		e.Override == nil || e.Override.SetBy != "u1" || !e.Override.SetAt.Equal(newer) {
		t.Errorf("owner: %+v", e)
	}
	if e, _ := m.Entry("dep"); e.Class != finhealth.ClassExcluded || e.Contra {
		t.Errorf("dep: %+v", e)
	}
	if len(m.StaleOverrides) != 1 || m.StaleOverrides[0].AccountID != "gone" {
		t.Errorf("stale overrides %+v", m.StaleOverrides)
	}
	// The input mapping is not modified.
	if e, _ := base.Entry("owner"); e.Class != finhealth.ClassLongTermDebt || e.Override != nil {
		t.Errorf("base mapping changed: %+v", e)
	}
	// A liability moved into cash counts against it: credit side, debit-natural class.
	m, _ = ApplyOverrides(base, []finhealth.AccountOverride{{AccountID: "visa", Class: finhealth.ClassCash, SetBy: "u", SetAt: older}})
	if e, _ := m.Entry("visa"); !e.Contra {
		t.Errorf("visa as cash: contra=%v", e.Contra)
	}

	_, err = ApplyOverrides(base, []finhealth.AccountOverride{{AccountID: "chk", Class: "petty_cash"}, {Class: finhealth.ClassCash}})
	var fe *finhealth.Error
	if !errors.As(err, &fe) || fe.Code != finhealth.EINVALID || len(fe.Fields) != 2 ||
		fe.Fields["overrides[0].class"] == "" || fe.Fields["overrides[1].account_id"] != "required" {
		t.Errorf("invalid overrides: %v", err)
	}
}

func TestAccountClassesValid(t *testing.T) {
	for _, c := range finhealth.AccountClasses() {
		if !c.Valid() {
			t.Errorf("%s not valid", c)
		}
		if c != finhealth.ClassExcluded && (c.NaturalSide() == "" || classType(c) == "") {
			t.Errorf("%s has no side or type", c)
		}
	}
	for _, c := range subtypeClass {
		if !c.Valid() {
			t.Errorf("default class %s not valid", c)
		}
	}
}
