package scoring

import (
	"testing"

	"finhealth"
)

// The API's POST /api/v1/assessments targets 5,000 requests a second; scoring must be a
// small share of that budget.
func BenchmarkScore(b *testing.B) {
	q := Current()
	answers := answersFor(b, q, mixedAnswersV2)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Score(q, answers); err != nil {
			b.Fatal(err)
		}
	}
}

// Invalid submissions are cheap to send, so rejecting them must be cheap too.
func BenchmarkScoreInvalid(b *testing.B) {
	q := Current()
	answers := answersFor(b, q, mixedAnswersV2)
	answers[0].Value = "lots"
	answers = append(answers[:17], finhealth.Answer{QuestionID: "nope", Value: "x"})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Score(q, answers); err == nil {
			b.Fatal("accepted")
		}
	}
}

func BenchmarkCurrent(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if Current() == nil {
			b.Fatal("nil")
		}
	}
}
