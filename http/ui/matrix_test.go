package ui

import (
	"bytes"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"finhealth"
	fhttp "finhealth/http"
	"finhealth/http/internal/servertest"
	"finhealth/store"
)

// uiOutcome is what the route's access implies for one actor.
type uiOutcome int

const (
	uiAllowed   uiOutcome = iota // the handler ran: no refusal, whatever it answered
	uiToLogin                    // an anonymous visitor is sent to log in
	uiForbidden                  // the role lacks the permission: the 403 page
	uiNotFound                   // not a member: the 404 page, revealing nothing
)

func (o uiOutcome) String() string {
	return [...]string{"allowed", "to login", "forbidden", "not found"}[o]
}

// uiExpected derives the outcome from the route's access alone, through the API
// matrix's expectedStatus, so that both matrices read the permission table the
// same way.
func uiExpected(fx *servertest.MatrixFixture, rt uiRoute, actor string) uiOutcome {
	switch fx.ExpectedStatus(fhttp.Route{Method: rt.method, Path: rt.path, Access: rt.access, Status: http.StatusOK}, actor) {
	case http.StatusUnauthorized:
		return uiToLogin
	case http.StatusForbidden:
		return uiForbidden
	case http.StatusNotFound:
		return uiNotFound
	}
	return uiAllowed
}

// uiPathParam matches a path parameter of a route pattern.
var uiPathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

// uiMissingID names nothing: parameters the matrix has no fixture for get it, so
// that an allowed actor reaches the handler, which answers its own 404 (told apart
// from authorization's by the page's message).
const uiMissingID = "01900000-0000-7000-8000-000000000000"

// uiMatrixRequest is the request an actor sends to a route: real ids wherever the
// fixture has them, and a form that an allowed actor's request would pass with,
// so that the outcome shows authorization alone.
func uiMatrixRequest(fx *servertest.MatrixFixture, rt uiRoute, actor string) (string, url.Values) {
	orgID := fx.OrgX
	if rt.access.Kind == fhttp.AccessDefaultOrg && fx.Accounts[actor] != nil && fx.Accounts[actor].OrgID != "" {
		orgID = fx.Accounts[actor].OrgID
	}
	values := map[string]string{
		"id": orgID, "user_id": fx.Target.ID, "assessment_id": fx.Assessments[fx.OrgX],
	}
	if strings.HasPrefix(rt.path, "/admin/") {
		values["id"] = fx.Target.ID
	}
	path := uiPathParam.ReplaceAllStringFunc(rt.path, func(p string) string {
		if v, ok := values[p[1:len(p)-1]]; ok {
			return v
		}
		return uiMissingID
	})
	path = strings.TrimSuffix(path, "{$}")

	form := url.Values{}
	switch rt.method + " " + rt.path {
	case "GET /orgs/go":
		path += "?org=" + fx.OrgX
	case "POST /login":
		form.Set("email", fx.Accounts["owner"].Email)
		form.Set("password", servertest.Password)
	case "POST /signup":
		form.Set("email", servertest.UniqueEmail("uimatrix"))
		form.Set("password", servertest.Password)
		form.Set("name", "Matrix")
	case "POST /admin/users/{id}/role":
		form.Set("role", string(finhealth.RoleAdmin))
	}
	return path, form
}

// uiRefusal is the error page's heading for each refusal, and the message that
// tells authorization's 404 from a handler's own.
const (
	uiForbiddenHeading = "This is not available to your role"
	uiNotFoundHeading  = "We could not find that page"
)

// checkUIOutcome fails the test unless res is the outcome wanted.
func checkUIOutcome(t *testing.T, rt uiRoute, actor string, want uiOutcome, res *servertest.Response) {
	t.Helper()
	pattern := rt.method + " " + rt.path
	loc := res.Header.Get("Location")
	toLogin := res.Status == http.StatusSeeOther && (loc == "/login" || strings.HasPrefix(loc, "/login?"))
	authzNotFound := res.Status == http.StatusNotFound &&
		(bytes.Contains(res.Body, []byte(finhealth.ErrorMessage(fhttp.ErrOrgNotFound))) ||
			bytes.Contains(res.Body, []byte(finhealth.ErrorMessage(fhttp.ErrNoDefaultOrg))))
	fail := func(why string) {
		t.Errorf("%-45s as %-9s: want %s, %s (status %d, location %q); body:\n%.600s", pattern, actor, want, why, res.Status, loc, res.Body)
	}
	if res.Status >= 500 && res.Status != http.StatusServiceUnavailable {
		fail("got a server error")
		return
	}
	switch want {
	case uiToLogin:
		if !toLogin {
			fail("not sent to the login page")
		}
	case uiForbidden:
		if res.Status != http.StatusForbidden || !bytes.Contains(res.Body, []byte(uiForbiddenHeading)) ||
			bytes.Contains(res.Body, []byte(finhealth.ErrorMessage(fhttp.ErrCSRF))) {
			fail("not the 403 page of a missing permission")
		}
	case uiNotFound:
		if !authzNotFound || !bytes.Contains(res.Body, []byte(uiNotFoundHeading)) {
			fail("not the organization's 404 page")
		}
	case uiAllowed:
		switch {
		case res.Status == http.StatusUnauthorized || res.Status == http.StatusForbidden:
			fail("refused")
		case authzNotFound:
			fail("refused as a non-member")
		case toLogin && rt.access.Kind != fhttp.AccessPublic:
			fail("sent to log in although signed in")
		}
	}
}

// TestUIRoleMatrix sends every route of the web UI as every kind of visitor and
// checks the outcome against the route's access: the same permission table and the
// same authorization as the API, through cookie sessions. Every unsafe route is also
// sent without its CSRF token, which must be refused whoever sends it.
func TestUIRoleMatrix(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newWaveAPI(t, db, servertest.WaveOptions{}, func(c *fhttp.Config) {
			c.LoginIPLimit.Disabled = true
			c.LoginAccountLimit.Disabled = true
		})
		seen := map[uiOutcome]bool{}
		csrfChecked := 0
		for _, rt := range (&Handler{}).uiRoutes() {
			fx := servertest.NewMatrixFixture(a)
			browsers := map[string]*servertest.Browser{"anonymous": a.UIAnonymous()}
			for actor, acc := range fx.Accounts {
				browsers[actor] = a.UILogin(acc.Email)
			}
			for _, actor := range servertest.MatrixActors {
				want := uiExpected(fx, rt, actor)
				seen[want] = true
				path, form := uiMatrixRequest(fx, rt, actor)
				checkUIOutcome(t, rt, actor, want, browsers[actor].Send(rt.method, path, form, true))
			}
			if rt.method == "GET" || rt.method == "HEAD" {
				continue
			}
			for _, actor := range []string{"anonymous", "owner", "admin"} {
				path, form := uiMatrixRequest(fx, rt, actor)
				res := browsers[actor].Send(rt.method, path, form, false)
				if res.Status != http.StatusForbidden || !bytes.Contains(res.Body, []byte(finhealth.ErrorMessage(fhttp.ErrCSRF))) {
					t.Errorf("%s %s as %s without a CSRF token: status %d, want 403 with the CSRF message; body:\n%.600s",
						rt.method, rt.path, actor, res.Status, res.Body)
				}
				csrfChecked++
			}
		}
		// A matrix that never refuses anyone would pass for the wrong reason.
		for _, o := range []uiOutcome{uiAllowed, uiToLogin, uiForbidden, uiNotFound} {
			if !seen[o] {
				t.Errorf("no route and actor in the UI matrix expects %s", o)
			}
		}
		if csrfChecked == 0 {
			t.Error("no unsafe UI route was sent without its CSRF token")
		}
	})
}
