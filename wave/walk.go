package wave

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"strconv"
	"strings"
	"unicode/utf8"

	"finhealth"
)

// Wave's lists are offset-paged (wave-api.md section 3.4): nothing in a page proves
// that the pages together hold every record. A page can come back short or empty while
// Wave still announces more, records can shift between pages when the data changes
// mid-walk, and Wave nulls a record it cannot resolve. A sync that took such a walk for
// the whole list would delete the records it missed as "removed in Wave". So every
// list walk keeps the evidence: the count Wave announced on each page, how many
// records each page held, and which distinct records were read. A walk is complete
// only when every page before the last was full, the count never changed, and the
// distinct records read are exactly the count; otherwise the list read ends with a
// *finhealth.IncompleteReadError after delivering everything it could.

// maxEmptyPages ends a walk after this many empty pages in a row that Wave says are
// not the last: a server that keeps announcing pages it does not fill would otherwise
// be walked to maxPages at one request a second.
const maxEmptyPages = 3

// maxProblems bounds the sentences kept for an owner; the rest are counted.
const maxProblems = 10

// walk is the evidence of one list read.
type walk struct {
	noun string // what the list holds, in the plural: "invoices"
	size int    // the page size asked for
	// structural is false for a read that stops early on purpose (newest first down
	// to a watermark), whose pages and count say nothing about completeness.
	structural bool
	// from is the first page read; above 1 when a walk resumes an interrupted one,
	// whose earlier pages this walk has no evidence of.
	from int

	counted    bool // a page has reported totalCount
	firstCount int
	lastCount  int
	changed    bool // totalCount differed between pages

	seed maphash.Seed
	ids  map[uint64]struct{}

	problems []string
	more     int // problems beyond maxProblems
	skipped  int
}

func newWalk(noun string, size, from int) *walk {
	return &walk{noun: noun, size: size, structural: true, from: max(from, 1), seed: maphash.MakeSeed(), ids: map[uint64]struct{}{}}
}

// saw records a record read; an id read twice (a record that moved between pages) is
// one record. Hashes rather than the ids are kept so that 50,000 invoices cost a few
// hundred kilobytes; a collision could only make a walk look incomplete.
func (w *walk) saw(id string) {
	w.ids[maphash.String(w.seed, id)] = struct{}{}
}

func (w *walk) problem(format string, args ...any) {
	if len(w.problems) >= maxProblems {
		w.more++
		return
	}
	w.problems = append(w.problems, fmt.Sprintf(format, args...))
}

// skip records a record Wave could not serve or that could not be read; what records
// it is, as far as it is known, is in what.
func (w *walk) skip(what, why string) {
	w.skipped++
	w.problem("%s could not be read (%s); it keeps what the last sync stored.", what, clip(why, 200))
}

// page records what one page said.
func (w *walk) page(page int, info wirePageInfo, n int) {
	if info.countKnown {
		switch {
		case !w.counted:
			w.counted, w.firstCount = true, info.TotalCount
		case info.TotalCount != w.lastCount && !w.changed:
			w.changed = true
			w.problem("Wave counted %d %s when the read began and %d on page %d: the list changed while it was read.",
				w.firstCount, w.noun, info.TotalCount, page)
		}
		w.lastCount = info.TotalCount
	}
	if page == 1 && n > 0 && n < w.size && info.countKnown && info.TotalPages > 1 && (info.TotalCount+n-1)/n == info.TotalPages {
		// Wave serves smaller pages than asked for (its maximum page size is not
		// published), and says so consistently: that is its page size.
		w.size = n
	}
	if page < info.TotalPages && n < w.size {
		w.problem("Page %d of %d held %d %s where %d were expected.", page, info.TotalPages, n, w.noun, w.size)
	}
}

// result is nil for a complete walk, else the evidence that it was not.
func (w *walk) result() error {
	if w.from > 1 {
		w.problem("The read of the %s continued at page %d after an interruption, so it cannot prove it saw every one; the next full sync reads them all.", w.noun, w.from)
	} else if w.structural && w.counted && !w.changed && len(w.ids) != w.lastCount {
		w.problem("%d different %s were read, but Wave counts %d.", len(w.ids), w.noun, w.lastCount)
	}
	if !w.structural {
		// Only the records that could not be read count against such a walk.
		if w.skipped == 0 {
			return nil
		}
	} else if len(w.problems) == 0 && w.more == 0 {
		return nil
	}
	problems := append([]string(nil), w.problems...)
	if w.more > 0 {
		problems = append(problems, fmt.Sprintf("And %d more problems.", w.more))
	}
	return &finhealth.IncompleteReadError{Problems: problems, Skipped: w.skipped}
}

// eachPage fetches pages w.from, w.from+1, ... until the last one Wave announces, recording each
// in w. An empty page before the last does not end the walk (the pages after it are
// still read, up to maxEmptyPages empty ones in a row); w decides afterwards whether
// the walk was whole. fetch returns the page's pageInfo and how many edges it held,
// and stop true when the caller has read all it wants.
func eachPage(ctx context.Context, w *walk, fetch func(ctx context.Context, page int) (info wirePageInfo, n int, stop bool, err error)) error {
	empty := 0
	for page := w.from; page <= maxPages; page++ {
		info, n, stop, err := fetch(ctx, page)
		if err != nil {
			return err
		}
		if stop {
			w.structural = false
			return nil
		}
		w.page(page, info, n)
		if page >= info.TotalPages {
			return nil
		}
		if n > 0 {
			empty = 0
			continue
		}
		if empty++; empty >= maxEmptyPages {
			w.problem("The read stopped after %d empty pages in a row, at page %d of %d.", empty, page, info.TotalPages)
			return nil
		}
	}
	return fmt.Errorf("wave: more than %d pages; giving up", maxPages)
}

// itemErrors reads a partial answer's errors as failures of single records of the
// list field: each error's path must lead into one edge (business.<field>.edges.<i>).
// It returns Wave's message for each failed edge, and ok false when some error is
// about something else (the whole page then fails as before).
func itemErrors(err error, field string) (failed map[int]string, ok bool) {
	var ge *GraphQLErrors
	if !errors.As(err, &ge) || !ge.Partial || len(ge.Errors) == 0 {
		return nil, false
	}
	failed = map[int]string{}
	prefix := "business." + field + ".edges."
	for _, e := range ge.Errors {
		rest, found := strings.CutPrefix(e.Path, prefix)
		if !found {
			return nil, false
		}
		idx, _, _ := strings.Cut(rest, ".")
		i, err := strconv.Atoi(idx)
		if err != nil || i < 0 {
			return nil, false
		}
		msg := e.Message
		if e.Code != "" {
			msg = e.Code + ": " + msg
		}
		if _, dup := failed[i]; !dup {
			failed[i] = msg
		}
	}
	return failed, true
}

// deliverPage converts a page's nodes with conv and hands those kept to fn (when
// there are any). A node Wave nulled, one named in failed (itemErrors) and one that
// does not convert are skipped and recorded in w: one bad record must not stop the
// walk over the others. id gives a node's Wave id (recorded as seen, even when keep
// leaves the record out) and label how to name it to an owner.
func deliverPage[N, T any](w *walk, c *wireConnection[N], failed map[int]string,
	id func(*N) string, label func(*N) string, conv func(*N) (T, error), keep func(T) bool, fn func([]T) error) error {
	items := make([]T, 0, len(c.Edges))
	for i, e := range c.Edges {
		if e.Node == nil {
			why := failed[i]
			if why == "" {
				why = "Wave returned no data for it"
			}
			w.skip(fmt.Sprintf("One of the %s (position %d of its page)", w.noun, i+1), why)
			continue
		}
		// A record that cannot be read is still one Wave has: recording it as seen
		// keeps the count check from reporting it a second time.
		w.saw(id(e.Node))
		if why, bad := failed[i]; bad {
			if why == "" {
				why = "Wave returned an error for it"
			}
			w.skip(label(e.Node), why)
			continue
		}
		v, err := conv(e.Node)
		if err != nil {
			w.skip(label(e.Node), err.Error())
			continue
		}
		if keep != nil && !keep(v) {
			continue
		}
		items = append(items, v)
	}
	if len(items) == 0 {
		return nil
	}
	return fn(items)
}

// clip shortens s to at most n bytes without splitting a character.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
