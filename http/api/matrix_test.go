package api

import (
	"context"
	"strings"
	"testing"
	"time"

	"finhealth"
	fhttp "finhealth/http"
	"finhealth/http/internal/servertest"
	"finhealth/store"
)

// matrixRequest builds the request an actor sends to a route: a request that
// succeeds when the actor is allowed, so that the status shows authorization alone.
func matrixRequest(fx *servertest.MatrixFixture, t *testing.T, rt fhttp.Route, actor string) (servertest.Request, bool) {
	a := fx.API
	acc := fx.Accounts[actor]
	r := servertest.Request{Method: rt.Method}
	if acc != nil {
		r.Token = acc.Token
	}
	defaultAssessment := fx.Assessments[fx.OrgX]
	if acc != nil && acc.OrgID != "" && fx.Assessments[acc.OrgID] != "" {
		defaultAssessment = fx.Assessments[acc.OrgID]
	}
	// {id} is a user on admin routes and organization X elsewhere; an assessment is
	// X's on organization routes and the default organization's on the others.
	idValue, assessment := fx.OrgX, fx.Assessments[fx.OrgX]
	if strings.HasPrefix(rt.Path, "/api/v1/admin/") {
		idValue = fx.Target.ID
	}
	if strings.HasPrefix(rt.Path, "/api/v1/assessments/") {
		assessment = defaultAssessment
	}
	r.Path = strings.NewReplacer("{id}", idValue, "{user_id}", fx.Target.ID, "{assessment_id}", assessment).Replace(rt.Path)

	refreshToken := func() string {
		tok, hash, err := fhttp.NewOpaqueToken()
		if err != nil {
			t.Fatal(err)
		}
		if err := a.DB.CreateRefreshToken(context.Background(), finhealth.RefreshToken{
			UserID: fx.Accounts["owner"].ID, TokenHash: hash, ExpiresAt: time.Now().Add(time.Hour),
		}); err != nil {
			t.Fatalf("create refresh token: %v", err)
		}
		return tok
	}

	switch rt.Method + " " + rt.Path {
	case "GET /healthz", "GET /readyz", "GET /api/v1/openapi.json", "GET /api/v1/questionnaire", "GET /api/v1/me",
		"GET /api/v1/organizations", "GET /api/v1/organizations/{id}", "GET /api/v1/organizations/{id}/members",
		"GET /api/v1/organizations/{id}/invitations", "GET /api/v1/organizations/{id}/audit-log",
		"GET /api/v1/organizations/{id}/assessments", "GET /api/v1/organizations/{id}/assessments/latest",
		"GET /api/v1/organizations/{id}/assessments/{assessment_id}", "GET /api/v1/assessments",
		"GET /api/v1/assessments/latest", "GET /api/v1/assessments/{assessment_id}",
		"DELETE /api/v1/organizations/{id}/members/{user_id}", "GET /api/v1/admin/users",
		"POST /api/v1/admin/users/{id}/deactivate", "GET /api/v1/admin/audit-log", "GET /api/v1/admin/mail",
		"GET /api/v1/me/sessions", "POST /api/v1/me/sessions/end-others":
	case "POST /api/v1/me/password":
		// The same password again: allowed, so later logins of the fixture still work.
		r.Body = map[string]string{"current_password": servertest.Password, "new_password": servertest.Password}
	case "DELETE /api/v1/me/sessions/{session_id}":
		// A session of the caller's own, made for the purpose: ending it spends it.
		sid := "01900000-0000-7000-8000-000000000000"
		if acc != nil {
			sid = sessionOf(t, a.Token(acc.ID))
		}
		r.Path = strings.Replace(r.Path, "{session_id}", sid, 1)
	case "POST /api/v1/auth/register":
		r.Body = map[string]string{"email": servertest.UniqueEmail("matrix"), "password": servertest.Password, "name": "Matrix"}
	case "POST /api/v1/auth/login":
		r.Body = map[string]string{"email": fx.Accounts["owner"].Email, "password": servertest.Password}
	case "POST /api/v1/auth/refresh", "POST /api/v1/auth/logout":
		r.Body = map[string]string{"refresh_token": refreshToken()}
	case "PATCH /api/v1/organizations/{id}":
		r.Body = map[string]string{"name": "Renamed by " + actor}
	case "PATCH /api/v1/organizations/{id}/members/{user_id}":
		r.Body = map[string]string{"role": "viewer"}
	case "POST /api/v1/organizations/{id}/invitations":
		r.Body = map[string]string{"email": servertest.UniqueEmail("invitee"), "role": "viewer"}
	case "DELETE /api/v1/organizations/{id}/invitations/{invitation_id}":
		// A fresh one each time: an allowed revocation spends it.
		_, inv := a.NewInvitation(fx.OrgX, fx.Accounts["owner"].ID, servertest.UniqueEmail("revoked"), finhealth.OrgRoleViewer)
		r.Path = strings.Replace(r.Path, "{invitation_id}", inv.ID, 1)
	case "POST /api/v1/invitations/accept":
		email := servertest.UniqueEmail("nobody")
		if acc != nil {
			email = acc.Email
		}
		r.Body = map[string]string{"token": a.Invite(fx.OtherOwner.OrgID, fx.OtherOwner.ID, email, finhealth.OrgRoleViewer)}
	case "POST /api/v1/organizations/{id}/assessments", "POST /api/v1/assessments":
		r.Body = map[string]any{"answers": servertest.Answers(1)}
	case "PATCH /api/v1/admin/users/{id}":
		r.Body = map[string]string{"role": "user"}
	default:
		return r, warehouseMatrixRequest(fx, t, rt, actor, &r)
	}
	return r, true
}

// TestRoleMatrix sends every route in the table as every kind of caller and checks
// the status against what the permission table implies.
func TestRoleMatrix(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newWaveAPI(t, db, servertest.WaveOptions{}, func(c *fhttp.Config) {
			c.LoginIPLimit.Disabled = true
			c.LoginAccountLimit.Disabled = true
		})
		seen := map[int]bool{}
		for _, rt := range a.Server.Routes() {
			fx := servertest.NewMatrixFixture(a)
			for _, actor := range servertest.MatrixActors {
				r, ok := matrixRequest(fx, t, rt, actor)
				if !ok {
					t.Fatalf("route %s has no matrix request: add one", rt.Pattern())
				}
				want := fx.ExpectedStatus(rt, actor)
				seen[want] = true
				if res := a.Do(r); res.Status != want {
					t.Errorf("%-55s as %-9s: status %d, want %d; body: %s", rt.Pattern(), actor, res.Status, want, res.Body)
				}
			}
		}
		// A matrix where nobody is ever refused would pass for the wrong reason.
		for _, status := range []int{200, 201, 204, 401, 403, 404} {
			if !seen[status] {
				t.Errorf("no route and actor in the matrix expects %d", status)
			}
		}
	})
}
