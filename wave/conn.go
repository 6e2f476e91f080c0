package wave

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"finhealth"
)

// TokenStore loads and saves one connection's token; the store implements it over its
// encrypted token columns. Save must be durable when it returns: the Conn saves a
// rotated refresh token before it sends a single request with the new access token, so
// that a crash can never leave the only valid refresh token in memory.
type TokenStore interface {
	Load(ctx context.Context) (finhealth.OAuthToken, error)
	Save(ctx context.Context, tok finhealth.OAuthToken) error
}

// expiryLeeway treats a token as expired this long before Wave would, so that it does
// not die between our check and Wave's.
const expiryLeeway = time.Minute

// saveTimeout bounds a Save or refresh that runs detached from a cancelled caller: a
// refresh Wave has already performed must still be recorded, or the grant is lost.
const saveTimeout = 30 * time.Second

// connState is what every Conn for one connection shares within the process: the
// cached token, the lock that serializes refreshes, and the gate (rate limit and
// requests in flight).
type connState struct {
	mu      sync.Mutex // held while loading, refreshing and saving the token
	tok     finhealth.OAuthToken
	loaded  bool
	unsaved bool // tok came from a refresh whose Save failed; save before use
	gate    *gate
}

// Conn is one organization's connection to Wave. Conns are cheap; all those returned
// for the same key share a token lock and a rate limiter.
type Conn struct {
	c     *Client
	st    *connState
	store TokenStore
}

// Conn returns the connection identified by key (e.g. finhealth's connection id),
// whose tokens live in store. Every Conn with the same key shares one token lock and
// one gate, so that two jobs on one connection never refresh twice (which would burn
// the rotated refresh token) nor together exceed the rate limit. An empty key gets
// state of its own.
func (c *Client) Conn(key string, store TokenStore) *Conn {
	if key == "" {
		return &Conn{c: c, st: &connState{gate: c.newGate()}, store: store}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.conns[key]
	if st == nil {
		st = &connState{gate: c.newGate()}
		c.conns[key] = st
	}
	return &Conn{c: c, st: st, store: store}
}

// Forget drops the shared state of a connection (after disconnecting it), so that a
// later connect starts from the store rather than from a cached token.
func (c *Client) Forget(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.conns, key)
}

// accessToken returns a usable access token, refreshing it first if it has expired.
func (cn *Conn) accessToken(ctx context.Context) (string, error) {
	st := cn.st
	st.mu.Lock()
	defer st.mu.Unlock()
	if err := cn.loadLocked(ctx); err != nil {
		return "", err
	}
	if st.tok.Expired(cn.c.now(), expiryLeeway) {
		if err := cn.refreshLocked(ctx); err != nil {
			return "", err
		}
	}
	return st.tok.AccessToken, nil
}

// refreshAfterReject refreshes after Wave rejected used, unless another caller has
// refreshed since: concurrent requests rejected together must cause one refresh.
func (cn *Conn) refreshAfterReject(ctx context.Context, used string) error {
	st := cn.st
	st.mu.Lock()
	defer st.mu.Unlock()
	if err := cn.loadLocked(ctx); err != nil {
		return err
	}
	if st.tok.AccessToken != used && !st.tok.Expired(cn.c.now(), expiryLeeway) {
		return nil
	}
	return cn.refreshLocked(ctx)
}

func (cn *Conn) loadLocked(ctx context.Context) error {
	st := cn.st
	if st.unsaved {
		if err := cn.saveLocked(ctx); err != nil {
			return err
		}
	}
	if st.loaded {
		return nil
	}
	tok, err := cn.store.Load(ctx)
	if err != nil {
		return fmt.Errorf("wave: loading the connection's token: %w", err)
	}
	st.tok, st.loaded = tok, true
	return nil
}

func (cn *Conn) saveLocked(ctx context.Context) error {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), saveTimeout)
	defer cancel()
	if err := cn.store.Save(sctx, cn.st.tok); err != nil {
		if errors.Is(err, finhealth.ErrWaveGrantReplaced) || finhealth.ErrorCode(err) == finhealth.ENOTFOUND {
			cn.revokeOrphanLocked(sctx)
			return fmt.Errorf("wave: saving the refreshed token: %w", err)
		}
		cn.st.unsaved = true
		return fmt.Errorf("wave: saving the refreshed token: %w", err)
	}
	cn.st.unsaved = false
	return nil
}

// revokeOrphanLocked revokes a refreshed token that the store refused for good: the
// owner connected again (ErrWaveGrantReplaced) or disconnected (ENOTFOUND) while the
// refresh ran. Wave rotated the refresh token, so what the reconnection or the
// disconnect revoked was the one before it; without this, the rotated one would stay
// alive at Wave with nothing to hold it. Best effort: a failure is logged. The
// process then forgets the token and reads the store again.
func (cn *Conn) revokeOrphanLocked(ctx context.Context) {
	tok := cn.st.tok
	cn.st.tok, cn.st.loaded, cn.st.unsaved = finhealth.OAuthToken{}, false, false
	for _, t := range []string{tok.RefreshToken, tok.AccessToken} {
		if t == "" {
			continue
		}
		if err := cn.c.Revoke(ctx, t); err != nil {
			cn.c.log.WarnContext(ctx, "wave: revoking a refreshed token the store refused failed", "error", err.Error())
		}
	}
}

// refreshLocked trades the refresh token for a new pair and saves it before anything
// uses it. The exchange and the save run detached from the caller's cancellation:
// once Wave has rotated the token, only the new one works.
func (cn *Conn) refreshLocked(ctx context.Context) error {
	st := cn.st
	if st.tok.RefreshToken == "" {
		return &finhealth.WaveReconnectError{Reason: finhealth.WaveTokenRejected, Detail: "the access token expired and there is no refresh token",
			GrantID: st.tok.GrantID}
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), saveTimeout+cn.c.cfg.RequestTimeout)
	defer cancel()
	tok, err := cn.c.Refresh(rctx, st.tok.RefreshToken)
	var re *finhealth.WaveReconnectError
	if errors.As(err, &re) && re.Reason == finhealth.WaveGrantRevoked {
		// Another process sharing this connection may have rotated the token since we
		// loaded it; what the store holds now is the only one that can still work.
		if stored, lerr := cn.store.Load(rctx); lerr == nil && stored.RefreshToken != "" && stored.RefreshToken != st.tok.RefreshToken {
			cn.c.log.DebugContext(ctx, "wave refresh token was rotated elsewhere; using the stored one")
			st.tok = stored
			if !stored.Expired(cn.c.now(), expiryLeeway) {
				return nil
			}
			tok, err = cn.c.Refresh(rctx, stored.RefreshToken)
		}
	}
	if errors.As(err, &re) {
		// The refused token is the one held now (the stored one, if it was
		// reloaded above); its grant is what the refusal is about.
		re.GrantID = st.tok.GrantID
	}
	if err != nil {
		return err
	}
	// The new pair belongs to the grant that was refreshed; the store saves it only
	// while that grant is still the stored one.
	tok.GrantID = st.tok.GrantID
	st.tok = tok
	st.unsaved = true
	return cn.saveLocked(ctx)
}

// rejected turns a second UNAUTHENTICATED, right after a successful refresh, into a
// needs-reconnect: retrying further would only repeat it.
func rejected(err error) error {
	return &finhealth.WaveReconnectError{Reason: finhealth.WaveTokenRejected, Detail: err.Error()}
}
