package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"finhealth"
	fhttp "finhealth/http"
	"finhealth/http/internal/servertest"
	"finhealth/store"
)

// TestChangesReachEveryInstance runs two Servers on one database, standing for two
// instances of the application. Instance b serves the hot routes first, so that
// every per-instance cache it has (verified tokens, encoded assessments) is warm;
// then each change made through instance a must show on b's very next request.
func TestChangesReachEveryInstance(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a, b := newAPI(t, db), newAPI(t, db)
		tm := servertest.NewTeam(a)
		admin := a.CreateUser("Root", finhealth.RoleAdmin)
		orgPath := "/api/v1/organizations/" + tm.Org
		submit := map[string]any{"answers": servertest.Answers(1)}

		posted := b.Post(orgPath+"/assessments", tm.Advisor.Token, submit).Expect(t, http.StatusCreated)
		for _, acc := range []servertest.Account{tm.Owner, tm.Advisor, tm.Viewer} {
			for _, path := range []string{orgPath + "/assessments/latest", "/api/v1/assessments/latest"} {
				got := b.Get(path, acc.Token).Expect(t, http.StatusOK)
				if !bytes.Equal(got.Body, posted.Body) {
					t.Fatalf("%s for %s:\n%s\nwant what was posted:\n%s", path, acc.Email, got.Body, posted.Body)
				}
			}
		}

		t.Run("role change", func(t *testing.T) {
			a.Patch(orgPath+"/members/"+tm.Advisor.ID, tm.Owner.Token, map[string]string{"role": "viewer"}).Expect(t, http.StatusOK)
			b.Post(orgPath+"/assessments", tm.Advisor.Token, submit).Expect(t, http.StatusForbidden)
			b.Post("/api/v1/assessments", tm.Advisor.Token, submit).Expect(t, http.StatusForbidden)
			b.Get(orgPath+"/assessments/latest", tm.Advisor.Token).Expect(t, http.StatusOK)
			a.Patch(orgPath+"/members/"+tm.Advisor.ID, tm.Owner.Token, map[string]string{"role": "advisor"}).Expect(t, http.StatusOK)
			b.Post(orgPath+"/assessments", tm.Advisor.Token, submit).Expect(t, http.StatusCreated)
		})

		t.Run("membership removal", func(t *testing.T) {
			a.Delete(orgPath+"/members/"+tm.Viewer.ID, tm.Owner.Token).Expect(t, http.StatusNoContent)
			b.Get(orgPath+"/assessments/latest", tm.Viewer.Token).Expect(t, http.StatusNotFound)
			b.Get("/api/v1/assessments/latest", tm.Viewer.Token).Expect(t, http.StatusNotFound)
			b.Get(orgPath, tm.Viewer.Token).Expect(t, http.StatusNotFound)
		})

		t.Run("platform role change", func(t *testing.T) {
			b.Get("/api/v1/admin/users", tm.Owner.Token).Expect(t, http.StatusForbidden)
			a.Patch("/api/v1/admin/users/"+tm.Owner.ID, admin.Token, map[string]string{"role": "admin"}).Expect(t, http.StatusOK)
			b.Get("/api/v1/admin/users", tm.Owner.Token).Expect(t, http.StatusOK)
			a.Patch("/api/v1/admin/users/"+tm.Owner.ID, admin.Token, map[string]string{"role": "user"}).Expect(t, http.StatusOK)
			b.Get("/api/v1/admin/users", tm.Owner.Token).Expect(t, http.StatusForbidden)
		})

		t.Run("deactivation", func(t *testing.T) {
			b.Get("/api/v1/me", tm.Owner.Token).Expect(t, http.StatusOK)
			a.Post("/api/v1/admin/users/"+tm.Owner.ID+"/deactivate", admin.Token, nil).Expect(t, http.StatusOK)
			for _, path := range []string{"/api/v1/me", "/api/v1/assessments/latest", orgPath + "/assessments/latest", orgPath} {
				b.Get(path, tm.Owner.Token).Expect(t, http.StatusUnauthorized)
			}
			b.Post("/api/v1/assessments", tm.Owner.Token, submit).Expect(t, http.StatusUnauthorized)
			// The other members are unaffected.
			b.Get(orgPath+"/assessments/latest", tm.Advisor.Token).Expect(t, http.StatusOK)
		})
	})
}

// TestLatestAssessmentCache checks that the latest assessment is the same, byte for
// byte, whether it comes from the instance that stored it, from an instance with a
// cold cache, or from one without a cache, and that it follows new submissions.
// That the disabled cache stays empty is TestAssessmentCacheDisabled's.
func TestLatestAssessmentCache(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		warm := newAPI(t, db)
		cold := newAPI(t, db)
		none := newAPI(t, db, func(c *fhttp.Config) { c.AssessmentCacheSize = -1 })
		acc := warm.Register("Cache")
		for _, api := range []*servertest.API{warm, cold, none} {
			api.Get("/api/v1/assessments/latest", acc.Token).Expect(t, http.StatusNotFound)
		}
		for pick := range 3 {
			posted := warm.Post("/api/v1/assessments", acc.Token, map[string]any{"answers": servertest.Answers(pick)}).Expect(t, http.StatusCreated)
			for name, api := range map[string]*servertest.API{"warm": warm, "cold": cold, "none": none} {
				for range 2 { // a miss, then a hit
					got := api.Get("/api/v1/assessments/latest", acc.Token).Expect(t, http.StatusOK)
					if !bytes.Equal(got.Body, posted.Body) {
						t.Fatalf("%s instance, answers %d:\n%s\nwant\n%s", name, pick, got.Body, posted.Body)
					}
				}
			}
			var a finhealth.Assessment
			if err := json.Unmarshal(posted.Body, &a); err != nil {
				t.Fatal(err)
			}
			stored, err := db.LatestAssessment(t.Context(), acc.OrgID)
			if err != nil {
				t.Fatal(err)
			}
			if stored.ID != a.ID || stored.Score != a.Score || !stored.CreatedAt.Equal(a.CreatedAt) {
				t.Fatalf("stored %+v, served %+v", stored, a)
			}
		}
	})
}
