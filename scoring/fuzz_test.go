package scoring

import (
	"errors"
	"testing"

	"finhealth"
)

// FuzzScore drives Score with answer lists built from picks: each pair of bytes picks
// a question (or, past the end, the raw string or an empty id) and an option (or the
// raw string or an empty value), so the fuzzer explores valid, partial, duplicated and
// junk submissions alike. Whatever it finds must be a valid assessment or an EINVALID
// error, and it must agree with a plain re-statement of the rules.
func FuzzScore(f *testing.F) {
	q := Current()
	n := len(q.Questions)
	full := func(opt func(i int) int) []byte {
		b := make([]byte, 0, 2*n)
		for i := range n {
			b = append(b, byte(i), byte(opt(i)))
		}
		return b
	}
	f.Add("", full(func(int) int { return 0 }))
	f.Add("", full(func(i int) int { return len(q.Questions[i].Options) - 1 }))
	f.Add("x", full(func(i int) int { return i % 3 }))
	f.Add("cash_buffer_days", []byte{byte(n), 0, 0, byte(len(q.Questions[0].Options))})
	f.Add("", []byte{})
	f.Add("\xff\x00", []byte{0, 0, 0, 0, 1})

	f.Fuzz(func(t *testing.T, raw string, picks []byte) {
		var answers []finhealth.Answer
		for i := 0; i+1 < len(picks); i += 2 {
			var a finhealth.Answer
			qi := int(picks[i]) % (n + 2)
			switch {
			case qi < n:
				a.QuestionID = q.Questions[qi].ID
			case qi == n:
				a.QuestionID = raw
			}
			if qi < n {
				opts := q.Questions[qi].Options
				switch oi := int(picks[i+1]) % (len(opts) + 2); {
				case oi < len(opts):
					a.Value = opts[oi].Value
				case oi == len(opts):
					a.Value = raw
				}
			} else {
				a.Value = raw
			}
			answers = append(answers, a)
		}

		a, err := Score(q, answers)

		if err != nil {
			var fe *finhealth.Error
			if !errors.As(err, &fe) || fe.Code != finhealth.EINVALID || len(fe.Fields) == 0 {
				t.Fatalf("error %#v, want EINVALID naming fields", err)
			}
			if a != nil {
				t.Fatal("assessment returned with an error")
			}
			if wantValid(q, answers) {
				t.Fatalf("valid answers rejected: %v", fe.Fields)
			}
			return
		}
		if !wantValid(q, answers) {
			t.Fatalf("invalid answers accepted: %+v", answers)
		}
		if a.Score < 0 || a.Score > 100 || a.Tier != Tier(a.Score) {
			t.Fatalf("score %v tier %s", a.Score, a.Tier)
		}
		if len(a.Categories) != len(q.Categories) || len(a.Answers) != n {
			t.Fatalf("%d categories, %d answers", len(a.Categories), len(a.Answers))
		}
		for _, c := range a.Categories {
			if c.Score < 0 || c.Score > 100 || (c.NotApplicable && c.Score != 0) {
				t.Fatalf("%s = %v (not applicable %v)", c.Category, c.Score, c.NotApplicable)
			}
			for _, r := range a.Recommendations {
				if c.NotApplicable && r.Category == c.Category {
					t.Fatalf("recommendation for %s, which has no score", c.Category)
				}
			}
		}
		if len(a.Recommendations) < 1 || len(a.Recommendations) > maxRecommendations {
			t.Fatalf("%d recommendations", len(a.Recommendations))
		}
	})
}

// wantValid states the rule independently of Score: every question answered exactly
// once with one of its options.
func wantValid(q *finhealth.Questionnaire, answers []finhealth.Answer) bool {
	if len(answers) != len(q.Questions) {
		return false
	}
	for _, qu := range q.Questions {
		count := 0
		for _, a := range answers {
			if a.QuestionID != qu.ID {
				continue
			}
			count++
			ok := false
			for _, o := range qu.Options {
				ok = ok || o.Value == a.Value
			}
			if !ok {
				return false
			}
		}
		if count != 1 {
			return false
		}
	}
	return true
}
