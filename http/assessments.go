package http

import (
	"net/http"

	"finhealth"
	"finhealth/scoring"
)

var errAssessmentNotFound = finhealth.Errorf(finhealth.ENOTFOUND, "Assessment not found.")

// createAssessment scores the answers against the current questionnaire and stores
// the result for the route's organization (from the path or the caller's default).
func (s *Server) createAssessment(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := requireJSON(r); err != nil {
		return err
	}
	answers, err := decodeAssessmentRequest(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	if err != nil {
		return err
	}
	a, err := scoring.Score(scoring.Current(), answers)
	if err != nil {
		return err
	}
	a.OrganizationID = c.orgID
	a.UserID = c.user.ID
	stored, err := s.st.CreateAssessment(r.Context(), a)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusCreated, stored)
	return nil
}

func (s *Server) listAssessments(w http.ResponseWriter, r *http.Request, c *call) error {
	limit, cursor, err := pageParams(r)
	if err != nil {
		return err
	}
	items, next, err := s.st.ListAssessments(r.Context(), c.orgID, cursor, limit)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, newPage(items, next))
	return nil
}

func (s *Server) latestAssessment(w http.ResponseWriter, r *http.Request, c *call) error {
	a, err := s.st.LatestAssessment(r.Context(), c.orgID)
	if finhealth.ErrorCode(err) == finhealth.ENOTFOUND {
		return finhealth.Errorf(finhealth.ENOTFOUND, "No assessment yet: submit the questionnaire first.")
	}
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, a)
	return nil
}

func (s *Server) getAssessment(w http.ResponseWriter, r *http.Request, c *call) error {
	id := r.PathValue("assessment_id")
	if !validID(id) {
		return errAssessmentNotFound
	}
	a, err := s.st.Assessment(r.Context(), c.orgID, id)
	if finhealth.ErrorCode(err) == finhealth.ENOTFOUND {
		return errAssessmentNotFound
	}
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, a)
	return nil
}
