package http

import (
	"context"
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
	_, body, err := s.submitAssessment(r, c, answers)
	if err != nil {
		return err
	}
	writeBody(w, r, http.StatusCreated, body)
	return nil
}

// submitAssessment scores answers against the current questionnaire, stores the
// result for the caller's organization and returns it with its JSON encoding; the
// API and the questionnaire page both submit through it.
func (s *Server) submitAssessment(r *http.Request, c *call, answers []finhealth.Answer) (*finhealth.Assessment, []byte, error) {
	a, err := scoring.Score(scoring.Current(), answers)
	if err != nil {
		return nil, nil, err
	}
	a.OrganizationID = c.orgID
	a.UserID = c.user.ID
	stored, err := s.st.CreateAssessment(r.Context(), a)
	if err != nil {
		return nil, nil, err
	}
	body, err := encodeBody(stored)
	if err != nil {
		return nil, nil, err
	}
	// The new assessment is what the organization's members read next as latest.
	s.assessments.put(stored.OrganizationID, stored.ID, body)
	s.assessmentSubmitted(r, stored.OrganizationID)
	return stored, body, nil
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

var errNoAssessmentYet = finhealth.Errorf(finhealth.ENOTFOUND, "No assessment yet: submit the questionnaire first.")

// latestAssessment serves the organization's newest assessment. Authorization has
// already read its id in the same query as the caller's access
// (preloadLatestAssessment); the body comes from the assessment cache, and only on a
// miss from the database.
func (s *Server) latestAssessment(w http.ResponseWriter, r *http.Request, c *call) error {
	id := c.latestID
	if !c.preloaded {
		a, err := s.st.LatestAssessment(r.Context(), c.orgID)
		if finhealth.ErrorCode(err) == finhealth.ENOTFOUND {
			return errNoAssessmentYet
		}
		if err != nil {
			return err
		}
		id = a.ID
	}
	if id == "" {
		return errNoAssessmentYet
	}
	body, ok := s.assessments.get(c.orgID, id)
	if !ok {
		a, err := s.st.Assessment(r.Context(), c.orgID, id)
		if finhealth.ErrorCode(err) == finhealth.ENOTFOUND {
			return errNoAssessmentYet
		}
		if err != nil {
			return err
		}
		if body, err = encodeBody(a); err != nil {
			return err
		}
		s.assessments.put(c.orgID, id, body)
	}
	writeBody(w, r, http.StatusOK, body)
	return nil
}

func (s *Server) getAssessment(w http.ResponseWriter, r *http.Request, c *call) error {
	a, err := s.assessment(r.Context(), c.orgID, r.PathValue("assessment_id"))
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, a)
	return nil
}

// assessment is one of the organization's assessments by a client-given id; the API
// and the result page both read it through here.
func (s *Server) assessment(ctx context.Context, orgID, id string) (*finhealth.Assessment, error) {
	if !validID(id) {
		return nil, errAssessmentNotFound
	}
	a, err := s.st.Assessment(ctx, orgID, id)
	if finhealth.ErrorCode(err) == finhealth.ENOTFOUND {
		return nil, errAssessmentNotFound
	}
	return a, err
}
