package ui

import (
	"context"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"time"

	"finhealth"
	fhttp "finhealth/http"
)

// historyPage is how the organization's health score and questionnaire results
// changed: one chart over the last year and the tables behind it.
type historyPage struct {
	OrgID       string
	Chart       template.HTML
	Scores      []scoreRow
	Assessments []scoreRow
	// CanAssessments is false for a role that may read scores but not assessments
	// (none today; the page follows the permissions, not today's table).
	CanAssessments bool
	// Truncated says the lists stopped at historyMaxRows.
	Truncated bool
	// MethodChanges mark where consecutive scores were made by different methods,
	// whose numbers do not compare like for like.
	MethodChanges []chartMarker
}

type scoreRow struct {
	At     time.Time
	Score  string
	Rating rating
	Detail string
}

// historyWindow is the range of the chart; historyMaxRows bounds what one page
// reads (a year of daily scores is 365).
const (
	historyWindow  = 365 * 24 * time.Hour
	historyMaxRows = 1000
)

func (s insightPages) uiHistory(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	p, err := s.history(r.Context(), c.OrgID, c.Role.Can(finhealth.PermAssessmentsRead))
	if err != nil {
		return err
	}
	return s.render(w, r, c, http.StatusOK, "history.html", "History", p)
}

// history reads the stored scores as GET .../health/history lists them but without
// their explanations, which the page does not show and which were most of its time,
// and the assessments through the same store call as GET .../assessments.
func (s insightPages) history(ctx context.Context, orgID string, withAssessments bool) (historyPage, error) {
	p := historyPage{OrgID: orgID, CanAssessments: withAssessments}
	from := s.now().UTC().Add(-historyWindow)
	var scorePoints, answerPoints []chartPoint
	scores, more, err := s.st.HealthTimeline(ctx, orgID, from, time.Time{}, historyMaxRows)
	if err != nil {
		return p, err
	}
	p.Truncated = more
	for _, h := range scores {
		row := scoreRow{At: h.AsOf, Score: formatScore(h.Score), Rating: rating{Label: tierLabel(h.Tier)}, Detail: scoreSources(h)}
		if h.Score != nil {
			row.Rating.Class = ratingClass(*h.Score)
			scorePoints = append(scorePoints, chartPoint{At: h.AsOf, Value: *h.Score})
		}
		p.Scores = append(p.Scores, row)
	}
	if withAssessments {
		as, more, err := allPages(historyMaxRows, func(cursor string) ([]*finhealth.Assessment, string, error) {
			return s.st.ListAssessments(ctx, orgID, cursor, finhealth.MaxPageSize)
		})
		if err != nil {
			return p, err
		}
		p.Truncated = p.Truncated || more
		for _, a := range as {
			score := a.Score
			p.Assessments = append(p.Assessments, scoreRow{At: a.CreatedAt, Score: formatScore(&score),
				Rating: rating{Label: tierLabel(a.Tier), Class: ratingClass(a.Score)},
				Detail: "Questionnaire version " + strconv.Itoa(a.QuestionnaireVersion)})
			if !a.CreatedAt.Before(from) {
				answerPoints = append(answerPoints, chartPoint{At: a.CreatedAt, Value: a.Score})
			}
		}
	}
	// The store answers newest first; the chart runs left to right in time.
	slices.Reverse(scorePoints)
	slices.Reverse(answerPoints)
	markers := methodChanges(scores)
	for i := range p.Scores {
		if slices.ContainsFunc(markers, func(m chartMarker) bool { return m.At.Equal(p.Scores[i].At) }) {
			p.Scores[i].Detail += "; scored with method " + scores[i].MethodVersion + " from here"
		}
	}
	p.MethodChanges = markers
	series := []lineSeries{{Name: "Health score", Class: "series-1", Points: scorePoints}}
	if withAssessments {
		series = append(series, lineSeries{Name: "Questionnaire score", Class: "series-2", Points: answerPoints})
	}
	p.Chart = lineChart{ID: "history-chart", Title: "Health score and questionnaire score over the last year",
		Series: series, Min: 0, Max: 100, Guides: []float64{40, 80}, Markers: markers,
		Format: func(v float64) string { return formatScore(&v) }}.render()
	return p, nil
}

// methodChanges marks each score (newest first, as the store answers) whose
// method differs from the score before it, oldest first.
func methodChanges(newestFirst []finhealth.HealthScore) []chartMarker {
	var out []chartMarker
	for i := len(newestFirst) - 2; i >= 0; i-- {
		if v := newestFirst[i].MethodVersion; v != newestFirst[i+1].MethodVersion {
			out = append(out, chartMarker{At: newestFirst[i].AsOf, Label: "method " + v})
		}
	}
	return out
}

// scoreSources says what a stored score was made of.
func scoreSources(h finhealth.HealthScore) string {
	switch {
	case h.LedgerAsOf != nil && h.AssessmentID != "":
		return "Books of " + h.LedgerAsOf.UTC().Format("2 Jan 2006") + " and questionnaire"
	case h.LedgerAsOf != nil:
		return "Books of " + h.LedgerAsOf.UTC().Format("2 Jan 2006")
	case h.AssessmentID != "":
		return "Questionnaire only"
	}
	return "Not enough data"
}

// allPages reads a list the store pages with a cursor, page after page, until the
// end or until it holds max items; more says it stopped short.
func allPages[T any](max int, page func(cursor string) ([]T, string, error)) (items []T, more bool, err error) {
	cursor := ""
	for {
		batch, next, err := page(cursor)
		if err != nil {
			return nil, false, err
		}
		items = append(items, batch...)
		if next == "" {
			return items, false, nil
		}
		if len(items) >= max {
			return items, true, nil
		}
		cursor = next
	}
}
