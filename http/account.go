package http

import (
	"net/http"
	"strings"
	"time"

	"finhealth"
	"finhealth/identity"
)

// PasswordChange is the body of a password change (API and settings form).
type PasswordChange struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// errWrongPassword answers a password change whose current password is wrong. It is
// a 422 naming the field, like every other refused field: the caller is signed
// in, so nothing about the account is revealed that they do not already know.
var errWrongPassword = finhealth.InvalidFields("The current password is wrong.",
	map[string]string{"current_password": "is wrong"})

// ChangePassword checks the caller's current password (rate-limited and audited
// on failure exactly as a login is), validates the new one with the password
// policy, stores its hash and ends every other session of the caller at once. The
// caller's own session goes on. A rate-limited attempt sets Retry-After on w.
func (s Accounts) ChangePassword(w http.ResponseWriter, r *http.Request, c *Call, req PasswordChange) error {
	f := FieldErrors{}
	if req.CurrentPassword == "" {
		f.Add("current_password", "is required")
	} else if len(req.CurrentPassword) > 1024 {
		f.Add("current_password", "must be at most 1024 bytes")
	}
	for field, problem := range finhealth.ErrorFields(identity.ValidatePassword(req.NewPassword, c.User.Email)) {
		f.Add(strings.Replace(field, "password", "new_password", 1), problem)
	}
	if err := f.Err(); err != nil {
		return err
	}

	ctx := r.Context()
	now := s.now()
	if ok, wait := s.loginIP.allow(stateFrom(ctx).ip, now); !ok {
		return rateLimited(w, wait)
	}
	if ok, wait := s.loginAccount.check(c.User.Email, now); !ok {
		return rateLimited(w, wait)
	}
	// Access never loads the hash, so it is read here, where it is needed.
	u, err := s.st.UserByID(ctx, c.User.ID)
	if err != nil {
		return err
	}
	var match bool
	if err := s.withHashSlot(ctx, func() error {
		match, _ = identity.VerifyPassword(u.PasswordHash, req.CurrentPassword)
		return nil
	}); err != nil {
		return err
	}
	if !match {
		s.loginAccount.allow(c.User.Email, now)
		if err := s.st.Record(ctx, finhealth.AuditEntry{Action: finhealth.AuditLoginFailed, ActorEmail: c.User.Email,
			TargetType: "user", TargetID: u.ID, Details: map[string]string{"reason": "wrong_current_password"}}); err != nil {
			return err
		}
		return errWrongPassword
	}
	s.loginAccount.reset(c.User.Email)
	var hash string
	if err := s.withHashSlot(ctx, func() (err error) {
		hash, err = identity.HashPassword(req.NewPassword, s.cfg.Argon2)
		return err
	}); err != nil {
		return err
	}
	return s.st.ChangePassword(ctx, u.ID, hash, c.SessionID)
}

// SessionView is one of the caller's sessions as the API and the settings page show
// it.
type SessionView struct {
	ID         string    `json:"id"`
	Device     string    `json:"device"`
	IP         string    `json:"ip"`
	CreatedAt  time.Time `json:"created_at"`
	LastUsedAt time.Time `json:"last_used_at"`
	Current    bool      `json:"current"`
}

// Sessions lists the caller's live sessions, the current one marked.
func (s Accounts) Sessions(r *http.Request, c *Call) ([]SessionView, error) {
	list, err := s.st.Sessions(r.Context(), c.User.ID)
	if err != nil {
		return nil, err
	}
	out := make([]SessionView, len(list))
	for i, ss := range list {
		out[i] = SessionView{ID: ss.ID, Device: Device(ss.UserAgent), IP: ss.IP,
			CreatedAt: ss.CreatedAt, LastUsedAt: ss.LastUsedAt, Current: ss.ID == c.SessionID}
	}
	return out, nil
}

// EndSessionByID ends one of the caller's sessions (their current one included,
// which is then a logout). Another user's session is not found, as an unknown one.
func (s Accounts) EndSessionByID(r *http.Request, c *Call, sessionID string) error {
	if !ValidID(sessionID) {
		return finhealth.Errorf(finhealth.ENOTFOUND, "Session not found.")
	}
	return s.st.EndSession(r.Context(), c.User.ID, sessionID)
}

// EndOtherSessions ends every session of the caller but the current one ("log out
// everywhere else") and says how many it ended.
func (s Accounts) EndOtherSessions(r *http.Request, c *Call) (int, error) {
	return s.st.EndOtherSessions(r.Context(), c.User.ID, c.SessionID)
}

// Device names a browser and system from a User-Agent header, simplified, for a
// person to recognize their session; "Unknown device" when nothing is recognized.
func Device(ua string) string {
	find := func(pairs [][2]string) string {
		for _, p := range pairs {
			if strings.Contains(ua, p[0]) {
				return p[1]
			}
		}
		return ""
	}
	// Order matters: Edge and Opera say Chrome, Chrome says Safari, Android says Linux.
	browser := find([][2]string{{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"}, {"Chrome/", "Chrome"},
		{"Safari/", "Safari"}, {"curl/", "curl"}, {"Go-http-client", "Go client"}})
	system := find([][2]string{{"iPhone", "iPhone"}, {"iPad", "iPad"}, {"Android", "Android"}, {"Windows", "Windows"},
		{"Mac OS X", "macOS"}, {"CrOS", "ChromeOS"}, {"Linux", "Linux"}})
	switch {
	case browser != "" && system != "":
		return browser + " on " + system
	case browser != "":
		return browser
	case system != "":
		return system
	}
	return "Unknown device"
}
