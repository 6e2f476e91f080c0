package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"finhealth"
)

var _ finhealth.WarehouseService = (*DB)(nil)

// waveConnectionColumns are what SaveWaveConnection writes; a reconnection keeps the
// rest (full_sync_due) as it was.
const waveConnectionColumns = `organization_id, status, status_reason, wave_user_id, wave_user_email,
	business_id, business_name, currency, currency_exponent, business, scopes, connected_by,
	connected_at, updated_at, last_sync_at, last_full_sync_at`

// waveConnectionRead is what scanWaveConnection reads.
const waveConnectionRead = waveConnectionColumns + `, full_sync_due`

func scanWaveConnection(row rowScanner) (*finhealth.WaveConnection, error) {
	var (
		c                       finhealth.WaveConnection
		businessID, connectedBy nullableString
		business                []byte
		scopes                  string
	)
	if err := row.Scan(&c.OrganizationID, &c.Status, &c.StatusReason, &c.WaveUserID, &c.WaveUserEmail,
		&businessID, &c.BusinessName, &c.Currency, &c.CurrencyExponent, &business, &scopes, &connectedBy,
		scanTime{&c.ConnectedAt}, scanTime{&c.UpdatedAt}, scanNullTime{&c.LastSyncAt}, scanNullTime{&c.LastFullSyncAt}, &c.FullSyncDue); err != nil {
		return nil, err
	}
	c.BusinessID, c.ConnectedBy = string(businessID), string(connectedBy)
	c.Scopes = strings.Fields(scopes)
	if c.Scopes == nil {
		c.Scopes = []string{}
	}
	if len(business) > 0 {
		c.Business = new(finhealth.WaveBusiness)
		if err := json.Unmarshal(business, c.Business); err != nil {
			return nil, fmt.Errorf("wave connection %s business: %w", c.OrganizationID, err)
		}
	}
	return &c, nil
}

// WaveConnection returns the organization's connection; ENOTFOUND if it never
// connected.
func (db *DB) WaveConnection(ctx context.Context, orgID string) (*finhealth.WaveConnection, error) {
	return db.h.waveConnection(ctx, orgID, false)
}

func (h handle) waveConnection(ctx context.Context, orgID string, lock bool) (*finhealth.WaveConnection, error) {
	query := `SELECT ` + waveConnectionRead + ` FROM wave_connections WHERE organization_id = ?`
	if lock {
		query = h.forUpdate(query)
	}
	c, err := scanWaveConnection(h.queryRow(ctx, query, orgID))
	if err != nil {
		return nil, mapError(err, "wave connection", "Wave connection")
	}
	return c, nil
}

// ActiveWaveConnections lists active connections not synced successfully since
// syncedBefore, or whose last sync was partial (FullSyncDue: a full read is
// scheduled at once rather than after the interval), never-synced ones first, then
// least recently synced.
func (db *DB) ActiveWaveConnections(ctx context.Context, syncedBefore time.Time, limit int) ([]*finhealth.WaveConnection, error) {
	if limit <= 0 {
		limit = finhealth.MaxPageSize
	}
	// "last_sync_at IS NULL" sorts first on both databases only when said explicitly:
	// PostgreSQL puts NULLs last in ascending order, SQLite first.
	rows, err := db.h.query(ctx, `SELECT `+waveConnectionRead+` FROM wave_connections
		WHERE status = 'active' AND (last_sync_at IS NULL OR last_sync_at < ? OR full_sync_due)
		ORDER BY last_sync_at IS NOT NULL, last_sync_at, organization_id LIMIT ?`, syncedBefore, limit)
	if err != nil {
		return nil, fmt.Errorf("store: active wave connections: %w", err)
	}
	defer rows.Close()
	var out []*finhealth.WaveConnection
	for rows.Next() {
		c, err := scanWaveConnection(rows)
		if err != nil {
			return nil, fmt.Errorf("store: active wave connections: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: active wave connections: %w", err)
	}
	return out, nil
}

// sealedToken is a token's secrets sealed for one organization's row.
type sealedToken struct {
	access, refresh []byte
}

func (db *DB) sealToken(orgID string, tok finhealth.OAuthToken) (sealedToken, error) {
	if tok.AccessToken == "" {
		return sealedToken{}, finhealth.InvalidFields("The Wave token is not valid.", map[string]string{"access_token": "required"})
	}
	access, err := db.tokens.seal([]byte(tok.AccessToken), aad(purposeAccessToken, orgID))
	if err != nil {
		return sealedToken{}, err
	}
	refresh, err := db.tokens.seal([]byte(tok.RefreshToken), aad(purposeRefreshToken, orgID))
	if err != nil {
		return sealedToken{}, err
	}
	return sealedToken{access, refresh}, nil
}

// optTime is a nullable timestamp argument: NULL for the zero time.
func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func businessColumns(b *finhealth.WaveBusiness) (id, name, currency any, exponent int, encoded any, err error) {
	if b == nil {
		return nil, "", "", 0, nil, nil
	}
	enc, err := json.Marshal(b)
	if err != nil {
		return nil, nil, nil, 0, nil, fmt.Errorf("store: encode business: %w", err)
	}
	return b.ID, b.Name, b.Currency, b.CurrencyExponent, string(enc), nil
}

// SaveWaveConnection creates or replaces the organization's connection and its
// tokens, and audits it, in one transaction.
func (db *DB) SaveWaveConnection(ctx context.Context, in finhealth.WaveConnection, tok finhealth.OAuthToken) (*finhealth.WaveConnection, error) {
	c, err := newWaveConnection(in, tok)
	if err != nil {
		return nil, err
	}
	sealed, err := db.sealToken(c.OrganizationID, tok)
	if err != nil {
		return nil, err
	}
	c.ConnectedBy = cmp.Or(c.ConnectedBy, finhealth.ActorFrom(ctx).UserID)
	err = db.withTx(ctx, func(h handle) error {
		c.ConnectedAt, c.UpdatedAt = h.now, h.now
		prev, err := h.upsertWaveConnection(ctx, &c)
		if err != nil {
			return err
		}
		if err := h.replaceWaveTokens(ctx, c.OrganizationID, sealed, tok, h.now); err != nil {
			return err
		}
		if c.BusinessID != "" && (prev == nil || prev.BusinessID != c.BusinessID) {
			if err := h.dropOtherBusinesses(ctx, c.OrganizationID, c.BusinessID); err != nil {
				return err
			}
		}
		details := map[string]string{"wave_user_id": c.WaveUserID, "status": string(c.Status), "scopes": strings.Join(c.Scopes, " ")}
		if c.BusinessID != "" {
			details["business_id"] = c.BusinessID
		}
		return h.audit(ctx, finhealth.AuditEntry{
			OrganizationID: c.OrganizationID,
			Action:         finhealth.AuditWaveConnected,
			TargetType:     "wave_connection",
			TargetID:       c.OrganizationID,
			Details:        details,
		})
	})
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// newWaveConnection is the connection that SaveWaveConnection stores for in: callers
// name the business either whole or by its columns, may leave the status to follow
// from whether there is one, and get the scopes the token grants (in's when the
// token names none).
func newWaveConnection(in finhealth.WaveConnection, tok finhealth.OAuthToken) (finhealth.WaveConnection, error) {
	c := in
	if c.Business != nil {
		b := *c.Business
		c.Business = &b
		c.BusinessID, c.BusinessName, c.Currency, c.CurrencyExponent = b.ID, b.Name, b.Currency, b.CurrencyExponent
	} else if c.BusinessID != "" {
		c.Business = &finhealth.WaveBusiness{ID: c.BusinessID, Name: c.BusinessName, Currency: c.Currency, CurrencyExponent: c.CurrencyExponent}
	}
	if c.Status == "" {
		c.Status = finhealth.WavePendingBusiness
		if c.BusinessID != "" {
			c.Status = finhealth.WaveActive
		}
	}
	if err := validateNewWaveConnection(c); err != nil {
		return c, err
	}
	if c.Status == finhealth.WavePendingBusiness {
		// Pending means no business yet, whatever the caller left in the fields.
		c.Business, c.BusinessID, c.BusinessName, c.Currency, c.CurrencyExponent = nil, "", "", "", 0
	}
	c.StatusReason = ""
	c.Scopes = strings.Fields(tok.Scope)
	if len(c.Scopes) == 0 {
		c.Scopes = in.Scopes
	}
	if c.Scopes == nil {
		c.Scopes = []string{}
	}
	return c, nil
}

func validateNewWaveConnection(c finhealth.WaveConnection) error {
	fields := map[string]string{}
	if c.OrganizationID == "" {
		fields["organization_id"] = "required"
	}
	if c.WaveUserID == "" {
		fields["wave_user_id"] = "required"
	}
	switch {
	case c.Status != finhealth.WavePendingBusiness && c.Status != finhealth.WaveActive:
		fields["status"] = "a new connection is pending_business or active"
	case c.Status == finhealth.WaveActive && c.BusinessID == "":
		fields["business_id"] = "required for an active connection"
	}
	if len(fields) > 0 {
		return finhealth.InvalidFields("The Wave connection is not valid.", fields)
	}
	return nil
}

// upsertWaveConnection writes c over the organization's connection, locked first,
// and returns the one it replaced (nil for none).
func (h handle) upsertWaveConnection(ctx context.Context, c *finhealth.WaveConnection) (*finhealth.WaveConnection, error) {
	bID, bName, bCurrency, bExponent, bJSON, err := businessColumns(c.Business)
	if err != nil {
		return nil, err
	}
	prev, err := h.waveConnection(ctx, c.OrganizationID, true)
	if err != nil && finhealth.ErrorCode(err) != finhealth.ENOTFOUND {
		return nil, err
	}
	if prev != nil {
		// A reconnection keeps the record of past syncs: they are still what the
		// warehouse holds.
		c.LastSyncAt, c.LastFullSyncAt = prev.LastSyncAt, prev.LastFullSyncAt
	}
	_, err = h.exec(ctx, `INSERT INTO wave_connections (`+waveConnectionColumns+`)
		VALUES (?, ?, '', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (organization_id) DO UPDATE SET
			status = excluded.status, status_reason = excluded.status_reason,
			wave_user_id = excluded.wave_user_id, wave_user_email = excluded.wave_user_email,
			business_id = excluded.business_id, business_name = excluded.business_name,
			currency = excluded.currency, currency_exponent = excluded.currency_exponent,
			business = excluded.business, scopes = excluded.scopes, connected_by = excluded.connected_by,
			connected_at = excluded.connected_at, updated_at = excluded.updated_at`,
		c.OrganizationID, c.Status, c.WaveUserID, c.WaveUserEmail, bID, bName, bCurrency, bExponent, bJSON,
		strings.Join(c.Scopes, " "), nullString(c.ConnectedBy), c.ConnectedAt, c.UpdatedAt, c.LastSyncAt, c.LastFullSyncAt)
	if isForeignKeyViolation(err) {
		return nil, finhealth.Errorf(finhealth.ENOTFOUND, "The organization or the connecting user was not found.")
	}
	if err != nil {
		return nil, fmt.Errorf("store: save wave connection: %w", err)
	}
	return prev, nil
}

// replaceWaveTokens stores the tokens of a new authorization under a new grant id:
// a refresh of the previous grant, still running somewhere, can then no longer
// overwrite them (SaveWaveToken).
func (h handle) replaceWaveTokens(ctx context.Context, orgID string, sealed sealedToken, tok finhealth.OAuthToken, t time.Time) error {
	if _, err := h.exec(ctx, `INSERT INTO wave_tokens
			(organization_id, access_token, refresh_token, token_type, expires_at, scope, updated_at, grant_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (organization_id) DO UPDATE SET
				access_token = excluded.access_token, refresh_token = excluded.refresh_token,
				token_type = excluded.token_type, expires_at = excluded.expires_at,
				scope = excluded.scope, updated_at = excluded.updated_at, grant_id = excluded.grant_id`,
		orgID, sealed.access, sealed.refresh, tok.TokenType, optTime(tok.ExpiresAt), tok.Scope, t, newID()); err != nil {
		return fmt.Errorf("store: save wave token: %w", err)
	}
	return nil
}

// dropOtherBusinesses deletes the current-state rows of businesses other than the
// chosen one. They describe books the organization no longer follows; the dated
// history stays, marked with the business it came from.
func (h handle) dropOtherBusinesses(ctx context.Context, orgID, businessID string) error {
	for _, table := range []string{"ledger_accounts", "invoices", "customers"} {
		if _, err := h.exec(ctx, `DELETE FROM `+table+` WHERE organization_id = ? AND business_wave_id <> ?`, orgID, businessID); err != nil {
			return fmt.Errorf("store: drop other businesses' %s: %w", table, err)
		}
	}
	return nil
}

// WaveToken returns the organization's decrypted token.
func (db *DB) WaveToken(ctx context.Context, orgID string) (finhealth.OAuthToken, error) {
	var (
		tok             finhealth.OAuthToken
		access, refresh []byte
		expires         *time.Time
	)
	err := db.h.queryRow(ctx, `SELECT access_token, refresh_token, token_type, expires_at, scope, grant_id
		FROM wave_tokens WHERE organization_id = ?`, orgID).
		Scan(&access, &refresh, &tok.TokenType, scanNullTime{&expires}, &tok.Scope, &tok.GrantID)
	if errors.Is(err, sql.ErrNoRows) {
		return tok, finhealth.Errorf(finhealth.ENOTFOUND, "The organization has no Wave credentials; connect Wave first.")
	}
	if err != nil {
		return tok, fmt.Errorf("store: wave token: %w", err)
	}
	a, err := db.tokens.open(access, aad(purposeAccessToken, orgID))
	if err != nil {
		return finhealth.OAuthToken{}, fmt.Errorf("store: wave access token of %s: %w", orgID, err)
	}
	r, err := db.tokens.open(refresh, aad(purposeRefreshToken, orgID))
	if err != nil {
		return finhealth.OAuthToken{}, fmt.Errorf("store: wave refresh token of %s: %w", orgID, err)
	}
	tok.AccessToken, tok.RefreshToken = string(a), string(r)
	if expires != nil {
		tok.ExpiresAt = *expires
	}
	return tok, nil
}

// SaveWaveToken replaces the token after a refresh of the grant tok.GrantID. It
// updates and never inserts, so that a refresh finishing after a disconnect cannot
// bring the deleted tokens back, and only while that grant is the stored one, so that
// a refresh finishing after a reconnect cannot overwrite the new grant's tokens. The
// commit is durable on return (PostgreSQL's synchronous_commit and SQLite's default
// synchronous=FULL are left on for exactly this).
func (db *DB) SaveWaveToken(ctx context.Context, orgID string, tok finhealth.OAuthToken) error {
	sealed, err := db.sealToken(orgID, tok)
	if err != nil {
		return err
	}
	ok, err := db.h.execOne(ctx, `UPDATE wave_tokens SET access_token = ?, refresh_token = ?, token_type = ?,
			expires_at = ?, scope = ?, updated_at = ?
		WHERE organization_id = ? AND grant_id = ?`,
		sealed.access, sealed.refresh, tok.TokenType, optTime(tok.ExpiresAt), tok.Scope, db.now(), orgID, tok.GrantID)
	if err != nil {
		return fmt.Errorf("store: save wave token: %w", err)
	}
	if ok {
		return nil
	}
	// Nothing matched: tell a disconnect from a reconnect. Once the tokens of another
	// grant are stored, no later write can bring this grant back, so the answer stays
	// true.
	var n int
	if err := db.h.queryRow(ctx, `SELECT COUNT(*) FROM wave_tokens WHERE organization_id = ?`, orgID).Scan(&n); err != nil {
		return fmt.Errorf("store: save wave token: %w", err)
	}
	if n > 0 {
		return finhealth.ErrWaveGrantReplaced
	}
	return finhealth.Errorf(finhealth.ENOTFOUND, "The Wave connection was not found or has been disconnected.")
}

// SetWaveConnectionStatus changes the status and reason, audited when either
// changes, only while grantID is the stored tokens' grant. The connection row is
// locked before the grant is compared (SaveWaveConnection locks it too before it
// replaces the tokens), so that a reconnection cannot slip in between the comparison
// and the update.
func (db *DB) SetWaveConnectionStatus(ctx context.Context, orgID, grantID string, status finhealth.WaveConnectionStatus, reason string) (*finhealth.WaveConnection, error) {
	// Pending and disconnected are reached only through SaveWaveConnection and
	// DeleteWaveConnection, which also change the business and the tokens.
	fields := map[string]string{}
	if status != finhealth.WaveActive && status != finhealth.WaveNeedsReconnect {
		fields["status"] = "active or needs_reconnect"
	}
	if grantID == "" {
		fields["grant_id"] = "required: the grant whose use led to this status"
	}
	if len(fields) > 0 {
		return nil, finhealth.InvalidFields("The connection status change is not valid.", fields)
	}
	var conn *finhealth.WaveConnection
	err := db.withTx(ctx, func(h handle) error {
		c, err := h.waveConnection(ctx, orgID, true)
		if err != nil {
			return err
		}
		if c.Status == finhealth.WaveDisconnected {
			return conflict("Wave is disconnected for this organization; connect it again.")
		}
		var stored string
		err = h.queryRow(ctx, `SELECT grant_id FROM wave_tokens WHERE organization_id = ?`, orgID).Scan(&stored)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: wave token grant: %w", err)
		}
		if stored != grantID {
			return finhealth.ErrWaveGrantReplaced
		}
		conn = c
		if c.Status == status && c.StatusReason == reason {
			return nil
		}
		if status == finhealth.WaveActive && c.BusinessID == "" {
			return conflict("Choose a Wave business before the connection can be active.")
		}
		from := c.Status
		c.Status, c.StatusReason, c.UpdatedAt = status, reason, h.now
		if _, err := h.exec(ctx, `UPDATE wave_connections SET status = ?, status_reason = ?, updated_at = ?
			WHERE organization_id = ?`, c.Status, c.StatusReason, c.UpdatedAt, orgID); err != nil {
			return fmt.Errorf("store: set wave connection status: %w", err)
		}
		return h.audit(ctx, finhealth.AuditEntry{
			OrganizationID: orgID,
			Action:         finhealth.AuditWaveStatusChanged,
			TargetType:     "wave_connection",
			TargetID:       orgID,
			Details:        map[string]string{"from": string(from), "to": string(status), "reason": reason},
		})
	})
	if err != nil {
		return nil, err
	}
	return conn, nil
}

// ChooseWaveBusiness sets the business to sync and activates the connection.
func (db *DB) ChooseWaveBusiness(ctx context.Context, orgID string, business finhealth.WaveBusiness) (*finhealth.WaveConnection, error) {
	if business.ID == "" {
		return nil, finhealth.InvalidFields("The business is not valid.", map[string]string{"id": "required"})
	}
	b := business
	bID, bName, bCurrency, bExponent, bJSON, err := businessColumns(&b)
	if err != nil {
		return nil, err
	}
	var conn *finhealth.WaveConnection
	err = db.withTx(ctx, func(h handle) error {
		c, err := h.waveConnection(ctx, orgID, true)
		if err != nil {
			return err
		}
		switch c.Status {
		case finhealth.WaveDisconnected:
			return conflict("Wave is disconnected for this organization; connect it again first.")
		case finhealth.WaveNeedsReconnect:
			return conflict("Wave needs to be connected again before a business can be chosen.")
		}
		if c.BusinessID != b.ID {
			if err := h.dropOtherBusinesses(ctx, orgID, b.ID); err != nil {
				return err
			}
		}
		c.Business, c.BusinessID, c.BusinessName, c.Currency, c.CurrencyExponent = &b, b.ID, b.Name, b.Currency, b.CurrencyExponent
		c.Status, c.StatusReason, c.UpdatedAt = finhealth.WaveActive, "", h.now
		if _, err := h.exec(ctx, `UPDATE wave_connections SET business_id = ?, business_name = ?, currency = ?,
				currency_exponent = ?, business = ?, status = ?, status_reason = '', updated_at = ?
			WHERE organization_id = ?`, bID, bName, bCurrency, bExponent, bJSON, c.Status, c.UpdatedAt, orgID); err != nil {
			return fmt.Errorf("store: choose wave business: %w", err)
		}
		conn = c
		details := map[string]string{"business_id": b.ID, "business_name": b.Name}
		for _, l := range b.Limitations() {
			details["limitation_"+l.Code] = "true"
		}
		return h.audit(ctx, finhealth.AuditEntry{
			OrganizationID: orgID,
			Action:         finhealth.AuditWaveBusinessChosen,
			TargetType:     "wave_connection",
			TargetID:       orgID,
			Details:        details,
		})
	})
	if err != nil {
		return nil, err
	}
	return conn, nil
}

// DeleteWaveConnection deletes the tokens and marks the connection disconnected.
// Disconnecting twice is not an error and is audited once.
func (db *DB) DeleteWaveConnection(ctx context.Context, orgID string) error {
	return db.withTx(ctx, func(h handle) error {
		c, err := h.waveConnection(ctx, orgID, true)
		if err != nil {
			return err
		}
		if _, err := h.exec(ctx, `DELETE FROM wave_tokens WHERE organization_id = ?`, orgID); err != nil {
			return fmt.Errorf("store: delete wave tokens: %w", err)
		}
		if c.Status == finhealth.WaveDisconnected {
			return nil
		}
		if _, err := h.exec(ctx, `UPDATE wave_connections SET status = 'disconnected', status_reason = '', updated_at = ?
			WHERE organization_id = ?`, h.now, orgID); err != nil {
			return fmt.Errorf("store: disconnect wave: %w", err)
		}
		return h.audit(ctx, finhealth.AuditEntry{
			OrganizationID: orgID,
			Action:         finhealth.AuditWaveDisconnected,
			TargetType:     "wave_connection",
			TargetID:       orgID,
			Details:        map[string]string{"from": string(c.Status), "business_id": c.BusinessID},
		})
	})
}

// oauthStateRetention is how long an expired state is kept before it is purged: long
// enough that a late callback is told "expired" rather than "unknown".
const oauthStateRetention = 24 * time.Hour

// CreateOAuthState stores a pending authorization, its code verifier sealed to the
// organization and the state.
func (db *DB) CreateOAuthState(ctx context.Context, st finhealth.OAuthState) error {
	fields := map[string]string{}
	if st.StateHash == "" {
		fields["state_hash"] = "required"
	}
	if st.OrganizationID == "" {
		fields["organization_id"] = "required"
	}
	if st.UserID == "" {
		fields["user_id"] = "required"
	}
	if st.CodeVerifier == "" {
		fields["code_verifier"] = "required"
	}
	t := db.now()
	if !st.ExpiresAt.After(t) {
		fields["expires_at"] = "must be in the future"
	}
	if len(fields) > 0 {
		return finhealth.InvalidFields("The OAuth state is not valid.", fields)
	}
	verifier, err := db.tokens.seal([]byte(st.CodeVerifier), aad(purposeCodeVerifier, st.OrganizationID, st.StateHash))
	if err != nil {
		return err
	}
	// Purging here keeps the table small without a job of its own; the index on
	// expires_at makes it cheap.
	if _, err := db.h.exec(ctx, `DELETE FROM oauth_states WHERE expires_at < ?`, t.Add(-oauthStateRetention)); err != nil {
		return fmt.Errorf("store: purge oauth states: %w", err)
	}
	_, err = db.h.exec(ctx, `INSERT INTO oauth_states
		(state_hash, organization_id, user_id, code_verifier, redirect_after, expires_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		st.StateHash, st.OrganizationID, st.UserID, verifier, st.RedirectAfter, dbTime(st.ExpiresAt), t)
	switch {
	case isUniqueViolation(err):
		return conflict("The OAuth state already exists.")
	case isForeignKeyViolation(err):
		return finhealth.Errorf(finhealth.ENOTFOUND, "The organization or user of the OAuth state was not found.")
	case err != nil:
		return fmt.Errorf("store: create oauth state: %w", err)
	}
	return nil
}

var (
	errUnknownOAuthState = finhealth.Errorf(finhealth.ENOTFOUND,
		"This Wave authorization request is unknown or was started by someone else. Start connecting Wave again.")
	errExpiredOAuthState = finhealth.Errorf(finhealth.EINVALID,
		"This Wave authorization request has expired. Start connecting Wave again.")
	errUsedOAuthState = finhealth.Errorf(finhealth.ECONFLICT,
		"This Wave authorization request has already been used. Start connecting Wave again.")
)

// ConsumeOAuthState spends a state in one conditional UPDATE, so that of two
// callbacks racing with the same state exactly one gets it. Only when that finds
// nothing does a second read say why, checking the user first so that another user's
// state is indistinguishable from an unknown one.
func (db *DB) ConsumeOAuthState(ctx context.Context, stateHash, userID string) (*finhealth.OAuthState, error) {
	t := db.now()
	st := finhealth.OAuthState{StateHash: stateHash, UserID: userID}
	var verifier []byte
	err := db.h.queryRow(ctx, `UPDATE oauth_states SET used_at = ?
		WHERE state_hash = ? AND user_id = ? AND used_at IS NULL AND expires_at > ?
		RETURNING organization_id, code_verifier, redirect_after, expires_at, created_at`,
		t, stateHash, userID, t).
		Scan(&st.OrganizationID, &verifier, &st.RedirectAfter, scanTime{&st.ExpiresAt}, scanTime{&st.CreatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, db.whyOAuthStateRefused(ctx, stateHash, userID, t)
	}
	if err != nil {
		return nil, fmt.Errorf("store: consume oauth state: %w", err)
	}
	v, err := db.tokens.open(verifier, aad(purposeCodeVerifier, st.OrganizationID, stateHash))
	if err != nil {
		return nil, fmt.Errorf("store: oauth state code verifier: %w", err)
	}
	st.CodeVerifier = string(v)
	return &st, nil
}

func (db *DB) whyOAuthStateRefused(ctx context.Context, stateHash, userID string, t time.Time) error {
	var (
		owner     string
		usedAt    *time.Time
		expiresAt time.Time
	)
	err := db.h.queryRow(ctx, `SELECT user_id, used_at, expires_at FROM oauth_states WHERE state_hash = ?`, stateHash).
		Scan(&owner, scanNullTime{&usedAt}, scanTime{&expiresAt})
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return errUnknownOAuthState
	case err != nil:
		return fmt.Errorf("store: oauth state: %w", err)
	case owner != userID:
		return errUnknownOAuthState
	case usedAt != nil:
		return errUsedOAuthState
	case !expiresAt.After(t):
		return errExpiredOAuthState
	}
	// Nothing refuses it now, so it appeared after the update looked (its creation
	// raced its own callback). Refuse; a retry will find it.
	return errUnknownOAuthState
}
