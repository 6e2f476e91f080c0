// Package api serves finhealth's versioned JSON API under /api/v1: the route table
// (each route with the permission it needs and its success status), the handlers
// that decode requests and encode responses, and the OpenAPI document
// (openapi.json, served at /api/v1/openapi.json and checked against real responses
// by the tests). Mount adds it to a Server of the shared layer (finhealth/http),
// which authenticates, authorizes and answers errors for every route.
package api

import (
	"net/http"
	"slices"
	"time"

	"finhealth"
	fhttp "finhealth/http"
	"finhealth/scoring"
)

// Handler serves the JSON API under /api/v1: the foundation's routes
// (routeTable) here, and those over the books (warehouse).
type Handler struct {
	srv      *fhttp.Server
	st       finhealth.Store
	cfg      fhttp.Config
	now      func() time.Time
	accounts fhttp.Accounts
	orgs     fhttp.Organizations
	insights fhttp.Insights
	wave     fhttp.Wave

	questionnaire encodedQuestionnaire
	openapi       []byte
}

// Mount adds the JSON API's routes to srv's route table. It panics when the
// questionnaire cannot be encoded: a start-up error, and no request for it could be
// served anyway.
func Mount(srv *fhttp.Server) *Handler {
	q, err := encodeQuestionnaire(scoring.Current())
	if err != nil {
		panic("api: cannot encode the questionnaire: " + err.Error())
	}
	cfg := srv.Config()
	h := &Handler{
		srv: srv, st: srv.Store(), cfg: cfg, now: cfg.Now,
		accounts: fhttp.Accounts{Server: srv}, orgs: fhttp.Organizations{Server: srv},
		insights: fhttp.Insights{Server: srv}, wave: fhttp.Wave{Server: srv},
		questionnaire: q, openapi: openapiDocument,
	}
	var table []fhttp.Route
	for _, rt := range slices.Concat(h.routeTable(), warehouse{h}.routes()) {
		table = append(table, fhttp.Route{Method: rt.method, Path: rt.path, Access: rt.access, Status: rt.status, Handle: rt.handle})
	}
	srv.HandleRoutes(table)
	return h
}

// route is a row of the API's route table (an fhttp.Route), written positionally so
// that the table reads as one.
type route struct {
	method string
	path   string
	access fhttp.Access
	status int
	handle fhttp.HandlerFunc
}

// routeTable is the list of the API's routes and the permission each needs; the
// probes (/healthz, /readyz) are the shared layer's rows (NewServer).
func (s *Handler) routeTable() []route {
	const (
		ok      = http.StatusOK
		created = http.StatusCreated
		none    = http.StatusNoContent
	)
	return []route{
		{"GET", "/api/v1/openapi.json", fhttp.Public, ok, s.openAPI},
		{"GET", "/api/v1/questionnaire", fhttp.Public, ok, s.getQuestionnaire},

		{"POST", "/api/v1/auth/register", fhttp.Public, created, s.register},
		{"POST", "/api/v1/auth/login", fhttp.Public, ok, s.login},
		{"POST", "/api/v1/auth/refresh", fhttp.Public, ok, s.refresh},
		{"POST", "/api/v1/auth/logout", fhttp.Public, none, s.logout},
		{"GET", "/api/v1/me", fhttp.AnyUser, ok, s.me},
		{"POST", "/api/v1/me/password", fhttp.AnyUser, none, s.changePassword},
		{"GET", "/api/v1/me/sessions", fhttp.AnyUser, ok, s.listSessions},
		{"POST", "/api/v1/me/sessions/end-others", fhttp.AnyUser, ok, s.endOtherSessions},
		{"DELETE", "/api/v1/me/sessions/{session_id}", fhttp.AnyUser, none, s.endSession},

		{"GET", "/api/v1/organizations", fhttp.AnyUser, ok, s.listOrganizations},
		{"GET", "/api/v1/organizations/{id}", fhttp.Org(finhealth.PermOrgRead), ok, s.getOrganization},
		{"PATCH", "/api/v1/organizations/{id}", fhttp.Org(finhealth.PermOrgUpdate), ok, s.updateOrganization},
		{"GET", "/api/v1/organizations/{id}/members", fhttp.Org(finhealth.PermMembersRead), ok, s.listMembers},
		{"PATCH", "/api/v1/organizations/{id}/members/{user_id}", fhttp.Org(finhealth.PermMembersManage), ok, s.changeMemberRole},
		{"DELETE", "/api/v1/organizations/{id}/members/{user_id}",
			fhttp.Access{Kind: fhttp.AccessOrg, Perm: finhealth.PermMembersManage, SelfParam: "user_id"}, none, s.removeMember},
		{"POST", "/api/v1/organizations/{id}/invitations", fhttp.Org(finhealth.PermMembersManage), created, s.createInvitation},
		{"GET", "/api/v1/organizations/{id}/invitations", fhttp.Org(finhealth.PermMembersManage), ok, s.listInvitations},
		{"DELETE", "/api/v1/organizations/{id}/invitations/{invitation_id}", fhttp.Org(finhealth.PermMembersManage), none, s.revokeInvitation},
		{"POST", "/api/v1/invitations/accept", fhttp.AnyUser, ok, s.acceptInvitation},
		{"GET", "/api/v1/organizations/{id}/audit-log", fhttp.Org(finhealth.PermOrgAuditRead), ok, s.orgAuditLog},

		{"POST", "/api/v1/organizations/{id}/assessments", fhttp.Org(finhealth.PermAssessmentsSubmit), created, s.createAssessment},
		{"GET", "/api/v1/organizations/{id}/assessments", fhttp.Org(finhealth.PermAssessmentsRead), ok, s.listAssessments},
		{"GET", "/api/v1/organizations/{id}/assessments/latest", fhttp.WithLatestAssessment(fhttp.Org(finhealth.PermAssessmentsRead)), ok, s.latestAssessment},
		{"GET", "/api/v1/organizations/{id}/assessments/{assessment_id}", fhttp.Org(finhealth.PermAssessmentsRead), ok, s.getAssessment},
		{"POST", "/api/v1/assessments", fhttp.DefaultOrg(finhealth.PermAssessmentsSubmit), created, s.createAssessment},
		{"GET", "/api/v1/assessments", fhttp.DefaultOrg(finhealth.PermAssessmentsRead), ok, s.listAssessments},
		{"GET", "/api/v1/assessments/latest", fhttp.WithLatestAssessment(fhttp.DefaultOrg(finhealth.PermAssessmentsRead)), ok, s.latestAssessment},
		{"GET", "/api/v1/assessments/{assessment_id}", fhttp.DefaultOrg(finhealth.PermAssessmentsRead), ok, s.getAssessment},

		{"GET", "/api/v1/admin/users", fhttp.Platform(finhealth.PermUsersManage), ok, s.adminListUsers},
		{"PATCH", "/api/v1/admin/users/{id}", fhttp.Platform(finhealth.PermUsersManage), ok, s.adminSetRole},
		{"POST", "/api/v1/admin/users/{id}/deactivate", fhttp.Platform(finhealth.PermUsersManage), ok, s.adminDeactivate},
		{"GET", "/api/v1/admin/audit-log", fhttp.Platform(finhealth.PermPlatformAuditRead), ok, s.adminAuditLog},
		{"GET", "/api/v1/admin/mail", fhttp.Platform(finhealth.PermPlatformAuditRead), ok, s.adminMailLog},
	}
}
