package main

import (
	"context"
	"time"

	"finhealth"
	"finhealth/wave"
)

// waveGateway lets the HTTP layer and the worker use the Wave client through the
// domain's interfaces, since adapters may not import each other. It adds nothing of
// its own: every behaviour (retries, refresh, rate limit) is the client's.
type waveGateway struct {
	client *wave.Client
}

var _ finhealth.WaveGateway = waveGateway{}

func newWaveGateway(c *wave.Client) waveGateway { return waveGateway{client: c} }

func (g waveGateway) NewPKCE() (verifier, challenge string, err error) {
	verifier, challenge = wave.NewPKCE()
	return verifier, challenge, nil
}

func (g waveGateway) AuthorizeURL(state, challenge string) string {
	return g.client.AuthorizeURL(state, challenge)
}

func (g waveGateway) Exchange(ctx context.Context, code, verifier string) (finhealth.OAuthToken, error) {
	return g.client.Exchange(ctx, code, verifier)
}

// Revoke revokes the refresh token, which ends the whole grant at Wave; the access
// token alone would leave the grant able to mint new ones.
func (g waveGateway) Revoke(ctx context.Context, tok finhealth.OAuthToken) error {
	t := tok.RefreshToken
	if t == "" {
		t = tok.AccessToken
	}
	if t == "" {
		return nil
	}
	return g.client.Revoke(ctx, t)
}

// Session keys the client's per-connection state (token lock, rate limit) by the
// organization, which has at most one connection.
func (g waveGateway) Session(orgID string, tokens finhealth.WaveTokenStore) finhealth.WaveSession {
	return waveSession{conn: g.client.Conn(orgID, tokens)}
}

func (g waveGateway) Forget(orgID string) { g.client.Forget(orgID) }

type waveSession struct {
	conn *wave.Conn
}

var _ finhealth.WaveSession = waveSession{}

func (s waveSession) User(ctx context.Context) (finhealth.WaveUser, error) { return s.conn.User(ctx) }

func (s waveSession) Businesses(ctx context.Context) ([]finhealth.WaveBusiness, error) {
	return s.conn.Businesses(ctx)
}

func (s waveSession) Business(ctx context.Context, businessID string) (finhealth.WaveBusiness, error) {
	return s.conn.Business(ctx, businessID)
}

func (s waveSession) AccountSubtypes(ctx context.Context) ([]finhealth.AccountSubtype, error) {
	return s.conn.AccountSubtypes(ctx)
}

// EachAccountPage includes archived accounts, so that a sync records an account
// being archived instead of keeping its last live state.
func (s waveSession) EachAccountPage(ctx context.Context, businessID string, fn func([]finhealth.LedgerAccount) error) error {
	return s.conn.EachAccountPage(ctx, businessID, wave.AccountQuery{}, fn)
}

func (s waveSession) EachInvoicePage(ctx context.Context, businessID string, modifiedAfter time.Time, fn func([]finhealth.Invoice) error) error {
	return s.conn.EachInvoicePage(ctx, businessID, wave.InvoiceQuery{ModifiedAfter: modifiedAfter}, fn)
}

func (s waveSession) EachCustomerPage(ctx context.Context, businessID string, fn func([]finhealth.Customer) error) error {
	return s.conn.EachCustomerPage(ctx, businessID, wave.CustomerQuery{}, fn)
}
