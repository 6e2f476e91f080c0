// Package wavetest is a faithful fake of Wave (waveapps.com) for tests, benchmarks and
// the simulated Wave that finhealth serves in development.
//
// It exists because the real Wave cannot be called from tests (no network, paid
// subscriptions, undocumented limits), and because a fake that accepts anything would
// let the client drift from what Wave really serves. So it implements exactly
// docs/wave-api.md section 6:
//
//   - OAuth at Wave's paths, trailing slashes included: authorize (auto-approve as a
//     configurable user, deny with error=access_denied, or a consent page), token
//     (authorization_code with PKCE S256 verification, single-use codes with a
//     10-minute life, refresh_token with rotation, invalid_grant for revoked, used or
//     expired grants, 403 for a lapsed subscription) and RFC 7009 revoke. A refresh
//     token comes with every grant, as from Wave, or only with one that includes
//     offline_access, as from a standard server (RefreshTokenNeedsOfflineAccess).
//   - GraphQL at /graphql/public, where every query is parsed and validated against
//     schema.graphql, the SDL of the subset finhealth uses, with
//     github.com/vektah/gqlparser/v2; an invalid one gets GRAPHQL_VALIDATION_FAILED
//     with no data, as from Wave. Valid queries run against in-memory books with
//     page/pageSize pagination and pageInfo, honouring selection sets, aliases,
//     fragments, arguments and variables.
//   - Switches for error modes: rate-limit storms with Retry-After, 5xx, latency,
//     failing after N requests, expiring every access token now, revoking every
//     grant, a lapsed subscription, and the encoding choices Wave leaves open
//     (Decimal as string or number, "Z" or "+00:00", 200 or 401 for auth failures).
//   - The seed data of section 6.3, an injectable clock, request counting, and
//     GenerateBusiness for deterministic businesses of any size, computed lazily so
//     that 50,000 invoices cost nothing until a page is read.
//
// NewServer starts it on a loopback port; Mount serves it under a path prefix of an
// existing mux.
package wavetest
