package finhealth

import (
	"context"
	"time"
)

// User is an account. PasswordHash is an encoded argon2id hash; it is never serialized.
type User struct {
	ID           string    `json:"id"`
	Email        string    `json:"email"`
	Name         string    `json:"name"`
	Role         Role      `json:"role"`
	Active       bool      `json:"active"`
	PasswordHash string    `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	// DefaultOrganizationID is the organization that routes without one in the path act
	// on: the one created at registration, or the first one joined.
	DefaultOrganizationID string `json:"default_organization_id,omitempty"`
}

// NewUser is what registration or create-admin hands to the store. The caller has
// already normalized the email and the name and hashed the password (package
// identity does both).
type NewUser struct {
	Email        string
	Name         string
	PasswordHash string
	Role         Role
}

// Validate checks what a person chose for a new account: an email address that is
// one bare address, a name of at most MaxUserNameLen characters without control or
// format characters, and a known platform role. Its EINVALID error names the
// fields "email", "name" and "role". The password is checked before it is hashed
// (identity.ValidatePassword), so PasswordHash is not looked at.
func (u NewUser) Validate() error {
	f := fieldProblems{}
	f.check("email", emailProblem(u.Email))
	f.check("name", nameProblem(u.Name, true, MaxUserNameLen))
	if !u.Role.Valid() {
		f.check("role", "must be admin or user")
	}
	return f.err()
}

// UserFilter selects users for the admin listing. Query matches email or name,
// case-insensitively.
type UserFilter struct {
	Query  string
	Cursor string
	Limit  int
}

// UserService persists accounts.
type UserService interface {
	// Register creates the user, their first organization and their owner membership
	// in one transaction, and records a "user.registered" audit entry. A duplicate
	// email is ECONFLICT.
	Register(ctx context.Context, u NewUser, org NewOrganization) (*User, *Organization, error)
	// CreateUser creates a user without an organization (create-admin). A duplicate
	// email is ECONFLICT.
	CreateUser(ctx context.Context, u NewUser) (*User, error)
	// UserByID returns ENOTFOUND for an unknown id.
	UserByID(ctx context.Context, id string) (*User, error)
	// UserByEmail looks up a normalized email; ENOTFOUND when there is none.
	UserByEmail(ctx context.Context, email string) (*User, error)
	// ListUsers returns users ordered by id (creation order) with a cursor for the next
	// page, "" at the end.
	ListUsers(ctx context.Context, f UserFilter) ([]*User, string, error)
	// SetUserRole changes a platform role and audits it. Demoting the last active admin
	// is ECONFLICT.
	SetUserRole(ctx context.Context, userID string, role Role) (*User, error)
	// DeactivateUser marks the user inactive, revokes all their refresh tokens and
	// audits it, in one transaction. Deactivating the last active admin is ECONFLICT.
	DeactivateUser(ctx context.Context, userID string) (*User, error)
}
