package http

import (
	"strconv"
	"strings"

	"finhealth"
	"finhealth/identity"
)

// RegisterRequest is the body of POST /auth/register.
type RegisterRequest struct {
	Email            string `json:"email"`
	Password         string `json:"password"`
	Name             string `json:"name"`
	OrganizationName string `json:"organization_name"`
	Industry         string `json:"industry"`
	CompanySize      string `json:"company_size"`
}

// Normalize validates a registration wherever it came from (JSON or a form): the
// email and the names in their one stored form (package identity), then the
// domain's rules for a new user and organization and the password policy.
func (req *RegisterRequest) Normalize() error {
	f := FieldErrors{}
	req.Email = identity.NormalizeEmail(req.Email)
	req.Name = identity.NormalizeName(req.Name)
	req.OrganizationName = identity.NormalizeName(req.OrganizationName)
	req.Industry = strings.TrimSpace(req.Industry)
	req.CompanySize = strings.TrimSpace(req.CompanySize)
	f.addAll(finhealth.NewUser{Email: req.Email, Name: req.Name, Role: finhealth.RoleUser}.Validate())
	if req.OrganizationName == "" && req.Name != "" && f["name"] == "" {
		req.OrganizationName = Truncate(req.Name+"'s business", finhealth.MaxOrganizationNameLen)
	}
	org := finhealth.NewOrganization{Name: req.OrganizationName, Industry: req.Industry, CompanySize: req.CompanySize}
	for field, problem := range finhealth.ErrorFields(org.Validate()) {
		if field == "name" {
			if req.OrganizationName == "" {
				continue // it would have followed the user's name, refused above
			}
			field = "organization_name"
		}
		f.Add(field, problem)
	}
	f.addAll(identity.ValidatePassword(req.Password, req.Email))
	return f.Err()
}

// LoginRequest is the body of POST /auth/login.
type LoginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// Normalize checks that the credentials are there and puts the email in its stored
// form.
func (req *LoginRequest) Normalize() error {
	f := FieldErrors{}
	// Normalized as registration stores it, so that a differently composed "é"
	// finds the account; not validated, so that a malformed address is just an
	// unknown one (bytes that are not UTF-8, which a form can carry, included).
	req.Email = identity.NormalizeEmail(strings.ToValidUTF8(req.Email, "\uFFFD"))
	if req.Email == "" {
		f.Add("email", "is required")
	} else if len(req.Email) > 254 {
		f.Add("email", "must be at most 254 characters")
	}
	if req.Password == "" {
		f.Add("password", "is required")
	} else if len(req.Password) > 1024 {
		f.Add("password", "must be at most 1024 bytes")
	}
	return f.Err()
}

// AnswerRequest is one answer as a client sends it.
type AnswerRequest struct {
	QuestionID string `json:"question_id"`
	Value      string `json:"value"`
}

// CleanAnswers trims the answers and records in f what is wrong with their shape,
// under answers[i].question_id and answers[i].value; the questionnaire page checks
// its form with it too.
func CleanAnswers(f FieldErrors, in []AnswerRequest) []finhealth.Answer {
	answers := make([]finhealth.Answer, 0, len(in))
	for i, a := range in {
		if len(f) >= 20 {
			break // enough to fix; do not echo thousands of problems
		}
		qid, val := strings.TrimSpace(a.QuestionID), strings.TrimSpace(a.Value)
		// The field names are built only for a bad answer: this loop runs for every
		// answer of every submission.
		if finhealth.TextProblem(qid, true, 100) != "" || finhealth.TextProblem(val, true, 100) != "" {
			prefix := "answers[" + strconv.Itoa(i) + "]."
			qid = cleanText(f, prefix+"question_id", a.QuestionID, true, 100)
			val = cleanText(f, prefix+"value", a.Value, true, 100)
		}
		answers = append(answers, finhealth.Answer{QuestionID: qid, Value: val})
	}
	return answers
}
