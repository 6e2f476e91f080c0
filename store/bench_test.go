package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"finhealth"
	"finhealth/internal/testdb"
	"finhealth/store"
)

// benchOrganizations fills a fresh database of the dialect with 20 organizations of
// 25 assessments each, interleaved in the table as in production, and returns the
// owners and their organizations.
func benchOrganizations(b *testing.B, dialect string) (*store.DB, []*finhealth.User, []string) {
	testdb.SkipIfUnavailable(b, dialect)
	ctx := context.Background()
	db := testdb.Open(b, dialect)
	if err := db.EnsureQuestionnaire(ctx, &finhealth.Questionnaire{ID: "core", Version: 1, Title: "t"}); err != nil {
		b.Fatal(err)
	}
	var (
		users []*finhealth.User
		orgs  []string
	)
	for i := range 20 {
		u, o, err := db.Register(ctx, finhealth.NewUser{Email: fmt.Sprintf("u%d@example.com", i), Name: "u", PasswordHash: "h"},
			finhealth.NewOrganization{Name: "o"})
		if err != nil {
			b.Fatal(err)
		}
		users, orgs = append(users, u), append(orgs, o.ID)
	}
	for range 25 {
		for i, u := range users {
			if _, err := db.CreateAssessment(ctx, &finhealth.Assessment{
				OrganizationID: orgs[i], UserID: u.ID, QuestionnaireID: "core", QuestionnaireVersion: 1,
				AlgorithmVersion: "1", Score: 50, Tier: finhealth.TierCoping,
				Categories:      []finhealth.CategoryScore{{Category: "liquidity", Label: "Liquidity", Score: 50}},
				Recommendations: []finhealth.Recommendation{{Category: "liquidity", Priority: 1, Title: "t", Detail: "d"}},
				Answers:         []finhealth.Answer{{QuestionID: "q1", Value: "a", Points: 50}},
			}); err != nil {
				b.Fatal(err)
			}
		}
	}
	return db, users, orgs
}

// BenchmarkLatestAssessment measures reading an organization's newest assessment in
// full, on each database.
func BenchmarkLatestAssessment(b *testing.B) {
	for _, dialect := range testdb.Dialects {
		b.Run(dialect, func(b *testing.B) {
			db, _, orgs := benchOrganizations(b, dialect)
			ctx := context.Background()
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

// BenchmarkAccessWithLatestAssessmentID measures the one query behind GET
// .../assessments/latest (the hottest route, 15k requests per second wanted):
// the caller's account, their membership and the newest assessment's id.
func BenchmarkAccessWithLatestAssessmentID(b *testing.B) {
	for _, dialect := range testdb.Dialects {
		b.Run(dialect, func(b *testing.B) {
			db, users, _ := benchOrganizations(b, dialect)
			ctx := context.Background()
			sessions := make([]string, len(users))
			for i, u := range users {
				sessions[i] = fmt.Sprintf("0190a000-0000-7000-8000-%012d", i)
				if err := db.CreateRefreshToken(ctx, finhealth.RefreshToken{UserID: u.ID, FamilyID: sessions[i],
					TokenHash: sessions[i], ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					if _, id, err := db.AccessWithLatestAssessmentID(ctx, users[i%len(users)].ID, sessions[i%len(users)], ""); err != nil || id == "" {
						b.Errorf("latest id %q: %v", id, err)
						return
					}
					i++
				}
			})
		})
	}
}
