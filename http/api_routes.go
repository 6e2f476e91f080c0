package http

import (
	"finhealth/scoring"
	"net/http"
	"slices"
	"time"

	"finhealth"
)

// apiHandler serves the JSON API under /api/v1: the foundation's routes
// (routeTable) here, and those over the books (warehouse).
type apiHandler struct {
	srv      *Server
	st       finhealth.Store
	cfg      Config
	now      func() time.Time
	accounts Accounts
	orgs     Organizations
	insights Insights
	wave     Wave

	questionnaire encodedQuestionnaire
	openapi       []byte
}

// mountAPI adds the JSON API's routes to srv's route table. It panics when the
// questionnaire cannot be encoded: a start-up error, and no request for it could be
// served anyway.
func mountAPI(srv *Server) *apiHandler {
	q, err := encodeQuestionnaire(scoring.Current())
	if err != nil {
		panic("api: cannot encode the questionnaire: " + err.Error())
	}
	cfg := srv.Config()
	h := &apiHandler{
		srv: srv, st: srv.Store(), cfg: cfg, now: cfg.Now,
		accounts: Accounts{srv}, orgs: Organizations{srv}, insights: Insights{srv}, wave: Wave{srv},
		questionnaire: q, openapi: openapiDocument,
	}
	srv.HandleRoutes(slices.Concat(h.routeTable(), warehouse{h}.routes()))
	return h
}

// routeTable is the list of the API's routes and the permission each needs; the
// probes are the shared layer's (Server.HandleRoutes).
func (s *apiHandler) routeTable() []Route {
	const (
		ok      = http.StatusOK
		created = http.StatusCreated
		none    = http.StatusNoContent
	)
	return []Route{
		{"GET", "/api/v1/openapi.json", Public, ok, s.openAPI},
		{"GET", "/api/v1/questionnaire", Public, ok, s.getQuestionnaire},

		{"POST", "/api/v1/auth/register", Public, created, s.register},
		{"POST", "/api/v1/auth/login", Public, ok, s.login},
		{"POST", "/api/v1/auth/refresh", Public, ok, s.refresh},
		{"POST", "/api/v1/auth/logout", Public, none, s.logout},
		{"GET", "/api/v1/me", AnyUser, ok, s.me},

		{"GET", "/api/v1/organizations", AnyUser, ok, s.listOrganizations},
		{"GET", "/api/v1/organizations/{id}", Org(finhealth.PermOrgRead), ok, s.getOrganization},
		{"PATCH", "/api/v1/organizations/{id}", Org(finhealth.PermOrgUpdate), ok, s.updateOrganization},
		{"GET", "/api/v1/organizations/{id}/members", Org(finhealth.PermMembersRead), ok, s.listMembers},
		{"PATCH", "/api/v1/organizations/{id}/members/{user_id}", Org(finhealth.PermMembersManage), ok, s.changeMemberRole},
		{"DELETE", "/api/v1/organizations/{id}/members/{user_id}",
			Access{Kind: AccessOrg, Perm: finhealth.PermMembersManage, SelfParam: "user_id"}, none, s.removeMember},
		{"POST", "/api/v1/organizations/{id}/invitations", Org(finhealth.PermMembersManage), created, s.createInvitation},
		{"GET", "/api/v1/organizations/{id}/invitations", Org(finhealth.PermMembersManage), ok, s.listInvitations},
		{"DELETE", "/api/v1/organizations/{id}/invitations/{invitation_id}", Org(finhealth.PermMembersManage), none, s.revokeInvitation},
		{"POST", "/api/v1/invitations/accept", AnyUser, ok, s.acceptInvitation},
		{"GET", "/api/v1/organizations/{id}/audit-log", Org(finhealth.PermOrgAuditRead), ok, s.orgAuditLog},

		{"POST", "/api/v1/organizations/{id}/assessments", Org(finhealth.PermAssessmentsSubmit), created, s.createAssessment},
		{"GET", "/api/v1/organizations/{id}/assessments", Org(finhealth.PermAssessmentsRead), ok, s.listAssessments},
		{"GET", "/api/v1/organizations/{id}/assessments/latest", WithLatestAssessment(Org(finhealth.PermAssessmentsRead)), ok, s.latestAssessment},
		{"GET", "/api/v1/organizations/{id}/assessments/{assessment_id}", Org(finhealth.PermAssessmentsRead), ok, s.getAssessment},
		{"POST", "/api/v1/assessments", DefaultOrg(finhealth.PermAssessmentsSubmit), created, s.createAssessment},
		{"GET", "/api/v1/assessments", DefaultOrg(finhealth.PermAssessmentsRead), ok, s.listAssessments},
		{"GET", "/api/v1/assessments/latest", WithLatestAssessment(DefaultOrg(finhealth.PermAssessmentsRead)), ok, s.latestAssessment},
		{"GET", "/api/v1/assessments/{assessment_id}", DefaultOrg(finhealth.PermAssessmentsRead), ok, s.getAssessment},

		{"GET", "/api/v1/admin/users", Platform(finhealth.PermUsersManage), ok, s.adminListUsers},
		{"PATCH", "/api/v1/admin/users/{id}", Platform(finhealth.PermUsersManage), ok, s.adminSetRole},
		{"POST", "/api/v1/admin/users/{id}/deactivate", Platform(finhealth.PermUsersManage), ok, s.adminDeactivate},
		{"GET", "/api/v1/admin/audit-log", Platform(finhealth.PermPlatformAuditRead), ok, s.adminAuditLog},
	}
}
