package store_test

import (
	"context"
	"fmt"
	"testing"

	"finhealth"
	"finhealth/internal/testdb"
)

// BenchmarkLatestAssessment measures the hottest read (a load target of 15k
// requests per second across the API) on each database, with many organizations'
// assessments interleaved in the table as in production.
func BenchmarkLatestAssessment(b *testing.B) {
	for _, dialect := range testdb.Dialects {
		b.Run(dialect, func(b *testing.B) {
			testdb.SkipIfUnavailable(b, dialect)
			ctx := context.Background()
			db := testdb.Open(b, dialect)
			if err := db.EnsureQuestionnaire(ctx, &finhealth.Questionnaire{ID: "core", Version: 1, Title: "t"}); err != nil {
				b.Fatal(err)
			}
			var orgs []string
			for i := range 20 {
				u, o, err := db.Register(ctx, finhealth.NewUser{Email: fmt.Sprintf("u%d@example.com", i), Name: "u", PasswordHash: "h"},
					finhealth.NewOrganization{Name: "o"})
				if err != nil {
					b.Fatal(err)
				}
				orgs = append(orgs, o.ID)
				for range 25 {
					if _, err := db.CreateAssessment(ctx, &finhealth.Assessment{
						OrganizationID: o.ID, UserID: u.ID, QuestionnaireID: "core", QuestionnaireVersion: 1,
						AlgorithmVersion: "1", Score: 50, Tier: finhealth.TierCoping,
						Categories:      []finhealth.CategoryScore{{Category: "liquidity", Label: "Liquidity", Score: 50}},
						Recommendations: []finhealth.Recommendation{{Category: "liquidity", Priority: 1, Title: "t", Detail: "d"}},
						Answers:         []finhealth.Answer{{QuestionID: "q1", Value: "a", Points: 50}},
					}); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					if _, err := db.LatestAssessment(ctx, orgs[i%len(orgs)]); err != nil {
						b.Error(err)
						return
					}
					i++
				}
			})
		})
	}
}
