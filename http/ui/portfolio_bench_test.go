package ui

import (
	"context"
	"fmt"
	"testing"
	"time"

	"finhealth"
	fhttp "finhealth/http"
	"finhealth/http/internal/servertest"
	"finhealth/internal/testdb"
	"finhealth/scoring"
	"finhealth/store"
)

// portfolioScoreDays are the days back at which each client business of the
// advisor fixture was scored: enough for a latest score, a score at least 30 days
// old to compare it with, and older rows for the "latest" lookups to pass over.
var portfolioScoreDays = []int{45, 31, 20, 10, 0}

// benchAdvisor stores, through the store, an advisor who advises n client
// businesses, each with its own owner, a Wave connection, a finished sync run, and
// a health score with the portfolio's two metrics at each of portfolioScoreDays.
// It returns the advisor.
func benchAdvisor(b testing.TB, db *store.DB, n int) (advisorID string) {
	b.Helper()
	ctx := context.Background()
	advisor, _, err := db.Register(ctx, finhealth.NewUser{Email: "advisor@example.com", Name: "Advisor", PasswordHash: servertest.FixtureHash, Role: finhealth.RoleUser},
		finhealth.NewOrganization{Name: "The advisor's own practice"})
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	for i := range n {
		owner, org, err := db.Register(ctx, finhealth.NewUser{Email: fmt.Sprintf("owner%04d@example.com", i), Name: "Owner", PasswordHash: servertest.FixtureHash, Role: finhealth.RoleUser},
			finhealth.NewOrganization{Name: fmt.Sprintf("Client %04d", i)})
		if err != nil {
			b.Fatal(err)
		}
		octx := finhealth.WithActor(ctx, finhealth.Actor{UserID: owner.ID})
		hash := fmt.Sprintf("invitation-%04d", i)
		if _, err := db.CreateInvitation(octx, finhealth.Invitation{OrganizationID: org.ID, Email: "advisor@example.com",
			Role: finhealth.OrgRoleAdvisor, TokenHash: hash, ExpiresAt: now.Add(time.Hour)}); err != nil {
			b.Fatal(err)
		}
		if _, err := db.AcceptInvitation(ctx, hash, advisor.ID); err != nil {
			b.Fatal(err)
		}
		if _, err := db.SaveWaveConnection(octx, finhealth.WaveConnection{OrganizationID: org.ID, WaveUserID: "w",
			Business: &finhealth.WaveBusiness{ID: fmt.Sprintf("QnVzaW5lc3M6%04d", i), Name: fmt.Sprintf("Client %04d Ltd", i), Currency: "USD", CurrencyExponent: 2}},
			finhealth.OAuthToken{AccessToken: "a", RefreshToken: "r"}); err != nil {
			b.Fatal(err)
		}
		run, err := db.CreateSyncRun(octx, org.ID, finhealth.SyncFull, finhealth.SyncScheduled)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := db.StartSyncRun(ctx, run.ID); err != nil {
			b.Fatal(err)
		}
		if _, err := db.FinishSyncRun(ctx, run.ID, finhealth.SyncSucceeded, finhealth.SyncProgress{}, ""); err != nil {
			b.Fatal(err)
		}
		for _, day := range portfolioScoreDays {
			asOf := now.AddDate(0, 0, -day)
			overdue, buffer := float64(i%40), float64(5+(i+day)%120)
			metrics := []finhealth.MetricValue{
				{Name: scoring.MetricOverdueShare, Unit: finhealth.UnitPercent, Status: finhealth.MetricOK, Value: &overdue},
				{Name: scoring.MetricCashBufferDays, Unit: finhealth.UnitDays, Status: finhealth.MetricOK, Value: &buffer},
			}
			if err := db.InsertMetrics(ctx, org.ID, asOf, metrics); err != nil {
				b.Fatal(err)
			}
			score := float64(30 + (i*7+day)%70)
			if err := db.InsertHealthScore(ctx, org.ID, finhealth.HealthScore{AsOf: asOf, Status: finhealth.MetricOK,
				Score: &score, Tier: "good", MethodVersion: "bench"}); err != nil {
				b.Fatal(err)
			}
		}
	}
	return advisor.ID
}

// BenchmarkPortfolio2000 reads the portfolio of an advisor with 2,000 client
// businesses through the whole handler: the API's GET /api/v1/portfolio and the
// portfolio page. Issue 12 sets both under 100 ms.
//
//	go test ./http/ui/ -run '^$' -bench BenchmarkPortfolio2000 -benchtime 20x
func BenchmarkPortfolio2000(b *testing.B) {
	const clients = 2000
	for _, dialect := range testdb.Dialects {
		b.Run(dialect, func(b *testing.B) {
			testdb.SkipIfUnavailable(b, dialect)
			db := testdb.Open(b, dialect)
			advisorID := benchAdvisor(b, db, clients)
			if dialect == store.DialectPostgres {
				if _, err := db.SQL().Exec("VACUUM ANALYZE"); err != nil {
					b.Fatal(err)
				}
			}
			srv := fhttp.NewServer(fhttp.Config{JWTSecret: servertest.Secret, Argon2: servertest.Argon2}, db)
			mount(srv)
			benchPages(b, srv, advisorID, []benchPage{
				{"api", "/api/v1/portfolio", `"Client 1999"`},
				// A page lists portfolioPageSize rows: the first ends at Client 0199, and
				// the tenth page holds the last client (the advisor's own practice,
				// sorted after every "Client", is on the eleventh).
				{"page", "/portfolio", `Client 0199`},
				{"page10", "/portfolio?page=10", `Client 1999`},
			})
		})
	}
}
