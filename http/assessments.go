package http

import (
	"context"
	"net/http"

	"finhealth"
	"finhealth/scoring"
)

var errAssessmentNotFound = finhealth.Errorf(finhealth.ENOTFOUND, "Assessment not found.")

// SubmitAssessment scores answers against the current questionnaire, stores the
// result for the caller's organization and returns it with its JSON encoding; the
// API and the questionnaire page both submit through it.
func (s Insights) SubmitAssessment(r *http.Request, c *Call, answers []finhealth.Answer) (*finhealth.Assessment, []byte, error) {
	a, err := scoring.Score(scoring.Current(), answers)
	if err != nil {
		return nil, nil, err
	}
	a.OrganizationID = c.OrgID
	a.UserID = c.User.ID
	stored, err := s.st.CreateAssessment(r.Context(), a)
	if err != nil {
		return nil, nil, err
	}
	body, err := EncodeBody(stored)
	if err != nil {
		return nil, nil, err
	}
	// The new assessment is what the organization's members read next as latest.
	s.assessments.put(stored.OrganizationID, stored.ID, body)
	s.assessmentSubmitted(r, stored.OrganizationID)
	return stored, body, nil
}

var errNoAssessmentYet = finhealth.Errorf(finhealth.ENOTFOUND, "No assessment yet: submit the questionnaire first.")

// LatestAssessmentBody is the JSON body of the organization's newest assessment, as
// GET .../assessments/latest serves it. Authorization has already read its id in the
// same query as the caller's access (preloadLatestAssessment); the body comes from
// the assessment cache, and only on a miss from the database.
func (s Insights) LatestAssessmentBody(ctx context.Context, c *Call) ([]byte, error) {
	id := c.latestID
	if !c.preloaded {
		a, err := s.st.LatestAssessment(ctx, c.OrgID)
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
	body, ok := s.assessments.get(c.OrgID, id)
	if !ok {
		a, err := s.st.Assessment(ctx, c.OrgID, id)
		if finhealth.ErrorCode(err) == finhealth.ENOTFOUND {
			return nil, errNoAssessmentYet
		}
		if err != nil {
			return nil, err
		}
		if body, err = EncodeBody(a); err != nil {
			return nil, err
		}
		s.assessments.put(c.OrgID, id, body)
	}
	return body, nil
}

// Assessment is one of the organization's assessments by a client-given id; the API
// and the result page both read it through here.
func (s Insights) Assessment(ctx context.Context, orgID, id string) (*finhealth.Assessment, error) {
	if !ValidID(id) {
		return nil, errAssessmentNotFound
	}
	a, err := s.st.Assessment(ctx, orgID, id)
	if finhealth.ErrorCode(err) == finhealth.ENOTFOUND {
		return nil, errAssessmentNotFound
	}
	return a, err
}
