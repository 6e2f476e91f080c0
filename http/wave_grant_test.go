package http

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"finhealth"
	"finhealth/store"
	"finhealth/wave"
	"finhealth/wave/wavetest"
)

// TestWaveGrantWithoutRefreshToken runs the callback against a fake Wave that
// behaves like a standard OAuth 2.0 server (a refresh token only with
// offline_access). With offline_access turned off, the grant is refused with a plain
// 502 through the API and the web UI, nothing is stored and the access token Wave
// issued is revoked; with it on (the default), the connection works and refreshes.
func TestWaveGrantWithoutRefreshToken(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB) {
		standard := wavetest.Options{RefreshTokenNeedsOfflineAccess: true}

		t.Run("offline_access_off", func(t *testing.T) {
			a := newWaveAPI(t, db, waveEnvOptions{fake: standard, client: func(c *wave.Config) { c.OmitOfflineAccess = true }})
			owner := a.registerDirect("Owner")
			org := owner.OrgID

			cs := a.startConnect(owner, org)
			if scope := authorizeScopes(t, cs.AuthorizeURL); slices.Contains(scope, wave.OfflineAccessScope) {
				t.Fatalf("offline_access requested while turned off: %v", scope)
			}
			res := a.callback(owner.Token, a.authorize(cs.AuthorizeURL)).Expect(t, http.StatusBadGateway)
			msg := res.ErrorMessage(t)
			if res.ErrorCode(t) != finhealth.EBADGATEWAY {
				t.Errorf("code %q, want %q", res.ErrorCode(t), finhealth.EBADGATEWAY)
			}
			for _, want := range []string{"no long-lived access", "could not be kept", "Nothing was stored, and the access Wave gave was revoked.",
				"Connect Wave again", "WAVE_OFFLINE_ACCESS=true"} {
				if !strings.Contains(msg, want) {
					t.Errorf("the message lacks %q: %s", want, msg)
				}
			}
			a.expectNothingStored(t, owner, org)
			issued := a.wave.fake.IssuedAccessTokens()
			if len(issued) != 1 {
				t.Fatalf("the fake issued %d access tokens, want 1", len(issued))
			}
			if a.wave.accessTokenWorks(t, issued[0]) {
				t.Error("the access token Wave issued was not revoked")
			}

			// The web UI's callback says the same, and links back to the Wave page.
			ui := a.uiLogin(owner.Email)
			res = ui.post("/orgs/"+org+"/wave/connect", nil).Expect(t, http.StatusSeeOther)
			page := ui.get("/wave/callback?"+a.authorize(res.Header.Get("Location")).Encode()).Expect(t, http.StatusBadGateway)
			page.has(t, html.EscapeString("Nothing was stored, and the access Wave gave was revoked."), "WAVE_OFFLINE_ACCESS=true",
				`href="/orgs/`+org+`/wave"`)
			a.expectNothingStored(t, owner, org)
			if issued := a.wave.fake.IssuedAccessTokens(); len(issued) != 2 || a.wave.accessTokenWorks(t, issued[1]) {
				t.Errorf("the UI callback's access token was not revoked (%d issued)", len(issued))
			}

			// Had the revocation failed, the message would not claim it.
			if m := finhealth.ErrorMessage(errNoLongLivedAccess(false)); strings.Contains(m, "was revoked") || !strings.Contains(m, "could not revoke") {
				t.Errorf("the message when revoking failed: %s", m)
			}
			a.checkNoSecrets(t)
		})

		t.Run("offline_access_on", func(t *testing.T) {
			a := newWaveAPI(t, db, waveEnvOptions{fake: standard})
			owner := a.registerDirect("Owner")
			org := owner.OrgID
			cs := a.startConnect(owner, org)
			if scope := authorizeScopes(t, cs.AuthorizeURL); !slices.Contains(scope, wave.OfflineAccessScope) {
				t.Fatalf("offline_access not requested: %v", scope)
			}
			var cb callbackResult
			a.callback(owner.Token, a.authorize(cs.AuthorizeURL)).Expect(t, http.StatusOK).Decode(t, &cb)
			if cb.Connection.Status != string(finhealth.WavePendingBusiness) || len(cb.Businesses) == 0 ||
				!slices.Contains(cb.Connection.Scopes, wave.OfflineAccessScope) {
				t.Fatalf("after the callback: %+v", cb)
			}
			tok, err := db.WaveToken(context.Background(), org)
			if err != nil || tok.RefreshToken == "" {
				t.Fatalf("stored token: %v, %v", tok, err)
			}
			// The stored refresh token works: after the access token expires, the
			// connection refreshes and reads on.
			a.wave.fake.ExpireAccessTokens()
			a.call("GET", orgPath(org, "/wave/businesses"), owner.Token, nil).Expect(t, http.StatusOK)
			if a.wave.fake.Stats().TokenRefreshes != 1 {
				t.Errorf("%d refreshes, want 1", a.wave.fake.Stats().TokenRefreshes)
			}
			a.checkNoSecrets(t)
		})
	})
}

// authorizeScopes returns the scopes an authorize URL asks for.
func authorizeScopes(t *testing.T, authorizeURL string) []string {
	t.Helper()
	u, err := url.Parse(authorizeURL)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(u.Query().Get("scope"))
}

// expectNothingStored fails unless the organization has no Wave tokens and shows as
// never connected.
func (a *testAPI) expectNothingStored(t *testing.T, acc account, orgID string) {
	t.Helper()
	if _, err := a.db.WaveToken(context.Background(), orgID); finhealth.ErrorCode(err) != finhealth.ENOTFOUND {
		t.Errorf("tokens stored: %v", err)
	}
	var v connectionView
	a.call("GET", orgPath(orgID, "/wave"), acc.Token, nil).Expect(t, http.StatusOK).Decode(t, &v)
	if v.Status != notConnected {
		t.Errorf("connection status %q, want %q", v.Status, notConnected)
	}
}
