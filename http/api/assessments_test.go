package api

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"finhealth"
	"finhealth/http/internal/servertest"
	"finhealth/scoring"
	"finhealth/store"
)

func TestAssessments(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		tm := servertest.NewTeam(a)
		scoped := "/api/v1/organizations/" + tm.Org + "/assessments"
		q := scoring.Current()

		t.Run("latest is 404 before any", func(t *testing.T) {
			res := a.Get("/api/v1/assessments/latest", tm.Owner.Token).Expect(t, http.StatusNotFound)
			if !strings.Contains(string(res.Body), "No assessment yet") {
				t.Errorf("body %s", res.Body)
			}
			a.Get(scoped+"/latest", tm.Viewer.Token).Expect(t, http.StatusNotFound)
			var p page[finhealth.Assessment]
			a.Get("/api/v1/assessments", tm.Owner.Token).Expect(t, http.StatusOK).Decode(t, &p)
			if len(p.Items) != 0 || p.NextCursor != nil {
				t.Errorf("page %+v", p)
			}
		})

		var first finhealth.Assessment
		t.Run("submit on the default organization", func(t *testing.T) {
			res := a.Post("/api/v1/assessments", tm.Owner.Token, map[string]any{"answers": servertest.Answers(0)}).Expect(t, http.StatusCreated)
			res.Decode(t, &first)
			if first.ID == "" || first.OrganizationID != tm.Org || first.UserID != tm.Owner.ID ||
				first.QuestionnaireID != q.ID || first.QuestionnaireVersion != q.Version || first.AlgorithmVersion != scoring.AlgorithmVersion ||
				len(first.Categories) != len(q.Categories) || len(first.Answers) != len(q.Questions) || first.CreatedAt.IsZero() {
				t.Fatalf("assessment %+v", first)
			}
			// The contract: score is the mean of the category scores, tier follows it.
			sum := 0.0
			for _, c := range first.Categories {
				sum += c.Score
			}
			if mean := sum / float64(len(first.Categories)); mean-first.Score > 0.051 || first.Score-mean > 0.051 {
				t.Errorf("score %v, mean of categories %v", first.Score, mean)
			}
			if first.Tier != scoring.Tier(first.Score) {
				t.Errorf("tier %q for score %v", first.Tier, first.Score)
			}
		})

		t.Run("submit on a named organization as advisor", func(t *testing.T) {
			a.Post(scoped, tm.Advisor.Token, map[string]any{"answers": servertest.Answers(2)}).Expect(t, http.StatusCreated)
			a.Post(scoped, tm.Viewer.Token, map[string]any{"answers": servertest.Answers(2)}).Expect(t, http.StatusForbidden)
			a.Post(scoped, tm.Outsider.Token, map[string]any{"answers": servertest.Answers(2)}).Expect(t, http.StatusNotFound)
			// The viewer's default organization is this one, where they may not submit.
			a.Post("/api/v1/assessments", tm.Viewer.Token, map[string]any{"answers": servertest.Answers(2)}).Expect(t, http.StatusForbidden)
		})

		var latest finhealth.Assessment
		a.Get("/api/v1/assessments/latest", tm.Viewer.Token).Expect(t, http.StatusOK).Decode(t, &latest)
		if latest.ID == first.ID || latest.UserID != tm.Advisor.ID {
			t.Errorf("latest %+v is not the advisor's newer one", latest.ID)
		}

		t.Run("get one", func(t *testing.T) {
			var got finhealth.Assessment
			a.Get(scoped+"/"+first.ID, tm.Viewer.Token).Expect(t, http.StatusOK).Decode(t, &got)
			if got.ID != first.ID || got.Score != first.Score {
				t.Errorf("got %+v", got)
			}
			a.Get("/api/v1/assessments/"+first.ID, tm.Owner.Token).Expect(t, http.StatusOK)
			// Another organization's assessment does not exist for this one.
			other := a.CreateAssessment(tm.Outsider.OrgID, tm.Outsider.ID)
			a.Get(scoped+"/"+other.ID, tm.Owner.Token).Expect(t, http.StatusNotFound)
			a.Get("/api/v1/assessments/"+other.ID, tm.Owner.Token).Expect(t, http.StatusNotFound)
			a.Get("/api/v1/assessments/not-an-id", tm.Owner.Token).Expect(t, http.StatusNotFound)
		})

		t.Run("invalid answers name each problem", func(t *testing.T) {
			all := servertest.Answers(0)
			bad := append([]map[string]string{}, all[1:]...) // the first question is unanswered
			bad = append(bad,
				map[string]string{"question_id": "no_such_question", "value": "x"},
				map[string]string{"question_id": q.Questions[1].ID, "value": "not-an-option"},
				map[string]string{"question_id": q.Questions[2].ID, "value": all[2]["value"]},
				map[string]string{"question_id": "", "value": ""},
			)
			n := len(all) - 1
			// The empty answer is a shape error, caught before scoring.
			res := a.Post("/api/v1/assessments", tm.Owner.Token, map[string]any{"answers": bad}).Expect(t, http.StatusUnprocessableEntity)
			f := res.ErrorFields(t)
			if f["answers["+strconv.Itoa(n+3)+"].question_id"] == "" || f["answers["+strconv.Itoa(n+3)+"].value"] == "" {
				t.Errorf("fields %v do not name the empty answer", f)
			}
			// Without the shape error, scoring names each problem.
			res = a.Post("/api/v1/assessments", tm.Owner.Token, map[string]any{"answers": bad[:len(bad)-1]}).Expect(t, http.StatusUnprocessableEntity)
			f = res.ErrorFields(t)
			for _, field := range []string{
				"answers." + q.Questions[0].ID,
				"answers[" + strconv.Itoa(n) + "].question_id",
				"answers[" + strconv.Itoa(n+1) + "].value",
				"answers[" + strconv.Itoa(n+2) + "].question_id",
			} {
				if _, ok := f[field]; !ok {
					t.Errorf("fields %v do not name %s", f, field)
				}
			}
			a.Post("/api/v1/assessments", tm.Owner.Token, map[string]any{}).Expect(t, http.StatusUnprocessableEntity)
		})

		t.Run("list pages newest first", func(t *testing.T) {
			a.Post(scoped, tm.Owner.Token, map[string]any{"answers": servertest.Answers(3)}).Expect(t, http.StatusCreated)
			seen := map[string]bool{}
			var ids []string
			path := scoped + "?limit=2"
			for pages := 0; ; pages++ {
				if pages > 5 {
					t.Fatal("pagination does not end")
				}
				var p page[finhealth.Assessment]
				a.Get(path, tm.Viewer.Token).Expect(t, http.StatusOK).Decode(t, &p)
				for _, it := range p.Items {
					if seen[it.ID] {
						t.Fatalf("%s listed twice", it.ID)
					}
					seen[it.ID] = true
					ids = append(ids, it.ID)
				}
				if p.NextCursor == nil {
					break
				}
				path = scoped + "?limit=2&cursor=" + url.QueryEscape(*p.NextCursor)
			}
			if len(ids) != 3 {
				t.Fatalf("listed %d assessments, want 3", len(ids))
			}
			for i := 1; i < len(ids); i++ {
				if ids[i-1] < ids[i] {
					t.Errorf("not newest first: %v", ids)
				}
			}
			var all page[finhealth.Assessment]
			a.Get("/api/v1/assessments", tm.Owner.Token).Expect(t, http.StatusOK).Decode(t, &all)
			if len(all.Items) != 3 || all.NextCursor != nil {
				t.Errorf("default page %d items, next %v", len(all.Items), all.NextCursor)
			}
		})

		t.Run("bad limit is 422 naming limit", func(t *testing.T) {
			for _, l := range []string{"abc", "0", "-1", "101", "1.5", ""} {
				res := a.Get(scoped+"?limit="+l, tm.Owner.Token).Expect(t, http.StatusUnprocessableEntity)
				if res.ErrorFields(t)["limit"] == "" {
					t.Errorf("limit=%s: fields %v", l, res.ErrorFields(t))
				}
			}
			a.Get(scoped+"?limit=100", tm.Owner.Token).Expect(t, http.StatusOK)
			a.Get(scoped+"?limit=1", tm.Owner.Token).Expect(t, http.StatusOK)
		})

		t.Run("bad cursor", func(t *testing.T) {
			res := a.Get(scoped+"?cursor=%25%25garbage", tm.Owner.Token)
			if res.Status != http.StatusUnprocessableEntity && res.Status != http.StatusBadRequest {
				t.Errorf("status %d: %s", res.Status, res.Body)
			}
		})

		t.Run("no default organization", func(t *testing.T) {
			lone := a.CreateUser("Lone", finhealth.RoleUser)
			for _, r := range []servertest.Request{
				{Method: "POST", Path: "/api/v1/assessments", Body: map[string]any{"answers": servertest.Answers(0)}},
				{Method: "GET", Path: "/api/v1/assessments"},
				{Method: "GET", Path: "/api/v1/assessments/latest"},
				{Method: "GET", Path: "/api/v1/assessments/" + first.ID},
			} {
				r.Token = lone.Token
				res := a.Do(r).Expect(t, http.StatusNotFound)
				if !strings.Contains(string(res.Body), "default organization") {
					t.Errorf("%s %s: unclear message %s", r.Method, r.Path, res.Body)
				}
			}
		})

		t.Run("anonymous", func(t *testing.T) {
			a.Post("/api/v1/assessments", "", map[string]any{"answers": servertest.Answers(0)}).Expect(t, http.StatusUnauthorized)
			a.Get("/api/v1/assessments/latest", "").Expect(t, http.StatusUnauthorized)
		})
	})
}
