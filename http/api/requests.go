package api

import (
	"fmt"
	"io"

	"finhealth"
	fhttp "finhealth/http"
)

// decodeRegisterRequest decodes and validates a registration, normalizing the email
// and filling the default organization name.
func decodeRegisterRequest(body io.Reader) (fhttp.RegisterRequest, error) {
	var req fhttp.RegisterRequest
	if err := fhttp.DecodeJSON(body, &req); err != nil {
		return req, err
	}
	return req, req.Normalize()
}

// decodeLoginRequest checks only presence: whether the credentials are right is the
// login's business, and answering "malformed email" would be a needless oracle.
func decodeLoginRequest(body io.Reader) (fhttp.LoginRequest, error) {
	var req fhttp.LoginRequest
	if err := fhttp.DecodeJSON(body, &req); err != nil {
		return req, err
	}
	return req, req.Normalize()
}

// tokenRequest is the body of refresh and logout.
type tokenRequest struct {
	RefreshToken string `json:"refresh_token"`
}

func decodeTokenRequest(body io.Reader) (tokenRequest, error) {
	var req tokenRequest
	if err := fhttp.DecodeJSON(body, &req); err != nil {
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
	Answers []fhttp.AnswerRequest `json:"answers"`
}

// maxAnswers is far above any questionnaire's length; it only bounds the work a
// single request can cause.
const maxAnswers = 200

// decodeAssessmentRequest checks the answers' shape; whether they fit the
// questionnaire is scoring's business.
func decodeAssessmentRequest(body io.Reader) ([]finhealth.Answer, error) {
	var req assessmentRequest
	if err := fhttp.DecodeJSON(body, &req); err != nil {
		return nil, err
	}
	f := fhttp.FieldErrors{}
	switch {
	case req.Answers == nil:
		f.Add("answers", "is required")
	case len(req.Answers) > maxAnswers:
		f.Add("answers", fmt.Sprintf("must hold at most %d answers", maxAnswers))
	}
	answers := fhttp.CleanAnswers(f, req.Answers)
	return answers, f.Err()
}
