package http

import (
	"context"
	"net/url"

	"finhealth"
)

// ErrUserNotFound answers an admin route or page about a user id that names no one.
var ErrUserNotFound = finhealth.Errorf(finhealth.ENOTFOUND, "User not found.")

// UserFilter reads the admin user listing's query (?q=&limit=&cursor=).
func UserFilter(query url.Values) (finhealth.UserFilter, error) {
	limit, cursor, err := pageValues(query)
	if err != nil {
		return finhealth.UserFilter{}, err
	}
	q := query.Get("q")
	if len(q) > 100 {
		return finhealth.UserFilter{}, finhealth.InvalidFields("The search is too long.", map[string]string{"q": "must be at most 100 characters"})
	}
	return finhealth.UserFilter{Query: q, Cursor: cursor, Limit: limit}, nil
}

// SetUserRole changes a user's platform role; the API and the admin page share it.
func (s Accounts) SetUserRole(ctx context.Context, id, role string) (*finhealth.User, error) {
	if !finhealth.Role(role).Valid() {
		return nil, finhealth.InvalidFields("Unknown role.", map[string]string{"role": "must be one of admin, user"})
	}
	if !ValidID(id) {
		return nil, ErrUserNotFound
	}
	return s.st.SetUserRole(ctx, id, finhealth.Role(role))
}

// DeactivateUser deactivates an account and revokes its sessions; the API and the
// admin page share it.
func (s Accounts) DeactivateUser(ctx context.Context, id string) (*finhealth.User, error) {
	if !ValidID(id) {
		return nil, ErrUserNotFound
	}
	return s.st.DeactivateUser(ctx, id)
}
