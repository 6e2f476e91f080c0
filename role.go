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
	PermWaveRead          Permission = "wave:read"
	PermWaveManage        Permission = "wave:manage" // connect, choose the business, disconnect
	PermSyncRun           Permission = "sync:run"
	PermMappingEdit       Permission = "mapping:edit" // override an account's class in the metrics
	PermHealthRead        Permission = "health:read"  // health score, metrics, account mapping
)

// Platform permissions, granted by a Role.
const (
	PermUsersManage       Permission = "users:manage" // list, change platform role, deactivate
	PermPlatformAuditRead Permission = "audit:read"
)

// orgRolePermissions is the single source of truth for what each organization role
// may do. Advisors work on a client's data but do not manage who has access to it,
// nor which books it comes from (connecting Wave grants access to the owner's Wave
// account, which only the owner may give); viewers only read.
var orgRolePermissions = map[OrgRole][]Permission{
	OrgRoleOwner: {
		PermOrgRead, PermOrgUpdate, PermMembersRead, PermMembersManage,
		PermAssessmentsRead, PermAssessmentsSubmit, PermOrgAuditRead,
		PermWaveRead, PermWaveManage, PermSyncRun, PermMappingEdit, PermHealthRead,
	},
	OrgRoleAdvisor: {
		PermOrgRead, PermMembersRead, PermAssessmentsRead, PermAssessmentsSubmit,
		PermWaveRead, PermSyncRun, PermMappingEdit, PermHealthRead,
	},
	OrgRoleViewer: {
		PermOrgRead, PermMembersRead, PermAssessmentsRead,
		PermWaveRead, PermHealthRead,
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
