package wavetest

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"html/template"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// knownScopes are the scopes of Wave's official list (wave-api.md section 2.8), plus
// offline_access, which Wave is not documented to know but tolerates (integrators
// request it in production, section 2.6). Anything else, including the REST-era
// "user.read" and the unofficial "transaction:read", is invalid_scope, which keeps
// the app honest.
var knownScopes = func() map[string]bool {
	m := map[string]bool{}
	for _, r := range []string{"account", "business", "customer", "invoice", "product", "sales_tax", "vendor"} {
		m[r+":read"], m[r+":write"], m[r+":*"] = true, true, true
	}
	m["invoice:send"], m["transaction:write"], m["transaction:*"], m["user:read"], m["user:*"] = true, true, true, true, true
	m[offlineAccess] = true
	return m
}()

// offlineAccess is the scope that asks a standard OAuth 2.0 server for a refresh token.
const offlineAccess = "offline_access"

type grant struct {
	userID     string
	scopes     map[string]bool
	scope      string
	businessID string // set for a business-restricted grant
	revoked    bool
}

// allows reports whether the grant carries resource:read (or resource:*).
func (g *grant) allows(resource string) bool {
	return g.scopes[resource+":read"] || g.scopes[resource+":*"]
}

type authCode struct {
	grant       *grant
	clientID    string
	redirectURI string // as given at authorize ("" if omitted)
	challenge   string
	method      string
	expires     time.Time
	used        bool
	tokens      []string // issued from this code, revoked if it is replayed
}

type accessToken struct {
	grant   *grant
	expires time.Time
	dead    bool
}

type refreshToken struct {
	grant  *grant
	access string
	dead   bool
}

// codeTTL is how long an authorization code lives (Wave's OAuth guide, per ID-KR).
const codeTTL = 10 * time.Minute

var consentPage = template.Must(template.New("consent").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Simulated Wave: authorize</title>
<style>body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem}
.banner{background:#fff3cd;border:1px solid #e0c46c;padding:.6rem .8rem;border-radius:6px}
button{font-size:1rem;padding:.5rem 1.2rem;margin-right:.5rem}</style></head>
<body><p class="banner"><strong>Simulated Wave.</strong> This is not Wave: it is a fake
served by finhealth in development, with made-up books.</p>
<h1>Allow access?</h1>
<p>An application wants to read the books of {{.User}}'s businesses:</p>
<ul>{{range .Scopes}}<li><code>{{.}}</code></li>{{end}}</ul>
<form method="post">{{range $k, $v := .Params}}<input type="hidden" name="{{$k}}" value="{{$v}}">{{end}}
<button name="decision" value="approve">Allow</button>
<button name="decision" value="deny">Deny</button></form></body></html>`))

// serveAuthorize mimics GET /oauth2/authorize/. Errors that make the redirect target
// untrustworthy (unknown client, unregistered redirect_uri) are shown as a page, as
// RFC 6749 requires; the others travel back in the redirect.
func (f *Fake) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	q := r.Form
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stats.Authorize++
	opts := f.opts
	if q.Get("client_id") != opts.ClientID {
		http.Error(w, "invalid_client: unknown client_id", http.StatusBadRequest)
		return
	}
	redirect := q.Get("redirect_uri")
	target := redirect
	if target == "" {
		target = opts.RedirectURIs[0]
	} else if !contains(opts.RedirectURIs, redirect) {
		http.Error(w, "invalid_request: Registered redirect_uri doesn't match provided redirect_uri.", http.StatusBadRequest)
		return
	}
	back := func(params url.Values) {
		if s := q.Get("state"); s != "" {
			params.Set("state", s)
		}
		sep := "?"
		if strings.Contains(target, "?") {
			sep = "&"
		}
		http.Redirect(w, r, target+sep+params.Encode(), http.StatusFound)
	}
	if q.Get("response_type") != "code" {
		back(url.Values{"error": {"unsupported_response_type"}})
		return
	}
	scopes := strings.Fields(q.Get("scope"))
	if len(scopes) == 0 {
		back(url.Values{"error": {"invalid_scope"}, "error_description": {"scope is required"}})
		return
	}
	for _, s := range scopes {
		if !knownScopes[s] {
			back(url.Values{"error": {"invalid_scope"}, "error_description": {"unknown scope " + s}})
			return
		}
	}
	if p := q.Get("approval_prompt"); p != "" && p != "auto" && p != "force" {
		back(url.Values{"error": {"invalid_request"}, "error_description": {"approval_prompt must be auto or force"}})
		return
	}
	method := q.Get("code_challenge_method")
	challenge := q.Get("code_challenge")
	if challenge != "" && method != "S256" {
		back(url.Values{"error": {"invalid_request"}, "error_description": {"code_challenge_method must be S256"}})
		return
	}
	user := f.users[f.approver]
	businessID := q.Get("businessId")
	if businessID == "" {
		businessID = q.Get("business_id")
	}
	if businessID != "" {
		if b := f.biz[businessID]; b == nil || b.UserID != user.ID {
			back(url.Values{"error": {"invalid_request"}, "error_description": {"unknown business"}})
			return
		}
	}
	if opts.ConsentPage && r.Method == http.MethodGet {
		params := map[string]string{}
		for k := range q {
			params[k] = q.Get(k)
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = consentPage.Execute(w, map[string]any{"User": user.FirstName + " " + user.LastName, "Scopes": scopes, "Params": params})
		return
	}
	if opts.DenyAuthorization || (r.Method == http.MethodPost && q.Get("decision") != "approve") {
		back(url.Values{"error": {"access_denied"}, "error_description": {"The user denied the request."}})
		return
	}
	sort.Strings(scopes)
	g := &grant{userID: user.ID, scopes: map[string]bool{}, scope: strings.Join(scopes, " "), businessID: businessID}
	for _, s := range scopes {
		g.scopes[s] = true
	}
	f.grants = append(f.grants, g)
	code := randomToken()
	f.issued = append(f.issued, code)
	f.codes[code] = &authCode{grant: g, clientID: opts.ClientID, redirectURI: redirect, challenge: challenge, method: method,
		expires: f.now().Add(codeTTL)}
	back(url.Values{"code": {code}})
}

type oauthErr struct {
	status int
	code   string
	desc   string
}

// serveToken mimics POST /oauth2/token/: client credentials in the form body only
// (Basic auth is unverified for Wave, so it is ignored here), codes single-use for 10
// minutes, and refresh tokens rotated on every use.
func (f *Fake) serveToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	resp, oe := f.token(r)
	if oe != nil {
		f.stats.TokenErrors++
		writeJSON(w, oe.status, map[string]string{"error": oe.code, "error_description": oe.desc})
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, resp)
}

func (f *Fake) token(r *http.Request) (map[string]any, *oauthErr) {
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/x-www-form-urlencoded" {
		return nil, &oauthErr{http.StatusBadRequest, "invalid_request", "the body must be application/x-www-form-urlencoded"}
	}
	r.Body = http.MaxBytesReader(nil, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return nil, &oauthErr{http.StatusBadRequest, "invalid_request", "unreadable form"}
	}
	form := r.PostForm
	opts := f.opts
	if form.Get("client_id") != opts.ClientID ||
		subtle.ConstantTimeCompare([]byte(form.Get("client_secret")), []byte(opts.ClientSecret)) != 1 {
		return nil, &oauthErr{http.StatusUnauthorized, "invalid_client", "client authentication failed"}
	}
	now := f.now()
	switch form.Get("grant_type") {
	case "authorization_code":
		f.stats.TokenExchanges++
		code := form.Get("code")
		if code == "" {
			return nil, &oauthErr{http.StatusBadRequest, "invalid_request", "code is required"}
		}
		c := f.codes[code]
		switch {
		case c == nil:
			return nil, &oauthErr{http.StatusBadRequest, "invalid_grant", "invalid code"}
		case c.used:
			// A replayed code means it leaked: revoke what it produced (RFC 6749 4.1.2).
			for _, t := range c.tokens {
				if a := f.access[t]; a != nil {
					a.dead = true
				}
				if rt := f.refresh[t]; rt != nil {
					rt.dead = true
				}
			}
			return nil, &oauthErr{http.StatusBadRequest, "invalid_grant", "code already used"}
		case !now.Before(c.expires):
			return nil, &oauthErr{http.StatusBadRequest, "invalid_grant", "code expired"}
		case c.redirectURI != "" && form.Get("redirect_uri") != c.redirectURI:
			return nil, &oauthErr{http.StatusBadRequest, "invalid_grant", "Registered redirect_uri doesn't match provided redirect_uri."}
		}
		verifier := form.Get("code_verifier")
		switch {
		case c.challenge != "" && verifier == "":
			return nil, &oauthErr{http.StatusBadRequest, "invalid_grant", "code_verifier is required"}
		case c.challenge != "" && !pkceMatches(verifier, c.challenge):
			return nil, &oauthErr{http.StatusBadRequest, "invalid_grant", "code_verifier does not match the challenge"}
		case c.challenge == "" && opts.RequirePKCE:
			return nil, &oauthErr{http.StatusBadRequest, "invalid_request", "PKCE is required"}
		}
		c.used = true
		resp, access, refresh := f.issue(c.grant, now)
		c.tokens = append(c.tokens, access)
		if refresh != "" {
			c.tokens = append(c.tokens, refresh)
		}
		return resp, nil
	case "refresh_token":
		f.stats.TokenRefreshes++
		rt := f.refresh[form.Get("refresh_token")]
		if rt == nil || rt.dead || rt.grant.revoked {
			return nil, &oauthErr{http.StatusBadRequest, "invalid_grant", "invalid refresh token"}
		}
		if opts.SubscriptionLapsed {
			return nil, &oauthErr{http.StatusForbidden, "access_denied", "A Wave Pro or Wave Advisor subscription is required."}
		}
		rt.dead = true
		if a := f.access[rt.access]; a != nil {
			a.dead = true
		}
		resp, _, _ := f.issue(rt.grant, now)
		return resp, nil
	case "":
		return nil, &oauthErr{http.StatusBadRequest, "invalid_request", "grant_type is required"}
	}
	return nil, &oauthErr{http.StatusBadRequest, "unsupported_grant_type", "unsupported grant_type"}
}

// issue mints an access token for the grant and, unless the options withhold it, a
// refresh token (refresh is "" when none was issued).
func (f *Fake) issue(g *grant, now time.Time) (resp map[string]any, access, refresh string) {
	access = randomToken()
	f.issued = append(f.issued, access)
	f.access[access] = &accessToken{grant: g, expires: now.Add(f.opts.AccessTokenTTL)}
	resp = map[string]any{
		"access_token": access,
		"token_type":   "Bearer",
		"expires_in":   int(f.opts.AccessTokenTTL / time.Second),
		"scope":        g.scope,
	}
	if !f.opts.RefreshTokenNeedsOfflineAccess || g.scopes[offlineAccess] {
		refresh = randomToken()
		f.issued = append(f.issued, refresh)
		f.refresh[refresh] = &refreshToken{grant: g, access: access}
		resp["refresh_token"] = refresh
	}
	if f.opts.TokenResponseIDs {
		resp["userId"] = g.userID
		if g.businessID != "" {
			resp["businessId"] = g.businessID
		}
	}
	return resp, access, refresh
}

func pkceMatches(verifier, challenge string) bool {
	sum := sha256.Sum256([]byte(verifier))
	return subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(challenge)) == 1
}

// serveRevoke mimics POST /oauth2/token-revoke/ (RFC 7009): revoking either token of
// a grant ends the whole grant, and an unknown token is not an error.
func (f *Fake) serveRevoke(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stats.Revokes++
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
		return
	}
	form := r.PostForm
	if form.Get("client_id") != f.opts.ClientID ||
		subtle.ConstantTimeCompare([]byte(form.Get("client_secret")), []byte(f.opts.ClientSecret)) != 1 {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	tok := form.Get("token")
	if tok == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "token is required"})
		return
	}
	if a := f.access[tok]; a != nil {
		a.grant.revoked = true
	}
	if rt := f.refresh[tok]; rt != nil {
		rt.grant.revoked = true
	}
	writeJSON(w, http.StatusOK, map[string]any{})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
