package api

import (
	"bytes"
	"errors"
	"net/http"
	"strings"
	"testing"

	"finhealth"
	fhttp "finhealth/http"
	"finhealth/http/internal/servertest"
	"finhealth/identity"
	"finhealth/scoring"
	"finhealth/store"
)

func TestStrictDecoding(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db, func(c *fhttp.Config) { c.MaxBodyBytes = 4096 })
		acc := a.Register("Sam")
		post := func(body, contentType string) *servertest.Response {
			return a.Do(servertest.Request{Method: "POST", Path: "/api/v1/assessments", Token: acc.Token, Body: body,
				Header: map[string]string{"Content-Type": contentType}})
		}
		const ct = "application/json"

		for _, tc := range []struct {
			name, body, ct string
			status         int
			field          string
		}{
			{"unknown field", `{"answers":[],"extra":1}`, ct, 400, "extra"},
			{"points from the client", `{"answers":[{"question_id":"q","value":"v","points":100}]}`, ct, 400, "points"},
			{"malformed", `{"answers":`, ct, 400, ""},
			{"syntax error", `{"answers":[}`, ct, 400, ""},
			{"empty body", ``, ct, 400, ""},
			{"two values", `{"answers":[]} {"answers":[]}`, ct, 400, ""},
			{"trailing garbage", `{"answers":[]}x`, ct, 400, ""},
			{"not an object", `[1,2]`, ct, 400, ""},
			{"wrong type", `{"answers":"all of them"}`, ct, 422, "answers"},
			{"wrong nested type", `{"answers":[{"question_id":1,"value":"v"}]}`, ct, 422, "answers.question_id"},
			{"null answers", `{"answers":null}`, ct, 422, "answers"},
			{"too large", `{"answers":[` + strings.Repeat(`{"question_id":"q","value":"v"},`, 200) + `]}`, ct, 413, ""},
			{"no content type", `{"answers":[]}`, "", 415, ""},
			{"form content type", `answers=1`, "application/x-www-form-urlencoded", 415, ""},
			{"text content type", `{"answers":[]}`, "text/plain", 415, ""},
			{"latin-1 charset", `{"answers":[]}`, "application/json; charset=latin1", 415, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res := post(tc.body, tc.ct).Expect(t, tc.status)
				if tc.field != "" {
					if _, ok := res.ErrorFields(t)[tc.field]; !ok {
						t.Errorf("fields %v do not name %q", res.ErrorFields(t), tc.field)
					}
				}
			})
		}
		t.Run("charset utf-8 is fine", func(t *testing.T) {
			post(`{"answers":[]}`, "application/json; charset=UTF-8").Expect(t, http.StatusUnprocessableEntity)
		})
	})
}

// checkDecodeError is the property every decoder promises: an error is a
// *finhealth.Error whose status is a 4xx.
func checkDecodeError(t *testing.T, err error) {
	t.Helper()
	var fe *finhealth.Error
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T) is not a *finhealth.Error", err, err)
	}
	if st := fhttp.StatusOf(fe.Code); st < 400 || st > 499 {
		t.Fatalf("error %v maps to %d", err, st)
	}
}

func FuzzDecodeAssessmentRequest(f *testing.F) {
	for _, seed := range []string{
		`{"answers":[{"question_id":"cash_buffer","value":"lt_1_month"}]}`,
		`{"answers":[]}`, `{"answers":null}`, `{}`, `[]`, `null`, `{"answers":[{"points":5}]}`,
		`{"answers":[{"question_id":"` + strings.Repeat("q", 200) + `","value":""}]}`,
		`{"answers":[{"question_id":"a\u0000","value":"\ud800"}]} trailing`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		answers, err := decodeAssessmentRequest(bytes.NewReader(body))
		if err != nil {
			checkDecodeError(t, err)
			return
		}
		// Whatever the decoder lets through, scoring must judge without panicking and
		// only with a caller-facing error.
		if _, err := scoring.Score(scoring.Current(), answers); err != nil {
			checkDecodeError(t, err)
		}
	})
}

func FuzzDecodeRegisterRequest(f *testing.F) {
	for _, seed := range []string{
		`{"email":"a@example.com","password":"correct horse battery staple","name":"A"}`,
		`{"email":"A@EXAMPLE.COM ","password":"correct horse battery staple","name":"A","organization_name":"X","industry":"y","company_size":"z"}`,
		`{"email":"a","password":"","name":""}`, `{"role":"admin"}`, `{"email":7}`, `{}`, `""`,
		`{"email":"\"a b\"@example.com","password":"aaaaaaaaaaaa","name":"\u0007"}`,
		`{"email":"JOSE\u0301@example.com","password":"correct horse battery staple","name":"Jose\u0301","organization_name":"Caf\u00e9"}`,
		`{"email":"a\u200b@example.com","password":"            ","name":"\u202eX","organization_name":"\ufeffY"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := decodeRegisterRequest(bytes.NewReader(body))
		if err != nil {
			checkDecodeError(t, err)
			return
		}
		if req.Email == "" || req.Name == "" || req.OrganizationName == "" || identity.ValidatePassword(req.Password, req.Email) != nil {
			t.Fatalf("accepted an invalid registration: %+v", req)
		}
		if norm := identity.NormalizeEmail(req.Email); norm != req.Email {
			t.Fatalf("accepted email %q is not normalized (%q)", req.Email, norm)
		}
		if norm := identity.NormalizeName(req.Name); norm != req.Name {
			t.Fatalf("accepted name %q is not normalized (%q)", req.Name, norm)
		}
		if err := (finhealth.NewUser{Email: req.Email, Name: req.Name, Role: finhealth.RoleUser}).Validate(); err != nil {
			t.Fatalf("accepted a user the domain refuses: %v", err)
		}
		org := finhealth.NewOrganization{Name: req.OrganizationName, Industry: req.Industry, CompanySize: req.CompanySize}
		if err := org.Validate(); err != nil {
			t.Fatalf("accepted an organization the domain refuses: %v", err)
		}
	})
}

func FuzzDecodeLoginRequest(f *testing.F) {
	for _, seed := range []string{
		`{"email":"a@example.com","password":"x"}`, `{"email":"","password":""}`, `{"email":["a"]}`,
		`{"email":"a@example.com","password":"x","otp":1}`, `{}`, `nul`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := decodeLoginRequest(bytes.NewReader(body))
		if err != nil {
			checkDecodeError(t, err)
			return
		}
		if req.Email == "" || req.Password == "" {
			t.Fatalf("accepted a login without credentials: %+v", req)
		}
	})
}

func TestDecodeErrorsAreCallerErrors(t *testing.T) {
	for _, body := range []string{"", "{", "[]", `{"answers":1}`, `{"x":1}`, `{} {}`, `"\ud800"`} {
		_, err := decodeAssessmentRequest(strings.NewReader(body))
		if err == nil {
			t.Errorf("%q decoded", body)
			continue
		}
		checkDecodeError(t, err)
	}
}
