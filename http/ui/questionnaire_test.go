package ui

import (
	"context"
	"maps"
	"math"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"finhealth"
	"finhealth/http/internal/servertest"
	"finhealth/scoring"
	"finhealth/store"
)

// newMember makes a user who belongs to owner's organization with role.
func newMember(a *servertest.API, owner servertest.Account, name string, role finhealth.OrgRole) servertest.Account {
	a.T.Helper()
	acc := a.CreateUser(name, finhealth.RoleUser)
	a.AddMember(owner.OrgID, owner.ID, &acc, role)
	return acc
}

// everyRole makes an organization with an owner, a viewer and an advisor, and a
// stranger with an organization of their own.
func everyRole(a *servertest.API) (owner, viewer, advisor, stranger servertest.Account) {
	a.T.Helper()
	owner = a.RegisterDirect("Owner")
	viewer = newMember(a, owner, "Viewer", finhealth.OrgRoleViewer)
	advisor = newMember(a, owner, "Advisor", finhealth.OrgRoleAdvisor)
	return owner, viewer, advisor, a.RegisterDirect("Stranger")
}

// answerForm is a complete questionnaire form choosing option pick of every
// question (as answers does for the API).
func answerForm(pick int) url.Values {
	f := url.Values{}
	for _, a := range servertest.Answers(pick) {
		f.Set(a["question_id"], a["value"])
	}
	return f
}

var checkedRadio = regexp.MustCompile(`type="radio" name="([a-z0-9_]+)" value="([a-z0-9_]+)" checked`)

// checkedAnswers reads the radios a questionnaire page has checked.
func checkedAnswers(body string) map[string]string {
	out := map[string]string{}
	for _, m := range checkedRadio.FindAllStringSubmatch(body, -1) {
		out[m[1]] = m[2]
	}
	return out
}

func TestUIQuestionnaireSubmit(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		owner := a.RegisterDirect("Owner")
		ui := a.UILogin(owner.Email)
		q := scoring.Current()
		page := "/orgs/" + owner.OrgID + "/questionnaire"

		res := ui.Get(page).Expect(t, http.StatusOK)
		res.Has(t, `action="`+page+`"`, "0</strong> of <span data-total>18</span> answered", `type="submit"`)
		for _, qu := range q.Questions {
			res.Has(t, `id="q-`+qu.ID+`"`)
		}

		// One question left out: 422, the others kept, the missing one named next to
		// it and in the summary, nothing stored.
		missing := q.Questions[5]
		f := answerForm(1)
		f.Del(missing.ID)
		res = ui.Post(page, f).Expect(t, http.StatusUnprocessableEntity)
		res.Has(t, "17</strong> of", `id="q-`+missing.ID+`-err"`, msgChooseAnswer, `<a href="#q-`+missing.ID+`">Question 6: `,
			`aria-describedby="q-`+missing.ID+`-err`)
		kept := checkedAnswers(string(res.Body))
		if len(kept) != 17 || kept[missing.ID] != "" {
			t.Fatalf("kept answers = %v, want the 17 given", kept)
		}
		for k, v := range kept {
			if f.Get(k) != v {
				t.Errorf("answer to %s shown as %q, want %q", k, v, f.Get(k))
			}
		}
		if _, err := db.LatestAssessment(context.Background(), owner.OrgID); finhealth.ErrorCode(err) != finhealth.ENOTFOUND {
			t.Fatalf("a failed submission stored an assessment: %v", err)
		}

		// A crafted value gets the API's own message next to its question, as does an
		// oversized one (checked first, as in the API).
		f = answerForm(1)
		f.Set(q.Questions[0].ID, "lots")
		res = ui.Post(page, f).Expect(t, http.StatusUnprocessableEntity)
		res.Has(t, `id="q-`+q.Questions[0].ID+`-err"`, "is not an option of", "17</strong> of")
		f.Set(q.Questions[1].ID, strings.Repeat("x", 500))
		res = ui.Post(page, f).Expect(t, http.StatusUnprocessableEntity)
		res.Has(t, `id="q-`+q.Questions[1].ID+`-err"`, "must be at most 100 characters", "16</strong> of")

		// Complete: 303 to the result, stored exactly as the API would score it.
		res = ui.Post(page, answerForm(1)).Expect(t, http.StatusSeeOther)
		stored, err := db.LatestAssessment(context.Background(), owner.OrgID)
		if err != nil {
			t.Fatal(err)
		}
		if want := "/orgs/" + owner.OrgID + "/assessments/" + stored.ID; res.Header.Get("Location") != want {
			t.Fatalf("redirected to %q, want %q", res.Header.Get("Location"), want)
		}
		var in []finhealth.Answer
		for _, m := range servertest.Answers(1) {
			in = append(in, finhealth.Answer{QuestionID: m["question_id"], Value: m["value"]})
		}
		want, err := scoring.Score(q, in)
		if err != nil {
			t.Fatal(err)
		}
		if stored.Score != want.Score || stored.UserID != owner.ID || len(stored.Answers) != len(q.Questions) {
			t.Fatalf("stored %+v, want score %v by %s", stored, want.Score, owner.ID)
		}
		// The API's latest (served from its cache) is the new assessment at once.
		var latest finhealth.Assessment
		a.Get("/api/v1/organizations/"+owner.OrgID+"/assessments/latest", owner.Token).Expect(t, http.StatusOK).Decode(t, &latest)
		if latest.ID != stored.ID {
			t.Fatalf("API latest = %s, want %s", latest.ID, stored.ID)
		}
		// The result page carries the notice of the redirect, once.
		ui.Get(res.Header.Get("Location")).Expect(t, http.StatusOK).Has(t, noticeMessages["assessment_saved"])
		ui.Get(res.Header.Get("Location")).Expect(t, http.StatusOK).HasNot(t, noticeMessages["assessment_saved"])
	})
}

func TestUIQuestionnaireRoles(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		owner, viewer, advisor, stranger := everyRole(a)
		page := "/orgs/" + owner.OrgID + "/questionnaire"

		// Viewers read the questions with no form to submit, and are refused when
		// they post anyway.
		vui := a.UILogin(viewer.Email)
		res := vui.Get(page).Expect(t, http.StatusOK)
		res.Has(t, `data-testid="read-only"`, `<fieldset class="card pillar" disabled>`)
		res.HasNot(t, `action="`+page+`"`, `type="submit" class="btn btn-primary"`)
		vui.Post(page, answerForm(0)).Expect(t, http.StatusForbidden).Has(t, "This is not available to your role")
		if _, err := db.LatestAssessment(context.Background(), owner.OrgID); finhealth.ErrorCode(err) != finhealth.ENOTFOUND {
			t.Fatalf("the viewer's refused post stored an assessment: %v", err)
		}

		// Advisors submit, as in the API.
		aui := a.UILogin(advisor.Email)
		aui.Get(page).Expect(t, http.StatusOK).Has(t, `action="`+page+`"`)
		res = aui.Post(page, answerForm(0)).Expect(t, http.StatusSeeOther)

		// Non-members learn nothing: 404 for the page, the form and the result.
		sui := a.UILogin(stranger.Email)
		sui.Get(page).Expect(t, http.StatusNotFound)
		sui.Post(page, answerForm(0)).Expect(t, http.StatusNotFound)
		sui.Get(res.Header.Get("Location")).Expect(t, http.StatusNotFound)
		// The viewer reads the result.
		vui.Get(res.Header.Get("Location")).Expect(t, http.StatusOK).HasNot(t, "Take it again")

		// A post without its CSRF token changes nothing.
		aui.Send("POST", page, answerForm(2), false).Expect(t, http.StatusForbidden)
		n, err := countAssessments(db, owner.OrgID)
		if err != nil || n != 1 {
			t.Fatalf("%d assessments (%v), want 1", n, err)
		}
	})
}

func countAssessments(db *store.DB, orgID string) (int, error) {
	items, _, err := db.ListAssessments(context.Background(), orgID, "", finhealth.MaxPageSize)
	return len(items), err
}

func TestUIAssessmentResult(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		owner := a.RegisterDirect("Owner")
		other := a.RegisterDirect("Other")
		stored := a.CreateAssessment(owner.OrgID, owner.ID)
		foreign := a.CreateAssessment(other.OrgID, other.ID)
		ui := a.UILogin(owner.Email)
		base := "/orgs/" + owner.OrgID + "/assessments/"

		res := ui.Get(base+stored.ID).Expect(t, http.StatusOK)
		score := stored.Score
		res.Has(t, `data-testid="assessment-score">`+formatScore(&score)+`<`, tierLabel(stored.Tier),
			`role="img" aria-labelledby="pillar-chart-title pillar-chart-desc"`, "Answered by Owner")
		for _, c := range stored.Categories {
			v := c.Score
			res.Has(t, `<a href="#pillar-`+c.Category+`">`+htmlText(c.Label)+`</a></th><td class="num">`+formatScore(&v)+`</td>`)
		}
		for _, r := range stored.Recommendations {
			res.Has(t, "<h3>"+htmlText(r.Title)+"</h3>")
		}
		// Every answer with its question, the option's label and its points.
		q := scoring.Current()
		for _, ans := range stored.Answers {
			for _, qu := range q.Questions {
				if qu.ID != ans.QuestionID {
					continue
				}
				for _, o := range qu.Options {
					if o.Value == ans.Value {
						res.Has(t, htmlText(qu.Text)+"</td><td>"+htmlText(o.Label)+`</td><td class="num">`+strconv.Itoa(ans.Points)+`<span class="muted"> of 100</span>`)
					}
				}
			}
		}

		// Another organization's assessment, or a malformed id, is not found here.
		ui.Get(base+foreign.ID).Expect(t, http.StatusNotFound)
		ui.Get(base+"not-an-id").Expect(t, http.StatusNotFound)
	})
}

// htmlText is s as html/template writes it in text.
func htmlText(s string) string {
	return strings.NewReplacer("&", "&amp;", "'", "&#39;", `"`, "&#34;", "<", "&lt;", ">", "&gt;", "+", "&#43;").Replace(s)
}

func TestNewAssessmentPage(t *testing.T) {
	q := scoring.Current()
	var in []finhealth.Answer
	for i, qu := range q.Questions {
		// Every pillar gets a mix: the option by position, cycling.
		in = append(in, finhealth.Answer{QuestionID: qu.ID, Value: qu.Options[i%len(qu.Options)].Value})
	}
	scored, err := scoring.Score(q, in)
	if err != nil {
		t.Fatal(err)
	}
	p := newAssessmentPage(scored)
	if len(p.Pillars) != len(q.Categories) {
		t.Fatalf("%d pillars, want %d", len(p.Pillars), len(q.Categories))
	}
	seen := 0
	for i, pr := range p.Pillars {
		cat := scored.Categories[i]
		if pr.ID != cat.Category || pr.Tier != scoring.Tier(cat.Score) {
			t.Errorf("pillar %d = %+v, want %s (%s)", i, pr, cat.Category, scoring.Tier(cat.Score))
		}
		// The pillar's score is the mean of the points listed under it, leaving out
		// the answers marked not applicable (the cycling picks days_to_get_paid's).
		sum, counted := 0, 0
		for _, e := range pr.Answers {
			seen++
			if e.Number != seen {
				t.Errorf("answer numbered %d, want %d in page order", e.Number, seen)
			}
			if !e.NotApplicable {
				sum += e.Points
				counted++
			}
			if e.MaxPoints != 100 || e.Answer == "" || strings.Contains(e.Answer, "_") {
				t.Errorf("answer %+v: want its option's label and the question's best points", e)
			}
		}
		if counted == len(pr.Answers) && pr.ID == "receivables" {
			t.Errorf("receivables: no answer marked not applicable in %+v", pr.Answers)
		}
		if mean := float64(sum) / float64(counted); math.Abs(mean-cat.Score) > 0.05+1e-9 { // the pillar is rounded to tenths
			t.Errorf("%s: answers average %.2f, pillar score %.1f", pr.ID, mean, cat.Score)
		}
		bar := `<rect class="fill-` + ratingClass(cat.Score) + `" x="0" y="` + coord(float64(i)*40+20) +
			`" width="` + coord(cat.Score/100*400) + `"`
		if !strings.Contains(string(p.Chart), bar) || scoring.Tier(cat.Score) != pr.Tier {
			t.Errorf("bar %d: want %s in the chart (tier %s)\n%s", i, bar, pr.Tier, p.Chart)
		}
	}
	if seen != len(q.Questions) {
		t.Fatalf("%d answers explained, want %d", seen, len(q.Questions))
	}
	if !strings.Contains(string(p.Chart), "<desc") || !strings.Contains(string(p.Chart), scored.Categories[0].Label+": ") {
		t.Errorf("chart description does not name the pillars: %s", p.Chart)
	}

	// A version this build does not know still shows its scores and raw answers.
	old := *scored
	old.QuestionnaireVersion = 999
	p = newAssessmentPage(&old)
	last := p.Pillars[len(p.Pillars)-1]
	if len(last.Answers) != len(q.Questions) || last.Answers[0].Answer != in[0].Value {
		t.Fatalf("unknown version: %+v", last)
	}
}

func TestQuestionErrors(t *testing.T) {
	got := questionErrors(map[string]string{
		"answers[0].value":       "must be at most 100 characters",
		"answers[2].question_id": "is required",
		"answers.debt_level":     "required",
		"answers[9].value":       "out of range",
		"answers[x":              "odd",
		"answers":                "is required",
	}, []string{"cash", "margin", "owner_pay"})
	want := map[string]string{
		"cash":             "must be at most 100 characters",
		"owner_pay":        msgChooseAnswer,
		"debt_level":       msgChooseAnswer,
		"answers[9].value": "out of range",
		"answers[x":        "odd",
		"answers":          msgChooseAnswer,
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("questionErrors = %v, want %v", got, want)
	}
}

// An organization whose latest assessment answered version 1 retakes version 2: the
// page starts from the old answers wherever the same question has the same option,
// and the old result still reads as version 1 scored it, on the page and in the API.
func TestUIQuestionnaireStartsFromLatestV1(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		owner := a.RegisterDirect("Owner")
		v1, ok := scoring.Lookup("sbfhc", 1)
		if !ok {
			t.Fatal("sbfhc version 1 is not embedded")
		}
		old := map[string]string{
			"cash_buffer_days": "days_15_26", "short_term_coverage": "covered_1x", "cash_shortfalls": "once",
			"tax_set_aside": "estimated_payments", "net_margin": "margin_5_10",
			"revenue_trend": "grew_under_10", // version 2 has other growth bands: not carried
			"owner_pay":     "reduced", "pricing_review": "last_12_months", "overdue_share": "from_5_to_15",
			"days_to_get_paid": "days_31_45", // version 2 has the books' DSO bands: not carried
			"bills_on_time":    "on_time", "debt_service_share": "under_10", "missed_payments": "never",
			"credit_access": "bank_would_lend", "budget_forecast": "rough", "books_review": "quarterly",
			"separate_finances": "mostly", "insurance": "minimum",
		}
		var in []finhealth.Answer
		for _, qu := range v1.Questions {
			in = append(in, finhealth.Answer{QuestionID: qu.ID, Value: old[qu.ID]})
		}
		scored, err := scoring.Score(v1, in)
		if err != nil {
			t.Fatal(err)
		}
		scored.OrganizationID, scored.UserID = owner.OrgID, owner.ID
		stored, err := db.CreateAssessment(finhealth.WithActor(context.Background(), finhealth.Actor{UserID: owner.ID}), scored)
		if err != nil {
			t.Fatal(err)
		}
		ui := a.UILogin(owner.Email)
		page := "/orgs/" + owner.OrgID + "/questionnaire"

		// 18 - 2 = 16 answers carried over, each as it was.
		res := ui.Get(page).Expect(t, http.StatusOK)
		res.Has(t, "16</strong> of <span data-total>18</span> answered", `data-testid="carried-answers">16 of the 18 answers`)
		carried := checkedAnswers(string(res.Body))
		want := maps.Clone(old)
		delete(want, "revenue_trend")
		delete(want, "days_to_get_paid")
		if !maps.Equal(carried, want) {
			t.Fatalf("pre-selected %v\nwant %v", carried, want)
		}

		// The version 1 result is still explained by version 1: its pillars, its
		// question (tax instalments were asked there), its points and its method.
		// v1 pillars: 53.8, 71.3, 80.0, 91.7, 48.8 -> 345.6 / 5 = 69.12 -> 69.1.
		if stored.Score != 69.1 || stored.AlgorithmVersion != "sbfhc-mean-v1" || stored.QuestionnaireVersion != 1 {
			t.Fatalf("stored v1 assessment %v %s v%d", stored.Score, stored.AlgorithmVersion, stored.QuestionnaireVersion)
		}
		ui.Get("/orgs/"+owner.OrgID+"/assessments/"+stored.ID).Expect(t, http.StatusOK).Has(t,
			`<a href="#pillar-receivables_payables">Receivables &amp; payables</a></th><td class="num">80.0</td>`,
			htmlText("In the past 12 months, has the business paid a loan, lease, credit card or tax instalment late?")+
				`</td><td>No, every payment was on time</td><td class="num">100<span class="muted"> of 100</span>`)
		var got finhealth.Assessment
		a.Get("/api/v1/organizations/"+owner.OrgID+"/assessments/"+stored.ID, owner.Token).Expect(t, http.StatusOK).Decode(t, &got)
		if got.AlgorithmVersion != "sbfhc-mean-v1" || got.Categories[2].Category != "receivables_payables" || got.Score != 69.1 {
			t.Fatalf("API v1 assessment = %s %+v %v", got.AlgorithmVersion, got.Categories, got.Score)
		}

		// Retaking with the two blanks answered stores a version 2 assessment; a
		// business trading under two years answers revenue_trend not applicable.
		f := url.Values{}
		for k, v := range carried {
			f.Set(k, v)
		}
		f.Set("revenue_trend", "trading_under_2_years")
		f.Set("days_to_get_paid", "days_30_44")
		ui.Post(page, f).Expect(t, http.StatusSeeOther)
		latest, err := db.LatestAssessment(context.Background(), owner.OrgID)
		if err != nil {
			t.Fatal(err)
		}
		// profitability_growth (70 + 55 + 75) / 3 = 66.7 with revenue_trend left out.
		if latest.QuestionnaireVersion != 2 || latest.AlgorithmVersion != "sbfhc-mean-v2" || latest.Categories[1].Score != 66.7 {
			t.Fatalf("retake stored v%d %s %+v", latest.QuestionnaireVersion, latest.AlgorithmVersion, latest.Categories)
		}
	})
}
