package store

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"finhealth"
)

const organizationColumns = `id, name, industry, company_size, created_at, updated_at`

func scanOrganization(row rowScanner) (*finhealth.Organization, error) {
	var o finhealth.Organization
	if err := row.Scan(&o.ID, &o.Name, &o.Industry, &o.CompanySize, scanTime{&o.CreatedAt}, scanTime{&o.UpdatedAt}); err != nil {
		return nil, err
	}
	return &o, nil
}

func (h handle) insertOrganization(ctx context.Context, no finhealth.NewOrganization) (*finhealth.Organization, error) {
	t := h.now
	o := &finhealth.Organization{
		ID:          newID(),
		Name:        strings.TrimSpace(no.Name),
		Industry:    no.Industry,
		CompanySize: no.CompanySize,
		CreatedAt:   t,
		UpdatedAt:   t,
	}
	_, err := h.exec(ctx, `INSERT INTO organizations (`+organizationColumns+`) VALUES (?, ?, ?, ?, ?, ?)`,
		o.ID, o.Name, o.Industry, o.CompanySize, o.CreatedAt, o.UpdatedAt)
	if err != nil {
		return nil, fmt.Errorf("store: insert organization: %w", err)
	}
	return o, nil
}

// Organization returns ENOTFOUND for an unknown id.
func (db *DB) Organization(ctx context.Context, orgID string) (*finhealth.Organization, error) {
	return db.h.organization(ctx, orgID, false)
}

func (h handle) organization(ctx context.Context, orgID string, lock bool) (*finhealth.Organization, error) {
	query := `SELECT ` + organizationColumns + ` FROM organizations WHERE id = ?`
	if lock {
		query = h.forUpdate(query)
	}
	o, err := scanOrganization(h.queryRow(ctx, query, orgID))
	if err != nil {
		return nil, mapError(err, "organization", "Organization")
	}
	return o, nil
}

// UpdateOrganization changes the non-nil fields and audits which ones changed. An
// update that changes nothing writes nothing.
func (db *DB) UpdateOrganization(ctx context.Context, orgID string, upd finhealth.OrganizationUpdate) (*finhealth.Organization, error) {
	var org *finhealth.Organization
	err := db.withTx(ctx, func(h handle) error {
		o, err := h.organization(ctx, orgID, true)
		if err != nil {
			return err
		}
		org = o
		changed := map[string]string{}
		set := func(field string, dst *string, v *string) {
			if v != nil && *v != *dst {
				*dst = *v
				changed[field] = *v
			}
		}
		if upd.Name != nil {
			name := strings.TrimSpace(*upd.Name)
			if name == "" {
				return finhealth.InvalidFields("The organization is not valid.", map[string]string{"name": "required"})
			}
			set("name", &o.Name, &name)
		}
		set("industry", &o.Industry, upd.Industry)
		set("company_size", &o.CompanySize, upd.CompanySize)
		if len(changed) == 0 {
			return nil
		}
		o.UpdatedAt = h.now
		if _, err := h.exec(ctx, `UPDATE organizations SET name = ?, industry = ?, company_size = ?, updated_at = ? WHERE id = ?`,
			o.Name, o.Industry, o.CompanySize, o.UpdatedAt, o.ID); err != nil {
			return fmt.Errorf("store: update organization: %w", err)
		}
		return h.audit(ctx, finhealth.AuditEntry{
			OrganizationID: o.ID,
			Action:         finhealth.AuditOrganizationUpdated,
			TargetType:     "organization",
			TargetID:       o.ID,
			Details:        changed,
		})
	})
	if err != nil {
		return nil, err
	}
	return org, nil
}

const membershipSelect = `SELECT m.organization_id, o.name, m.user_id, u.email, u.name, m.role, m.created_at
	FROM memberships m
	JOIN organizations o ON o.id = m.organization_id
	JOIN users u ON u.id = m.user_id`

func scanMembership(row rowScanner) (*finhealth.Membership, error) {
	var m finhealth.Membership
	if err := row.Scan(&m.OrganizationID, &m.OrganizationName, &m.UserID, &m.UserEmail, &m.UserName,
		&m.Role, scanTime{&m.CreatedAt}); err != nil {
		return nil, err
	}
	return &m, nil
}

// Membership returns the user's membership in the organization, ENOTFOUND if none.
// It runs on every organization-scoped request, so it is a single primary-key lookup
// with two primary-key joins.
func (db *DB) Membership(ctx context.Context, orgID, userID string) (*finhealth.Membership, error) {
	return db.h.membership(ctx, orgID, userID)
}

func (h handle) membership(ctx context.Context, orgID, userID string) (*finhealth.Membership, error) {
	m, err := scanMembership(h.queryRow(ctx, membershipSelect+` WHERE m.organization_id = ? AND m.user_id = ?`, orgID, userID))
	if err != nil {
		return nil, mapError(err, "membership", "Membership")
	}
	return m, nil
}

// MembershipsForUser lists the user's memberships, oldest first.
func (db *DB) MembershipsForUser(ctx context.Context, userID string) ([]*finhealth.Membership, error) {
	return db.memberships(ctx, membershipSelect+` WHERE m.user_id = ? ORDER BY m.created_at, m.organization_id`, userID)
}

// Members lists the organization's members, oldest first.
func (db *DB) Members(ctx context.Context, orgID string) ([]*finhealth.Membership, error) {
	return db.memberships(ctx, membershipSelect+` WHERE m.organization_id = ? ORDER BY m.created_at, m.user_id`, orgID)
}

func (db *DB) memberships(ctx context.Context, query string, args ...any) ([]*finhealth.Membership, error) {
	return collect(ctx, db.h, "memberships", scanMembership, query, args...)
}

// otherOwners counts the organization's owners other than userID, locking them on
// PostgreSQL (in id order, so that concurrent guards cannot deadlock) so that two
// owners cannot demote or remove each other at the same time and leave none.
func (h handle) otherOwners(ctx context.Context, orgID, userID string) (int, error) {
	rows, err := h.query(ctx, h.forUpdate(`SELECT user_id FROM memberships
		WHERE organization_id = ? AND role = 'owner' ORDER BY user_id`), orgID)
	if err != nil {
		return 0, fmt.Errorf("store: owners: %w", err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return 0, fmt.Errorf("store: owners: %w", err)
		}
		if id != userID {
			n++
		}
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("store: owners: %w", err)
	}
	return n, nil
}

// ChangeMemberRole fails with ECONFLICT when it would leave the organization without
// an owner.
func (db *DB) ChangeMemberRole(ctx context.Context, orgID, userID string, role finhealth.OrgRole) (*finhealth.Membership, error) {
	if !role.Valid() {
		return nil, finhealth.InvalidFields("The role is not valid.", map[string]string{"role": "unknown role"})
	}
	var membership *finhealth.Membership
	err := db.withTx(ctx, func(h handle) error {
		m, err := h.membership(ctx, orgID, userID)
		if err != nil {
			return err
		}
		membership = m
		if m.Role == role {
			return nil
		}
		if m.Role == finhealth.OrgRoleOwner {
			n, err := h.otherOwners(ctx, orgID, userID)
			if err != nil {
				return err
			}
			if n == 0 {
				return conflict("The organization must keep at least one owner.")
			}
		}
		// The role is rechecked in the update: a concurrent change between the read
		// and here would otherwise be overwritten unseen.
		ok, err := h.execOne(ctx, `UPDATE memberships SET role = ? WHERE organization_id = ? AND user_id = ? AND role = ?`,
			role, orgID, userID, m.Role)
		if err != nil {
			return fmt.Errorf("store: change member role: %w", err)
		}
		if !ok {
			return conflict("The membership changed meanwhile; try again.")
		}
		from := m.Role
		m.Role = role
		if from == finhealth.OrgRoleOwner {
			if err := h.revokeInvitationsBy(ctx, orgID, userID, "the inviter is no longer an owner"); err != nil {
				return err
			}
		}
		return h.audit(ctx, finhealth.AuditEntry{
			OrganizationID: orgID,
			Action:         finhealth.AuditMemberRoleChanged,
			TargetType:     "user",
			TargetID:       userID,
			Details:        map[string]string{"from": string(from), "to": string(role)},
		})
	})
	if err != nil {
		return nil, err
	}
	return membership, nil
}

// RemoveMember fails with ECONFLICT when it would leave the organization without an
// owner. A removed member whose default organization this was falls back to their
// oldest remaining membership, or none.
func (db *DB) RemoveMember(ctx context.Context, orgID, userID string) error {
	return db.withTx(ctx, func(h handle) error {
		m, err := h.membership(ctx, orgID, userID)
		if err != nil {
			return err
		}
		if m.Role == finhealth.OrgRoleOwner {
			n, err := h.otherOwners(ctx, orgID, userID)
			if err != nil {
				return err
			}
			if n == 0 {
				return conflict("The organization must keep at least one owner.")
			}
		}
		ok, err := h.execOne(ctx, `DELETE FROM memberships WHERE organization_id = ? AND user_id = ?`, orgID, userID)
		if err != nil {
			return fmt.Errorf("store: remove member: %w", err)
		}
		if !ok {
			return notFound("Membership")
		}
		if err := h.revokeInvitationsBy(ctx, orgID, userID, "the inviter was removed"); err != nil {
			return err
		}
		if _, err := h.exec(ctx, `UPDATE users SET
				default_organization_id = (SELECT organization_id FROM memberships
					WHERE user_id = ? ORDER BY created_at, organization_id LIMIT 1),
				updated_at = ?
			WHERE id = ? AND default_organization_id = ?`, userID, h.now, userID, orgID); err != nil {
			return fmt.Errorf("store: reset default organization: %w", err)
		}
		return h.audit(ctx, finhealth.AuditEntry{
			OrganizationID: orgID,
			Action:         finhealth.AuditMemberRemoved,
			TargetType:     "user",
			TargetID:       userID,
			Details:        map[string]string{"email": m.UserEmail, "role": string(m.Role)},
		})
	})
}

const invitationColumns = `id, organization_id, email, role, invited_by, token_hash, expires_at, accepted_at, created_at`

func scanInvitation(row rowScanner) (*finhealth.Invitation, error) {
	var inv finhealth.Invitation
	if err := row.Scan(&inv.ID, &inv.OrganizationID, &inv.Email, &inv.Role, &inv.InvitedBy, &inv.TokenHash,
		scanTime{&inv.ExpiresAt}, scanNullTime{&inv.AcceptedAt}, scanTime{&inv.CreatedAt}); err != nil {
		return nil, err
	}
	return &inv, nil
}

// CreateInvitation stores a pending invitation, replacing a pending one for the same
// email in the organization. Inviting an existing member is ECONFLICT. InvitedBy
// defaults to the context's actor.
func (db *DB) CreateInvitation(ctx context.Context, in finhealth.Invitation) (*finhealth.Invitation, error) {
	inv := finhealth.Invitation{
		ID:             newID(),
		OrganizationID: in.OrganizationID,
		Email:          normalizeEmail(in.Email),
		Role:           in.Role,
		InvitedBy:      cmp.Or(in.InvitedBy, finhealth.ActorFrom(ctx).UserID),
		TokenHash:      in.TokenHash,
		ExpiresAt:      dbTime(in.ExpiresAt),
	}
	fields := map[string]string{}
	if inv.Email == "" {
		fields["email"] = "required"
	}
	if !inv.Role.Valid() {
		fields["role"] = "unknown role"
	}
	if inv.InvitedBy == "" {
		fields["invited_by"] = "required"
	}
	if inv.TokenHash == "" {
		fields["token_hash"] = "required"
	}
	if inv.ExpiresAt.IsZero() {
		fields["expires_at"] = "required"
	}
	if len(fields) > 0 {
		return nil, finhealth.InvalidFields("The invitation is not valid.", fields)
	}
	err := db.withTx(ctx, func(h handle) error {
		inv.CreatedAt = h.now
		if _, err := h.organization(ctx, inv.OrganizationID, false); err != nil {
			return err
		}
		var member int
		err := h.queryRow(ctx, `SELECT COUNT(*) FROM memberships m JOIN users u ON u.id = m.user_id
			WHERE m.organization_id = ? AND u.email = ?`, inv.OrganizationID, inv.Email).Scan(&member)
		if err != nil {
			return fmt.Errorf("store: check membership: %w", err)
		}
		if member > 0 {
			return conflict("%s is already a member.", inv.Email)
		}
		_, err = h.exec(ctx, `INSERT INTO invitations (`+invitationColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?)
			ON CONFLICT (organization_id, email) WHERE accepted_at IS NULL DO UPDATE SET
				id = excluded.id, role = excluded.role, invited_by = excluded.invited_by,
				token_hash = excluded.token_hash, expires_at = excluded.expires_at,
				created_at = excluded.created_at`,
			inv.ID, inv.OrganizationID, inv.Email, inv.Role, inv.InvitedBy, inv.TokenHash, inv.ExpiresAt, inv.CreatedAt)
		switch {
		case isUniqueViolation(err):
			return conflict("The invitation token is already in use.")
		case isForeignKeyViolation(err):
			return finhealth.InvalidFields("The invitation is not valid.", map[string]string{"invited_by": "unknown user"})
		case err != nil:
			return fmt.Errorf("store: insert invitation: %w", err)
		}
		if in.Mail != nil {
			if err := h.enqueueMail(ctx, in.Mail); err != nil {
				return err
			}
		}
		return h.audit(ctx, finhealth.AuditEntry{
			OrganizationID: inv.OrganizationID,
			Action:         finhealth.AuditMemberInvited,
			TargetType:     "invitation",
			TargetID:       inv.ID,
			Details:        map[string]string{"email": inv.Email, "role": string(inv.Role)},
		})
	})
	if err != nil {
		return nil, err
	}
	return &inv, nil
}

// Invitations lists the organization's pending invitations, oldest first.
func (db *DB) Invitations(ctx context.Context, orgID string) ([]*finhealth.Invitation, error) {
	return collect(ctx, db.h, "invitations", scanInvitation, `SELECT `+invitationColumns+` FROM invitations
		WHERE organization_id = ? AND accepted_at IS NULL AND expires_at > ?
		ORDER BY created_at, id`, orgID, db.now())
}

// RevokeInvitation deletes an unaccepted invitation of the organization: its token
// then matches nothing, and the audit log keeps the record of it. An expired one may
// be revoked too, which changes nothing but what the log says.
func (db *DB) RevokeInvitation(ctx context.Context, orgID, invitationID string) error {
	return db.withTx(ctx, func(h handle) error {
		var inv finhealth.Invitation
		err := h.queryRow(ctx, `DELETE FROM invitations WHERE id = ? AND organization_id = ? AND accepted_at IS NULL
			RETURNING email, role`, invitationID, orgID).Scan(&inv.Email, &inv.Role)
		if err != nil {
			return mapError(err, "revoke invitation", "Invitation")
		}
		return h.audit(ctx, finhealth.AuditEntry{
			OrganizationID: orgID,
			Action:         finhealth.AuditInvitationRevoked,
			TargetType:     "invitation",
			TargetID:       invitationID,
			Details:        map[string]string{"email": inv.Email, "role": string(inv.Role)},
		})
	})
}

// revokeInvitationsBy deletes the pending invitations the user sent (in orgID, or in
// every organization when orgID is empty), auditing each with why: an invitation
// speaks for its inviter, and must not outlive their right to send it.
func (h handle) revokeInvitationsBy(ctx context.Context, orgID, userID, why string) error {
	query := `DELETE FROM invitations WHERE invited_by = ? AND accepted_at IS NULL`
	args := []any{userID}
	if orgID != "" {
		query += ` AND organization_id = ?`
		args = append(args, orgID)
	}
	revoked, err := collect(ctx, h, "revoke invitations", func(r rowScanner) (finhealth.Invitation, error) {
		var inv finhealth.Invitation
		err := r.Scan(&inv.ID, &inv.OrganizationID, &inv.Email, &inv.Role)
		return inv, err
	}, query+` RETURNING id, organization_id, email, role`, args...)
	if err != nil {
		return err
	}
	for _, inv := range revoked {
		if err := h.audit(ctx, finhealth.AuditEntry{
			OrganizationID: inv.OrganizationID,
			Action:         finhealth.AuditInvitationRevoked,
			TargetType:     "invitation",
			TargetID:       inv.ID,
			Details:        map[string]string{"email": inv.Email, "role": string(inv.Role), "reason": why},
		}); err != nil {
			return err
		}
	}
	return nil
}

var errNoInvitation = finhealth.Errorf(finhealth.ENOTFOUND, "Invitation not found.")

// invitationForUser matches an invitation token hash (first argument) to the user
// (second) it may admit, as of the third: pending, unexpired, addressed to the
// user's email, the user active. PendingInvitation and AcceptInvitation share it so
// that the page asking to accept never promises what accepting then refuses.
//
// An invitation speaks for its inviter, so it holds only while the inviter is still
// an active owner of the organization: removing, demoting or deactivating them
// revokes what they sent (the store also deletes such invitations then; this check
// keeps one made in a race with that change from slipping through).
const invitationForUser = `FROM invitations i JOIN users u ON u.email = i.email
		JOIN organizations o ON o.id = i.organization_id
	WHERE i.token_hash = ? AND u.id = ? AND u.active = TRUE
		AND i.accepted_at IS NULL AND i.expires_at > ?
		AND EXISTS (SELECT 1 FROM memberships im JOIN users iu ON iu.id = im.user_id
			WHERE im.organization_id = i.organization_id AND im.user_id = i.invited_by
				AND im.role = 'owner' AND iu.active = TRUE)`

// PendingInvitation returns the invitation the user could accept with the token
// hash, with its organization's name; ENOTFOUND in every case AcceptInvitation is.
func (db *DB) PendingInvitation(ctx context.Context, tokenHash, userID string) (*finhealth.Invitation, error) {
	var inv finhealth.Invitation
	err := db.h.queryRow(ctx, `SELECT i.id, i.organization_id, o.name, i.email, i.role, i.invited_by, i.token_hash,
			i.expires_at, i.created_at
		`+invitationForUser, tokenHash, userID, db.now()).
		Scan(&inv.ID, &inv.OrganizationID, &inv.OrganizationName, &inv.Email, &inv.Role, &inv.InvitedBy,
			&inv.TokenHash, scanTime{&inv.ExpiresAt}, scanTime{&inv.CreatedAt})
	if err != nil {
		return nil, mapError(err, "find invitation", "Invitation")
	}
	return &inv, nil
}

// AcceptInvitation makes the user a member with the invited role. Every reason the
// token does not work for this user (unknown, expired, accepted, addressed to someone
// else) is the same ENOTFOUND, so that tokens cannot be probed.
func (db *DB) AcceptInvitation(ctx context.Context, tokenHash, userID string) (*finhealth.Membership, error) {
	var membership *finhealth.Membership
	err := db.withTx(ctx, func(h handle) error {
		t := h.now
		var (
			inv  finhealth.Invitation
			user finhealth.User
		)
		err := h.queryRow(ctx, `SELECT i.id, i.organization_id, i.role, u.id, u.email `+invitationForUser,
			tokenHash, userID, t).
			Scan(&inv.ID, &inv.OrganizationID, &inv.Role, &user.ID, &user.Email)
		if err != nil {
			return mapError(err, "find invitation", "Invitation")
		}
		// Conditional, so that of two concurrent acceptances only one proceeds.
		ok, err := h.execOne(ctx, `UPDATE invitations SET accepted_at = ? WHERE id = ? AND accepted_at IS NULL`, t, inv.ID)
		if err != nil {
			return fmt.Errorf("store: accept invitation: %w", err)
		}
		if !ok {
			return errNoInvitation
		}
		_, err = h.exec(ctx, `INSERT INTO memberships (organization_id, user_id, role, created_at) VALUES (?, ?, ?, ?)`,
			inv.OrganizationID, user.ID, inv.Role, t)
		if isUniqueViolation(err) {
			return conflict("You are already a member of this organization.")
		}
		if err != nil {
			return fmt.Errorf("store: insert membership: %w", err)
		}
		if _, err := h.exec(ctx, `UPDATE users SET default_organization_id = ?, updated_at = ?
			WHERE id = ? AND default_organization_id IS NULL`, inv.OrganizationID, t, user.ID); err != nil {
			return fmt.Errorf("store: set default organization: %w", err)
		}
		if err := h.audit(ctx, finhealth.AuditEntry{
			ActorID:        cmp.Or(finhealth.ActorFrom(ctx).UserID, user.ID),
			ActorEmail:     cmp.Or(finhealth.ActorFrom(ctx).Email, user.Email),
			OrganizationID: inv.OrganizationID,
			Action:         finhealth.AuditMemberJoined,
			TargetType:     "user",
			TargetID:       user.ID,
			Details:        map[string]string{"invitation_id": inv.ID, "role": string(inv.Role)},
		}); err != nil {
			return err
		}
		membership, err = h.membership(ctx, inv.OrganizationID, user.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return membership, nil
}
