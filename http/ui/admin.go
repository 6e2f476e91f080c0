package ui

import (
	"net/http"
	"net/url"

	"finhealth"
	fhttp "finhealth/http"
)

// adminPages are the admin pages: users, the audit log and the mail log.
type adminPages struct{ *Handler }

// uiAdminRoutes are the admin pages: users, the audit log and the mail log. They need the same
// platform permissions as the API's /api/v1/admin routes.
func (s adminPages) uiAdminRoutes() []uiRoute {
	users, audit := fhttp.Platform(finhealth.PermUsersManage), fhttp.Platform(finhealth.PermPlatformAuditRead)
	return []uiRoute{
		{"GET", "/admin", users, s.uiAdminHome},
		{"GET", "/admin/users", users, s.uiAdminUsers},
		{"POST", "/admin/users/{id}/role", users, s.uiAdminSetRole},
		{"GET", "/admin/users/{id}/deactivate", users, s.uiAdminDeactivatePage},
		{"POST", "/admin/users/{id}/deactivate", users, s.uiAdminDeactivate},
		{"GET", "/admin/audit", audit, s.uiAdminAudit},
		{"GET", "/admin/mail", audit, s.uiAdminMail},
	}
}

func (s adminPages) uiAdminHome(w http.ResponseWriter, r *http.Request, _ *fhttp.Call) error {
	return s.redirect(w, r, "/admin/users", "")
}

// adminUsersPage is one page of the user listing, with the search that selected it.
type adminUsersPage struct {
	Users []*finhealth.User
	Query string
	// Cursor is this page's cursor ("" for the first), carried by the role forms so
	// that a change comes back to the same page.
	Cursor string
	Pager  pager
	Form   form
	// Problems are the listing's invalid parameters.
	Problems []string
	// FailedID is the user whose role change failed, to show the error in their row.
	FailedID string
	Roles    []finhealth.Role
}

// adminFieldLabels name the admin lists' parameters in their problems.
var adminFieldLabels = map[string]string{
	"q": "Search", "action": "Action", "organization_id": "Organization id", "cursor": "Page link", "limit": "Page size",
	"actor": "Actor", "from": "From", "to": "To",
}

var platformRoles = []finhealth.Role{finhealth.RoleUser, finhealth.RoleAdmin}

func (s adminPages) uiAdminUsers(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	return s.renderAdminUsers(w, r, c, r.URL.Query(), http.StatusOK, form{}, "")
}

// renderAdminUsers shows the listing selected by query (q, cursor), with a failed
// form when status is not 200.
func (s adminPages) renderAdminUsers(w http.ResponseWriter, r *http.Request, c *fhttp.Call, query url.Values, status int, f form, failedID string) error {
	p := adminUsersPage{Query: query.Get("q"), Cursor: query.Get("cursor"), Form: f, FailedID: failedID, Roles: platformRoles}
	if p.Form.Values == nil {
		p.Form.Values = url.Values{"q": {p.Query}}
	}
	filter, err := fhttp.UserFilter(url.Values{"q": {p.Query}, "cursor": {p.Cursor}})
	if err == nil {
		var next string
		p.Users, next, err = s.st.ListUsers(r.Context(), filter)
		p.Pager = newPager("/admin/users", url.Values{"q": {p.Query}}, p.Cursor, next)
	}
	if err != nil {
		if p.Form, p.Problems, err = listProblems(query, err, adminFieldLabels); err != nil {
			return err
		}
		status = http.StatusUnprocessableEntity
	}
	return s.render(w, r, c, status, "admin_users.html", "Users", p)
}

// adminUsersReturn is the listing a form on it came from.
func adminUsersReturn(r *http.Request) url.Values {
	return url.Values{"q": {r.PostFormValue("q")}, "cursor": {r.PostFormValue("cursor")}}
}

func (s adminPages) uiAdminSetRole(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	back := adminUsersReturn(r)
	id := r.PathValue("id")
	_, err := s.accounts.SetUserRole(r.Context(), id, r.PostFormValue("role"))
	if finhealth.ErrorCode(err) == finhealth.ENOTFOUND {
		return err
	}
	if err != nil {
		f, ferr := formError(r.PostForm, err, "q", "cursor")
		if ferr != nil {
			return ferr
		}
		return s.renderAdminUsers(w, r, c, back, fhttp.StatusOf(finhealth.ErrorCode(err)), f, id)
	}
	return s.redirect(w, r, listLink("/admin/users", url.Values{"q": {back.Get("q")}}, back.Get("cursor")), "user_updated")
}

// adminDeactivatePage asks for confirmation before deactivating a user.
type adminDeactivatePage struct {
	Target *finhealth.User
	Form   form
}

func (s adminPages) uiAdminDeactivatePage(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	u, err := s.adminTarget(r)
	if err != nil {
		return err
	}
	return s.render(w, r, c, http.StatusOK, "admin_deactivate.html", "Deactivate "+u.Email, adminDeactivatePage{Target: u})
}

func (s adminPages) uiAdminDeactivate(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	u, err := s.accounts.DeactivateUser(r.Context(), r.PathValue("id"))
	if finhealth.ErrorCode(err) == finhealth.ENOTFOUND {
		return err
	}
	if err != nil {
		f, ferr := formError(r.PostForm, err)
		if ferr != nil {
			return ferr
		}
		target, terr := s.adminTarget(r)
		if terr != nil {
			return terr
		}
		return s.render(w, r, c, fhttp.StatusOf(finhealth.ErrorCode(err)), "admin_deactivate.html", "Deactivate "+target.Email,
			adminDeactivatePage{Target: target, Form: f})
	}
	return s.redirect(w, r, listLink("/admin/users", url.Values{"q": {u.Email}}, ""), "user_deactivated")
}

// adminTarget is the user named by the path.
func (s adminPages) adminTarget(r *http.Request) (*finhealth.User, error) {
	id := r.PathValue("id")
	if !fhttp.ValidID(id) {
		return nil, fhttp.ErrUserNotFound
	}
	u, err := s.st.UserByID(r.Context(), id)
	if finhealth.ErrorCode(err) == finhealth.ENOTFOUND {
		return nil, fhttp.ErrUserNotFound
	}
	return u, err
}

// adminAuditPage is one page of the audit log with the filter that selected it.
type adminAuditPage struct {
	Entries  []*finhealth.AuditEntry
	Form     form
	Problems []string
	Pager    pager
	Actions  []string
	// Filtered says whether the filter narrows the log, to offer clearing it.
	Filtered bool
}

// auditActions are suggested in the action filter; the filter accepts any action,
// as the API does, so one missing here is still searchable.
var auditActions = []string{
	finhealth.AuditUserRegistered, finhealth.AuditUserCreated, finhealth.AuditLoginSucceeded,
	finhealth.AuditLoginFailed, finhealth.AuditLogout, finhealth.AuditTokenFamilyRevoked,
	finhealth.AuditUserRoleChanged, finhealth.AuditUserDeactivated, finhealth.AuditOrganizationUpdated,
	finhealth.AuditMemberInvited, finhealth.AuditInvitationRevoked, finhealth.AuditMemberJoined, finhealth.AuditMemberRoleChanged,
	finhealth.AuditMemberRemoved, finhealth.AuditAssessmentSubmitted,
	finhealth.AuditWaveConnected, finhealth.AuditWaveBusinessChosen, finhealth.AuditWaveStatusChanged,
	finhealth.AuditWaveDisconnected, finhealth.AuditWaveSyncRequested,
	finhealth.AuditAccountOverrideSet, finhealth.AuditAccountOverrideDeleted,
}

// auditFilterParams are the query parameters that narrow the audit log.
var auditFilterParams = []string{"action", "organization_id", "actor", "from", "to"}

func (s adminPages) uiAdminAudit(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	q := r.URL.Query()
	// The pager repeats the filter as typed, so that a date stays a date.
	filter := url.Values{}
	for _, k := range auditFilterParams {
		if v := q.Get(k); v != "" {
			filter.Set(k, v)
		}
	}
	p := adminAuditPage{Form: form{Values: q}, Actions: auditActions, Filtered: len(filter) > 0}
	status := http.StatusOK
	f, err := fhttp.AuditFilter(r)
	if err == nil {
		var next string
		p.Entries, next, err = s.st.ListAudit(r.Context(), f)
		p.Pager = newPager("/admin/audit", filter, f.Cursor, next)
	}
	if err != nil {
		if p.Form, p.Problems, err = listProblems(q, err, adminFieldLabels); err != nil {
			return err
		}
		status = http.StatusUnprocessableEntity
	}
	return s.render(w, r, c, status, "admin_audit.html", "Audit log", p)
}

// uiAdminMail lists the most recent outgoing messages and how they fared; never
// their bodies, which may hold a working link.
func (s adminPages) uiAdminMail(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	msgs, err := s.st.MailLog(r.Context(), finhealth.MaxPageSize)
	if err != nil {
		return err
	}
	return s.render(w, r, c, http.StatusOK, "admin_mail.html", "Mail log", msgs)
}
