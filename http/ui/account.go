package ui

import (
	"net/http"

	"finhealth"
	fhttp "finhealth/http"
)

// accountSettings is the signed-in user's own page: their password and sessions.
type accountSettings struct{ *Handler }

func (s accountSettings) uiRoutes() []uiRoute {
	return []uiRoute{
		{"GET", "/account", fhttp.AnyUser, s.uiAccount},
		{"POST", "/account/password", fhttp.AnyUser, s.uiChangePassword},
		{"POST", "/account/sessions/end-others", fhttp.AnyUser, s.uiEndOtherSessions},
		{"POST", "/account/sessions/{session_id}/end", fhttp.AnyUser, s.uiEndSession},
	}
}

type accountPage struct {
	PasswordForm form
	Sessions     []fhttp.SessionView
}

func (s accountSettings) show(w http.ResponseWriter, r *http.Request, c *fhttp.Call, status int, pf form) error {
	list, err := s.accounts.Sessions(r, c)
	if err != nil {
		return err
	}
	return s.render(w, r, c, status, "account.html", "Your account", accountPage{PasswordForm: pf, Sessions: list})
}

func (s accountSettings) uiAccount(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	return s.show(w, r, c, http.StatusOK, form{})
}

func (s accountSettings) uiChangePassword(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	err := s.accounts.ChangePassword(w, r, c, fhttp.PasswordChange{
		CurrentPassword: r.PostFormValue("current_password"), NewPassword: r.PostFormValue("new_password"),
	})
	if err != nil {
		f, ferr := formError(r.PostForm, err, "current_password", "new_password")
		if ferr != nil {
			return ferr
		}
		return s.show(w, r, c, fhttp.StatusOf(finhealth.ErrorCode(err)), f)
	}
	return s.redirect(w, r, "/account", "password_changed")
}

func (s accountSettings) uiEndOtherSessions(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	if _, err := s.accounts.EndOtherSessions(r, c); err != nil {
		return err
	}
	return s.redirect(w, r, "/account#sessions", "sessions_ended")
}

// uiEndSession ends one session; ending the browser's own is a logout.
func (s accountSettings) uiEndSession(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	id := r.PathValue("session_id")
	if id == c.SessionID {
		if err := s.accounts.EndBrowserSession(w, r); err != nil {
			return err
		}
		return s.redirect(w, r, "/login", "logged_out")
	}
	if err := s.accounts.EndSessionByID(r, c, id); err != nil {
		return err
	}
	return s.redirect(w, r, "/account#sessions", "session_ended")
}
