package http

import (
	"net/http"
)

// createAssessment scores the answers against the current questionnaire and stores
// the result for the route's organization (from the path or the caller's default).
func (s *apiHandler) createAssessment(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := requireJSON(r); err != nil {
		return err
	}
	answers, err := decodeAssessmentRequest(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	if err != nil {
		return err
	}
	_, body, err := s.insights.submitAssessment(r, c, answers)
	if err != nil {
		return err
	}
	writeBody(w, r, http.StatusCreated, body)
	return nil
}

func (s *apiHandler) listAssessments(w http.ResponseWriter, r *http.Request, c *call) error {
	limit, cursor, err := pageParams(r)
	if err != nil {
		return err
	}
	items, next, err := s.st.ListAssessments(r.Context(), c.orgID, cursor, limit)
	if err != nil {
		return err
	}
	s.srv.writeJSON(w, r, http.StatusOK, newPage(items, next))
	return nil
}

// latestAssessment serves the organization's newest assessment, from the
// assessment cache where it can (latestAssessmentBody).
func (s *apiHandler) latestAssessment(w http.ResponseWriter, r *http.Request, c *call) error {
	body, err := s.insights.latestAssessmentBody(r.Context(), c)
	if err != nil {
		return err
	}
	writeBody(w, r, http.StatusOK, body)
	return nil
}

func (s *apiHandler) getAssessment(w http.ResponseWriter, r *http.Request, c *call) error {
	a, err := s.insights.assessment(r.Context(), c.orgID, r.PathValue("assessment_id"))
	if err != nil {
		return err
	}
	s.srv.writeJSON(w, r, http.StatusOK, a)
	return nil
}
