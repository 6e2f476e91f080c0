package wave

import (
	"context"
	"time"

	"finhealth"
)

// Gateway lets the HTTP layer and the worker use the client through the domain's
// interfaces, since adapters may not import each other. It adds nothing of its own:
// every behaviour (retries, refresh, rate limit) is the client's.
type Gateway struct {
	client *Client
}

var _ finhealth.WaveGateway = Gateway{}

// NewGateway wraps c as a finhealth.WaveGateway.
func NewGateway(c *Client) Gateway { return Gateway{client: c} }

func (g Gateway) NewPKCE() (verifier, challenge string, err error) {
	verifier, challenge = NewPKCE()
	return verifier, challenge, nil
}

func (g Gateway) AuthorizeURL(state, challenge string) string {
	return g.client.AuthorizeURL(state, challenge)
}

func (g Gateway) Exchange(ctx context.Context, code, verifier string) (finhealth.OAuthToken, error) {
	return g.client.Exchange(ctx, code, verifier)
}

// Revoke ends the grant at Wave. The refresh token goes first: revoking it ends the
// whole grant, whereas the access token alone would leave the grant able to mint new
// ones. The access token follows, because RFC 7009 only says that a server SHOULD
// revoke a grant's access tokens with it, and one left alive would work until it
// expires (about two hours). The answer is the refresh token's revocation: once it
// is revoked the grant is over, so a failure to revoke the access token as well is
// only logged. Without a refresh token (a grant Exchange refused), the answer is the
// access token's.
func (g Gateway) Revoke(ctx context.Context, tok finhealth.OAuthToken) error {
	if tok.RefreshToken == "" {
		if tok.AccessToken == "" {
			return nil
		}
		return g.client.Revoke(ctx, tok.AccessToken)
	}
	err := g.client.Revoke(ctx, tok.RefreshToken)
	if tok.AccessToken != "" {
		// Tried even when the refresh token could not be revoked: the grant may then
		// live on, but not with this access token.
		if aerr := g.client.Revoke(ctx, tok.AccessToken); aerr != nil && err == nil {
			g.client.log.WarnContext(ctx, "wave: the grant is revoked, but revoking its access token failed", "error", aerr.Error())
		}
	}
	return err
}

// Session keys the client's per-connection state (token lock, rate limit) by the
// organization, which has at most one connection.
func (g Gateway) Session(orgID string, tokens finhealth.WaveTokenStore) finhealth.WaveSession {
	return waveSession{conn: g.client.Conn(orgID, tokens)}
}

func (g Gateway) Forget(orgID string) { g.client.Forget(orgID) }

type waveSession struct {
	conn *Conn
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
func (s waveSession) EachAccountPage(ctx context.Context, businessID string, fromPage int, fn func([]finhealth.LedgerAccount) error) error {
	return s.conn.EachAccountPage(ctx, businessID, AccountQuery{FromPage: fromPage}, fn)
}

func (s waveSession) EachInvoicePage(ctx context.Context, businessID string, modifiedAfter time.Time, fromPage int, fn func([]finhealth.Invoice) error) error {
	return s.conn.EachInvoicePage(ctx, businessID, InvoiceQuery{ModifiedAfter: modifiedAfter, FromPage: fromPage}, fn)
}

func (s waveSession) EachCustomerPage(ctx context.Context, businessID string, fromPage int, fn func([]finhealth.Customer) error) error {
	return s.conn.EachCustomerPage(ctx, businessID, CustomerQuery{FromPage: fromPage}, fn)
}
