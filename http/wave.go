package http

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"finhealth"
)

// OAuthStateTTL is how long an owner has to approve finhealth in Wave: long enough to
// sign in to Wave, short enough that a leaked authorize URL soon stops working.
const OAuthStateTTL = 10 * time.Minute

// revokeTimeout bounds the call to Wave when disconnecting: the local deletion must
// not wait on a slow Wave.
const revokeTimeout = 10 * time.Second

// BusinessView is a Wave business as the owner chooses it, with why it cannot be
// fully assessed.
type BusinessView struct {
	ID                 string                         `json:"id"`
	Name               string                         `json:"name"`
	Currency           string                         `json:"currency"`
	IsPersonal         bool                           `json:"is_personal"`
	IsClassicInvoicing bool                           `json:"is_classic_invoicing"`
	IsArchived         bool                           `json:"is_archived"`
	FullyAssessable    bool                           `json:"fully_assessable"`
	Limitations        []finhealth.BusinessLimitation `json:"limitations"`
}

func newBusinessView(b finhealth.WaveBusiness) BusinessView {
	lims := b.Limitations()
	if lims == nil {
		lims = []finhealth.BusinessLimitation{}
	}
	return BusinessView{
		ID: b.ID, Name: b.Name, Currency: b.Currency, IsPersonal: b.IsPersonal,
		IsClassicInvoicing: b.IsClassicInvoicing, IsArchived: b.IsArchived,
		FullyAssessable: len(lims) == 0, Limitations: lims,
	}
}

func newBusinessViews(bs []finhealth.WaveBusiness) []BusinessView {
	out := make([]BusinessView, len(bs))
	for i, b := range bs {
		out[i] = newBusinessView(b)
	}
	return out
}

// SyncRunView is one sync run. Optional values are null rather than absent, so that
// a client polling a run sees the same shape from queued to finished.
type SyncRunView struct {
	ID              string                 `json:"id"`
	Status          finhealth.SyncStatus   `json:"status"`
	Kind            finhealth.SyncKind     `json:"kind"`
	Trigger         finhealth.SyncTrigger  `json:"trigger"`
	RequestedBy     *string                `json:"requested_by"`
	Progress        finhealth.SyncProgress `json:"progress"`
	Attempt         int                    `json:"attempt"`
	Error           *string                `json:"error"`
	Warnings        []string               `json:"warnings"`
	RetryAt         *time.Time             `json:"retry_at"`
	QueuedAt        time.Time              `json:"queued_at"`
	StartedAt       *time.Time             `json:"started_at"`
	FinishedAt      *time.Time             `json:"finished_at"`
	UpdatedAt       time.Time              `json:"updated_at"`
	DurationSeconds *float64               `json:"duration_seconds"`
}

// NewSyncRunView is the view of a sync run.
func NewSyncRunView(r *finhealth.SyncRun) SyncRunView {
	v := SyncRunView{
		ID: r.ID, Status: r.Status, Kind: r.Kind, Trigger: r.Trigger, Progress: r.SyncProgress, Attempt: r.Attempt,
		QueuedAt: r.QueuedAt, StartedAt: r.StartedAt, FinishedAt: r.FinishedAt, UpdatedAt: r.UpdatedAt,
		Warnings: r.Warnings, RetryAt: r.RetryAt,
	}
	if v.Warnings == nil {
		v.Warnings = []string{}
	}
	if r.RequestedBy != "" {
		v.RequestedBy = &r.RequestedBy
	}
	if r.Error != "" {
		v.Error = &r.Error
	}
	if r.StartedAt != nil && r.FinishedAt != nil {
		d := r.Duration().Seconds()
		v.DurationSeconds = &d
	}
	return v
}

// NotConnected is the status of an organization that never connected Wave.
const NotConnected = "not_connected"

// ConnectionView is an organization's Wave connection as its members see it. It is
// built field by field from the stored connection, which never holds the tokens, so
// that nothing secret can ride along.
type ConnectionView struct {
	Status string `json:"status"`
	// Configured says whether this instance can talk to Wave at all, so that a client
	// knows whether to offer connecting.
	Configured bool `json:"configured"`
	// Reason and ReasonMessage explain needs_reconnect.
	Reason         string        `json:"reason,omitempty"`
	ReasonMessage  string        `json:"reason_message,omitempty"`
	WaveUserEmail  string        `json:"wave_user_email,omitempty"`
	Business       *BusinessView `json:"business,omitempty"`
	Currency       string        `json:"currency,omitempty"`
	Scopes         []string      `json:"scopes,omitempty"`
	ConnectedBy    string        `json:"connected_by,omitempty"`
	ConnectedAt    *time.Time    `json:"connected_at,omitempty"`
	UpdatedAt      *time.Time    `json:"updated_at,omitempty"`
	LastSyncAt     *time.Time    `json:"last_sync_at,omitempty"`
	LastFullSyncAt *time.Time    `json:"last_full_sync_at,omitempty"`
	// FullSyncDue says that the last run was partial, so the next sync reads
	// everything.
	FullSyncDue bool         `json:"full_sync_due"`
	LastRun     *SyncRunView `json:"last_run,omitempty"`
}

// NewConnectionView is the view of the connection and its newest run; a nil
// connection is one never made.
func (s Wave) NewConnectionView(c *finhealth.WaveConnection, last *finhealth.SyncRun) ConnectionView {
	v := ConnectionView{Status: NotConnected, Configured: s.cfg.Wave != nil}
	if c == nil {
		return v
	}
	v.Status = string(c.Status)
	if c.Status == finhealth.WaveNeedsReconnect {
		v.Reason = c.StatusReason
		v.ReasonMessage = finhealth.WaveReconnectReason(c.StatusReason).Message()
	}
	v.WaveUserEmail, v.Currency, v.ConnectedBy = c.WaveUserEmail, c.Currency, c.ConnectedBy
	if c.Business != nil {
		b := newBusinessView(*c.Business)
		v.Business = &b
	}
	v.Scopes = c.Scopes
	if v.Scopes == nil {
		v.Scopes = []string{}
	}
	connected, updated := c.ConnectedAt, c.UpdatedAt
	v.ConnectedAt, v.UpdatedAt = &connected, &updated
	v.LastSyncAt, v.LastFullSyncAt, v.FullSyncDue = c.LastSyncAt, c.LastFullSyncAt, c.FullSyncDue
	if last != nil {
		lr := NewSyncRunView(last)
		v.LastRun = &lr
	}
	return v
}

// Connection reads the organization's connection and its newest run; a nil
// connection means it never connected.
func (s Wave) Connection(ctx context.Context, orgID string) (*finhealth.WaveConnection, *finhealth.SyncRun, error) {
	c, err := s.st.WaveConnection(ctx, orgID)
	if finhealth.ErrorCode(err) == finhealth.ENOTFOUND {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	runs, _, err := s.st.ListSyncRuns(ctx, orgID, "", 1)
	if err != nil {
		return nil, nil, err
	}
	if len(runs) == 0 {
		return c, nil, nil
	}
	return c, runs[0], nil
}

var errWaveNotConnected = finhealth.Errorf(finhealth.ECONFLICT, "Wave is not connected for this organization; connect it first.")

// usableConnection returns a connection whose tokens may be used: connected and not
// refused by Wave.
func (s Wave) usableConnection(ctx context.Context, orgID string) (*finhealth.WaveConnection, error) {
	c, err := s.st.WaveConnection(ctx, orgID)
	if finhealth.ErrorCode(err) == finhealth.ENOTFOUND {
		return nil, errWaveNotConnected
	}
	if err != nil {
		return nil, err
	}
	switch c.Status {
	case finhealth.WaveDisconnected:
		return nil, finhealth.Errorf(finhealth.ECONFLICT, "Wave was disconnected for this organization; connect it again first.")
	case finhealth.WaveNeedsReconnect:
		return nil, finhealth.Errorf(finhealth.ECONFLICT, "%s", finhealth.WaveReconnectReason(c.StatusReason).Message())
	}
	return c, nil
}

// usableTokens returns the tokens of a usable connection (usableConnection), for a
// request's Wave session.
func (s Wave) usableTokens(ctx context.Context, orgID string) (*finhealth.StoredWaveTokens, error) {
	if _, err := s.usableConnection(ctx, orgID); err != nil {
		return nil, err
	}
	tokens, err := finhealth.NewStoredWaveTokens(ctx, s.st, orgID)
	if finhealth.ErrorCode(err) == finhealth.ENOTFOUND {
		// Disconnected since the connection was read.
		return nil, errWaveNotConnected
	}
	return tokens, err
}

// ConnectStarted is the answer to POST .../wave/connect.
type ConnectStarted struct {
	AuthorizeURL string    `json:"authorize_url"`
	ExpiresAt    time.Time `json:"expires_at"`
}

// StartConnect starts an authorization of Wave by the user for the organization (see
// the API's waveConnect) and returns where to send them: Wave's consent page.
func (s Wave) StartConnect(ctx context.Context, orgID, userID string) (ConnectStarted, error) {
	gw, err := s.wave()
	if err != nil {
		return ConnectStarted{}, err
	}
	state, stateHash, err := NewOpaqueToken()
	if err != nil {
		return ConnectStarted{}, err
	}
	verifier, challenge, err := gw.NewPKCE()
	if err != nil {
		return ConnectStarted{}, err
	}
	expires := s.now().Add(OAuthStateTTL).UTC()
	if err := s.st.CreateOAuthState(ctx, finhealth.OAuthState{
		StateHash: stateHash, OrganizationID: orgID, UserID: userID, CodeVerifier: verifier, ExpiresAt: expires,
	}); err != nil {
		return ConnectStarted{}, err
	}
	return ConnectStarted{AuthorizeURL: gw.AuthorizeURL(state, challenge), ExpiresAt: expires}, nil
}

// Callback refusals. The store words its own refusals of a state (unknown, another
// user's, expired, used); the two made here (a malformed state, expiry by the
// server's clock) read the same, so that a caller cannot tell which layer refused.
var (
	errStateUnknown = finhealth.Errorf(finhealth.ENOTFOUND,
		"This Wave authorization request is unknown or was started by someone else. Start connecting Wave again.")
	errStateExpired = finhealth.Errorf(finhealth.EINVALID,
		"This Wave authorization request has expired. Start connecting Wave again.")
	errWaveDeclined = finhealth.Errorf(finhealth.EFORBIDDEN,
		"You declined access in Wave, so nothing was connected. Connect again and choose Allow to link your books.")
	errNoLongerManager = finhealth.Errorf(finhealth.EFORBIDDEN,
		"You no longer have permission to connect Wave for this organization.")
)

// CallbackResult is the answer to the callback: the new connection (pending until a
// business is chosen) and the businesses to choose from.
type CallbackResult struct {
	Connection ConnectionView `json:"connection"`
	Businesses []BusinessView `json:"businesses"`
	// Warning says what went wrong after the connection was saved (the businesses
	// could not be listed); GET .../wave/businesses tries again.
	Warning string `json:"warning,omitempty"`
}

// FinishConnect is the callback's work for the API and the web UI; it returns
// the organization the authorization was for, also with the refusal of a grant that
// came without a refresh token (so that the web UI can offer to connect again).
func (s Wave) FinishConnect(r *http.Request, userID string) (string, CallbackResult, error) {
	gw, err := s.wave()
	if err != nil {
		return "", CallbackResult{}, err
	}
	q := r.URL.Query()
	state := q.Get("state")
	if state == "" {
		return "", CallbackResult{}, finhealth.InvalidFields("The Wave callback has no state.", map[string]string{"state": "is required"})
	}
	if !PlausibleOpaqueToken(state) {
		return "", CallbackResult{}, errStateUnknown
	}
	st, err := s.st.ConsumeOAuthState(r.Context(), HashToken(state), userID)
	if err != nil {
		return "", CallbackResult{}, err
	}
	// The store judges expiry by its own clock; this one is the server's, which
	// tests move.
	if !s.now().Before(st.ExpiresAt) {
		return "", CallbackResult{}, errStateExpired
	}
	m, err := s.st.Membership(r.Context(), st.OrganizationID, userID)
	if finhealth.ErrorCode(err) == finhealth.ENOTFOUND {
		return "", CallbackResult{}, ErrOrgNotFound
	}
	if err != nil {
		return "", CallbackResult{}, err
	}
	if !m.Role.Can(finhealth.PermWaveManage) {
		return "", CallbackResult{}, errNoLongerManager
	}
	if e := q.Get("error"); e != "" {
		return "", CallbackResult{}, authorizeError(e)
	}
	code := q.Get("code")
	if code == "" {
		return "", CallbackResult{}, finhealth.InvalidFields("The Wave callback has neither a code nor an error.", map[string]string{"code": "is required"})
	}

	ctx := r.Context()
	tok, err := gw.Exchange(ctx, code, st.CodeVerifier)
	if errors.Is(err, finhealth.ErrWaveNoRefreshToken) {
		// Wave issued only an access token: nothing is stored, and what was issued is
		// revoked rather than left to expire.
		_ = s.waveFailure(r, "exchange", err)
		return st.OrganizationID, CallbackResult{}, NoLongLivedAccessError(s.abandonGrant(r, gw, tok) == nil)
	}
	if err != nil {
		return "", CallbackResult{}, s.waveFailure(r, "exchange", err)
	}
	// Until it is saved the token lives only here, so the session that reads who
	// granted it gets a key of its own: under the organization's key it could meet a
	// token cached from the previous connection.
	held, heldKey := &heldTokens{tok: tok}, "oauth-callback:"+st.StateHash
	waveUser, err := gw.Session(heldKey, held).User(ctx)
	gw.Forget(heldKey)
	tok, _ = held.Load(ctx)
	if err != nil {
		s.abandonGrant(r, gw, tok)
		return "", CallbackResult{}, s.waveFailure(r, "user", err)
	}
	// Saving overwrites the tokens of the grant this one replaces (a reconnect without
	// disconnecting first), so they are read now, to be revoked once the new ones are
	// saved.
	replaced, hasReplaced := s.replacedGrant(r, st.OrganizationID)
	if _, err := s.st.SaveWaveConnection(ctx, finhealth.WaveConnection{
		OrganizationID: st.OrganizationID, WaveUserID: waveUser.WaveID, WaveUserEmail: waveUser.Email,
	}, tok); err != nil {
		s.abandonGrant(r, gw, tok)
		return "", CallbackResult{}, err
	}
	// Whatever the process cached for the organization belongs to the old grant.
	gw.Forget(st.OrganizationID)
	if hasReplaced {
		s.revokeReplacedGrant(r, gw, st.OrganizationID, replaced, tok)
	}

	res := CallbackResult{Businesses: []BusinessView{}}
	tokens, err := finhealth.NewStoredWaveTokens(ctx, s.st, st.OrganizationID)
	if err != nil {
		return "", CallbackResult{}, err
	}
	bs, err := gw.Session(st.OrganizationID, tokens).Businesses(ctx)
	if err != nil {
		res.Warning = "Wave is connected, but its businesses could not be listed: " +
			finhealth.ErrorMessage(s.waveSessionFailed(r, st.OrganizationID, tokens, "businesses", err)) + " List them again to choose one."
	} else {
		res.Businesses = newBusinessViews(bs)
	}
	conn, last, err := s.Connection(ctx, st.OrganizationID)
	if err != nil {
		return "", CallbackResult{}, err
	}
	res.Connection = s.NewConnectionView(conn, last)
	return st.OrganizationID, res, nil
}

// abandonGrant revokes a grant that nothing will hold (the connection could not be
// saved, or Wave gave no refresh token), so that it does not stay alive at Wave, and
// reports whether that failed (it is logged). The caller's request may be ending, so
// the revocation gets its own deadline.
func (s Wave) abandonGrant(r *http.Request, gw finhealth.WaveGateway, tok finhealth.OAuthToken) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), revokeTimeout)
	defer cancel()
	err := gw.Revoke(ctx, tok)
	if err != nil {
		_ = s.waveFailure(r, "revoke", err)
	}
	return err
}

// replacedGrant reads the tokens a new authorization of the organization is about to
// replace; false when there are none (never connected, or disconnected) or when they
// cannot be read (sealed under a previous SECRET_KEY), which is logged: the new
// connection must not depend on them.
func (s Wave) replacedGrant(r *http.Request, orgID string) (finhealth.OAuthToken, bool) {
	tok, err := s.st.WaveToken(r.Context(), orgID)
	switch {
	case finhealth.ErrorCode(err) == finhealth.ENOTFOUND:
		return tok, false
	case err != nil:
		s.log.LogAttrs(r.Context(), slog.LevelWarn, "reading the Wave grant that a reconnection replaces failed; it cannot be revoked",
			slog.String("request_id", stateFrom(r.Context()).requestID), slog.String("organization_id", orgID),
			slog.String("error", err.Error()))
		return tok, false
	}
	return tok, true
}

// revokeReplacedGrant revokes at Wave the grant that a reconnection replaced, now that
// the new tokens are durably saved, so that the old ones do not stay alive there
// (not even after a later disconnect, which revokes only the new grant). A token the
// new grant shares means that Wave handed out the same grant again, which must live
// on. A failure is logged and not fatal: the new connection works either way. The
// request may be ending, so the revocation gets its own deadline.
func (s Wave) revokeReplacedGrant(r *http.Request, gw finhealth.WaveGateway, orgID string, old, current finhealth.OAuthToken) {
	if old.AccessToken == current.AccessToken || old.RefreshToken != "" && old.RefreshToken == current.RefreshToken {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), revokeTimeout)
	defer cancel()
	if err := gw.Revoke(ctx, old); err != nil {
		s.log.LogAttrs(ctx, slog.LevelWarn, "revoking the Wave grant that a reconnection replaced failed",
			slog.String("request_id", stateFrom(ctx).requestID), slog.String("organization_id", orgID),
			slog.String("error", err.Error()))
	}
}

// NoLongLivedAccessError explains a grant refused because Wave issued no refresh token
// with it (finhealth.ErrWaveNoRefreshToken): the owner can do nothing wrong here, so
// the message says what happened, what was undone and what to try. It is 502: Wave
// answered, with a grant finhealth cannot use.
func NoLongLivedAccessError(revoked bool) error {
	undone := "Nothing was stored, and the access Wave gave was revoked."
	if !revoked {
		undone = "Nothing was stored. finhealth could not revoke the short-lived access Wave gave (it ends by itself within " +
			"hours); you can also remove finhealth from the connected apps in Wave."
	}
	return finhealth.Errorf(finhealth.EBADGATEWAY, "Wave approved the connection but gave finhealth no long-lived access "+
		"(no refresh token), so the connection could not be kept: it would have stopped working within hours. %s "+
		"Connect Wave again. If the same happens, an administrator may need to set WAVE_OFFLINE_ACCESS=true, so that "+
		"finhealth asks Wave for offline access.", undone)
}

// authorizeError words an error Wave sent back instead of a code. The code comes
// from the query string, which anyone can forge, so it is shown only after being
// reduced to plain characters.
func authorizeError(code string) error {
	switch code {
	case "access_denied":
		return errWaveDeclined
	case "server_error", "temporarily_unavailable":
		return finhealth.Errorf(finhealth.EUNAVAILABLE, "Wave could not authorize the connection right now. Try connecting again in a moment.")
	}
	return finhealth.Errorf(finhealth.EINVALID, "Wave could not authorize the connection (%s). Try connecting again.", plainCode(code))
}

func plainCode(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
	if len(s) > 40 {
		s = s[:40]
	}
	if s == "" {
		return "unknown error"
	}
	return s
}

// ListBusinesses lists the connected Wave user's businesses.
func (s Wave) ListBusinesses(r *http.Request, orgID string) ([]BusinessView, error) {
	gw, err := s.wave()
	if err != nil {
		return nil, err
	}
	tokens, err := s.usableTokens(r.Context(), orgID)
	if err != nil {
		return nil, err
	}
	bs, err := gw.Session(orgID, tokens).Businesses(r.Context())
	if err != nil {
		return nil, s.waveSessionFailed(r, orgID, tokens, "businesses", err)
	}
	return newBusinessViews(bs), nil
}

// BusinessChosen is the answer to POST .../wave/business: the active connection and
// the first sync it queued.
type BusinessChosen struct {
	Connection ConnectionView `json:"connection"`
	SyncRun    *SyncRunView   `json:"sync_run"`
	// Warning says why no sync could be queued; POST .../wave/sync tries again.
	Warning string `json:"warning,omitempty"`
}

// ChooseBusiness sets the business to sync and queues its first sync (see the
// API's waveChooseBusiness).
func (s Wave) ChooseBusiness(r *http.Request, orgID, businessID string) (BusinessChosen, error) {
	gw, err := s.wave()
	if err != nil {
		return BusinessChosen{}, err
	}
	f := FieldErrors{}
	id := cleanText(f, "business_id", businessID, true, 256)
	if err := f.Err(); err != nil {
		return BusinessChosen{}, err
	}
	ctx := r.Context()
	tokens, err := s.usableTokens(ctx, orgID)
	if err != nil {
		return BusinessChosen{}, err
	}
	b, err := gw.Session(orgID, tokens).Business(ctx, id)
	if finhealth.ErrorCode(err) == finhealth.ENOTFOUND {
		return BusinessChosen{}, finhealth.InvalidFields("The business was not found in the connected Wave account.",
			map[string]string{"business_id": "is not one of the connected Wave user's businesses"})
	}
	if err != nil {
		return BusinessChosen{}, s.waveSessionFailed(r, orgID, tokens, "business", err)
	}
	if b.IsArchived {
		reason := "is archived in Wave"
		for _, l := range b.Limitations() {
			if l.Code == finhealth.LimitationArchived {
				reason = l.Reason
			}
		}
		return BusinessChosen{}, finhealth.InvalidFields("An archived business cannot be connected.", map[string]string{"business_id": reason})
	}
	conn, err := s.st.ChooseWaveBusiness(ctx, orgID, b)
	if err != nil {
		return BusinessChosen{}, err
	}
	res := BusinessChosen{}
	if s.cfg.Sync == nil {
		res.Warning = ErrSyncNotConfigured.Message
	} else {
		run, err := s.cfg.Sync.EnqueueSync(ctx, orgID, finhealth.SyncFull, finhealth.SyncOnConnect)
		if finhealth.ErrorCode(err) == finhealth.ECONFLICT {
			// The scheduler may have queued a sync of the connection the moment it
			// became active; that run reads the same business.
			run, err = s.activeRun(ctx, orgID, err)
		}
		if err != nil {
			s.log.LogAttrs(ctx, slog.LevelWarn, "queueing the first sync failed",
				slog.String("request_id", stateFrom(ctx).requestID), slog.String("error", err.Error()))
			res.Warning = "The business is connected, but its first sync could not be queued: " + finhealth.ErrorMessage(err)
		} else {
			v := NewSyncRunView(run)
			res.SyncRun = &v
		}
	}
	conn2, last, err := s.Connection(ctx, orgID)
	if err == nil && conn2 != nil {
		conn = conn2
	}
	res.Connection = s.NewConnectionView(conn, last)
	return res, nil
}

// activeRun returns the organization's queued or running run, or cause when there is
// none (the conflict was about the connection, not another run).
func (s Wave) activeRun(ctx context.Context, orgID string, cause error) (*finhealth.SyncRun, error) {
	runs, _, err := s.st.ListSyncRuns(ctx, orgID, "", 1)
	if err != nil {
		return nil, err
	}
	if len(runs) == 1 && runs[0].Status.Active() {
		return runs[0], nil
	}
	return nil, cause
}

// Disconnected is the answer to DELETE .../wave.
type Disconnected struct {
	Connection ConnectionView `json:"connection"`
	// Warnings say what could not be done at Wave; the local deletion happened anyway.
	Warnings []string `json:"warnings"`
}

// Disconnect revokes the grant at Wave and deletes the tokens (see the API's
// waveDisconnect).
func (s Wave) Disconnect(r *http.Request, orgID string) (Disconnected, error) {
	gw := s.cfg.Wave
	ctx := r.Context()
	if _, err := s.st.WaveConnection(ctx, orgID); err != nil {
		if finhealth.ErrorCode(err) == finhealth.ENOTFOUND {
			return Disconnected{}, finhealth.Errorf(finhealth.ENOTFOUND, "Wave is not connected for this organization.")
		}
		return Disconnected{}, err
	}
	res := Disconnected{Warnings: []string{}}
	tok, err := s.st.WaveToken(ctx, orgID)
	switch {
	case finhealth.ErrorCode(err) == finhealth.ENOTFOUND:
		// Already disconnected: nothing left to revoke.
	case err != nil:
		// Typically tokens sealed under a previous SECRET_KEY: they cannot be sent to
		// Wave, but stopping finhealth from reading must not depend on them.
		s.log.LogAttrs(ctx, slog.LevelError, "reading the Wave token to revoke it failed",
			slog.String("request_id", stateFrom(ctx).requestID), slog.String("error", err.Error()))
		res.Warnings = append(res.Warnings, "finhealth could not read its stored Wave credentials (they may have been encrypted "+
			"under a previous secret key), so it could not ask Wave to revoke them. It has deleted them anyway; "+
			"remove finhealth from the connected apps in Wave as well.")
	case gw == nil:
		res.Warnings = append(res.Warnings, "Wave is not configured on this instance, so it could not be told to revoke finhealth's access. "+
			"finhealth has deleted its credentials anyway; you can also remove finhealth from the connected apps in Wave.")
	default:
		rctx, cancel := context.WithTimeout(ctx, revokeTimeout)
		rerr := gw.Revoke(rctx, tok)
		cancel()
		if rerr != nil {
			msg := finhealth.ErrorMessage(s.waveFailure(r, "revoke", rerr))
			res.Warnings = append(res.Warnings, "Wave could not be told to revoke finhealth's access ("+strings.TrimSuffix(msg, ".")+
				"). finhealth has deleted its credentials anyway; you can also remove finhealth from the connected apps in Wave.")
		}
	}
	if err := s.st.DeleteWaveConnection(ctx, orgID); err != nil {
		return Disconnected{}, err
	}
	if gw != nil {
		gw.Forget(orgID)
	}
	conn, last, err := s.Connection(ctx, orgID)
	if err != nil {
		return Disconnected{}, err
	}
	res.Connection = s.NewConnectionView(conn, last)
	return res, nil
}

// SyncNow queues a sync requested by a member.
func (s Wave) SyncNow(ctx context.Context, orgID string, kind finhealth.SyncKind) (*finhealth.SyncRun, error) {
	if s.cfg.Sync == nil {
		return nil, ErrSyncNotConfigured
	}
	run, err := s.cfg.Sync.EnqueueSync(ctx, orgID, kind, finhealth.SyncManual)
	if finhealth.ErrorCode(err) == finhealth.ECONFLICT {
		if active, aerr := s.activeRun(ctx, orgID, err); aerr == nil {
			return nil, finhealth.Errorf(finhealth.ECONFLICT, "A Wave sync is already %s for this organization (run %s); wait for it to finish.",
				active.Status, active.ID)
		}
	}
	return run, err
}

// ErrSyncRunNotFound answers a sync run id that names no run of the organization.
var ErrSyncRunNotFound = finhealth.Errorf(finhealth.ENOTFOUND, "Sync run not found.")
