package finhealth

import (
	"context"
	"errors"
	"sync"
	"time"
)

// The interfaces below let the HTTP layer and the background worker use Wave and the
// job queue without importing the wave or worker packages: adapters never import each
// other, and cmd/finhealth plugs the implementations in.

// WaveTokenStore loads and saves one connection's OAuth token. Save must be durable
// when it returns, because Wave rotates refresh tokens: the new one is saved before the
// new access token is used.
type WaveTokenStore interface {
	Load(ctx context.Context) (OAuthToken, error)
	Save(ctx context.Context, tok OAuthToken) error
}

// StoredWaveTokens is the WaveTokenStore of one organization's connection, kept in
// the warehouse, for a piece of work (a sync, a request) that uses Wave. It also
// follows which grant that work uses, so that a refusal from Wave is recorded against
// that grant only (SetWaveConnectionStatus, with RefusedGrant): when the owner
// connects again while the work runs, Wave refusing the previous grant must not mark
// the new connection.
//
// The client names the refused grant when a refresh is refused. When it does not (a
// token rejected again right after a refresh), the grant is that of the last token
// this work loaded or saved, or else the one stored when the work began
// (NewStoredWaveTokens); the session then reuses a token the process cached earlier,
// which is of that grant unless another process replaced the grant before the work
// began without this process hearing of it.
type StoredWaveTokens struct {
	warehouse WarehouseService
	orgID     string

	mu    sync.Mutex
	grant string
}

// NewStoredWaveTokens reads the grant the organization's tokens belong to now;
// ENOTFOUND when there are none (disconnected, or never connected).
func NewStoredWaveTokens(ctx context.Context, warehouse WarehouseService, orgID string) (*StoredWaveTokens, error) {
	tok, err := warehouse.WaveToken(ctx, orgID)
	if err != nil {
		return nil, err
	}
	return &StoredWaveTokens{warehouse: warehouse, orgID: orgID, grant: tok.GrantID}, nil
}

// Load returns the stored token, and from then on its grant is the work's.
func (t *StoredWaveTokens) Load(ctx context.Context) (OAuthToken, error) {
	tok, err := t.warehouse.WaveToken(ctx, t.orgID)
	if err == nil {
		t.use(tok.GrantID)
	}
	return tok, err
}

// Save stores a refreshed token, durably, while its grant is still the stored one.
func (t *StoredWaveTokens) Save(ctx context.Context, tok OAuthToken) error {
	err := t.warehouse.SaveWaveToken(ctx, t.orgID, tok)
	if err == nil {
		t.use(tok.GrantID)
	}
	return err
}

func (t *StoredWaveTokens) use(grant string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.grant = grant
}

// RefusedGrant is the grant a refusal from Wave is about.
func (t *StoredWaveTokens) RefusedGrant(refusal *WaveReconnectError) string {
	if refusal.GrantID != "" {
		return refusal.GrantID
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.grant
}

// ErrWaveNoRefreshToken matches Exchange's refusal of a grant that came without a
// refresh token: finhealth could read with it only until its access token expires
// (about two hours), so it does not keep such a grant. A standard OAuth 2.0 server
// issues a refresh token only when the offline_access scope is asked for.
var ErrWaveNoRefreshToken = errors.New("wave: the grant has no refresh token")

// WaveGateway is the OAuth side of Wave plus a factory for per-connection sessions.
type WaveGateway interface {
	// NewPKCE returns a fresh PKCE verifier and its S256 challenge.
	NewPKCE() (verifier, challenge string, err error)
	// AuthorizeURL is where the owner's browser is sent to grant access.
	AuthorizeURL(state, challenge string) string
	// Exchange trades an authorization code for tokens. A grant without a refresh
	// token is refused with an error matching ErrWaveNoRefreshToken, returned with
	// the token that was issued so that the caller can revoke it.
	Exchange(ctx context.Context, code, verifier string) (OAuthToken, error)
	// Revoke revokes the grant at Wave (disconnect, or a grant nothing keeps): its
	// refresh token, which ends the grant, and its access token.
	Revoke(ctx context.Context, tok OAuthToken) error
	// Session returns the API session of one connection, identified by its
	// organization id, whose tokens live in tokens. Sessions with the same key share a
	// refresh lock and rate limit.
	Session(orgID string, tokens WaveTokenStore) WaveSession
	// Forget drops the process's cached state for a connection after a disconnect.
	Forget(orgID string)
}

// WaveSession reads one connection's data. Lists are streamed a page at a time so
// that a large business is never held in memory whole. A list read starts at page
// fromPage when it is above 1 (a sync continuing an interrupted walk); such a read
// ends with *IncompleteReadError, since it cannot prove it saw every record.
type WaveSession interface {
	User(ctx context.Context) (WaveUser, error)
	Businesses(ctx context.Context) ([]WaveBusiness, error)
	Business(ctx context.Context, businessID string) (WaveBusiness, error)
	AccountSubtypes(ctx context.Context) ([]AccountSubtype, error)
	EachAccountPage(ctx context.Context, businessID string, fromPage int, fn func([]LedgerAccount) error) error
	// EachInvoicePage streams invoices modified after modifiedAfter (all of them when
	// it is zero).
	EachInvoicePage(ctx context.Context, businessID string, modifiedAfter time.Time, fromPage int, fn func([]Invoice) error) error
	EachCustomerPage(ctx context.Context, businessID string, fromPage int, fn func([]Customer) error) error
}

// SyncQueue schedules background syncs; the worker package implements it.
type SyncQueue interface {
	// EnqueueSync records a queued SyncRun and enqueues its job. A sync already queued
	// or running for the organization is ECONFLICT (one at a time). If the job cannot
	// be enqueued the run is finished as failed, so that no run stays queued forever.
	EnqueueSync(ctx context.Context, orgID string, kind SyncKind, trigger SyncTrigger) (*SyncRun, error)
	// EnqueueRescore asks for the organization's metrics and health score to be
	// recomputed from the stored ledger and recorded in their time series (after an
	// account-mapping change or a new assessment).
	EnqueueRescore(ctx context.Context, orgID string) error
}
