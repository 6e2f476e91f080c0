package store

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"finhealth"
)

const userColumns = `id, email, name, password_hash, role, active, default_organization_id, created_at, updated_at`

func scanUser(row rowScanner) (*finhealth.User, error) {
	var (
		u          finhealth.User
		defaultOrg nullableString
	)
	if err := row.Scan(&u.ID, &u.Email, &u.Name, &u.PasswordHash, &u.Role, &u.Active, &defaultOrg,
		scanTime{&u.CreatedAt}, scanTime{&u.UpdatedAt}); err != nil {
		return nil, err
	}
	u.DefaultOrganizationID = string(defaultOrg)
	return &u, nil
}

// normalizeEmail is applied by the store as well as by callers because the unique
// index on users.email is only as good as the consistency of what is written to it.
func normalizeEmail(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

func validateNewUser(u *finhealth.NewUser) error {
	u.Email = normalizeEmail(u.Email)
	if u.Role == "" {
		u.Role = finhealth.RoleUser
	}
	fields := map[string]string{}
	if u.Email == "" {
		fields["email"] = "required"
	}
	if u.PasswordHash == "" {
		fields["password"] = "required"
	}
	if !u.Role.Valid() {
		fields["role"] = "unknown role"
	}
	if len(fields) > 0 {
		return finhealth.InvalidFields("The user is not valid.", fields)
	}
	return nil
}

var errEmailTaken = finhealth.Errorf(finhealth.ECONFLICT, "email already registered")

// insertUser writes a new user row and returns it.
func (h handle) insertUser(ctx context.Context, nu finhealth.NewUser, defaultOrg string) (*finhealth.User, error) {
	t := h.now
	u := &finhealth.User{
		ID:                    newID(),
		Email:                 nu.Email,
		Name:                  nu.Name,
		Role:                  nu.Role,
		Active:                true,
		PasswordHash:          nu.PasswordHash,
		CreatedAt:             t,
		UpdatedAt:             t,
		DefaultOrganizationID: defaultOrg,
	}
	_, err := h.exec(ctx, `INSERT INTO users (`+userColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.Email, u.Name, u.PasswordHash, u.Role, u.Active, nullString(defaultOrg), u.CreatedAt, u.UpdatedAt)
	if isUniqueViolation(err) {
		return nil, errEmailTaken
	}
	if err != nil {
		return nil, fmt.Errorf("store: insert user: %w", err)
	}
	return u, nil
}

// Register creates the user, their first organization and their owner membership in
// one transaction, and audits it.
func (db *DB) Register(ctx context.Context, nu finhealth.NewUser, no finhealth.NewOrganization) (*finhealth.User, *finhealth.Organization, error) {
	if err := validateNewUser(&nu); err != nil {
		return nil, nil, err
	}
	var (
		user *finhealth.User
		org  *finhealth.Organization
	)
	err := db.withTx(ctx, func(h handle) error {
		var err error
		// The organization goes first because the user row points at it as its
		// default; a duplicate email then fails at the user and takes the
		// organization down with the transaction.
		if org, err = h.insertOrganization(ctx, no); err != nil {
			return err
		}
		if user, err = h.insertUser(ctx, nu, org.ID); err != nil {
			return err
		}
		if _, err = h.exec(ctx, `INSERT INTO memberships (organization_id, user_id, role, created_at) VALUES (?, ?, ?, ?)`,
			org.ID, user.ID, finhealth.OrgRoleOwner, user.CreatedAt); err != nil {
			return fmt.Errorf("store: insert owner membership: %w", err)
		}
		// Registration is anonymous: the new user is the actor unless someone
		// signed in registers them.
		return h.audit(ctx, finhealth.AuditEntry{
			ActorID:        cmp.Or(finhealth.ActorFrom(ctx).UserID, user.ID),
			ActorEmail:     cmp.Or(finhealth.ActorFrom(ctx).Email, user.Email),
			OrganizationID: org.ID,
			Action:         finhealth.AuditUserRegistered,
			TargetType:     "user",
			TargetID:       user.ID,
			Details:        map[string]string{"email": user.Email},
		})
	})
	if err != nil {
		return nil, nil, err
	}
	return user, org, nil
}

// CreateUser creates a user with no organization (create-admin) and audits it.
func (db *DB) CreateUser(ctx context.Context, nu finhealth.NewUser) (*finhealth.User, error) {
	if err := validateNewUser(&nu); err != nil {
		return nil, err
	}
	var user *finhealth.User
	err := db.withTx(ctx, func(h handle) error {
		var err error
		if user, err = h.insertUser(ctx, nu, ""); err != nil {
			return err
		}
		return h.audit(ctx, finhealth.AuditEntry{
			Action:     finhealth.AuditUserCreated,
			TargetType: "user",
			TargetID:   user.ID,
			Details:    map[string]string{"email": user.Email, "role": string(user.Role)},
		})
	})
	if err != nil {
		return nil, err
	}
	return user, nil
}

// UserByID returns ENOTFOUND for an unknown id.
func (db *DB) UserByID(ctx context.Context, id string) (*finhealth.User, error) {
	return db.h.userByID(ctx, id, false)
}

func (h handle) userByID(ctx context.Context, id string, lock bool) (*finhealth.User, error) {
	query := `SELECT ` + userColumns + ` FROM users WHERE id = ?`
	if lock {
		query = h.forUpdate(query)
	}
	u, err := scanUser(h.queryRow(ctx, query, id))
	if err != nil {
		return nil, mapError(err, "user by id", "User")
	}
	return u, nil
}

// UserByEmail looks up a user by email, normalizing it first.
func (db *DB) UserByEmail(ctx context.Context, email string) (*finhealth.User, error) {
	u, err := scanUser(db.h.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE email = ?`, normalizeEmail(email)))
	if err != nil {
		return nil, mapError(err, "user by email", "User")
	}
	return u, nil
}

// ListUsers returns users in creation order. Query matches a substring of the email
// or name, case-insensitively; LOWER and LIKE behave the same on both databases,
// unlike ILIKE, which SQLite lacks.
func (db *DB) ListUsers(ctx context.Context, f finhealth.UserFilter) ([]*finhealth.User, string, error) {
	after, err := decodeCursor(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	limit := pageLimit(f.Limit)
	var (
		where []string
		args  []any
	)
	if q := strings.TrimSpace(f.Query); q != "" {
		where = append(where, `(LOWER(email) LIKE ? ESCAPE '\' OR LOWER(name) LIKE ? ESCAPE '\')`)
		p := likePattern(q)
		args = append(args, p, p)
	}
	if after != "" {
		where = append(where, "id > ?")
		args = append(args, after)
	}
	query := `SELECT ` + userColumns + ` FROM users`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY id LIMIT ?"
	args = append(args, limit+1)

	users, err := collect(ctx, db.h, "list users", scanUser, query, args...)
	if err != nil {
		return nil, "", err
	}
	users, next := page(users, limit, func(u *finhealth.User) string { return u.ID })
	return users, next, nil
}

// lockActiveAdmins returns the ids of the active admins, locking their rows on
// PostgreSQL so that two admins cannot demote or deactivate each other at the same
// time and leave none. Callers take these locks before any other user row, and in id
// order, so that concurrent guards wait for each other instead of deadlocking.
func (h handle) lockActiveAdmins(ctx context.Context) ([]string, error) {
	// "AND active" rather than "active = TRUE": SQLite uses a partial index only when
	// the query repeats its condition as written.
	rows, err := h.query(ctx, h.forUpdate(`SELECT id FROM users WHERE role = 'admin' AND active ORDER BY id`))
	if err != nil {
		return nil, fmt.Errorf("store: active admins: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: active admins: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: active admins: %w", err)
	}
	return ids, nil
}

// isLastActiveAdmin reports whether u is an active admin with no other one beside.
func isLastActiveAdmin(u *finhealth.User, admins []string) bool {
	if u.Role != finhealth.RoleAdmin || !u.Active {
		return false
	}
	for _, id := range admins {
		if id != u.ID {
			return false
		}
	}
	return true
}

// SetUserRole changes a platform role and audits it. Demoting the last active admin
// is ECONFLICT.
func (db *DB) SetUserRole(ctx context.Context, userID string, role finhealth.Role) (*finhealth.User, error) {
	if !role.Valid() {
		return nil, finhealth.InvalidFields("The role is not valid.", map[string]string{"role": "unknown role"})
	}
	var user *finhealth.User
	err := db.withTx(ctx, func(h handle) error {
		admins, err := h.lockActiveAdmins(ctx)
		if err != nil {
			return err
		}
		u, err := h.userByID(ctx, userID, true)
		if err != nil {
			return err
		}
		if u.Role == role {
			user = u
			return nil
		}
		if isLastActiveAdmin(u, admins) {
			return conflict("The last active admin cannot be demoted.")
		}
		from := u.Role
		u.Role, u.UpdatedAt = role, h.now
		if _, err := h.exec(ctx, `UPDATE users SET role = ?, updated_at = ? WHERE id = ?`, u.Role, u.UpdatedAt, u.ID); err != nil {
			return fmt.Errorf("store: set user role: %w", err)
		}
		user = u
		return h.audit(ctx, finhealth.AuditEntry{
			Action:     finhealth.AuditUserRoleChanged,
			TargetType: "user",
			TargetID:   u.ID,
			Details:    map[string]string{"from": string(from), "to": string(role)},
		})
	})
	if err != nil {
		return nil, err
	}
	return user, nil
}

// DeactivateUser marks the user inactive and revokes all their refresh tokens, with
// its audit entry, in one transaction. Deactivating the last active admin is
// ECONFLICT. Deactivating an inactive user changes nothing.
func (db *DB) DeactivateUser(ctx context.Context, userID string) (*finhealth.User, error) {
	var user *finhealth.User
	err := db.withTx(ctx, func(h handle) error {
		admins, err := h.lockActiveAdmins(ctx)
		if err != nil {
			return err
		}
		u, err := h.userByID(ctx, userID, true)
		if err != nil {
			return err
		}
		user = u
		if !u.Active {
			return nil
		}
		if isLastActiveAdmin(u, admins) {
			return conflict("The last active admin cannot be deactivated.")
		}
		u.Active, u.UpdatedAt = false, h.now
		if _, err := h.exec(ctx, `UPDATE users SET active = ?, updated_at = ? WHERE id = ?`, false, u.UpdatedAt, u.ID); err != nil {
			return fmt.Errorf("store: deactivate user: %w", err)
		}
		if err := h.revokeInvitationsBy(ctx, "", u.ID, "the inviter was deactivated"); err != nil {
			return err
		}
		revoked, err := h.revokeUserSessions(ctx, u.ID, "")
		if err != nil {
			return err
		}
		return h.audit(ctx, finhealth.AuditEntry{
			Action:     finhealth.AuditUserDeactivated,
			TargetType: "user",
			TargetID:   u.ID,
			Details:    map[string]string{"ended_sessions": fmt.Sprint(revoked)},
		})
	})
	if err != nil {
		return nil, err
	}
	return user, nil
}
