package api

import (
	"net/http"

	fhttp "finhealth/http"
)

// createAssessment scores the answers against the current questionnaire and stores
// the result for the route's organization (from the path or the caller's default).
func (s *Handler) createAssessment(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	if err := fhttp.RequireJSON(r); err != nil {
		return err
	}
	answers, err := decodeAssessmentRequest(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	if err != nil {
		return err
	}
	_, body, err := s.insights.SubmitAssessment(r, c, answers)
	if err != nil {
		return err
	}
	fhttp.WriteBody(w, r, http.StatusCreated, body)
	return nil
}

func (s *Handler) listAssessments(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	limit, cursor, err := fhttp.PageParams(r)
	if err != nil {
		return err
	}
	items, next, err := s.st.ListAssessments(r.Context(), c.OrgID, cursor, limit)
	if err != nil {
		return err
	}
	s.srv.WriteJSON(w, r, http.StatusOK, newPage(items, next))
	return nil
}

// latestAssessment serves the organization's newest assessment, from the
// assessment cache where it can (latestAssessmentBody).
func (s *Handler) latestAssessment(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	body, err := s.insights.LatestAssessmentBody(r.Context(), c)
	if err != nil {
		return err
	}
	fhttp.WriteBody(w, r, http.StatusOK, body)
	return nil
}

func (s *Handler) getAssessment(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	a, err := s.insights.Assessment(r.Context(), c.OrgID, r.PathValue("assessment_id"))
	if err != nil {
		return err
	}
	s.srv.WriteJSON(w, r, http.StatusOK, a)
	return nil
}
