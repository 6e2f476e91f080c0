package wave_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"finhealth"
	"finhealth/wave"
	"finhealth/wave/wavetest"
)

type memTokens struct {
	mu    sync.Mutex
	tok   finhealth.OAuthToken
	saves int
}

func (m *memTokens) Load(context.Context) (finhealth.OAuthToken, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.tok, nil
}

func (m *memTokens) Save(_ context.Context, t finhealth.OAuthToken) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tok = t
	m.saves++
	return nil
}

// TestWaveGatewayAgainstFake runs the adapter through the whole OAuth flow and every
// read against the fake Wave, so that a mismatch between the domain interfaces and
// the client (an option dropped, an argument not passed) shows here.
func TestWaveGatewayAgainstFake(t *testing.T) {
	ctx := context.Background()
	clock := wavetest.NewClock(time.Date(2025, 6, 15, 12, 0, 0, 0, time.UTC))
	srv := wavetest.NewServer(wavetest.Options{Now: clock.Now, RequirePKCE: true})
	t.Cleanup(srv.Close)
	cfg := wave.DefaultConfig()
	cfg.ClientID, cfg.ClientSecret, cfg.RedirectURI = wavetest.DefaultClientID, wavetest.DefaultClientSecret, wavetest.DefaultRedirectURI
	cfg.SetOAuthBase(srv.Endpoints().OAuthBase)
	cfg.GraphQLURL = srv.Endpoints().GraphQLURL
	cfg.RequestsPerSecond, cfg.PageSize = 0, 50
	cfg.Now, cfg.Sleep = clock.Now, clock.Sleep
	client, err := wave.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var g finhealth.WaveGateway = wave.NewGateway(client)

	verifier, challenge, err := g.NewPKCE()
	if err != nil || verifier == "" || challenge == "" || verifier == challenge {
		t.Fatalf("NewPKCE: %q %q %v", verifier, challenge, err)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(g.AuthorizeURL("state-1", challenge))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Query().Get("state") != "state-1" || loc.Query().Get("code") == "" {
		t.Fatalf("authorize redirect %q: %v", resp.Header.Get("Location"), err)
	}
	tok, err := g.Exchange(ctx, loc.Query().Get("code"), verifier)
	if err != nil || tok.RefreshToken == "" {
		t.Fatalf("Exchange: %v", err)
	}

	tokens := &memTokens{tok: tok}
	s := g.Session("org-1", tokens)
	seed := srv.Seed()
	if u, err := s.User(ctx); err != nil || u.WaveID != seed.UserID {
		t.Fatalf("User: %+v %v", u, err)
	}
	if bs, err := s.Businesses(ctx); err != nil || len(bs) != 3 {
		t.Fatalf("Businesses: %d %v", len(bs), err)
	}
	acme := seed.AcmeBusinessID
	if b, err := s.Business(ctx, acme); err != nil || b.Name != "Acme Bakery" || b.Currency != "USD" {
		t.Fatalf("Business: %+v %v", b, err)
	}
	if st, err := s.AccountSubtypes(ctx); err != nil || len(st) == 0 {
		t.Fatalf("AccountSubtypes: %d %v", len(st), err)
	}

	count := func(each func(fn func(int) error) error) int {
		t.Helper()
		n := 0
		if err := each(func(k int) error { n += k; return nil }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	accounts := count(func(fn func(int) error) error {
		return s.EachAccountPage(ctx, acme, 0, func(p []finhealth.LedgerAccount) error { return fn(len(p)) })
	})
	if want := len(srv.Accounts(acme)); accounts != want { // archived ones included
		t.Errorf("accounts: %d, want %d", accounts, want)
	}
	invoices := count(func(fn func(int) error) error {
		return s.EachInvoicePage(ctx, acme, time.Time{}, 0, func(p []finhealth.Invoice) error { return fn(len(p)) })
	})
	if invoices != 120 {
		t.Errorf("invoices: %d, want 120", invoices)
	}
	all := srv.Invoices(acme)
	after := all[99].ModifiedAt
	wantAfter := 0
	for _, inv := range all {
		if inv.ModifiedAt.After(after) {
			wantAfter++
		}
	}
	modified := count(func(fn func(int) error) error {
		return s.EachInvoicePage(ctx, acme, after, 0, func(p []finhealth.Invoice) error { return fn(len(p)) })
	})
	if modified != wantAfter || wantAfter == 0 {
		t.Errorf("invoices modified after the watermark: %d, want %d", modified, wantAfter)
	}
	customers := count(func(fn func(int) error) error {
		return s.EachCustomerPage(ctx, acme, 0, func(p []finhealth.Customer) error { return fn(len(p)) })
	})
	if want := len(srv.Customers(acme)); customers != want {
		t.Errorf("customers: %d, want %d", customers, want)
	}

	// A revoked grant can no longer refresh: the session reports a reconnect.
	if err := g.Revoke(ctx, tokens.tok); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	g.Forget("org-1")
	srv.ExpireAccessTokens()
	_, err = g.Session("org-1", tokens).User(ctx)
	var re *finhealth.WaveReconnectError
	if !errors.As(err, &re) || re.Reason != finhealth.WaveGrantRevoked {
		t.Fatalf("after revoke: %v, want a grant_revoked reconnect error", err)
	}
}

// TestGatewayRevokeBothTokens checks that Revoke sends the refresh token first (it
// ends the grant) and then the access token (which a server need not revoke with its
// grant), that the access token is revoked even when the refresh token could not be,
// and that a grant without a refresh token gets its access token revoked.
func TestGatewayRevokeBothTokens(t *testing.T) {
	ctx := context.Background()
	fake := wavetest.New(wavetest.Options{})
	var (
		mu      sync.Mutex
		sent    []string
		failFor string // a token whose revocation answers 503
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/oauth2/token-revoke/" {
			_ = r.ParseForm()
			mu.Lock()
			tok, fail := r.PostForm.Get("token"), failFor
			sent = append(sent, tok)
			mu.Unlock()
			if tok == fail {
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
		}
		fake.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	cfg := wave.DefaultConfig()
	cfg.ClientID, cfg.ClientSecret, cfg.RedirectURI = wavetest.DefaultClientID, wavetest.DefaultClientSecret, wavetest.DefaultRedirectURI
	cfg.SetOAuthBase(srv.URL)
	cfg.GraphQLURL = srv.URL + "/graphql/public"
	cfg.RequestsPerSecond, cfg.MaxRetries = 0, 0
	client, err := wave.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	g := wave.NewGateway(client)
	grant := func() finhealth.OAuthToken {
		t.Helper()
		resp, err := noFollowClient.Get(g.AuthorizeURL("s", ""))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, _ := url.Parse(resp.Header.Get("Location"))
		tok, err := g.Exchange(ctx, loc.Query().Get("code"), "")
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	works := func(tok finhealth.OAuthToken) bool {
		_, err := g.Session("", &memTokens{tok: tok}).User(ctx)
		return err == nil
	}
	reset := func(fail string) {
		mu.Lock()
		defer mu.Unlock()
		sent, failFor = nil, fail
	}
	sentNow := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), sent...)
	}

	tok := grant()
	reset("")
	if err := g.Revoke(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if got := sentNow(); !slices.Equal(got, []string{tok.RefreshToken, tok.AccessToken}) {
		t.Errorf("revoked %d tokens, want the refresh token then the access token", len(got))
	}
	if works(tok) {
		t.Error("the grant survived Revoke")
	}

	tok = grant()
	reset(tok.RefreshToken)
	if err := g.Revoke(ctx, tok); !errors.Is(err, wave.ErrUnavailable) {
		t.Errorf("refresh token not revoked: %v, want ErrUnavailable", err)
	}
	if got := sentNow(); len(got) != 2 || got[1] != tok.AccessToken {
		t.Errorf("the access token was not revoked after the refresh token failed (%d sent)", len(got))
	}

	tok = grant()
	tok.RefreshToken = ""
	reset("")
	if err := g.Revoke(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if got := sentNow(); !slices.Equal(got, []string{tok.AccessToken}) || works(tok) {
		t.Errorf("access token alone: sent %d, still works %v", len(got), works(tok))
	}
	if err := g.Revoke(ctx, finhealth.OAuthToken{}); err != nil || len(sentNow()) != 1 {
		t.Errorf("an empty token: %v", err)
	}
}

var noFollowClient = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
