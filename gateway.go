package finhealth

import (
	"context"
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

// WaveGateway is the OAuth side of Wave plus a factory for per-connection sessions.
type WaveGateway interface {
	// NewPKCE returns a fresh PKCE verifier and its S256 challenge.
	NewPKCE() (verifier, challenge string, err error)
	// AuthorizeURL is where the owner's browser is sent to grant access.
	AuthorizeURL(state, challenge string) string
	// Exchange trades an authorization code for tokens.
	Exchange(ctx context.Context, code, verifier string) (OAuthToken, error)
	// Revoke revokes the grant at Wave (disconnect).
	Revoke(ctx context.Context, tok OAuthToken) error
	// Session returns the API session of one connection, identified by its
	// organization id, whose tokens live in tokens. Sessions with the same key share a
	// refresh lock and rate limit.
	Session(orgID string, tokens WaveTokenStore) WaveSession
	// Forget drops the process's cached state for a connection after a disconnect.
	Forget(orgID string)
}

// WaveSession reads one connection's data. Lists are streamed a page at a time so
// that a large business is never held in memory whole.
type WaveSession interface {
	User(ctx context.Context) (WaveUser, error)
	Businesses(ctx context.Context) ([]WaveBusiness, error)
	Business(ctx context.Context, businessID string) (WaveBusiness, error)
	AccountSubtypes(ctx context.Context) ([]AccountSubtype, error)
	EachAccountPage(ctx context.Context, businessID string, fn func([]LedgerAccount) error) error
	// EachInvoicePage streams invoices modified after modifiedAfter (all of them when
	// it is zero).
	EachInvoicePage(ctx context.Context, businessID string, modifiedAfter time.Time, fn func([]Invoice) error) error
	EachCustomerPage(ctx context.Context, businessID string, fn func([]Customer) error) error
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
