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
func (s *apiHandler) routeTable() []route {
	const (
		ok      = http.StatusOK
		created = http.StatusCreated
		none    = http.StatusNoContent
	)
	return []route{
		{"GET", "/api/v1/openapi.json", public, ok, s.openAPI},
		{"GET", "/api/v1/questionnaire", public, ok, s.getQuestionnaire},

		{"POST", "/api/v1/auth/register", public, created, s.register},
		{"POST", "/api/v1/auth/login", public, ok, s.login},
		{"POST", "/api/v1/auth/refresh", public, ok, s.refresh},
		{"POST", "/api/v1/auth/logout", public, none, s.logout},
		{"GET", "/api/v1/me", user, ok, s.me},

		{"GET", "/api/v1/organizations", user, ok, s.listOrganizations},
		{"GET", "/api/v1/organizations/{id}", org(finhealth.PermOrgRead), ok, s.getOrganization},
		{"PATCH", "/api/v1/organizations/{id}", org(finhealth.PermOrgUpdate), ok, s.updateOrganization},
		{"GET", "/api/v1/organizations/{id}/members", org(finhealth.PermMembersRead), ok, s.listMembers},
		{"PATCH", "/api/v1/organizations/{id}/members/{user_id}", org(finhealth.PermMembersManage), ok, s.changeMemberRole},
		{"DELETE", "/api/v1/organizations/{id}/members/{user_id}",
			access{kind: accessOrg, perm: finhealth.PermMembersManage, selfParam: "user_id"}, none, s.removeMember},
		{"POST", "/api/v1/organizations/{id}/invitations", org(finhealth.PermMembersManage), created, s.createInvitation},
		{"GET", "/api/v1/organizations/{id}/invitations", org(finhealth.PermMembersManage), ok, s.listInvitations},
		{"DELETE", "/api/v1/organizations/{id}/invitations/{invitation_id}", org(finhealth.PermMembersManage), none, s.revokeInvitation},
		{"POST", "/api/v1/invitations/accept", user, ok, s.acceptInvitation},
		{"GET", "/api/v1/organizations/{id}/audit-log", org(finhealth.PermOrgAuditRead), ok, s.orgAuditLog},

		{"POST", "/api/v1/organizations/{id}/assessments", org(finhealth.PermAssessmentsSubmit), created, s.createAssessment},
		{"GET", "/api/v1/organizations/{id}/assessments", org(finhealth.PermAssessmentsRead), ok, s.listAssessments},
		{"GET", "/api/v1/organizations/{id}/assessments/latest", withLatestAssessment(org(finhealth.PermAssessmentsRead)), ok, s.latestAssessment},
		{"GET", "/api/v1/organizations/{id}/assessments/{assessment_id}", org(finhealth.PermAssessmentsRead), ok, s.getAssessment},
		{"POST", "/api/v1/assessments", defaultOrg(finhealth.PermAssessmentsSubmit), created, s.createAssessment},
		{"GET", "/api/v1/assessments", defaultOrg(finhealth.PermAssessmentsRead), ok, s.listAssessments},
		{"GET", "/api/v1/assessments/latest", withLatestAssessment(defaultOrg(finhealth.PermAssessmentsRead)), ok, s.latestAssessment},
		{"GET", "/api/v1/assessments/{assessment_id}", defaultOrg(finhealth.PermAssessmentsRead), ok, s.getAssessment},

		{"GET", "/api/v1/admin/users", platform(finhealth.PermUsersManage), ok, s.adminListUsers},
		{"PATCH", "/api/v1/admin/users/{id}", platform(finhealth.PermUsersManage), ok, s.adminSetRole},
		{"POST", "/api/v1/admin/users/{id}/deactivate", platform(finhealth.PermUsersManage), ok, s.adminDeactivate},
		{"GET", "/api/v1/admin/audit-log", platform(finhealth.PermPlatformAuditRead), ok, s.adminAuditLog},
	}
}
