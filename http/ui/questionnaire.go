package ui

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"finhealth"
	fhttp "finhealth/http"
	"finhealth/scoring"
)

// questionnairePages are the questionnaire and its results.
type questionnairePages struct{ *Handler }

// uiQuestionnaireRoutes are the questionnaire and its result pages. Reading the
// questionnaire needs only what reading assessments does, so that viewers see what
// their organization is asked; submitting needs what the API's POST .../assessments
// needs.
func (s questionnairePages) uiQuestionnaireRoutes() []uiRoute {
	return []uiRoute{
		{"GET", "/orgs/{id}/questionnaire", fhttp.Org(finhealth.PermAssessmentsRead), s.uiQuestionnaire},
		{"POST", "/orgs/{id}/questionnaire", fhttp.Org(finhealth.PermAssessmentsSubmit), s.uiSubmitQuestionnaire},
		{"GET", "/orgs/{id}/assessments/{assessment_id}", fhttp.Org(finhealth.PermAssessmentsRead), s.uiAssessment},
	}
}

// questionnairePage is the questionnaire as one form, grouped by pillar.
type questionnairePage struct {
	Title    string
	Pillars  []questionPillar
	Answered int
	Total    int
	Form     form
	// Missing are the questions a failed submission left unanswered, in page order.
	Missing []*questionView
	// Latest is the organization's newest assessment, nil before the first.
	Latest *finhealth.Assessment
	// Carried is how many of Latest's answers are pre-selected on a fresh form.
	Carried int
}

type questionPillar struct {
	ID        string
	Label     string
	Questions []*questionView
}

// questionView is one question as the form shows it: its number in page order, the
// option chosen so far and what is wrong with it.
type questionView struct {
	Number  int
	ID      string
	Text    string
	Help    string
	Options []finhealth.Option
	Chosen  string
	Error   string
}

func (s questionnairePages) uiQuestionnaire(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	p, err := s.questionnairePage(r.Context(), c.OrgID, form{})
	if err != nil {
		return err
	}
	return s.render(w, r, c, http.StatusOK, "questionnaire.html", "Questionnaire", p)
}

// uiSubmitQuestionnaire submits the form's answers through the API's own checks
// (CleanAnswers, then SubmitAssessment, which scores, stores, caches and queues the
// rescore). A failure shows the form again with every answer kept and the API's
// message next to each question it is about.
func (s questionnairePages) uiSubmitQuestionnaire(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	q := scoring.Current()
	// The answers go in page order; ids[i] is the question of answers[i], to file the
	// API's answers[i] errors under their question.
	var reqs []fhttp.AnswerRequest
	var ids []string
	for _, qu := range q.Questions {
		if v := r.PostFormValue(qu.ID); v != "" {
			reqs = append(reqs, fhttp.AnswerRequest{QuestionID: qu.ID, Value: v})
			ids = append(ids, qu.ID)
		}
	}
	f := fhttp.FieldErrors{}
	answers := fhttp.CleanAnswers(f, reqs)
	err := f.Err()
	var a *finhealth.Assessment
	if err == nil {
		a, _, err = s.insights.SubmitAssessment(r, c, answers)
	}
	if err != nil {
		fm, ferr := formError(r.PostForm, err)
		if ferr != nil {
			return ferr
		}
		fm.Errors = questionErrors(fm.Errors, ids)
		if len(fm.Errors) > 0 {
			fm.Message = "Some questions need an answer. They are marked below; your other answers are kept."
		}
		p, perr := s.questionnairePage(r.Context(), c.OrgID, fm)
		if perr != nil {
			return perr
		}
		return s.render(w, r, c, fhttp.StatusOf(finhealth.ErrorCode(err)), "questionnaire.html", "Questionnaire", p)
	}
	return s.redirect(w, r, "/orgs/"+c.OrgID+"/assessments/"+a.ID, "assessment_saved")
}

// msgChooseAnswer replaces the API's bare "required" for a question left out.
const msgChooseAnswer = "Please choose an answer: every question counts towards the score."

// questionErrors files the API's answer errors under the question each is about:
// answers[i].* is about the i-th answer sent (ids[i]), answers.<id> is a question
// left out. Anything else keeps its key, so that no message is lost.
func questionErrors(fields map[string]string, ids []string) map[string]string {
	out := make(map[string]string, len(fields))
	for k, msg := range fields {
		key := k
		if rest, ok := strings.CutPrefix(k, "answers["); ok {
			if n, _, ok := strings.Cut(rest, "]"); ok {
				if i, err := strconv.Atoi(n); err == nil && i >= 0 && i < len(ids) {
					key = ids[i]
				}
			}
		} else if id, ok := strings.CutPrefix(k, "answers."); ok {
			key = id
		}
		if msg == "required" || msg == "is required" {
			msg = msgChooseAnswer
		}
		if _, dup := out[key]; !dup {
			out[key] = msg
		}
	}
	return out
}

func (s questionnairePages) questionnairePage(ctx context.Context, orgID string, f form) (questionnairePage, error) {
	latest, err := s.st.LatestAssessment(ctx, orgID)
	if finhealth.ErrorCode(err) == finhealth.ENOTFOUND {
		latest, err = nil, nil
	}
	if err != nil {
		return questionnairePage{}, err
	}
	q := scoring.Current()
	carried := 0
	if f.Values == nil && latest != nil {
		f.Values, carried = previousAnswers(q, latest)
	}
	p := newQuestionnairePage(q, f)
	p.Latest = latest
	p.Carried = carried
	return p, nil
}

// previousAnswers are the answers of the organization's latest assessment that mean
// the same in q: the same question id with an option of the same value. Retaking
// then starts from what was said last time, and a question that is new or whose
// options changed is left for the owner to answer afresh.
func previousAnswers(q *finhealth.Questionnaire, latest *finhealth.Assessment) (url.Values, int) {
	v := url.Values{}
	for _, ans := range latest.Answers {
		for _, qu := range q.Questions {
			if qu.ID == ans.QuestionID && slices.ContainsFunc(qu.Options, func(o finhealth.Option) bool { return o.Value == ans.Value }) {
				v.Set(qu.ID, ans.Value)
			}
		}
	}
	return v, len(v)
}

// newQuestionnairePage lays the questionnaire out by pillar, numbering questions in
// the order they appear, with the form's answers and errors. Only a value that is
// one of its question's options counts as answered.
func newQuestionnairePage(q *finhealth.Questionnaire, f form) questionnairePage {
	p := questionnairePage{Title: q.Title, Total: len(q.Questions), Form: f}
	n := 0
	for _, cat := range q.Categories {
		pillar := questionPillar{ID: cat.ID, Label: cat.Label}
		for _, qu := range q.Questions {
			if qu.Category != cat.ID {
				continue
			}
			n++
			v := &questionView{Number: n, ID: qu.ID, Text: qu.Text, Help: qu.Help, Options: qu.Options,
				Chosen: f.Get(qu.ID), Error: f.Err(qu.ID)}
			for _, o := range qu.Options {
				if o.Value == v.Chosen {
					p.Answered++
				}
			}
			if v.Error == msgChooseAnswer {
				p.Missing = append(p.Missing, v)
			}
			pillar.Questions = append(pillar.Questions, v)
		}
		p.Pillars = append(p.Pillars, pillar)
	}
	return p
}

// assessmentPage is a stored assessment explained: the score, each pillar with the
// answers that made it, and the recommendations.
type assessmentPage struct {
	A               *finhealth.Assessment
	Score           string
	AnsweredBy      string
	Pillars         []pillarResult
	Chart           template.HTML
	Recommendations []recommendationView
}

type pillarResult struct {
	ID    string
	Label string
	Score string
	Tier  string
	// NotApplicable is a pillar none of whose questions applied: it has no score.
	NotApplicable bool
	Answers       []answerExplained
}

// answerExplained is one contributing answer: the question, the option chosen and
// the points it earned out of the most its question gives. A not-applicable answer
// earned nothing and counted nowhere.
type answerExplained struct {
	Number        int
	Question      string
	Answer        string
	Points        int
	MaxPoints     int
	NotApplicable bool
}

type recommendationView struct {
	Priority int
	Pillar   string
	Title    string
	Detail   string
}

func (s questionnairePages) uiAssessment(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	a, err := s.insights.Assessment(r.Context(), c.OrgID, r.PathValue("assessment_id"))
	if err != nil {
		return err
	}
	members, err := s.st.Members(r.Context(), c.OrgID)
	if err != nil {
		return err
	}
	p := newAssessmentPage(a)
	p.AnsweredBy = "a former member"
	for _, m := range members {
		if m.UserID == a.UserID {
			p.AnsweredBy = orDefault(m.UserName, m.UserEmail)
		}
	}
	return s.render(w, r, c, http.StatusOK, "assessment.html", "Questionnaire result", p)
}

// newAssessmentPage explains a against the questionnaire version it answered. An
// assessment of a version this build does not embed still shows its scores, with
// its answers as stored.
func newAssessmentPage(a *finhealth.Assessment) assessmentPage {
	score := a.Score
	p := assessmentPage{A: a, Score: formatScore(&score)}
	q, known := scoring.Lookup(a.QuestionnaireID, a.QuestionnaireVersion)
	questions := map[string]*finhealth.Question{}
	number := map[string]int{}
	if known {
		n := 0
		for _, cat := range q.Categories {
			for i := range q.Questions {
				if q.Questions[i].Category == cat.ID {
					n++
					questions[q.Questions[i].ID] = &q.Questions[i]
					number[q.Questions[i].ID] = n
				}
			}
		}
	}
	labels := map[string]string{}
	for _, cat := range a.Categories {
		labels[cat.Category] = cat.Label
		v := cat.Score
		pr := pillarResult{ID: cat.Category, Label: cat.Label, Score: formatScore(&v), Tier: scoring.Tier(cat.Score)}
		if cat.NotApplicable {
			pr = pillarResult{ID: cat.Category, Label: cat.Label, Score: "not applicable", NotApplicable: true}
		}
		for _, ans := range a.Answers {
			qu := questions[ans.QuestionID]
			if qu == nil || qu.Category != cat.Category {
				continue
			}
			pr.Answers = append(pr.Answers, explainAnswer(qu, ans, number[qu.ID]))
		}
		p.Pillars = append(p.Pillars, pr)
	}
	if !known {
		// Without the questionnaire the answers cannot be told apart by pillar; they
		// are shown together, as stored.
		pr := pillarResult{ID: "answers", Label: "Answers"}
		for i, ans := range a.Answers {
			pr.Answers = append(pr.Answers, answerExplained{Number: i + 1, Question: ans.QuestionID, Answer: ans.Value, Points: ans.Points, MaxPoints: 100})
		}
		p.Pillars = append(p.Pillars, pr)
	}
	for _, rec := range a.Recommendations {
		p.Recommendations = append(p.Recommendations, recommendationView{
			Priority: rec.Priority, Pillar: orDefault(labels[rec.Category], capitalize(rec.Category)), Title: rec.Title, Detail: rec.Detail,
		})
	}
	p.Chart = barsSVG("pillar-chart", "Pillar scores", pillarBars(a.Categories))
	return p
}

func explainAnswer(qu *finhealth.Question, ans finhealth.Answer, number int) answerExplained {
	e := answerExplained{Number: number, Question: qu.Text, Answer: ans.Value, Points: ans.Points, NotApplicable: ans.NotApplicable}
	for _, o := range qu.Options {
		if o.Value == ans.Value {
			e.Answer = o.Label
		}
		e.MaxPoints = max(e.MaxPoints, o.Points)
	}
	return e
}

// pillarBars are the result's pillar scores as bars of the shared bar chart; the
// same numbers are in a table next to it.
func pillarBars(cats []finhealth.CategoryScore) []scoreBar {
	bars := make([]scoreBar, len(cats))
	for i, cat := range cats {
		if cat.NotApplicable {
			bars[i] = scoreBar{Label: cat.Label, Missing: "not applicable"}
			continue
		}
		v := min(max(cat.Score, 0), 100)
		bars[i] = scoreBar{Label: cat.Label, Value: &v}
	}
	return bars
}
