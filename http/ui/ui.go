// Package ui serves finhealth's server-rendered web UI: html/template pages
// (web/templates) on the same operations and the same authorization as the JSON
// API, with the session in cookies (fhttp.Accounts.AuthorizeSession), SVG charts
// drawn on the server, and the embedded static assets (web/static) under a strict
// CSP. Pages work without JavaScript; app.js only adds live sync progress and
// conveniences. Mount adds it to a Server of the shared layer (finhealth/http).
package ui

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"

	"finhealth"
	fhttp "finhealth/http"
)

//go:embed web/templates/*.html
var templateFS embed.FS

//go:embed web/static
var staticFS embed.FS

// uiCSP allows nothing inline: scripts, styles and images come from this origin
// only, so injected markup can neither run nor restyle the page. Forms may post only
// here, and to Wave's authorization server, where "Connect Wave" redirects.
func uiCSP(wave finhealth.WaveGateway) []string {
	formAction := "'self'"
	if wave != nil {
		if u, err := url.Parse(wave.AuthorizeURL("", "")); err == nil && u.Scheme != "" && u.Host != "" {
			formAction += " " + u.Scheme + "://" + u.Host
		}
	}
	return []string{"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"connect-src 'self'; form-action " + formAction + "; frame-ancestors 'none'; base-uri 'none'"}
}

// Handler serves the web UI: its pages and forms, one area of the product per
// type (accountPages, insightPages, ...), and the static assets.
type Handler struct {
	srv      *fhttp.Server
	st       finhealth.Store
	cfg      fhttp.Config
	now      func() time.Time
	log      *slog.Logger
	cookies  fhttp.Cookies
	accounts fhttp.Accounts
	orgs     fhttp.Organizations
	insights fhttp.Insights
	wave     fhttp.Wave

	templates map[string]*template.Template
	csp       []string
}

// uiRoute is one page or form of the web UI.
type uiRoute struct {
	method string
	path   string
	access fhttp.Access
	handle fhttp.HandlerFunc
}

// uiRoutes is the web UI's route table, one slice per area of the product (each in
// its own file); every row is checked against every role by the UI matrix test.
func (s *Handler) uiRoutes() []uiRoute {
	return slices.Concat(
		accountPages{s}.uiAccountRoutes(),
		accountSettings{s}.uiRoutes(),
		insightPages{s}.uiInsightRoutes(),
		questionnairePages{s}.uiQuestionnaireRoutes(),
		organizationPages{s}.uiOrganizationRoutes(),
		wavePages{s}.uiWaveRoutes(),
		portfolioPages{s}.uiPortfolioRoutes(),
		adminPages{s}.uiAdminRoutes(),
	)
}

// Mount adds to srv the UI's routes, its static assets, and the HTML 404 for every
// path outside /api that nothing else claims. It panics when the templates cannot
// be parsed: a start-up error, and no page could be rendered anyway.
func Mount(srv *fhttp.Server) *Handler {
	cfg := srv.Config()
	s := &Handler{
		srv: srv, st: srv.Store(), cfg: cfg, now: cfg.Now, log: cfg.Logger,
		accounts: fhttp.Accounts{Server: srv}, orgs: fhttp.Organizations{Server: srv},
		insights: fhttp.Insights{Server: srv}, wave: fhttp.Wave{Server: srv},
		csp: uiCSP(cfg.Wave),
	}
	s.cookies = s.accounts.Cookies()
	tmpl, err := parseTemplates(s.uiFuncs())
	if err != nil {
		panic("ui: cannot parse the templates: " + err.Error())
	}
	s.templates = tmpl
	for _, rt := range s.uiRoutes() {
		srv.Handle(rt.method+" "+rt.path, s.wrapUI(rt))
	}
	static, _ := fs.Sub(staticFS, "web/static")
	files := http.FileServerFS(static)
	srv.Handle("GET /static/", http.StripPrefix("/static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fhttp.SetRoutePattern(r, "GET /static/")
		// Asset URLs carry a content hash (assetURL), so they may be cached for good.
		w.Header()["Cache-Control"] = []string{"public, max-age=31536000, immutable"}
		files.ServeHTTP(w, r)
	})))
	srv.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fhttp.SetRoutePattern(r, "unmatched")
		w.Header()["Content-Security-Policy"] = s.csp
		s.renderError(w, r, nil, errPageNotFound)
	}))
	return s
}

var errPageNotFound = finhealth.Errorf(finhealth.ENOTFOUND, "There is no page at this address.")

// wrapUI applies a page's access rule to the browser's session (AuthorizeSession)
// before its handler, and renders the error page for whatever fails.
func (s *Handler) wrapUI(rt uiRoute) http.Handler {
	pattern := rt.method + " " + rt.path
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fhttp.SetRoutePattern(r, pattern)
		w.Header()["Content-Security-Policy"] = s.csp
		c := &fhttp.Call{}
		r, err := s.accounts.AuthorizeSession(w, r, rt.access, c)
		if errors.Is(err, fhttp.ErrLoginRequired) {
			s.toLogin(w, r)
			return
		}
		if err != nil {
			s.renderError(w, r, c, err)
			return
		}
		if err := rt.handle(w, r, c); err != nil {
			s.renderError(w, r, c, err)
		}
	})
}

// toLogin sends an anonymous visitor to the login page, to come back afterwards. A
// form post cannot be replayed after logging in, so it comes back to the page the
// form was on instead.
func (s *Handler) toLogin(w http.ResponseWriter, r *http.Request) {
	next := r.URL.RequestURI()
	if r.Method != http.MethodGet {
		next = localPath(refererPath(r))
	}
	target := "/login"
	if next != "" && next != "/" {
		target += "?next=" + url.QueryEscape(next)
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

func refererPath(r *http.Request) string {
	u, err := url.Parse(r.Referer())
	if err != nil || u.Host != r.Host {
		return ""
	}
	return u.RequestURI()
}

// localPath returns p when it is a path on this site, or "": redirecting to a
// caller-chosen absolute URL ("//evil.example", "/\evil.example") would make the
// login page an open redirect.
func localPath(p string) string {
	if p == "" || p[0] != '/' || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\\r\n") {
		return ""
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return ""
	}
	return p
}

// redirect answers a form post with 303, so that reloading the resulting page does
// not post again. notice is a key of noticeMessages shown once on that page.
func (s *Handler) redirect(w http.ResponseWriter, r *http.Request, to, notice string) error {
	if notice != "" {
		s.cookies.Set(w, cookieNotice, notice, time.Minute)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

const cookieNotice = "fh_notice"

// noticeMessages are the only texts a notice cookie can select: the cookie holds a
// key, never the text, so it cannot inject anything into a page.
var noticeMessages = map[string]string{
	"welcome":           "Welcome to finhealth. Start with the questionnaire, or connect Wave to read your books.",
	"logged_out":        "You are logged out.",
	"saved":             "Saved.",
	"password_changed":  "Your password is changed, and you are signed out everywhere else.",
	"session_ended":     "That session is ended: its device is signed out.",
	"sessions_ended":    "You are signed out everywhere else.",
	"assessment_saved":  "Your answers are saved and scored.",
	"sync_queued":       "Sync started. Progress shows below.",
	"wave_connected":    "Wave is connected. Choose the business to assess.",
	"business_chosen":   "Business chosen. The first sync has started.",
	"wave_disconnected": "Wave is disconnected and its access revoked.",
	"mapping_saved":     "Account mapping saved; the metrics below use it now.",
	"mapping_reset":     "Account mapping reset to Wave's default for this account.",
	"invitation_sent":   "Invitation created. Copy the link below and send it.",
	"invite_revoked":    "Invitation revoked. Its link no longer works.",
	"member_updated":    "Member updated.",
	"member_removed":    "Member removed.",
	"user_updated":      "User updated.",
	"joined":            "You joined the organization.",
	"user_deactivated":  "User deactivated. Their sessions are revoked and they can no longer log in.",
	"left_organization": "You left the organization.",
}

// takeNotice reads and clears the notice of a redirect.
func (s *Handler) takeNotice(w http.ResponseWriter, r *http.Request) string {
	key := s.cookies.Value(r, cookieNotice)
	if key == "" {
		return ""
	}
	s.cookies.Clear(w, cookieNotice)
	return noticeMessages[key]
}

// orgSwitchMax is the most organizations the top bar's switcher lists.
const orgSwitchMax = 50

// uiPage is what every template receives: the layout's data plus the page's own.
type uiPage struct {
	Title  string
	User   *finhealth.User
	CSRF   string
	Notice string
	Dev    bool
	// Org is the organization the page is about (nil outside organizations), with
	// the caller's role in it and every organization they can switch to.
	Org  *finhealth.Organization
	Role finhealth.OrgRole
	Orgs []*finhealth.Membership
	// OrgSwitch fills the top bar's organization switcher: every organization, from
	// two up to orgSwitchMax. Past that a select is no way to find one, and its
	// options cost every page of an advisor of 2,000 clients about as much as the
	// rest of the page; the portfolio, linked from every page, finds one by name.
	OrgSwitch []*finhealth.Membership
	// Nav names the active navigation entry.
	Nav string
	// IsAdmin shows the admin navigation; the admin routes check it themselves.
	IsAdmin   bool
	RequestID string
	Data      any
}

// Can reports whether the caller's organization role has a permission, so that
// templates hide controls the route would refuse anyway.
func (p uiPage) Can(perm string) bool { return p.Role.Can(finhealth.Permission(perm)) }

// navFor names the navigation entry a route pattern belongs to, so that pages need
// not say it themselves.
func navFor(pattern string) string {
	_, p, _ := strings.Cut(pattern, " ")
	switch {
	case strings.HasPrefix(p, "/admin"):
		return "admin"
	case strings.HasPrefix(p, "/portfolio"):
		return "portfolio"
	case strings.HasPrefix(p, "/account"):
		return "account"
	case !strings.HasPrefix(p, "/orgs/{id}"):
		return ""
	}
	rest := strings.TrimPrefix(p, "/orgs/{id}")
	for _, area := range []struct{ prefix, nav string }{
		{"/questionnaire", "questionnaire"}, {"/assessments", "questionnaire"},
		{"/history", "history"}, {"/wave", "wave"},
		{"/settings", "settings"}, {"/members", "settings"}, {"/invitations", "settings"},
	} {
		if strings.HasPrefix(rest, area.prefix) {
			return area.nav
		}
	}
	return "dashboard"
}

// render writes a page with status. Templates execute into a buffer first so that a
// template error becomes the error page rather than half a page.
func (s *Handler) render(w http.ResponseWriter, r *http.Request, c *fhttp.Call, status int, name, title string, data any) error {
	p, err := s.newPage(w, r, c, title, data)
	if err != nil {
		return err
	}
	return s.renderPage(w, r, status, name, p)
}

func (s *Handler) renderPage(w http.ResponseWriter, r *http.Request, status int, name string, p uiPage) error {
	t, ok := s.templates[name]
	if !ok {
		return fmt.Errorf("ui: no template %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		return fmt.Errorf("ui: rendering %s: %w", name, err)
	}
	h := w.Header()
	h["Content-Type"] = []string{"text/html; charset=utf-8"}
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
	return nil
}

func (s *Handler) newPage(w http.ResponseWriter, r *http.Request, c *fhttp.Call, title string, data any) (uiPage, error) {
	p := uiPage{Title: title, Dev: s.cfg.Development, Data: data, RequestID: fhttp.RequestID(r.Context()), Nav: navFor(fhttp.RoutePattern(r.Context()))}
	if c == nil {
		return p, nil
	}
	p.User, p.CSRF, p.Role = c.User, c.CSRF, c.Role
	p.Notice = s.takeNotice(w, r)
	if c.User == nil {
		return p, nil
	}
	p.IsAdmin = c.User.Role.Can(finhealth.PermUsersManage)
	ms, err := s.st.MembershipsForUser(r.Context(), c.User.ID)
	if err != nil {
		return p, err
	}
	p.Orgs = ms
	if len(ms) > 1 && len(ms) <= orgSwitchMax {
		p.OrgSwitch = ms
	}
	if c.OrgID != "" {
		for _, m := range ms {
			if m.OrganizationID == c.OrgID {
				p.Org = &finhealth.Organization{ID: m.OrganizationID, Name: m.OrganizationName}
			}
		}
	}
	return p, nil
}

// renderError renders the error page for err: what happened in words a user can act
// on, with the request id for support. Internal details go to the log only.
func (s *Handler) renderError(w http.ResponseWriter, r *http.Request, c *fhttp.Call, err error) {
	s.renderErrorWithAction(w, r, c, err, "", "")
}

// renderErrorWithAction is renderError with a button to the local page action, where
// the user can try again.
func (s *Handler) renderErrorWithAction(w http.ResponseWriter, r *http.Request, c *fhttp.Call, err error, action, actionLabel string) {
	code, status := s.srv.Classify(r, err)
	v := errorPage{Status: status, Message: finhealth.ErrorMessage(err), Action: action, ActionLabel: actionLabel}
	switch status {
	case http.StatusNotFound:
		v.Heading = "We could not find that page"
		if code == finhealth.ENOTFOUND && err != errPageNotFound {
			v.Message += " It may have been removed, or you may not have access to it."
		}
	case http.StatusForbidden:
		v.Heading = "This is not available to your role"
	case http.StatusTooManyRequests:
		v.Heading = "Please wait a moment"
	case http.StatusServiceUnavailable:
		v.Heading = "This is not available right now"
		fhttp.SetRetryAfter(w.Header(), status)
	case http.StatusBadGateway:
		v.Heading = "Wave's answer could not be used"
	case http.StatusInternalServerError:
		v.Heading = "Something went wrong on our side"
		v.Message = "The problem has been logged. Please try again in a minute; if it keeps happening, " +
			"send the reference below to your administrator."
	default:
		v.Heading = "That did not work"
	}
	p, perr := s.newPage(w, r, c, v.Heading, v)
	if perr != nil {
		p = uiPage{Title: v.Heading, Data: v, RequestID: fhttp.RequestID(r.Context())}
	}
	if rerr := s.renderPage(w, r, status, "error.html", p); rerr != nil {
		s.log.LogAttrs(r.Context(), slog.LevelError, "rendering the error page failed",
			slog.String("request_id", p.RequestID), slog.String("error", rerr.Error()))
		http.Error(w, v.Heading, status)
	}
}

type errorPage struct {
	Status  int
	Heading string
	Message string
	// Action is a local page to try again from, shown as the main button with
	// ActionLabel; empty for none.
	Action, ActionLabel string
}

// parseTemplates builds one template set per page: the layout and partials, plus
// the page's file defining "content".
func parseTemplates(funcs template.FuncMap) (map[string]*template.Template, error) {
	base, err := template.New("base").Funcs(funcs).ParseFS(templateFS, "web/templates/_*.html")
	if err != nil {
		return nil, err
	}
	pages, err := fs.Glob(templateFS, "web/templates/*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]*template.Template{}
	for _, p := range pages {
		name := path.Base(p)
		if strings.HasPrefix(name, "_") {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(templateFS, p)
		if err != nil {
			return nil, err
		}
		out[name] = t
	}
	return out, nil
}

// assetVersions maps each static file to a short hash of its content, so that a
// deploy changes the URL and the year-long cache never serves stale assets.
func assetVersions() map[string]string {
	out := map[string]string{}
	_ = fs.WalkDir(staticFS, "web/static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		out[strings.TrimPrefix(p, "web/static/")] = hex.EncodeToString(sum[:6])
		return nil
	})
	return out
}
