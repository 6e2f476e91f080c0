package api

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"finhealth"
	fhttp "finhealth/http"
	"finhealth/http/internal/servertest"
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
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		standard := wavetest.Options{RefreshTokenNeedsOfflineAccess: true}

		t.Run("offline_access_off", func(t *testing.T) {
			a := newWaveAPI(t, db, servertest.WaveOptions{Fake: standard, Client: func(c *wave.Config) { c.OmitOfflineAccess = true }})
			owner := a.RegisterDirect("Owner")
			org := owner.OrgID

			cs := a.StartConnect(owner, org)
			if scope := authorizeScopes(t, cs.AuthorizeURL); slices.Contains(scope, wave.OfflineAccessScope) {
				t.Fatalf("offline_access requested while turned off: %v", scope)
			}
			res := a.Callback(owner.Token, a.Authorize(cs.AuthorizeURL)).Expect(t, http.StatusBadGateway)
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
			expectNothingStored(a, t, owner, org)
			issued := a.Wave.Fake.IssuedAccessTokens()
			if len(issued) != 1 {
				t.Fatalf("the fake issued %d access tokens, want 1", len(issued))
			}
			if a.Wave.AccessTokenWorks(t, issued[0]) {
				t.Error("the access token Wave issued was not revoked")
			}

			// The web UI's callback says the same, and links back to the Wave page.
			ui := a.UILogin(owner.Email)
			res = ui.Post("/orgs/"+org+"/wave/connect", nil).Expect(t, http.StatusSeeOther)
			page := ui.Get("/wave/callback?"+a.Authorize(res.Header.Get("Location")).Encode()).Expect(t, http.StatusBadGateway)
			page.Has(t, html.EscapeString("Nothing was stored, and the access Wave gave was revoked."), "WAVE_OFFLINE_ACCESS=true",
				`href="/orgs/`+org+`/wave"`)
			expectNothingStored(a, t, owner, org)
			if issued := a.Wave.Fake.IssuedAccessTokens(); len(issued) != 2 || a.Wave.AccessTokenWorks(t, issued[1]) {
				t.Errorf("the UI callback's access token was not revoked (%d issued)", len(issued))
			}

			// Had the revocation failed, the message would not claim it.
			if m := finhealth.ErrorMessage(fhttp.NoLongLivedAccessError(false)); strings.Contains(m, "was revoked") || !strings.Contains(m, "could not revoke") {
				t.Errorf("the message when revoking failed: %s", m)
			}
			a.CheckNoSecrets(t)
		})

		t.Run("offline_access_on", func(t *testing.T) {
			a := newWaveAPI(t, db, servertest.WaveOptions{Fake: standard})
			owner := a.RegisterDirect("Owner")
			org := owner.OrgID
			cs := a.StartConnect(owner, org)
			if scope := authorizeScopes(t, cs.AuthorizeURL); !slices.Contains(scope, wave.OfflineAccessScope) {
				t.Fatalf("offline_access not requested: %v", scope)
			}
			var cb fhttp.CallbackResult
			a.Callback(owner.Token, a.Authorize(cs.AuthorizeURL)).Expect(t, http.StatusOK).Decode(t, &cb)
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
			a.Wave.Fake.ExpireAccessTokens()
			a.Call("GET", servertest.OrgPath(org, "/wave/businesses"), owner.Token, nil).Expect(t, http.StatusOK)
			if a.Wave.Fake.Stats().TokenRefreshes != 1 {
				t.Errorf("%d refreshes, want 1", a.Wave.Fake.Stats().TokenRefreshes)
			}
			a.CheckNoSecrets(t)
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
func expectNothingStored(a *servertest.API, t *testing.T, acc servertest.Account, orgID string) {
	t.Helper()
	if _, err := a.DB.WaveToken(context.Background(), orgID); finhealth.ErrorCode(err) != finhealth.ENOTFOUND {
		t.Errorf("tokens stored: %v", err)
	}
	var v fhttp.ConnectionView
	a.Call("GET", servertest.OrgPath(orgID, "/wave"), acc.Token, nil).Expect(t, http.StatusOK).Decode(t, &v)
	if v.Status != fhttp.NotConnected {
		t.Errorf("connection status %q, want %q", v.Status, fhttp.NotConnected)
	}
}

// TestWaveReconnectRevokesReplacedGrant connects, reads, and connects again without
// disconnecting: the replaced grant must be dead at Wave (its access token refused by
// GraphQL, its refresh token invalid_grant) while the new one works, and a later
// disconnect ends the new one too. A replaced grant that cannot be revoked does not
// fail the reconnection.
func TestWaveReconnectRevokesReplacedGrant(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		var failRevoke atomic.Bool
		a := newWaveAPI(t, db, servertest.WaveOptions{Client: func(c *wave.Config) {
			c.HTTPClient = &http.Client{Transport: revokeFailer{fail: &failRevoke}, Timeout: 10 * time.Second}
		}})
		ctx := context.Background()
		owner := a.RegisterDirect("Owner")
		org := owner.OrgID
		stored := func() finhealth.OAuthToken {
			t.Helper()
			tok, err := db.WaveToken(ctx, org)
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}
		dead := func(tok finhealth.OAuthToken) bool {
			t.Helper()
			return !a.Wave.AccessTokenWorks(t, tok.AccessToken) && a.Wave.RefreshError(t, tok.RefreshToken) == "invalid_grant"
		}

		a.ConnectWave(owner, org)
		a.ChooseBusiness(owner, org, a.Wave.Fake.Seed().AcmeBusinessID)
		first := stored()
		// The session caches the first grant's token in the process.
		a.Call("GET", servertest.OrgPath(org, "/wave/businesses"), owner.Token, nil).Expect(t, http.StatusOK)

		cb := a.ConnectWave(owner, org)
		if cb.Connection.Status != string(finhealth.WavePendingBusiness) || len(cb.Businesses) == 0 || cb.Warning != "" {
			t.Fatalf("reconnecting: %+v", cb)
		}
		second := stored()
		if second.GrantID == first.GrantID || second.AccessToken == first.AccessToken {
			t.Fatal("the reconnection did not store a new grant")
		}
		if !dead(first) {
			t.Error("the replaced grant is still alive at Wave after the reconnection")
		}
		if !a.Wave.AccessTokenWorks(t, second.AccessToken) {
			t.Fatal("the new grant does not work")
		}
		a.Call("GET", servertest.OrgPath(org, "/wave/businesses"), owner.Token, nil).Expect(t, http.StatusOK)

		var disc fhttp.Disconnected
		a.Call("DELETE", servertest.OrgPath(org, "/wave"), owner.Token, nil).Expect(t, http.StatusOK).Decode(t, &disc)
		if len(disc.Warnings) != 0 {
			t.Errorf("disconnect warnings: %v", disc.Warnings)
		}
		if !dead(first) || a.Wave.AccessTokenWorks(t, second.AccessToken) || a.Wave.RefreshError(t, second.RefreshToken) != "invalid_grant" {
			t.Error("a grant survived the disconnect")
		}

		// Connecting after a disconnect replaces nothing. A reconnection whose
		// revocation fails at Wave still succeeds, and the failure is logged.
		revokes := a.Wave.Fake.Stats().Revokes
		a.ConnectWave(owner, org)
		if a.Wave.Fake.Stats().Revokes != revokes {
			t.Error("connecting after a disconnect revoked something")
		}
		third := stored()
		failRevoke.Store(true)
		cb = a.ConnectWave(owner, org)
		failRevoke.Store(false)
		if cb.Connection.Status != string(finhealth.WavePendingBusiness) || cb.Warning != "" {
			t.Fatalf("reconnecting while Wave refuses revocations: %+v", cb)
		}
		if !strings.Contains(a.Logs.String(), "revoking the Wave grant that a reconnection replaced failed") {
			t.Error("the failed revocation was not logged")
		}
		if fourth := stored(); !a.Wave.AccessTokenWorks(t, fourth.AccessToken) || !a.Wave.AccessTokenWorks(t, third.AccessToken) {
			t.Error("want both grants alive when the revocation failed")
		}
		a.CheckNoSecrets(t)
	})
}

// revokeFailer answers every revocation with 503 while fail is set, and sends every
// other request on.
type revokeFailer struct{ fail *atomic.Bool }

func (f revokeFailer) RoundTrip(r *http.Request) (*http.Response, error) {
	if f.fail.Load() && strings.HasSuffix(r.URL.Path, "/oauth2/token-revoke/") {
		return &http.Response{StatusCode: http.StatusServiceUnavailable, Header: http.Header{}, Body: http.NoBody, Request: r}, nil
	}
	return http.DefaultTransport.RoundTrip(r)
}
