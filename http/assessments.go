package http

import (
	"context"
	"net/http"

	"finhealth"
	"finhealth/scoring"
)

var errAssessmentNotFound = finhealth.Errorf(finhealth.ENOTFOUND, "Assessment not found.")

// submitAssessment scores answers against the current questionnaire, stores the
// result for the caller's organization and returns it with its JSON encoding; the
// API and the questionnaire page both submit through it.
func (s Insights) submitAssessment(r *http.Request, c *call, answers []finhealth.Answer) (*finhealth.Assessment, []byte, error) {
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

var errNoAssessmentYet = finhealth.Errorf(finhealth.ENOTFOUND, "No assessment yet: submit the questionnaire first.")

// latestAssessmentBody is the JSON body of the organization's newest assessment, as
// GET .../assessments/latest serves it. Authorization has already read its id in the
// same query as the caller's access (preloadLatestAssessment); the body comes from
// the assessment cache, and only on a miss from the database.
func (s Insights) latestAssessmentBody(ctx context.Context, c *call) ([]byte, error) {
	id := c.latestID
	if !c.preloaded {
		a, err := s.st.LatestAssessment(ctx, c.orgID)
		if finhealth.ErrorCode(err) == finhealth.ENOTFOUND {
			return nil, errNoAssessmentYet
		}
		if err != nil {
			return nil, err
		}
		id = a.ID
	}
	if id == "" {
		return nil, errNoAssessmentYet
	}
	body, ok := s.assessments.get(c.orgID, id)
	if !ok {
		a, err := s.st.Assessment(ctx, c.orgID, id)
		if finhealth.ErrorCode(err) == finhealth.ENOTFOUND {
			return nil, errNoAssessmentYet
		}
		if err != nil {
			return nil, err
		}
		if body, err = encodeBody(a); err != nil {
			return nil, err
		}
		s.assessments.put(c.orgID, id, body)
	}
	return body, nil
}

// assessment is one of the organization's assessments by a client-given id; the API
// and the result page both read it through here.
func (s Insights) assessment(ctx context.Context, orgID, id string) (*finhealth.Assessment, error) {
	if !validID(id) {
		return nil, errAssessmentNotFound
	}
	a, err := s.st.Assessment(ctx, orgID, id)
	if finhealth.ErrorCode(err) == finhealth.ENOTFOUND {
		return nil, errAssessmentNotFound
	}
	return a, err
}
