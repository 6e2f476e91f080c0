package http

import (
	"context"
	"net/http"

	"finhealth"
)

// The actors of the role matrix. "user" is a signed-in platform user who is not a
// member of the fixture organization (they own one of their own); "admin" is a
// platform admin who belongs to no organization at all.
var matrixActors = []string{"anonymous", "user", "viewer", "advisor", "owner", "admin"}

// matrixFixture is one organization X with an owner, an advisor, a viewer and a
// target member, an outsider with their own organization, an admin, and a second
// organization Y that invites the actors.
type matrixFixture struct {
	api        *testAPI
	orgX       string
	accounts   map[string]*account // by actor name; no entry for anonymous
	target     account             // an advisor of X that member and admin routes act on
	otherOwner account             // owner of Y
	// assessments by organization id
	assessments map[string]string
}

func newMatrixFixture(a *testAPI) *matrixFixture {
	owner := a.registerDirect("Owner")
	advisor := a.createUser("Advisor", finhealth.RoleUser)
	viewer := a.createUser("Viewer", finhealth.RoleUser)
	target := a.createUser("Target", finhealth.RoleUser)
	a.addMember(owner.OrgID, owner.ID, &advisor, finhealth.OrgRoleAdvisor)
	a.addMember(owner.OrgID, owner.ID, &viewer, finhealth.OrgRoleViewer)
	a.addMember(owner.OrgID, owner.ID, &target, finhealth.OrgRoleAdvisor)
	outsider := a.registerDirect("Outsider")
	admin := a.createUser("Admin", finhealth.RoleAdmin)
	fx := &matrixFixture{
		api:  a,
		orgX: owner.OrgID,
		accounts: map[string]*account{
			"user": &outsider, "viewer": &viewer, "advisor": &advisor, "owner": &owner, "admin": &admin,
		},
		target:      target,
		otherOwner:  a.registerDirect("Other"),
		assessments: map[string]string{},
	}
	fx.assessments[owner.OrgID] = a.createAssessment(owner.OrgID, owner.ID).ID
	fx.assessments[outsider.OrgID] = a.createAssessment(outsider.OrgID, outsider.ID).ID
	return fx
}

// roleIn is the actor's role in the organization, "" when not a member. It is read
// from the database rather than assumed, so the matrix cannot drift from reality.
func (fx *matrixFixture) roleIn(actor, orgID string) finhealth.OrgRole {
	acc, ok := fx.accounts[actor]
	if !ok || orgID == "" {
		return ""
	}
	m, err := fx.api.db.Membership(context.Background(), orgID, acc.ID)
	if err != nil {
		return ""
	}
	return m.Role
}

func (fx *matrixFixture) platformRole(actor string) finhealth.Role {
	if actor == "admin" {
		return finhealth.RoleAdmin
	}
	return finhealth.RoleUser
}

// expectedStatus computes the answer the permission table in role.go implies.
func (fx *matrixFixture) expectedStatus(rt route, actor string) int {
	if rt.access.kind == accessPublic {
		return rt.status
	}
	if actor == "anonymous" {
		return http.StatusUnauthorized
	}
	allowed := func(ok bool) int {
		if ok {
			return rt.status
		}
		return http.StatusForbidden
	}
	switch rt.access.kind {
	case accessUser:
		return rt.status
	case accessPlatform:
		return allowed(fx.platformRole(actor).Can(rt.access.perm))
	case accessOrg, accessDefaultOrg:
		orgID := fx.orgX
		if rt.access.kind == accessDefaultOrg {
			orgID = fx.accounts[actor].OrgID
		}
		role := fx.roleIn(actor, orgID)
		if role == "" {
			return http.StatusNotFound
		}
		return allowed(role.Can(rt.access.perm))
	}
	panic("unknown access kind")
}
