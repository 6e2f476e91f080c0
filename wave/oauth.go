package wave

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"finhealth"
)

// NewPKCE returns a fresh PKCE verifier (kept server-side with the state) and its S256
// challenge (sent in the authorize URL). Wave may not verify PKCE yet (wave-api.md
// section 2.9), but sending it costs nothing and protects the code once it does.
func NewPKCE() (verifier, challenge string) {
	verifier = oauth2.GenerateVerifier()
	return verifier, oauth2.S256ChallengeFromVerifier(verifier)
}

// AuthorizeOption adjusts the authorize URL.
type AuthorizeOption func(url.Values)

// WithForcePrompt makes Wave show its consent screen even when a valid grant for the
// same scopes exists, so that a user can pick another business.
func WithForcePrompt() AuthorizeOption {
	return func(v url.Values) { v.Set("approval_prompt", "force") }
}

// AuthorizeURL is where to send the owner's browser to grant finhealth read access.
// state must be random, single-use and bound to the user and organization;
// codeChallenge comes from NewPKCE.
func (c *Client) AuthorizeURL(state, codeChallenge string, opts ...AuthorizeOption) string {
	extra := url.Values{}
	if codeChallenge != "" {
		extra.Set("code_challenge", codeChallenge)
		extra.Set("code_challenge_method", "S256")
	}
	for _, o := range opts {
		o(extra)
	}
	params := make([]oauth2.AuthCodeOption, 0, len(extra))
	for k := range extra {
		params = append(params, oauth2.SetAuthURLParam(k, extra.Get(k)))
	}
	return c.oauth.AuthCodeURL(state, params...)
}

// ParseCallback reads the query of the redirect Wave sends the browser back with. A
// denial or any other authorize error is an *OAuthError (errors.Is ErrAccessDenied
// for a denial); the caller still checks state before trusting the code.
func ParseCallback(q url.Values) (code, state string, err error) {
	state = q.Get("state")
	if e := q.Get("error"); e != "" {
		return "", state, &OAuthError{Op: "authorize", Code: e, Description: scrub(q.Get("error_description"))}
	}
	code = q.Get("code")
	if code == "" {
		return "", state, &OAuthError{Op: "authorize", Code: "invalid_request", Description: "the callback carries neither a code nor an error"}
	}
	return code, state, nil
}

// Exchange trades an authorization code (and the PKCE verifier made with it) for a
// token. Wave requires the client secret in the form body even with PKCE.
//
// A token without a refresh token would stop working with its access token, so it
// is refused with an *OAuthError whose code is no_refresh_token (errors.Is
// finhealth.ErrWaveNoRefreshToken, and an EBADGATEWAY *finhealth.Error); the token
// is returned with that error, so that the caller can revoke what Wave issued.
func (c *Client) Exchange(ctx context.Context, code, verifier string) (finhealth.OAuthToken, error) {
	form := url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"client_id":     {c.cfg.ClientID},
		"client_secret": {c.cfg.ClientSecret},
	}
	if c.cfg.RedirectURI != "" {
		form.Set("redirect_uri", c.cfg.RedirectURI)
	}
	if verifier != "" {
		form.Set("code_verifier", verifier)
	}
	tok, err := c.tokenRequest(ctx, "exchange", form, retryIdempotent, code, verifier)
	if err != nil {
		return finhealth.OAuthToken{}, err
	}
	if tok.RefreshToken == "" {
		return tok, &OAuthError{Op: "exchange", Status: http.StatusOK, Code: codeNoRefreshToken,
			Description: "Wave issued no refresh token, so the connection would die with the access token"}
	}
	return tok, nil
}

// Refresh trades a refresh token for a new token. Wave rotates refresh tokens: the
// returned one replaces refreshToken, which is dead from now on (if Wave sends none,
// refreshToken is kept). A refused grant and a lapsed subscription are
// *finhealth.WaveReconnectError, because only the owner can fix them.
func (c *Client) Refresh(ctx context.Context, refreshToken string) (finhealth.OAuthToken, error) {
	form := url.Values{
		"grant_type":    {"refresh_token"},
		"refresh_token": {refreshToken},
		"client_id":     {c.cfg.ClientID},
		"client_secret": {c.cfg.ClientSecret},
	}
	tok, err := c.tokenRequest(ctx, "refresh", form, retryOnlyUnprocessed, refreshToken)
	var oe *OAuthError
	if errors.As(err, &oe) {
		switch {
		case oe.Code == "invalid_grant":
			return tok, &finhealth.WaveReconnectError{Reason: finhealth.WaveGrantRevoked, Detail: oe.Error()}
		case oe.Status == http.StatusForbidden:
			return tok, &finhealth.WaveReconnectError{Reason: finhealth.WaveSubscriptionLapsed, Detail: oe.Error()}
		}
	}
	if err != nil {
		return tok, err
	}
	if tok.RefreshToken == "" {
		tok.RefreshToken = refreshToken
	}
	c.log.Debug("wave token refreshed", "expires_at", tok.ExpiresAt)
	return tok, nil
}

// Revoke ends a grant at Wave (disconnect). Revoking the refresh token ends the whole
// grant; an unknown or already revoked token is not an error (RFC 7009).
func (c *Client) Revoke(ctx context.Context, token string) error {
	form := url.Values{
		"token":         {token},
		"client_id":     {c.cfg.ClientID},
		"client_secret": {c.cfg.ClientSecret},
	}
	return c.withRetries(ctx, "revoke", nil, retryIdempotent, func(ctx context.Context) error {
		resp, err := c.postForm(ctx, c.cfg.RevokeURL, form)
		if err != nil {
			return &HTTPError{Op: "revoke", Err: err}
		}
		defer resp.Body.Close()
		if resp.StatusCode/100 == 2 {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			return nil
		}
		return c.oauthError("revoke", resp, token)
	})
}

func (c *Client) postForm(ctx context.Context, endpoint string, form url.Values) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	return c.http.Do(req)
}

// tokenResponse is Wave's token answer. expires_in is read as a number or a string
// since Wave's exact encoding is unverified.
type tokenResponse struct {
	AccessToken  string      `json:"access_token"`
	RefreshToken string      `json:"refresh_token"`
	TokenType    string      `json:"token_type"`
	ExpiresIn    json.Number `json:"expires_in"`
	Scope        string      `json:"scope"`
	UserID       string      `json:"userId"`
	BusinessID   string      `json:"businessId"`
}

func (c *Client) tokenRequest(ctx context.Context, op string, form url.Values, policy retryPolicy, secrets ...string) (finhealth.OAuthToken, error) {
	var tok finhealth.OAuthToken
	secrets = append(secrets, c.cfg.ClientSecret)
	err := c.withRetries(ctx, op, nil, policy, func(ctx context.Context) error {
		resp, err := c.postForm(ctx, c.cfg.TokenURL, form)
		if err != nil {
			return &HTTPError{Op: op, Err: err}
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return c.oauthError(op, resp, secrets...)
		}
		var tr tokenResponse
		if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&tr); err != nil {
			return &HTTPError{Op: op, Status: resp.StatusCode, Err: fmt.Errorf("%w: %v", ErrBadResponse, err)}
		}
		if tr.AccessToken == "" {
			return &HTTPError{Op: op, Status: resp.StatusCode, Err: fmt.Errorf("%w: no access_token", ErrBadResponse)}
		}
		tok = finhealth.OAuthToken{
			AccessToken:  tr.AccessToken,
			RefreshToken: tr.RefreshToken,
			TokenType:    tr.TokenType,
			Scope:        tr.Scope,
			UserID:       tr.UserID,
			BusinessID:   tr.BusinessID,
		}
		if tok.Scope == "" {
			tok.Scope = strings.Join(c.cfg.Scopes, " ")
		}
		if secs, err := strconv.ParseFloat(tr.ExpiresIn.String(), 64); err == nil && secs > 0 {
			tok.ExpiresAt = c.now().Add(time.Duration(secs * float64(time.Second))).UTC()
		}
		return nil
	})
	return tok, err
}

// oauthError reads an RFC 6749 error body if there is one; Wave's OAuth server may
// also answer with HTML, in which case the status alone speaks.
func (c *Client) oauthError(op string, resp *http.Response, secrets ...string) error {
	oe := &OAuthError{Op: op, Status: resp.StatusCode, RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), c.now())}
	var body struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&body) == nil {
		oe.Code = safeCode(body.Error)
		oe.Description = scrub(body.Description, secrets...)
	}
	return oe
}
