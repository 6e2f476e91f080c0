package ui

import (
	"net/http"
	"net/url"

	"finhealth"
	fhttp "finhealth/http"
)

// form is a submitted form as a page shows it again: the values typed (never the
// password), an error per field, and a message for the whole form.
type form struct {
	Values  url.Values
	Errors  map[string]string
	Message string
}

func (f form) Get(name string) string {
	if f.Values == nil {
		return ""
	}
	return f.Values.Get(name)
}

func (f form) Err(name string) string { return f.Errors[name] }

// HasErrors reports whether the form is being shown again because it failed.
func (f form) HasErrors() bool { return len(f.Errors) > 0 || f.Message != "" }

// formError turns a service error into a form shown again: validation errors keep
// their field messages (prefixed with a readable field name by the template), other
// client errors become the form's message. Internal errors are not a form's
// business and are returned for the error page.
func formError(values url.Values, err error, hidden ...string) (form, error) {
	status := fhttp.StatusOf(finhealth.ErrorCode(err))
	if status >= 500 {
		return form{}, err
	}
	keep := url.Values{}
	for k, v := range values {
		keep[k] = v
	}
	keep.Del(fhttp.CSRFField)
	for _, h := range hidden {
		keep.Del(h)
	}
	f := form{Values: keep, Errors: finhealth.ErrorFields(err)}
	if len(f.Errors) == 0 || status != http.StatusUnprocessableEntity {
		f.Message = finhealth.ErrorMessage(err)
	}
	if len(f.Errors) > 0 && f.Message == "" {
		f.Message = "Please correct the highlighted fields."
	}
	return f, nil
}

// accountPages are the public pages (landing, login, sign-up) and the session's own:
// logging out, opening the app, switching organizations.
type accountPages struct{ *Handler }

// uiAccountRoutes are the public pages and the session's own routes.
func (s accountPages) uiAccountRoutes() []uiRoute {
	return []uiRoute{
		{"GET", "/{$}", fhttp.Public, s.uiLanding},
		{"GET", "/login", fhttp.Public, s.uiLoginPage},
		{"POST", "/login", fhttp.Public, s.uiLogin},
		{"GET", "/signup", fhttp.Public, s.uiSignupPage},
		{"POST", "/signup", fhttp.Public, s.uiSignup},
		{"POST", "/logout", fhttp.Public, s.uiLogout},
		{"GET", "/app", fhttp.AnyUser, s.uiHome},
		{"GET", "/orgs/go", fhttp.AnyUser, s.uiSwitchOrg},
	}
}

func (s accountPages) uiLanding(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	return s.render(w, r, c, http.StatusOK, "landing.html", "Know how healthy your business is", nil)
}

// credentialsPage is the login or the signup form, with where to go after it.
type credentialsPage struct {
	Form form
	Next string
}

// credentialsForm shows the login or signup form, or sends a caller who is signed
// in already where the form would have.
func (s accountPages) credentialsForm(w http.ResponseWriter, r *http.Request, c *fhttp.Call, page, title string) error {
	next := localPath(r.URL.Query().Get("next"))
	if c.User != nil {
		return s.redirect(w, r, orDefault(next, "/app"), "")
	}
	return s.render(w, r, c, http.StatusOK, page, title, credentialsPage{Next: next})
}

func (s accountPages) uiLoginPage(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	return s.credentialsForm(w, r, c, "login.html", "Log in")
}

func (s accountPages) uiLogin(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	next := localPath(r.PostFormValue("next"))
	req := fhttp.LoginRequest{Email: r.PostFormValue("email"), Password: r.PostFormValue("password")}
	err := req.Normalize()
	var pair fhttp.TokenPair
	if err == nil {
		pair, _, err = s.accounts.LogIn(w, r, req)
	}
	if err != nil {
		f, ferr := formError(r.PostForm, err, "password")
		if ferr != nil {
			return ferr
		}
		return s.render(w, r, c, fhttp.StatusOf(finhealth.ErrorCode(err)), "login.html", "Log in", credentialsPage{Form: f, Next: next})
	}
	s.accounts.StartBrowserSession(w, pair)
	return s.redirect(w, r, orDefault(next, "/app"), "")
}

func (s accountPages) uiSignupPage(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	return s.credentialsForm(w, r, c, "signup.html", "Create your account")
}

func (s accountPages) uiSignup(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	next := localPath(r.PostFormValue("next"))
	req := fhttp.RegisterRequest{
		Email: r.PostFormValue("email"), Password: r.PostFormValue("password"), Name: r.PostFormValue("name"),
		OrganizationName: r.PostFormValue("organization_name"), Industry: r.PostFormValue("industry"),
		CompanySize: r.PostFormValue("company_size"),
	}
	err := req.Normalize()
	if err == nil {
		_, _, err = s.accounts.SignUp(r.Context(), req)
	}
	var pair fhttp.TokenPair
	if err == nil {
		pair, _, err = s.accounts.LogIn(w, r, fhttp.LoginRequest{Email: req.Email, Password: req.Password})
	}
	if err != nil {
		f, ferr := formError(r.PostForm, err, "password")
		if ferr != nil {
			return ferr
		}
		return s.render(w, r, c, fhttp.StatusOf(finhealth.ErrorCode(err)), "signup.html", "Create your account", credentialsPage{Form: f, Next: next})
	}
	s.accounts.StartBrowserSession(w, pair)
	// An invitee who signed up from the invitation page goes back to it.
	return s.redirect(w, r, orDefault(next, "/app"), "welcome")
}

func (s accountPages) uiLogout(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	if err := s.accounts.EndBrowserSession(w, r); err != nil {
		return err
	}
	return s.redirect(w, r, "/login", "logged_out")
}

// uiHome opens the caller's default organization, or the first they belong to.
func (s accountPages) uiHome(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	acc, err := s.st.Access(r.Context(), c.User.ID, c.SessionID, "")
	if err != nil {
		return err
	}
	if acc.OrganizationID != "" && acc.Role != "" {
		return s.redirect(w, r, "/orgs/"+acc.OrganizationID, "")
	}
	ms, err := s.st.MembershipsForUser(r.Context(), c.User.ID)
	if err != nil {
		return err
	}
	if len(ms) > 0 {
		return s.redirect(w, r, "/orgs/"+ms[0].OrganizationID, "")
	}
	return s.render(w, r, c, http.StatusOK, "no_org.html", "No organization yet", nil)
}

// uiSwitchOrg is the organization switcher's target, so that it works without
// JavaScript: a GET form naming the organization.
func (s accountPages) uiSwitchOrg(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	id := r.URL.Query().Get("org")
	if !fhttp.ValidID(id) {
		return fhttp.ErrOrgNotFound
	}
	return s.redirect(w, r, "/orgs/"+id, "")
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
