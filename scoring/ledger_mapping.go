package scoring

import (
	"strconv"

	"finhealth"
)

// subtypeClass is the default class of each provider subtype, from scoring.md section
// 3. A subtype missing here (a new one, or UNKNOWN_ACCOUNT) falls back to its type.
var subtypeClass = map[finhealth.AccountSubtypeValue]finhealth.AccountClass{
	finhealth.SubtypeCashAndBank:                 finhealth.ClassCash,
	finhealth.SubtypeMoneyInTransit:              finhealth.ClassMoneyInTransit,
	finhealth.SubtypeTransfers:                   finhealth.ClassMoneyInTransit, // Wave's transfer clearing: money between own accounts
	finhealth.SubtypeReceivable:                  finhealth.ClassReceivable,
	finhealth.SubtypeReceivableInvoices:          finhealth.ClassReceivable,
	finhealth.SubtypeReceivableOther:             finhealth.ClassReceivable,
	finhealth.SubtypeInventory:                   finhealth.ClassOtherCurrentAsset,
	finhealth.SubtypeOtherCurrentAssets:          finhealth.ClassOtherCurrentAsset,
	finhealth.SubtypeVendorPrepaymentsAndCredits: finhealth.ClassOtherCurrentAsset,
	finhealth.SubtypePropertyPlantEquipment:      finhealth.ClassLongTermAsset,
	finhealth.SubtypeOtherLongTermAssets:         finhealth.ClassLongTermAsset,
	// Accumulated depreciation: a contra asset, subtracted by its normal balance.
	finhealth.SubtypeDepreciationAndAmortization:   finhealth.ClassLongTermAsset,
	finhealth.SubtypeCreditCard:                    finhealth.ClassCurrentLiability,
	finhealth.SubtypePayable:                       finhealth.ClassCurrentLiability,
	finhealth.SubtypePayableBills:                  finhealth.ClassCurrentLiability,
	finhealth.SubtypePayableOther:                  finhealth.ClassCurrentLiability,
	finhealth.SubtypeSalesTax:                      finhealth.ClassCurrentLiability,
	finhealth.SubtypeDueForPayroll:                 finhealth.ClassCurrentLiability,
	finhealth.SubtypeCustomerPrepaymentsAndCredits: finhealth.ClassCurrentLiability,
	finhealth.SubtypeSystemCustomerCredits:         finhealth.ClassCurrentLiability,
	finhealth.SubtypeOtherCurrentLiability:         finhealth.ClassCurrentLiability,
	// Wave files revolving lines of credit under LOANS: current until someone says it is a term loan.
	finhealth.SubtypeLoans:                  finhealth.ClassCurrentDebt,
	finhealth.SubtypeDueToYouAndOtherOwners: finhealth.ClassLongTermDebt,
	finhealth.SubtypeOtherLongTermLiability: finhealth.ClassLongTermLiability,
	finhealth.SubtypeNonRetainedEarnings:    finhealth.ClassEquity,
	finhealth.SubtypeRetainedEarnings:       finhealth.ClassEquity,
	finhealth.SubtypeIncome:                 finhealth.ClassRevenue,
	finhealth.SubtypeUncategorizedIncome:    finhealth.ClassRevenue,
	// Sales discounts: contra revenue, subtracted by their normal balance.
	finhealth.SubtypeDiscounts:             finhealth.ClassRevenue,
	finhealth.SubtypeOtherIncome:           finhealth.ClassOtherIncome,
	finhealth.SubtypeGainOnForeignExchange: finhealth.ClassOtherIncome,
	finhealth.SubtypeCostOfGoodsSold:       finhealth.ClassCostOfSales,
	finhealth.SubtypeExpense:               finhealth.ClassExpense,
	finhealth.SubtypePayrollExpenses:       finhealth.ClassExpense,
	finhealth.SubtypePaymentProcessingFees: finhealth.ClassExpense,
	finhealth.SubtypeUncategorizedExpense:  finhealth.ClassExpense,
	finhealth.SubtypeLossOnForeignExchange: finhealth.ClassExpense,
}

// Why the ambiguous subtypes are flagged for review: scoring.md leaves the decision to
// the owner or advisor. Wave's LOANS covers lines of credit, which are repayable on
// demand, so counting it as current is the default that never flatters liquidity; money
// owed to owners is rarely called in at short notice, so it stays long-term.
const (
	reviewLoans = "Wave files lines of credit and term loans under the same subtype. Counted as current debt until you confirm: " +
		"if this is a term loan with nothing due within 12 months, map it to long-term debt so the liquidity ratios leave it out."
	reviewOwners = "Money owed to owners may be repayable on demand or only in the long run. Counted as long-term debt " +
		"until you confirm: map it to current debt if the owners expect repayment within 12 months, or to equity if they never will."
)

// subtypeReview flags subtypes whose default is a guess.
var subtypeReview = map[finhealth.AccountSubtypeValue]string{
	finhealth.SubtypeLoans:                  reviewLoans,
	finhealth.SubtypeDueToYouAndOtherOwners: reviewOwners,
}

// typeFallback is the class of an account whose subtype is unknown, chosen so that an
// unrecognised account never flatters the score: an asset is not counted as current,
// a liability is, and income does not inflate sales.
var typeFallback = map[finhealth.AccountType]finhealth.AccountClass{
	finhealth.AccountAsset:     finhealth.ClassLongTermAsset,
	finhealth.AccountLiability: finhealth.ClassCurrentLiability,
	finhealth.AccountEquity:    finhealth.ClassEquity,
	finhealth.AccountIncome:    finhealth.ClassOtherIncome,
	finhealth.AccountExpense:   finhealth.ClassExpense,
}

// classType is the account type a class belongs to; a subtype default that contradicts
// the account's actual type is not trusted.
func classType(c finhealth.AccountClass) finhealth.AccountType {
	switch {
	case c.IsAsset():
		return finhealth.AccountAsset
	case c.IsLiability():
		return finhealth.AccountLiability
	case c == finhealth.ClassEquity:
		return finhealth.AccountEquity
	case c == finhealth.ClassRevenue, c == finhealth.ClassOtherIncome:
		return finhealth.AccountIncome
	case c == finhealth.ClassCostOfSales, c == finhealth.ClassExpense:
		return finhealth.AccountExpense
	}
	return ""
}

// DefaultAccountMapping classifies every account from its provider subtype. The type
// of an account is its own Type when the provider gave one, otherwise the type the
// provider's subtype list (Wave's accountSubtypes, fetched at run time) assigns to its
// subtype; the subtype-to-type relation is never hard-coded here. A subtype this
// version does not know, or one whose usual class contradicts the account's type, is
// classified by type alone (cautiously, see typeFallback) and flagged for review. An
// account whose type cannot be told is excluded and flagged.
//
// Contra accounts are found by subtype first: Wave documents DISCOUNTS and
// DEPRECIATION_AND_AMORTIZATION as contra, so they are contra in a class of their own
// type whatever side Wave reports (or when it reports none). For any other subtype the
// side is the second signal: an account whose normal balance is opposite to its class's
// natural side (a credit-normal "accumulated depreciation" filed under equipment, or an
// account an override moved across sides) is contra too. See signedBalance for how
// each counts.
func DefaultAccountMapping(accounts []finhealth.LedgerAccount, subtypes []finhealth.AccountSubtype) finhealth.AccountMapping {
	ref := make(map[finhealth.AccountSubtypeValue]finhealth.AccountSubtype, len(subtypes))
	for _, s := range subtypes {
		ref[s.Value] = s
	}
	m := finhealth.AccountMapping{Entries: make([]finhealth.AccountMappingEntry, 0, len(accounts))}
	for _, a := range accounts {
		info := ref[a.Subtype]
		typ := a.Type
		if typ == "" {
			typ = info.Type
		}
		side := a.NormalBalance
		if side == "" {
			side = info.NormalBalance
		}
		e := finhealth.AccountMappingEntry{
			AccountID:     a.WaveID,
			AccountName:   a.Name,
			Type:          typ,
			Subtype:       a.Subtype,
			NormalBalance: side,
		}
		class, ok := subtypeClass[a.Subtype]
		switch {
		case ok && classType(class) == typ:
			e.Review = subtypeReview[a.Subtype]
		case ok:
			if fb, tok := typeFallback[typ]; tok {
				class = fb
				e.Review = "Wave files this " + subtypeName(a) + " account under " + string(typ) +
					", which is not where this subtype usually belongs; counted as " + string(fb) + " until you confirm."
			} else {
				class = finhealth.ClassExcluded
				e.Review = "The account's type " + strconv.Quote(string(typ)) + " is not one finhealth knows; left out until you classify it."
			}
		default:
			if fb, tok := typeFallback[typ]; tok {
				class = fb
				why := "is not one finhealth knows yet"
				if a.Subtype == finhealth.SubtypeUnknownAccount {
					why = "does not say what the account is for"
				}
				e.Review = "The subtype " + strconv.Quote(string(a.Subtype)) + " " + why + "; counted as " +
					string(fb) + " (the cautious choice for " + string(typ) + " accounts) until you confirm."
			} else {
				class = finhealth.ClassExcluded
				e.Review = "Neither the account's type nor its subtype is one finhealth knows; left out until you classify it."
			}
		}
		e.DefaultClass = class
		e.Class = class
		e.Contra = isContra(class, typ, side, a.Subtype)
		m.Entries = append(m.Entries, e)
	}
	return m
}

func subtypeName(a finhealth.LedgerAccount) string {
	if a.SubtypeName != "" {
		return strconv.Quote(a.SubtypeName)
	}
	return string(a.Subtype)
}

// isContra reports whether an account reduces its class. The side is filled in from
// the subtype list when Wave gives none, and Wave's list gives a subtype its type's
// side, so the side cannot be what tells a documented contra subtype: the subtype
// decides for those, and the side only for the others.
func isContra(class finhealth.AccountClass, typ finhealth.AccountType, side finhealth.NormalBalance, sub finhealth.AccountSubtypeValue) bool {
	natural := class.NaturalSide()
	if natural == "" {
		return false
	}
	if documentedContra(typ, sub) {
		// Contra in a class of its usual side; an override to a class of the other side
		// (discounts as an expense) adds to that class instead.
		return subtypeClass[sub].NaturalSide() == natural
	}
	if side == finhealth.NormalDebit || side == finhealth.NormalCredit {
		return side != natural
	}
	return false
}

// documentedContra reports an account of a subtype Wave documents as contra, filed
// under the type that subtype belongs to: accumulated depreciation among assets,
// discounts among income. Filed under another type it is something else (depreciation
// under EXPENSE is the expense, not the contra asset).
func documentedContra(typ finhealth.AccountType, sub finhealth.AccountSubtypeValue) bool {
	return sub.IsContra() && (typ == "" || typ == classType(subtypeClass[sub]))
}

// growsAgainstType reports an account whose balance grows opposite to its type's side:
// a documented contra account, or one whose own side says so. Wave does not document
// the sign it gives such a balance (wave-api.md section 3.8: -6,000.00 and 6,000.00
// are both plausible for the same depreciation), so only its size is trusted.
func growsAgainstType(e *finhealth.AccountMappingEntry) bool {
	if documentedContra(e.Type, e.Subtype) {
		return true
	}
	ts := typeFallback[e.Type].NaturalSide()
	return ts != "" && (e.NormalBalance == finhealth.NormalDebit || e.NormalBalance == finhealth.NormalCredit) && e.NormalBalance != ts
}

// ApplyOverrides returns m with the owners' and advisors' decisions applied: each
// override sets its account's class (the latest by SetAt wins when an account has
// several) and clears the review flag, since someone has now decided. An override for
// an account no longer in the chart is kept in StaleOverrides rather than dropped. An
// override naming an unknown class, or no account, is an EINVALID error naming it, and
// nothing is applied.
func ApplyOverrides(m finhealth.AccountMapping, overrides []finhealth.AccountOverride) (finhealth.AccountMapping, error) {
	var fields map[string]string
	for i, o := range overrides {
		switch {
		case o.AccountID == "":
			fields = addField(fields, "overrides["+strconv.Itoa(i)+"].account_id", "required")
		case !o.Class.Valid():
			fields = addField(fields, "overrides["+strconv.Itoa(i)+"].class",
				strconv.Quote(string(o.Class))+" is not an account class")
		}
	}
	if fields != nil {
		return m, finhealth.InvalidFields("The account mapping overrides are not valid.", fields)
	}

	latest := make(map[string]int, len(overrides))
	for i, o := range overrides {
		if j, ok := latest[o.AccountID]; !ok || !o.SetAt.Before(overrides[j].SetAt) {
			latest[o.AccountID] = i
		}
	}
	out := finhealth.AccountMapping{
		Entries:        make([]finhealth.AccountMappingEntry, len(m.Entries)),
		StaleOverrides: append([]finhealth.AccountOverride(nil), m.StaleOverrides...),
	}
	copy(out.Entries, m.Entries)
	seen := make(map[string]bool, len(latest))
	for i := range out.Entries {
		e := &out.Entries[i]
		j, ok := latest[e.AccountID]
		if !ok {
			continue
		}
		seen[e.AccountID] = true
		o := overrides[j]
		e.Class = o.Class
		e.Contra = isContra(o.Class, e.Type, e.NormalBalance, e.Subtype)
		e.Review = ""
		e.Override = &o
	}
	for i, o := range overrides {
		if !seen[o.AccountID] && latest[o.AccountID] == i {
			out.StaleOverrides = append(out.StaleOverrides, o)
		}
	}
	return out, nil
}

func addField(fields map[string]string, k, v string) map[string]string {
	if fields == nil {
		fields = make(map[string]string)
	}
	fields[k] = v
	return fields
}
