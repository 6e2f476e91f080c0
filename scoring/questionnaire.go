package scoring

import (
	"bytes"
	"cmp"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"path"
	"slices"
	"strconv"
	"strings"

	"finhealth"
)

// AlgorithmVersion names the scoring method of new questionnaires. Stored with every
// assessment, it must change whenever Score would give a different result for the
// same answers. Version 2 leaves not-applicable answers out of their pillar's mean
// and pillars with nothing applicable out of the overall mean.
const AlgorithmVersion = "sbfhc-mean-v2"

// algorithmV1 is what sbfhc version 1 was scored and recorded with. That version has
// no not-applicable option, so the version 2 arithmetic scores it exactly as version
// 1 did; it keeps its own name so that its assessments, old and new, are explained
// by the method they were made under.
const algorithmV1 = "sbfhc-mean-v1"

// algorithmFor is the algorithm version a questionnaire is scored and recorded with.
func algorithmFor(q *finhealth.Questionnaire) string {
	if q.ID == currentID && q.Version == 1 {
		return algorithmV1
	}
	return AlgorithmVersion
}

// currentID is the questionnaire Current serves; other ids may be embedded for tests
// of a future questionnaire without becoming visible to users.
const currentID = "sbfhc"

// lowPoints is the bar under which an answer earns its own recommendation text;
// 60 leaves the middle bands of most questions alone and catches the two worst.
const lowPoints = 60

// healthyPillar is the pillar score from which no improvement is recommended.
const healthyPillar = 80

//go:embed questionnaires/*.json
var embedded embed.FS

// advice is a recommendation's text before it is tied to a priority.
type advice struct {
	Title  string `json:"title"`
	Detail string `json:"detail"`
}

// document is the stored shape of a questionnaire file. It differs from
// finhealth.Questionnaire because the file carries what the API must not publish:
// points and recommendation texts.
type document struct {
	ID          string     `json:"id"`
	Version     int        `json:"version"`
	Title       string     `json:"title"`
	Maintenance advice     `json:"maintenance"`
	Categories  []category `json:"categories"`
	Questions   []question `json:"questions"`
}

type category struct {
	ID             string `json:"id"`
	Label          string `json:"label"`
	Recommendation advice `json:"recommendation"`
}

type question struct {
	ID       string `json:"id"`
	Category string `json:"category"`
	Text     string `json:"text"`
	Help     string `json:"help"`
	// BookMetric names the ledger metric that measures the same fact; the options'
	// ranges must then be that metric's bands, edge for edge and point for point, so
	// that an answer and the books never disagree about what a number is worth.
	BookMetric     string   `json:"book_metric"`
	Options        []option `json:"options"`
	Recommendation advice   `json:"recommendation"`
}

type option struct {
	Value         string       `json:"value"`
	Label         string       `json:"label"`
	Points        int          `json:"points"`
	Unknown       bool         `json:"unknown"`
	NotApplicable bool         `json:"not_applicable"`
	Range         *optionRange `json:"range"`
}

// optionRange is the numeric range an option's label names, [From, Below); an absent
// end is open. It is written next to the label so that a machine can check what a
// reader can only trust: that no two options claim the same number.
type optionRange struct {
	From  *float64 `json:"from"`
	Below *float64 `json:"below"`
}

func (r *optionRange) bounds() (lo, hi float64) {
	lo, hi = -inf, inf
	if r.From != nil {
		lo = *r.From
	}
	if r.Below != nil {
		hi = *r.Below
	}
	return lo, hi
}

// scorer is everything Score needs about one questionnaire, computed once so that
// scoring a submission allocates only its result.
type scorer struct {
	q           *finhealth.Questionnaire
	algorithm   string
	doc         *document // the source of the advice texts; nil when generic
	questionPos map[string]int
	questions   []questionIndex // parallel to q.Questions
	categories  []categoryIndex // parallel to q.Categories
}

type questionIndex struct {
	category int
	member   int    // position among its category's questions
	expected string // "a, b, c", for the bad-option message
	advice   advice
}

type categoryIndex struct {
	questions   []int // positions in q.Questions
	advice      advice
	maintenance advice
	// pairDetail[i*len(questions)+j] is member i's detail followed by member j's,
	// joined once here rather than on every submission.
	pairDetail []string
}

var (
	scorers []*scorer // sorted by id, then version
	current *scorer
)

func init() {
	var err error
	scorers, err = loadAll(embedded)
	if err != nil {
		panic(err)
	}
	for _, s := range scorers {
		if s.q.ID == currentID {
			current = s // sorted, so the last one seen is the newest
		}
	}
	if current == nil {
		panic(fmt.Sprintf("scoring: no embedded questionnaire %q", currentID))
	}
}

// Current returns the newest version of the questionnaire users answer. It is shared:
// callers must not modify it.
func Current() *finhealth.Questionnaire { return current.q }

// Questionnaires returns every embedded questionnaire version, ordered by id and
// version, so that the store can keep each one that assessments refer to.
func Questionnaires() []*finhealth.Questionnaire {
	qs := make([]*finhealth.Questionnaire, len(scorers))
	for i, s := range scorers {
		qs[i] = s.q
	}
	return qs
}

// Lookup returns an embedded questionnaire version, to re-explain or re-score an
// assessment against exactly what was answered. It is shared: callers must not
// modify it.
func Lookup(id string, version int) (*finhealth.Questionnaire, bool) {
	if s, ok := lookupScorer(id, version); ok {
		return s.q, true
	}
	return nil, false
}

func loadAll(fsys fs.FS) ([]*scorer, error) {
	names, err := fs.Glob(fsys, "questionnaires/*.json")
	if err != nil {
		return nil, err
	}
	var all []*scorer
	var errs []error
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		s, err := load(data)
		if err != nil {
			errs = append(errs, fmt.Errorf("scoring: %s: %w", name, err))
			continue
		}
		// The file name is how people find a version; it must not lie about it.
		if want := fmt.Sprintf("%s-v%d.json", s.q.ID, s.q.Version); path.Base(name) != want {
			errs = append(errs, fmt.Errorf("scoring: %s: holds %s version %d, so must be named %s", name, s.q.ID, s.q.Version, want))
			continue
		}
		all = append(all, s)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	slices.SortFunc(all, func(a, b *scorer) int {
		return cmp.Or(strings.Compare(a.q.ID, b.q.ID), cmp.Compare(a.q.Version, b.q.Version))
	})
	return all, nil
}

// load parses and validates one questionnaire file.
func load(data []byte) (*scorer, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	// A misspelt key in hand-edited data would otherwise be silently dropped.
	dec.DisallowUnknownFields()
	var doc document
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("trailing data after the questionnaire")
	}
	q := doc.questionnaire()
	if err := errors.Join(validate(q), doc.validateAdvice(), doc.validateRanges()); err != nil {
		return nil, err
	}
	return newScorer(q, &doc), nil
}

func (d *document) questionnaire() *finhealth.Questionnaire {
	q := &finhealth.Questionnaire{
		ID:         d.ID,
		Version:    d.Version,
		Title:      d.Title,
		Categories: make([]finhealth.Category, len(d.Categories)),
		Questions:  make([]finhealth.Question, len(d.Questions)),
	}
	for i, c := range d.Categories {
		q.Categories[i] = finhealth.Category{ID: c.ID, Label: c.Label}
	}
	for i, dq := range d.Questions {
		opts := make([]finhealth.Option, len(dq.Options))
		for j, o := range dq.Options {
			opts[j] = finhealth.Option{Value: o.Value, Label: o.Label, Points: o.Points, Unknown: o.Unknown, NotApplicable: o.NotApplicable}
		}
		q.Questions[i] = finhealth.Question{ID: dq.ID, Category: dq.Category, Text: dq.Text, Help: dq.Help, Options: opts}
	}
	return q
}

// validateAdvice makes sure no pillar can ever be recommended with an empty text.
func (d *document) validateAdvice() error {
	var errs []error
	check := func(where string, a advice) {
		if strings.TrimSpace(a.Title) == "" || strings.TrimSpace(a.Detail) == "" {
			errs = append(errs, fmt.Errorf("%s: recommendation needs a title and a detail", where))
		}
	}
	check("maintenance", d.Maintenance)
	for _, c := range d.Categories {
		check("category "+strconv.Quote(c.ID), c.Recommendation)
	}
	for _, q := range d.Questions {
		check("question "+strconv.Quote(q.ID), q.Recommendation)
	}
	return errors.Join(errs...)
}

// validateRanges refuses options whose numeric ranges overlap or are empty, and a
// question paired with a book metric whose ranged options are not exactly the
// metric's bands.
func (d *document) validateRanges() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	for _, q := range d.Questions {
		type ranged struct {
			value  string
			lo, hi float64
			points int
		}
		var rs []ranged
		for _, o := range q.Options {
			if o.Range == nil {
				continue
			}
			lo, hi := o.Range.bounds()
			if !(lo < hi) || (math.IsInf(lo, -1) && math.IsInf(hi, 1)) {
				bad("question %q: option %q: range [%g, %g) is empty or unbounded", q.ID, o.Value, lo, hi)
				continue
			}
			if o.Unknown || o.NotApplicable {
				bad("question %q: option %q is not a real answer, so it has no range", q.ID, o.Value)
			}
			for _, r := range rs {
				if lo < r.hi && r.lo < hi {
					bad("question %q: options %q and %q overlap", q.ID, r.value, o.Value)
				}
			}
			rs = append(rs, ranged{o.Value, lo, hi, o.Points})
		}
		if q.BookMetric == "" {
			continue
		}
		def, ok := defByName[q.BookMetric]
		if !ok || len(def.bands) == 0 {
			bad("question %q: book metric %q is not a scored metric", q.ID, q.BookMetric)
			continue
		}
		matched := 0
		for _, b := range def.bands {
			if b.special {
				continue
			}
			found := false
			for _, r := range rs {
				if r.lo == b.min && r.hi == b.max {
					found = true
					if r.points != b.points {
						bad("question %q: option %q has %d points, the %s band %q has %d", q.ID, r.value, r.points, q.BookMetric, b.label, b.points)
					}
				}
			}
			if found {
				matched++
			} else {
				bad("question %q: no option covers the %s band %q", q.ID, q.BookMetric, b.label)
			}
		}
		if matched != len(rs) {
			bad("question %q: %d ranged options for %d %s bands: every range must be a band", q.ID, len(rs), matched, q.BookMetric)
		}
	}
	return errors.Join(errs...)
}

// validate checks what Score relies on: that every question can be answered exactly
// once, that each answer maps to one option, and that every pillar has a mean.
func validate(q *finhealth.Questionnaire) error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !isSlug(q.ID) {
		bad("questionnaire id %q is not a slug", q.ID)
	}
	if q.Version < 1 {
		bad("version %d: versions start at 1", q.Version)
	}
	if strings.TrimSpace(q.Title) == "" {
		bad("title is empty")
	}
	if len(q.Categories) == 0 {
		bad("no categories")
	}
	if len(q.Questions) == 0 {
		bad("no questions")
	}
	used := make(map[string]int, len(q.Categories))
	for _, c := range q.Categories {
		if !isSlug(c.ID) {
			bad("category id %q is not a slug", c.ID)
		}
		if _, dup := used[c.ID]; dup {
			bad("category %q is defined twice", c.ID)
		}
		used[c.ID] = 0
		if strings.TrimSpace(c.Label) == "" {
			bad("category %q has no label", c.ID)
		}
	}
	seen := make(map[string]bool, len(q.Questions))
	// alwaysApplies holds the pillars with a question that has no not-applicable
	// answer: they always have a mean, so the overall score always has one too.
	alwaysApplies := map[string]bool{}
	for _, qu := range q.Questions {
		if !isSlug(qu.ID) {
			bad("question id %q is not a slug", qu.ID)
		}
		if seen[qu.ID] {
			bad("question %q is defined twice", qu.ID)
		}
		seen[qu.ID] = true
		if n, ok := used[qu.Category]; ok {
			used[qu.Category] = n + 1
		} else {
			bad("question %q: unknown category %q", qu.ID, qu.Category)
		}
		if strings.TrimSpace(qu.Text) == "" {
			bad("question %q has no text", qu.ID)
		}
		if len(qu.Options) < 2 {
			bad("question %q: %d options, need at least 2", qu.ID, len(qu.Options))
		}
		values := make(map[string]bool, len(qu.Options))
		real, worst := 0, 100
		for _, o := range qu.Options {
			if !o.Unknown && !o.NotApplicable {
				real++
				worst = min(worst, o.Points)
			}
		}
		if real < 2 {
			bad("question %q: %d real answers (neither unknown nor not applicable), need at least 2", qu.ID, real)
		}
		if !slices.ContainsFunc(qu.Options, func(o finhealth.Option) bool { return o.NotApplicable }) {
			alwaysApplies[qu.Category] = true
		}
		for _, o := range qu.Options {
			switch {
			case o.Unknown && o.NotApplicable:
				bad("question %q: option %q cannot be both unknown and not applicable", qu.ID, o.Value)
			case o.Unknown && o.Points > worst:
				// Not knowing must never score better than the worst thing one could know.
				bad("question %q: unknown option %q has %d points, more than the worst real answer's %d", qu.ID, o.Value, o.Points, worst)
			case o.NotApplicable && o.Points != 0:
				bad("question %q: not-applicable option %q has %d points; it must have none", qu.ID, o.Value, o.Points)
			}
			if !isSlug(o.Value) {
				bad("question %q: option value %q is not a slug", qu.ID, o.Value)
			}
			if values[o.Value] {
				bad("question %q: option %q is defined twice", qu.ID, o.Value)
			}
			values[o.Value] = true
			if strings.TrimSpace(o.Label) == "" {
				bad("question %q: option %q has no label", qu.ID, o.Value)
			}
			if o.Points < 0 || o.Points > 100 {
				bad("question %q: option %q has %d points, outside 0-100", qu.ID, o.Value, o.Points)
			}
		}
	}
	for _, c := range q.Categories {
		if used[c.ID] == 0 {
			bad("category %q has no questions, so it has no mean", c.ID)
		}
	}
	if len(alwaysApplies) == 0 && len(q.Questions) > 0 {
		bad("every question can be not applicable, so a submission could have no score")
	}
	return errors.Join(errs...)
}

// isSlug reports whether s is lower-case words and digits joined by single
// underscores, the form of every id and option value: stable in URLs, JSON and SQL.
func isSlug(s string) bool {
	if s == "" || len(s) > 64 || s[0] == '_' || s[len(s)-1] == '_' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case c == '_' && s[i-1] != '_':
		default:
			return false
		}
	}
	return true
}

// newScorer indexes a valid questionnaire. doc supplies the recommendation texts; when
// it is nil (a questionnaire not embedded here) generic texts stand in.
func newScorer(q *finhealth.Questionnaire, doc *document) *scorer {
	s := &scorer{
		q:           q,
		algorithm:   algorithmFor(q),
		doc:         doc,
		questionPos: make(map[string]int, len(q.Questions)),
		questions:   make([]questionIndex, len(q.Questions)),
		categories:  make([]categoryIndex, len(q.Categories)),
	}
	catPos := make(map[string]int, len(q.Categories))
	for i, c := range q.Categories {
		catPos[c.ID] = i
		ci := &s.categories[i]
		ci.advice = advice{
			Title:  "Improve " + c.Label,
			Detail: "Go through the answers in " + c.Label + " that scored lowest and agree one concrete step for each, with a date, with your advisor.",
		}
		ci.maintenance = advice{
			Title:  "Keep up the habits that got you here",
			Detail: "Every pillar scores 80 or more. Retake this check every quarter and watch " + c.Label + " most closely: it is your lowest-scoring pillar.",
		}
		if doc != nil {
			for _, dc := range doc.Categories {
				if dc.ID == c.ID {
					ci.advice = dc.Recommendation
				}
			}
			ci.maintenance = advice{
				Title:  doc.Maintenance.Title,
				Detail: strings.ReplaceAll(doc.Maintenance.Detail, "{category}", c.Label),
			}
		}
	}
	for i, qu := range q.Questions {
		s.questionPos[qu.ID] = i
		c := catPos[qu.Category]
		s.categories[c].questions = append(s.categories[c].questions, i)
		values := make([]string, len(qu.Options))
		for j, o := range qu.Options {
			values[j] = o.Value
		}
		qi := &s.questions[i]
		qi.category = c
		qi.member = len(s.categories[c].questions) - 1
		qi.expected = strings.Join(values, ", ")
		qi.advice = s.categories[c].advice
		if doc != nil {
			for _, dq := range doc.Questions {
				if dq.ID == qu.ID {
					qi.advice = dq.Recommendation
				}
			}
		}
	}
	for c := range s.categories {
		ci := &s.categories[c]
		n := len(ci.questions)
		ci.pairDetail = make([]string, n*n)
		for i, a := range ci.questions {
			for j, b := range ci.questions {
				ci.pairDetail[i*n+j] = s.questions[a].advice.Detail + " " + s.questions[b].advice.Detail
			}
		}
	}
	return s
}

// scorerFor returns the precomputed index of an embedded questionnaire, or indexes a
// questionnaire from elsewhere (a copy read back from the database, say) on the fly.
func scorerFor(q *finhealth.Questionnaire) (*scorer, error) {
	if q == nil {
		return nil, errors.New("scoring: no questionnaire")
	}
	for _, s := range scorers {
		if s.q == q {
			return s, nil
		}
	}
	if err := validate(q); err != nil {
		return nil, fmt.Errorf("scoring: questionnaire %s version %d: %w", q.ID, q.Version, err)
	}
	// A copy of an embedded version keeps its written advice, matched by question id.
	var doc *document
	if s, ok := lookupScorer(q.ID, q.Version); ok {
		doc = s.doc
	}
	return newScorer(q, doc), nil
}

func lookupScorer(id string, version int) (*scorer, bool) {
	for _, s := range scorers {
		if s.q.ID == id && s.q.Version == version {
			return s, true
		}
	}
	return nil, false
}
