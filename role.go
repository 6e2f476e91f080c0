package finhealth

// Role is a platform-wide role. Admins run the instance; everyone else is a user whose
// access to business data comes only from organization memberships.
type Role string

const (
	RoleAdmin Role = "admin"
	RoleUser  Role = "user"
)

// Valid reports whether r is a known platform role.
func (r Role) Valid() bool { return r == RoleAdmin || r == RoleUser }

// OrgRole is a member's role within one organization.
type OrgRole string

const (
	OrgRoleOwner   OrgRole = "owner"
	OrgRoleAdvisor OrgRole = "advisor"
	OrgRoleViewer  OrgRole = "viewer"
)

// Valid reports whether r is a known organization role.
func (r OrgRole) Valid() bool {
	return r == OrgRoleOwner || r == OrgRoleAdvisor || r == OrgRoleViewer
}

// Permission names one thing a route or service call may require.
type Permission string

// Organization-scoped permissions, granted by an OrgRole.
const (
	PermOrgRead           Permission = "org:read"
	PermOrgUpdate         Permission = "org:update"
	PermMembersRead       Permission = "members:read"
	PermMembersManage     Permission = "members:manage" // invite, change role, remove
	PermAssessmentsRead   Permission = "assessments:read"
	PermAssessmentsSubmit Permission = "assessments:submit"
	PermOrgAuditRead      Permission = "org_audit:read"
)

// Platform permissions, granted by a Role.
const (
	PermUsersManage       Permission = "users:manage" // list, change platform role, deactivate
	PermPlatformAuditRead Permission = "audit:read"
)

// orgRolePermissions is the single source of truth for what each organization role
// may do. Advisors work on a client's data but do not manage who has access to it;
// viewers only read.
var orgRolePermissions = map[OrgRole][]Permission{
	OrgRoleOwner: {
		PermOrgRead, PermOrgUpdate, PermMembersRead, PermMembersManage,
		PermAssessmentsRead, PermAssessmentsSubmit, PermOrgAuditRead,
	},
	OrgRoleAdvisor: {
		PermOrgRead, PermMembersRead, PermAssessmentsRead, PermAssessmentsSubmit,
	},
	OrgRoleViewer: {
		PermOrgRead, PermMembersRead, PermAssessmentsRead,
	},
}

// rolePermissions grants platform permissions. Admins deliberately get no implicit
// access to organizations' financial data: they run the instance, and a business's
// books are seen only by those the business invited.
var rolePermissions = map[Role][]Permission{
	RoleAdmin: {PermUsersManage, PermPlatformAuditRead},
	RoleUser:  {},
}

// Can reports whether the organization role grants p.
func (r OrgRole) Can(p Permission) bool { return contains(orgRolePermissions[r], p) }

// Can reports whether the platform role grants p.
func (r Role) Can(p Permission) bool { return contains(rolePermissions[r], p) }

// Permissions returns a copy of the permissions the organization role grants.
func (r OrgRole) Permissions() []Permission {
	return append([]Permission(nil), orgRolePermissions[r]...)
}

func contains(ps []Permission, p Permission) bool {
	for _, q := range ps {
		if q == p {
			return true
		}
	}
	return false
}
