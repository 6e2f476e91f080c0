package http

import (
	"fmt"
	"io"

	"finhealth"
)

// decodeRegisterRequest decodes and validates a registration, normalizing the email
// and filling the default organization name.
func decodeRegisterRequest(body io.Reader) (registerRequest, error) {
	var req registerRequest
	if err := decodeJSON(body, &req); err != nil {
		return req, err
	}
	return req, req.normalize()
}

// decodeLoginRequest checks only presence: whether the credentials are right is the
// login's business, and answering "malformed email" would be a needless oracle.
func decodeLoginRequest(body io.Reader) (loginRequest, error) {
	var req loginRequest
	if err := decodeJSON(body, &req); err != nil {
		return req, err
	}
	return req, req.normalize()
}

// tokenRequest is the body of refresh and logout.
type tokenRequest struct {
	RefreshToken string `json:"refresh_token"`
}

func decodeTokenRequest(body io.Reader) (tokenRequest, error) {
	var req tokenRequest
	if err := decodeJSON(body, &req); err != nil {
		return req, err
	}
	if req.RefreshToken == "" {
		return req, finhealth.InvalidFields("The refresh token is required.", map[string]string{"refresh_token": "is required"})
	}
	return req, nil
}

// assessmentRequest is the body of POST .../assessments. Points are never taken from
// the client: the unknown-field check rejects them.
type assessmentRequest struct {
	Answers []answerRequest `json:"answers"`
}

// maxAnswers is far above any questionnaire's length; it only bounds the work a
// single request can cause.
const maxAnswers = 200

// decodeAssessmentRequest checks the answers' shape; whether they fit the
// questionnaire is scoring's business.
func decodeAssessmentRequest(body io.Reader) ([]finhealth.Answer, error) {
	var req assessmentRequest
	if err := decodeJSON(body, &req); err != nil {
		return nil, err
	}
	f := fieldErrors{}
	switch {
	case req.Answers == nil:
		f.add("answers", "is required")
	case len(req.Answers) > maxAnswers:
		f.add("answers", fmt.Sprintf("must hold at most %d answers", maxAnswers))
	}
	answers := cleanAnswers(f, req.Answers)
	return answers, f.err()
}
