// Package wave connects finhealth to Wave (waveapps.com), the accounting service many of
// its small businesses keep their books in.
//
// It exists so that nothing else in finhealth has to know how Wave works: Wave speaks
// OAuth 2.0 on one host and GraphQL on another, paginates by page number, encodes money
// three ways, throttles without documenting limits, rotates refresh tokens and refuses
// to refresh at all once a subscription lapses (docs/wave-api.md). This package absorbs
// all of that and hands back finhealth's own types (finhealth.Invoice,
// finhealth.LedgerAccount, ...), never Wave's shapes, plus errors that map onto
// finhealth error codes and onto finhealth.WaveReconnectError when the owner must
// connect again.
//
// A Client holds the app's registration with Wave and does the OAuth flow
// (AuthorizeURL, Exchange, Refresh, Revoke). A Conn is one organization's connection:
// it owns the token (through a TokenStore callback), refreshes it once under a lock
// when it expires, rate-limits and retries, and runs the typed queries. Lists are read
// page by page (EachInvoicePage and friends) so that a business with 50,000 invoices is
// never held in memory at once.
//
// Tests run against wave/wavetest, a fake Wave that validates every query against an
// SDL of the subset this package uses.
package wave
