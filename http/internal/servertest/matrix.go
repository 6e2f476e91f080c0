package servertest

import (
	"context"
	"net/http"

	"finhealth"
	fhttp "finhealth/http"
)

// MatrixActors are the actors of the role matrix. "user" is a signed-in platform
// user who is not a member of the fixture organization (they own one of their own);
// "admin" is a platform admin who belongs to no organization at all.
var MatrixActors = []string{"anonymous", "user", "viewer", "advisor", "owner", "admin"}

// MatrixFixture is one organization X with an owner, an advisor, a viewer and a
// target member, an outsider with their own organization, an admin, and a second
// organization Y that invites the actors.
type MatrixFixture struct {
	API        *API
	OrgX       string
	Accounts   map[string]*Account // by actor name; no entry for anonymous
	Target     Account             // an advisor of X that member and admin routes act on
	OtherOwner Account             // owner of Y
	// Assessments by organization id
	Assessments map[string]string
}

// NewMatrixFixture makes an account for every actor, and the organizations and
// assessments the matrix's routes act on.
func NewMatrixFixture(a *API) *MatrixFixture {
	owner := a.RegisterDirect("Owner")
	advisor := a.CreateUser("Advisor", finhealth.RoleUser)
	viewer := a.CreateUser("Viewer", finhealth.RoleUser)
	target := a.CreateUser("Target", finhealth.RoleUser)
	a.AddMember(owner.OrgID, owner.ID, &advisor, finhealth.OrgRoleAdvisor)
	a.AddMember(owner.OrgID, owner.ID, &viewer, finhealth.OrgRoleViewer)
	a.AddMember(owner.OrgID, owner.ID, &target, finhealth.OrgRoleAdvisor)
	outsider := a.RegisterDirect("Outsider")
	admin := a.CreateUser("Admin", finhealth.RoleAdmin)
	fx := &MatrixFixture{
		API:  a,
		OrgX: owner.OrgID,
		Accounts: map[string]*Account{
			"user": &outsider, "viewer": &viewer, "advisor": &advisor, "owner": &owner, "admin": &admin,
		},
		Target:      target,
		OtherOwner:  a.RegisterDirect("Other"),
		Assessments: map[string]string{},
	}
	fx.Assessments[owner.OrgID] = a.CreateAssessment(owner.OrgID, owner.ID).ID
	fx.Assessments[outsider.OrgID] = a.CreateAssessment(outsider.OrgID, outsider.ID).ID
	return fx
}

// RoleIn is the actor's role in the organization, "" when not a member. It is read
// from the database rather than assumed, so the matrix cannot drift from reality.
func (fx *MatrixFixture) RoleIn(actor, orgID string) finhealth.OrgRole {
	acc, ok := fx.Accounts[actor]
	if !ok || orgID == "" {
		return ""
	}
	m, err := fx.API.DB.Membership(context.Background(), orgID, acc.ID)
	if err != nil {
		return ""
	}
	return m.Role
}

func (fx *MatrixFixture) platformRole(actor string) finhealth.Role {
	if actor == "admin" {
		return finhealth.RoleAdmin
	}
	return finhealth.RoleUser
}

// ExpectedStatus computes the answer the permission table in role.go implies.
func (fx *MatrixFixture) ExpectedStatus(rt fhttp.Route, actor string) int {
	if rt.Access.Kind == fhttp.AccessPublic {
		return rt.Status
	}
	if actor == "anonymous" {
		return http.StatusUnauthorized
	}
	allowed := func(ok bool) int {
		if ok {
			return rt.Status
		}
		return http.StatusForbidden
	}
	switch rt.Access.Kind {
	case fhttp.AccessUser:
		return rt.Status
	case fhttp.AccessPlatform:
		return allowed(fx.platformRole(actor).Can(rt.Access.Perm))
	case fhttp.AccessOrg, fhttp.AccessDefaultOrg:
		orgID := fx.OrgX
		if rt.Access.Kind == fhttp.AccessDefaultOrg {
			orgID = fx.Accounts[actor].OrgID
		}
		role := fx.RoleIn(actor, orgID)
		if role == "" {
			return http.StatusNotFound
		}
		return allowed(role.Can(rt.Access.Perm))
	}
	panic("unknown access kind")
}
