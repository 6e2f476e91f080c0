package scoring

import (
	"fmt"
	"math"
	"time"

	"finhealth"
)

// Thresholds of the books' confidence indicator. A few percent of the balances in
// uncategorized accounts is bookkeeping not yet done; a tenth can move a ratio across
// a band. A week without a sync is what the score's stale note already warns of; a
// month means the metrics describe last month.
const (
	uncategorizedMedium = 2  // percent of all balances
	uncategorizedLow    = 10 // percent
	syncAgeLow          = 30 * 24 * time.Hour
)

// BooksConfidence judges how far the books behind a score can be trusted and says what
// to do about each doubt: balances in uncategorized or unknown accounts (as a share of
// all balances, by absolute value, in the business's currency), accounts flagged for
// review, the age of the last sync, and no payables recorded. It is nil without books.
func BooksConfidence(snap *finhealth.LedgerSnapshot, mapping finhealth.AccountMapping, asOf time.Time) *finhealth.Confidence {
	if snap == nil {
		return nil
	}
	conf := &finhealth.Confidence{Level: finhealth.ConfidenceHigh, Issues: []finhealth.ConfidenceIssue{}}
	raise := func(level, code, text, action string) {
		conf.Issues = append(conf.Issues, finhealth.ConfidenceIssue{Code: code, Level: level, Text: text, Action: action})
		if level == finhealth.ConfidenceLow || conf.Level == finhealth.ConfidenceHigh {
			conf.Level = level
		}
	}
	entries := make(map[string]*finhealth.AccountMappingEntry, len(mapping.Entries))
	review := 0
	for i := range mapping.Entries {
		e := &mapping.Entries[i]
		entries[e.AccountID] = e
		if e.Review != "" {
			review++
		}
	}
	var all, unsure uint64
	for i := range snap.Accounts {
		a := &snap.Accounts[i]
		if a.Balance.Currency != snap.Currency {
			continue
		}
		v := absMinor(a.Balance.Minor)
		all = satAdd(all, v)
		if e := entries[a.WaveID]; e == nil || uncategorized(e) {
			unsure = satAdd(unsure, v)
		}
	}
	if all > 0 && unsure > 0 {
		// Whole percent, rounded down: the band edges are what matter.
		share := unsure * 100 / all
		if share >= uncategorizedMedium {
			level := finhealth.ConfidenceMedium
			if share >= uncategorizedLow {
				level = finhealth.ConfidenceLow
			}
			raise(level, "uncategorized", fmt.Sprintf("%d%% of the balances are in uncategorized or unknown accounts.", share),
				"Categorize those transactions in Wave, or map the accounts on the metric pages, so every balance counts where it belongs.")
		}
	}
	if review > 0 {
		raise(finhealth.ConfidenceMedium, "review", fmt.Sprintf("%d account%s flagged for review.", review, plural(review, " is", "s are")),
			"Open the account mapping and confirm or change each flagged account's class.")
	}
	if age := asOf.Sub(snap.AsOf); !snap.AsOf.IsZero() && age > staleLedger {
		level := finhealth.ConfidenceMedium
		if age > syncAgeLow {
			level = finhealth.ConfidenceLow
		}
		raise(level, "sync_age", "The books were last read on "+snap.AsOf.UTC().Format(time.DateOnly)+".",
			"Sync Wave so the metrics describe the business as it is today.")
	}
	if !HasPayables(*snap, mapping) {
		raise(finhealth.ConfidenceMedium, "no_payables", "The books record no payables (Wave's API has no bills), so the liquidity ratios may look better than they are.",
			"Record supplier bills in Wave, or map the account that holds them as a current liability.")
	}
	return conf
}

// uncategorized tells an account whose balance nobody has put anywhere yet: Wave's
// uncategorized and unknown subtypes, and accounts left out until someone classifies
// them.
func uncategorized(e *finhealth.AccountMappingEntry) bool {
	if e.Override != nil {
		return false
	}
	switch e.Subtype {
	case finhealth.SubtypeUncategorizedIncome, finhealth.SubtypeUncategorizedExpense, finhealth.SubtypeUnknownAccount:
		return true
	}
	_, known := subtypeClass[e.Subtype]
	return !known || e.Class == finhealth.ClassExcluded
}

func absMinor(v int64) uint64 {
	if v < 0 {
		return uint64(-(v + 1)) + 1 // no overflow at MinInt64
	}
	return uint64(v)
}

// satAdd adds without wrapping: a share of balances that large is only a band.
func satAdd(a, b uint64) uint64 {
	if a+b < a {
		return math.MaxUint64
	}
	return a + b
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// HealthOf is the combined score of books read with mapping (nil books: none) and
// the latest assessment, with the books' confidence: everything the health service
// computes but the change since the previous score, which needs the stored history.
func HealthOf(metrics []finhealth.MetricValue, latest *finhealth.Assessment, books *finhealth.LedgerSnapshot, mapping finhealth.AccountMapping, asOf time.Time) finhealth.HealthScore {
	hs := CombinedHealth(metrics, latest, asOf)
	hs.Confidence = BooksConfidence(books, mapping, asOf)
	return hs
}
