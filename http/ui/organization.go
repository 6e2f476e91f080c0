package ui

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"finhealth"
	fhttp "finhealth/http"
)

// organizationPages are an organization's settings, members and invitations, and
// the invitation page an invitee opens.
type organizationPages struct{ *Handler }

// uiOrganizationRoutes are organization settings, members and invitations. Each
// form needs exactly the permission of its API twin; leaving (removing oneself)
// needs none, as in the API.
func (s organizationPages) uiOrganizationRoutes() []uiRoute {
	return []uiRoute{
		{"GET", "/orgs/{id}/settings", fhttp.Org(finhealth.PermOrgRead), s.uiSettings},
		{"POST", "/orgs/{id}/settings", fhttp.Org(finhealth.PermOrgUpdate), s.uiUpdateOrganization},
		{"POST", "/orgs/{id}/invitations", fhttp.Org(finhealth.PermMembersManage), s.uiInvite},
		{"POST", "/orgs/{id}/invitations/{invitation_id}/revoke", fhttp.Org(finhealth.PermMembersManage), s.uiRevokeInvitation},
		{"POST", "/orgs/{id}/members/{user_id}", fhttp.Org(finhealth.PermMembersManage), s.uiChangeRole},
		{"POST", "/orgs/{id}/members/{user_id}/remove",
			fhttp.Access{Kind: fhttp.AccessOrg, Perm: finhealth.PermMembersManage, SelfParam: "user_id"}, s.uiRemoveMember},
		// The invitation page is public so that a visitor without a session learns
		// what to do (log in or sign up) rather than meeting a bare login form.
		{"GET", "/invitations/accept", fhttp.Public, s.uiInvitation},
		{"POST", "/invitations/accept", fhttp.AnyUser, s.uiAcceptInvitation},
	}
}

// settingsPage is an organization's details, members and pending invitations, with
// whichever of its forms failed shown again.
type settingsPage struct {
	Organization *finhealth.Organization
	OrgForm      form
	Members      []memberRow
	// MemberForm is a failed role change or removal, for the member MemberFormFor.
	MemberForm    form
	MemberFormFor string
	Invitations   []*finhealth.Invitation
	InviteForm    form
	// NewInvitation is the invitation just created, with its link: the only time the
	// link can be shown, since only the token's hash is stored.
	NewInvitation *fhttp.InvitationCreated
	Roles         []finhealth.OrgRole
}

// memberRow is a member as the list shows them. LastOwner hides the controls that
// the store would refuse for the organization's only owner.
type memberRow struct {
	*finhealth.Membership
	Self      bool
	LastOwner bool
}

var orgRoles = []finhealth.OrgRole{finhealth.OrgRoleOwner, finhealth.OrgRoleAdvisor, finhealth.OrgRoleViewer}

// cookieNewInvitation carries a just-created invitation's token across the redirect
// after the invitation form, for a minute and one page view.
const cookieNewInvitation = "fh_invitation"

func (s organizationPages) uiSettings(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	p, err := s.settingsPage(r.Context(), c, settingsPage{})
	if err != nil {
		return err
	}
	if token := s.cookies.Value(r, cookieNewInvitation); token != "" {
		s.cookies.Clear(w, cookieNewInvitation)
		// Shown only when it is a pending invitation of this organization, so that a
		// planted cookie cannot put a link of someone else's on the page.
		for _, inv := range p.Invitations {
			if fhttp.PlausibleOpaqueToken(token) && inv.TokenHash == fhttp.HashToken(token) {
				p.NewInvitation = &fhttp.InvitationCreated{Invitation: inv, Token: token, AcceptURL: s.orgs.AcceptURL(token)}
			}
		}
	}
	return s.render(w, r, c, http.StatusOK, "settings.html", "Settings", p)
}

// settingsPage fills p's organization, members and (for those who manage members)
// invitations; forms p does not carry show the stored values.
func (s organizationPages) settingsPage(ctx context.Context, c *fhttp.Call, p settingsPage) (settingsPage, error) {
	o, err := s.st.Organization(ctx, c.OrgID)
	if err != nil {
		return p, err
	}
	p.Organization, p.Roles = o, orgRoles
	if p.OrgForm.Values == nil {
		p.OrgForm.Values = url.Values{"name": {o.Name}, "industry": {o.Industry}, "company_size": {o.CompanySize}}
	}
	ms, err := s.st.Members(ctx, c.OrgID)
	if err != nil {
		return p, err
	}
	owners := 0
	for _, m := range ms {
		if m.Role == finhealth.OrgRoleOwner {
			owners++
		}
	}
	for _, m := range ms {
		p.Members = append(p.Members, memberRow{Membership: m, Self: m.UserID == c.User.ID,
			LastOwner: m.Role == finhealth.OrgRoleOwner && owners == 1})
	}
	if c.Role.Can(finhealth.PermMembersManage) {
		if p.Invitations, err = s.st.Invitations(ctx, c.OrgID); err != nil {
			return p, err
		}
	}
	return p, nil
}

// renderSettings shows the settings page again after a failed form, with the status
// of its error.
func (s organizationPages) renderSettings(w http.ResponseWriter, r *http.Request, c *fhttp.Call, err error, p settingsPage) error {
	p, perr := s.settingsPage(r.Context(), c, p)
	if perr != nil {
		return perr
	}
	return s.render(w, r, c, fhttp.StatusOf(finhealth.ErrorCode(err)), "settings.html", "Settings", p)
}

func (s organizationPages) uiUpdateOrganization(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	name, industry, size := r.PostFormValue("name"), r.PostFormValue("industry"), r.PostFormValue("company_size")
	_, err := s.orgs.PatchOrganization(r.Context(), c.OrgID, fhttp.OrganizationPatch{Name: &name, Industry: &industry, CompanySize: &size})
	if err != nil {
		f, ferr := formError(r.PostForm, err)
		if ferr != nil {
			return ferr
		}
		return s.renderSettings(w, r, c, err, settingsPage{OrgForm: f})
	}
	return s.redirect(w, r, "/orgs/"+c.OrgID+"/settings", "saved")
}

func (s organizationPages) uiInvite(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	created, err := s.orgs.Invite(r.Context(), c, fhttp.InvitationRequest{Email: r.PostFormValue("email"), Role: r.PostFormValue("role")})
	if err != nil {
		f, ferr := formError(r.PostForm, err)
		if ferr != nil {
			return ferr
		}
		return s.renderSettings(w, r, c, err, settingsPage{InviteForm: f})
	}
	s.cookies.Set(w, cookieNewInvitation, created.Token, time.Minute)
	return s.redirect(w, r, "/orgs/"+c.OrgID+"/settings#invitations", "invitation_sent")
}

// uiRevokeInvitation answers an unknown or spent invitation with the error page's
// 404: the settings page lists only pending ones, so only a stale page gets here.
func (s organizationPages) uiRevokeInvitation(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	if err := s.orgs.WithdrawInvitation(r.Context(), c.OrgID, r.PathValue("invitation_id")); err != nil {
		return err
	}
	return s.redirect(w, r, "/orgs/"+c.OrgID+"/settings#invitations", "invite_revoked")
}

func (s organizationPages) uiChangeRole(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	userID := r.PathValue("user_id")
	role, err := fhttp.ParseOrgRole(r.PostFormValue("role"))
	if err == nil {
		_, err = s.orgs.SetMemberRole(r.Context(), c.OrgID, userID, role)
	}
	if err != nil {
		return s.memberFormFailed(w, r, c, userID, err)
	}
	return s.redirect(w, r, "/orgs/"+c.OrgID+"/settings#members", "member_updated")
}

func (s organizationPages) uiRemoveMember(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	userID := r.PathValue("user_id")
	if err := s.orgs.DropMember(r.Context(), c.OrgID, userID); err != nil {
		return s.memberFormFailed(w, r, c, userID, err)
	}
	if userID == c.User.ID {
		return s.redirect(w, r, "/app", "left_organization")
	}
	return s.redirect(w, r, "/orgs/"+c.OrgID+"/settings#members", "member_removed")
}

// memberFormFailed shows the members list again with why a role change or removal
// was refused (the last owner, say) next to that member.
func (s organizationPages) memberFormFailed(w http.ResponseWriter, r *http.Request, c *fhttp.Call, userID string, err error) error {
	f, ferr := formError(r.PostForm, err)
	if ferr != nil {
		return ferr
	}
	if msg := f.Err("role"); msg != "" {
		f.Message = "Role " + msg + "."
	}
	return s.renderSettings(w, r, c, err, settingsPage{MemberForm: f, MemberFormFor: userID})
}

// invitationPage asks the invitee to accept, after saying what they would join.
type invitationPage struct {
	Token      string
	Invitation *finhealth.Invitation
	// Problem says why the invitation cannot be accepted by this user.
	Problem string
	// LoginURL and SignupURL bring an anonymous visitor back here afterwards.
	LoginURL  string
	SignupURL string
}

func (s organizationPages) uiInvitation(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	token := r.URL.Query().Get("token")
	p := invitationPage{Token: token}
	if c.User == nil {
		next := url.QueryEscape("/invitations/accept?token=" + url.QueryEscape(token))
		p.LoginURL, p.SignupURL = "/login?next="+next, "/signup?next="+next
		return s.render(w, r, c, http.StatusOK, "invitation.html", "Invitation", p)
	}
	inv, err := s.orgs.PendingInvitation(r.Context(), token, c.User.ID)
	if err != nil {
		return s.invitationFailed(w, r, c, p, err)
	}
	p.Invitation = inv
	return s.render(w, r, c, http.StatusOK, "invitation.html", "Invitation to "+inv.OrganizationName, p)
}

func (s organizationPages) uiAcceptInvitation(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	token := r.PostFormValue("token")
	m, err := s.orgs.JoinOrganization(r.Context(), token, c.User.ID)
	if err != nil {
		return s.invitationFailed(w, r, c, invitationPage{Token: token}, err)
	}
	return s.redirect(w, r, "/orgs/"+m.OrganizationID, "joined")
}

// invitationFailed shows the invitation page with why it cannot be accepted; the
// page suggests the usual cause, another email address.
func (s organizationPages) invitationFailed(w http.ResponseWriter, r *http.Request, c *fhttp.Call, p invitationPage, err error) error {
	status := fhttp.StatusOf(finhealth.ErrorCode(err))
	if status >= http.StatusInternalServerError {
		return err
	}
	p.Problem = finhealth.ErrorMessage(err)
	return s.render(w, r, c, status, "invitation.html", "Invitation", p)
}
