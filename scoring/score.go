package scoring

import (
	"strconv"

	"finhealth"
)

// Tier names the band of a 0-100 score: healthy from 80, coping from 40, vulnerable
// below. A NaN, which no valid assessment has, falls to vulnerable rather than
// flattering anyone.
func Tier(score float64) string {
	switch {
	case score >= 80:
		return finhealth.TierHealthy
	case score >= 40:
		return finhealth.TierCoping
	default:
		return finhealth.TierVulnerable
	}
}

// Score validates answers against q and returns a scored assessment; ID,
// OrganizationID, UserID and CreatedAt are left for the store. Every question must be
// answered exactly once with one of its options; otherwise the error is a
// *finhealth.Error with code EINVALID naming every bad field, so that a client can fix
// a submission in one round trip. The Points of the given answers are ignored: only
// the questionnaire decides what an answer is worth.
//
// Score is pure and safe for concurrent use. It is fastest with a questionnaire from
// Current or Lookup, whose indices are built once; any other questionnaire is
// validated and indexed on every call, and an invalid one is an error that is not a
// *finhealth.Error, because it is the server's fault and not the caller's.
func Score(q *finhealth.Questionnaire, answers []finhealth.Answer) (*finhealth.Assessment, error) {
	s, err := scorerFor(q)
	if err != nil {
		return nil, err
	}

	// An answer slot whose QuestionID is set has been answered (perhaps badly); this
	// doubles as the duplicate check without a per-call set.
	out := make([]finhealth.Answer, len(q.Questions))
	var fields map[string]string
	bad := func(field, problem string) {
		if fields == nil {
			fields = make(map[string]string)
		}
		fields[field] = problem
	}
	for i, a := range answers {
		pos, ok := s.questionPos[a.QuestionID]
		if !ok {
			bad(answerField(i, "question_id"), "unknown question "+strconv.Quote(a.QuestionID))
			continue
		}
		qu := &q.Questions[pos]
		dup := out[pos].QuestionID != ""
		if dup {
			bad(answerField(i, "question_id"), "duplicate answer to "+strconv.Quote(qu.ID))
		}
		opt := optionIndex(qu.Options, a.Value)
		if opt < 0 {
			bad(answerField(i, "value"), strconv.Quote(a.Value)+" is not an option of "+strconv.Quote(qu.ID)+
				"; expected one of "+s.questions[pos].expected)
			out[pos].QuestionID = qu.ID
			continue
		}
		if !dup {
			o := &qu.Options[opt]
			out[pos] = finhealth.Answer{QuestionID: qu.ID, Value: o.Value, Points: o.Points, NotApplicable: o.NotApplicable}
		}
	}
	for pos := range out {
		if out[pos].QuestionID == "" {
			bad("answers."+q.Questions[pos].ID, "required")
		}
	}
	if fields != nil {
		return nil, &finhealth.Error{
			Code:    finhealth.EINVALID,
			Message: "The answers do not match the questionnaire.",
			Fields:  fields,
		}
	}

	// Scores are kept in integer tenths until the end so that rounding is exact.
	cats := make([]finhealth.CategoryScore, len(q.Categories))
	var tenthsBuf [16]int // on the stack for any plausible number of pillars
	tenths := tenthsBuf[:0]
	if len(cats) > len(tenthsBuf) {
		tenths = make([]int, 0, len(cats))
	}
	tenths = tenths[:len(cats)]
	total, scored := 0, 0
	for c := range cats {
		sum, n := 0, 0
		for _, pos := range s.categories[c].questions {
			if !out[pos].NotApplicable {
				sum += out[pos].Points
				n++
			}
		}
		cats[c] = finhealth.CategoryScore{Category: q.Categories[c].ID, Label: q.Categories[c].Label}
		if n == 0 {
			// Nothing in the pillar applies: it has no mean, and a zero here would
			// punish a business for being new.
			tenths[c] = notScored
			cats[c].NotApplicable = true
			continue
		}
		tenths[c] = roundDiv(sum*10, n)
		total += tenths[c]
		scored++
		cats[c].Score = float64(tenths[c]) / 10
	}
	// validate guarantees a pillar that always applies, so scored > 0.
	score := float64(roundDiv(total, scored)) / 10

	return &finhealth.Assessment{
		QuestionnaireID:      q.ID,
		QuestionnaireVersion: q.Version,
		AlgorithmVersion:     s.algorithm,
		Score:                score,
		Tier:                 Tier(score),
		Categories:           cats,
		Recommendations:      s.recommend(out, tenths),
		Answers:              out,
	}, nil
}

func answerField(i int, name string) string {
	return "answers[" + strconv.Itoa(i) + "]." + name
}

// optionIndex scans rather than using a map: with four or five options a scan of
// short strings is faster than hashing.
func optionIndex(opts []finhealth.Option, value string) int {
	for i := range opts {
		if opts[i].Value == value {
			return i
		}
	}
	return -1
}

// roundDiv returns num/den rounded half away from zero, for num >= 0 and den > 0.
func roundDiv(num, den int) int {
	return (2*num + den) / (2 * den)
}

// notScored stands in the tenths of a pillar with no applicable answer; recommend
// passes over it.
const notScored = -1

// maxRecommendations keeps the list short enough to act on.
const maxRecommendations = 3

// adviceParts is how many low answers one pillar's recommendation draws on: the
// weakest gives the title, and a second keeps a pillar with two problems from
// hiding one of them. recommend uses texts joined in pairs at load, so raising it
// means joining more there.
const adviceParts = 2

// recommend picks the weakest pillars below 80, weakest first and ties in
// questionnaire order, and turns each one's lowest answers into advice.
func (s *scorer) recommend(answers []finhealth.Answer, tenths []int) []finhealth.Recommendation {
	var picked [maxRecommendations]int
	n := 0
	for n < maxRecommendations {
		best := -1
		for c, t := range tenths {
			if t == notScored || t >= healthyPillar*10 || contains(picked[:n], c) {
				continue
			}
			if best < 0 || t < tenths[best] {
				best = c
			}
		}
		if best < 0 {
			break
		}
		picked[n] = best
		n++
	}

	if n == 0 {
		lowest := -1
		for c, t := range tenths {
			if t != notScored && (lowest < 0 || t < tenths[lowest]) {
				lowest = c
			}
		}
		m := s.categories[lowest].maintenance
		return []finhealth.Recommendation{{
			Category: s.q.Categories[lowest].ID,
			Priority: 1,
			Title:    m.Title,
			Detail:   m.Detail,
		}}
	}

	recs := make([]finhealth.Recommendation, n)
	for i, c := range picked[:n] {
		a := s.categories[c].advice
		low, nLow := s.lowestAnswers(answers, c)
		switch nLow {
		case 1:
			a = s.questions[low[0]].advice
		case 2:
			ci := &s.categories[c]
			a.Title = s.questions[low[0]].advice.Title
			a.Detail = ci.pairDetail[s.questions[low[0]].member*len(ci.questions)+s.questions[low[1]].member]
		}
		recs[i] = finhealth.Recommendation{
			Category: s.q.Categories[c].ID,
			Priority: i + 1,
			Title:    a.Title,
			Detail:   a.Detail,
		}
	}
	return recs
}

// lowestAnswers returns the positions of up to adviceParts answers of pillar c that
// scored under lowPoints, lowest first and ties in questionnaire order. It returns an
// array and a count rather than a slice so that nothing is allocated.
func (s *scorer) lowestAnswers(answers []finhealth.Answer, c int) ([adviceParts]int, int) {
	var buf [adviceParts]int
	n := 0
	for _, pos := range s.categories[c].questions {
		p := answers[pos].Points
		if p >= lowPoints || answers[pos].NotApplicable {
			continue
		}
		// Insert in order, keeping the earlier question first on equal points.
		i := n
		for i > 0 && answers[buf[i-1]].Points > p {
			i--
		}
		if i >= adviceParts {
			continue
		}
		if n < adviceParts {
			n++
		}
		copy(buf[i+1:n], buf[i:n-1])
		buf[i] = pos
	}
	return buf, n
}

func contains(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
