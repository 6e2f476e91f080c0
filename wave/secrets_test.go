package wave_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"finhealth"
	"finhealth/wave"
	"finhealth/wave/wavetest"
)

// TestNoSecretsInLogs runs every path that touches a secret (authorize, exchange,
// queries, expiry and refresh, a 401 retry, throttling, failures, invalid_grant,
// revoke) with a debug-level capturing logger, and asserts that no access token,
// refresh token, authorization code, PKCE verifier or client secret appears in any
// log line or returned error. It also logs and prints a token by mistake, the way a
// careless caller would.
func TestNoSecretsInLogs(t *testing.T) {
	e := newEnv(t, wavetest.Options{AuthFailureStatus: 401}, nil)
	ctx := context.Background()
	var errs []error
	note := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}

	verifier, challenge := wave.NewPKCE()
	q := e.authorize(t, "state", challenge)
	code, _, err := wave.ParseCallback(q)
	note(err)
	_, err = e.client.Exchange(ctx, code, "wrong-verifier-"+verifier)
	note(err)
	q = e.authorize(t, "state", challenge)
	code, _, _ = wave.ParseCallback(q)
	tok, err := e.client.Exchange(ctx, code, verifier)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.client.Exchange(ctx, code, verifier) // replay
	note(err)
	_, challenge2 := wave.NewPKCE()
	code2, _, _ := wave.ParseCallback(e.authorize(t, "s2", challenge2))
	tok2, err := e.client.Exchange(ctx, code2, "")
	note(err)

	store := &memStore{tok: tok2}
	cn := e.client.Conn("leak", store)
	acme := e.srv.Seed().AcmeBusinessID
	_, err = cn.Businesses(ctx)
	note(err)
	e.srv.ExpireAccessTokens() // 401 then refresh
	_, err = cn.Invoices(ctx, acme, wave.InvoiceQuery{PageSize: 50})
	note(err)
	e.clock.Advance(3 * time.Hour) // client-side expiry then refresh
	e.srv.RateLimitNext(2, time.Second)
	_, err = cn.Customers(ctx, acme, wave.CustomerQuery{})
	note(err)
	e.srv.FailNext(10, 503)
	_, err = cn.Accounts(ctx, acme, wave.AccountQuery{})
	note(err)
	e.srv.FailNext(0, 0)
	_, err = cn.User(ctx)
	note(err)
	_, err = e.client.Refresh(ctx, tok.RefreshToken) // dead after the replay
	note(err)
	note(e.client.Revoke(ctx, store.token().RefreshToken))
	_, err = cn.User(ctx) // revoked grant
	note(err)
	if len(errs) < 5 {
		t.Fatalf("only %d error paths exercised: %v", len(errs), errs)
	}

	// Mistakes a caller could make with a token or the config.
	log := slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	log.Info("token", "token", tok, "ptr", &tok, "config", e.cfg)
	log.Info("printed", "v", fmt.Sprint(tok), "pv", fmt.Sprintf("%+v", tok), "gv", fmt.Sprintf("%#v", tok), "d", fmt.Sprintf("%d", tok),
		"x", fmt.Sprintf("%x", tok), "cfg", fmt.Sprintf("%+v", e.cfg))
	b, _ := json.Marshal(struct{ T finhealth.OAuthToken }{tok})
	log.Info("json", "body", string(b))
	for _, err := range errs {
		log.Info("error", "err", err.Error(), "msg", finhealth.ErrorMessage(err))
	}

	logs := e.logs.String()
	if !strings.Contains(logs, `"level":"DEBUG"`) || !strings.Contains(logs, "wave request") {
		t.Fatal("the capturing logger saw no debug lines: the test proves nothing")
	}
	secrets := append(e.srv.IssuedSecrets(), verifier, code, code2)
	if len(secrets) < 8 {
		t.Fatalf("only %d secrets issued", len(secrets))
	}
	for _, s := range secrets {
		if strings.Contains(logs, s) {
			t.Errorf("secret %.4s… appears in the logs", s)
		}
		for _, err := range errs {
			if strings.Contains(err.Error(), s) {
				t.Errorf("secret %.4s… appears in error %q", s, err.Error())
			}
		}
	}
	var re *finhealth.WaveReconnectError
	if !errors.As(errs[len(errs)-1], &re) {
		t.Fatalf("last error %v: want a reconnect error", errs[len(errs)-1])
	}
}
