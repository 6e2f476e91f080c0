package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"finhealth"
)

// warehouseStore is a store with the warehouse. The suite asserts it at run time so
// that it can be registered before finhealth.Store embeds WarehouseService.
type warehouseStore interface {
	finhealth.Store
	finhealth.WarehouseService
}

// runWarehouse runs the warehouse part of the suite.
func runWarehouse(t *testing.T, open func(t *testing.T, now func() time.Time) finhealth.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s warehouseStore)
	}{
		{"WaveConnection", testWaveConnection},
		{"WaveConnectionRejected", testWaveConnectionRejected},
		{"WaveReconnect", testWaveReconnect},
		{"WaveRefusalOfReplacedGrant", testWaveRefusalOfReplacedGrant},
		{"ActiveWaveConnections", testActiveWaveConnections},
		{"OAuthState", testOAuthState},
		{"OAuthStateExpired", testOAuthStateExpired},
		{"OAuthStateConcurrentConsume", testOAuthStateConcurrentConsume},
		{"SyncRuns", testSyncRuns},
		{"SyncRunAttempts", testSyncRunAttempts},
		{"SyncRunPartial", testSyncRunPartial},
		{"SyncRunWait", testSyncRunWait},
		{"SyncRunResume", testSyncRunResume},
		{"AccountSubtypes", testAccountSubtypes},
		{"SyncRunOnePerOrganization", testSyncRunOnePerOrganization},
		{"SyncRunsRejected", testSyncRunsRejected},
		{"SyncRunPagination", testSyncRunPagination},
		{"SyncWatermarks", testSyncWatermarks},
		{"UpsertLedger", testUpsertLedger},
		{"UpsertIdempotent", testUpsertIdempotent},
		{"UpsertCountsChanges", testUpsertCountsChanges},
		{"UpsertResumedAfterCrash", testUpsertResumedAfterCrash},
		{"UpsertRejected", testUpsertRejected},
		{"PruneUnseen", testPruneUnseen},
		{"LedgerSnapshotWindow", testLedgerSnapshotWindow},
		{"LedgerSummaryMatchesInvoices", testLedgerSummaryMatchesInvoices},
		{"LedgerSummaryPaidUp", testLedgerSummaryPaidUp},
		{"LedgerSummaryTooLarge", testLedgerSummaryTooLarge},
		{"LedgerSummaryAfterChanges", testLedgerSummaryAfterChanges},
		{"ChooseOtherBusiness", testChooseOtherBusiness},
		{"BalanceSnapshots", testBalanceSnapshots},
		{"ReceivablesSnapshots", testReceivablesSnapshots},
		{"AccountOverrides", testAccountOverrides},
		{"MappingAccounts", testMappingAccounts},
		{"Metrics", testMetrics},
		{"HealthScores", testHealthScores},
		{"Portfolio", testPortfolio},
		{"WarehouseTenantIsolation", testWarehouseTenantIsolation},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, ok := openWithClock(t, open).(warehouseStore)
			if !ok {
				t.Fatal("the store does not implement finhealth.WarehouseService")
			}
			tc.fn(t, s)
		})
	}
}

// day is a fixed calendar base for ledger fixtures, so that expected values do not
// depend on when the suite runs.
var day = time.Date(2025, 3, 14, 0, 0, 0, 0, time.UTC)

func waveToken(tag string) finhealth.OAuthToken {
	return finhealth.OAuthToken{
		AccessToken:  "access-" + tag + "-secret",
		RefreshToken: "refresh-" + tag + "-secret",
		TokenType:    "Bearer",
		ExpiresAt:    time.Now().Add(2 * time.Hour).UTC().Truncate(time.Microsecond),
		Scope:        "account:read business:read invoice:read",
	}
}

func business(id string) finhealth.WaveBusiness {
	return finhealth.WaveBusiness{
		ID: id, Name: "Business " + id, Currency: "USD", CurrencyExponent: 2,
		OrganizationalType: "CORPORATION", Timezone: "America/Toronto",
		CreatedAt: day.AddDate(-3, 0, 0), ModifiedAt: day.AddDate(0, -1, 0),
	}
}

// connect gives the organization an active connection to business "biz-<org id>".
func connect(t *testing.T, s warehouseStore, owner *finhealth.User, orgID string) *finhealth.WaveConnection {
	t.Helper()
	ctx := actorCtx(owner)
	_, err := s.SaveWaveConnection(ctx, finhealth.WaveConnection{
		OrganizationID: orgID, WaveUserID: "wave-user-" + orgID, WaveUserEmail: owner.Email,
	}, waveToken(orgID))
	must(t, err)
	c, err := s.ChooseWaveBusiness(ctx, orgID, business("biz-"+orgID))
	must(t, err)
	return c
}

// grantOf is the grant of the organization's stored tokens.
func grantOf(t *testing.T, s warehouseStore, orgID string) string {
	t.Helper()
	tok, err := s.WaveToken(context.Background(), orgID)
	must(t, err)
	return tok.GrantID
}

func testWaveConnection(t *testing.T, s warehouseStore) {
	owner, org := register(t, s, "owner@example.com")
	ctx := actorCtx(owner)
	tok := waveToken("one")

	_, err := s.WaveConnection(ctx, org.ID)
	wantCode(t, err, finhealth.ENOTFOUND)

	c, err := s.SaveWaveConnection(ctx, finhealth.WaveConnection{
		OrganizationID: org.ID, WaveUserID: "VXNlcjox", WaveUserEmail: "owner@wave.example",
	}, tok)
	must(t, err)
	if c.Status != finhealth.WavePendingBusiness || c.ConnectedBy != owner.ID || c.BusinessID != "" ||
		c.Business != nil || len(c.Scopes) != 3 || c.LastSyncAt != nil {
		t.Fatalf("saved connection = %+v", c)
	}
	recent(t, "ConnectedAt", c.ConnectedAt)
	stored, err := s.WaveConnection(ctx, org.ID)
	must(t, err)
	wantEqual(t, "stored connection", stored, c)

	got, err := s.WaveToken(ctx, org.ID)
	must(t, err)
	if got.AccessToken != tok.AccessToken || got.RefreshToken != tok.RefreshToken || got.TokenType != "Bearer" ||
		!got.ExpiresAt.Equal(tok.ExpiresAt) || got.Scope != tok.Scope {
		t.Fatalf("token = %#v, want %#v", got, tok)
	}

	// Choosing the business activates the connection.
	b := business("QnVzaW5lc3M6MQ==")
	b.IsClassicInvoicing = true
	c, err = s.ChooseWaveBusiness(ctx, org.ID, b)
	must(t, err)
	if c.Status != finhealth.WaveActive || c.BusinessID != b.ID || c.BusinessName != b.Name || c.Currency != "USD" ||
		c.CurrencyExponent != 2 || c.Business == nil || !c.Business.IsClassicInvoicing {
		t.Fatalf("connection after choosing = %+v", c)
	}
	stored, err = s.WaveConnection(ctx, org.ID)
	must(t, err)
	wantEqual(t, "stored business", *stored.Business, b)

	if got.GrantID == "" {
		t.Fatal("the stored token has no grant id")
	}

	// A refresh replaces the token; the new one is what is read, of the same grant.
	rotated := waveToken("two")
	rotated.GrantID = got.GrantID
	must(t, s.SaveWaveToken(ctx, org.ID, rotated))
	got, err = s.WaveToken(ctx, org.ID)
	must(t, err)
	if got.AccessToken != rotated.AccessToken || got.RefreshToken != rotated.RefreshToken || got.GrantID != rotated.GrantID {
		t.Fatalf("token after rotation = %#v", got)
	}
	// A token without an expiry stays without one.
	rotated.ExpiresAt = time.Time{}
	must(t, s.SaveWaveToken(ctx, org.ID, rotated))
	got, err = s.WaveToken(ctx, org.ID)
	must(t, err)
	if !got.ExpiresAt.IsZero() {
		t.Fatalf("expiry = %v, want none", got.ExpiresAt)
	}

	c, err = s.SetWaveConnectionStatus(ctx, org.ID, grantOf(t, s, org.ID), finhealth.WaveNeedsReconnect, string(finhealth.WaveSubscriptionLapsed))
	must(t, err)
	if c.Status != finhealth.WaveNeedsReconnect || c.StatusReason != string(finhealth.WaveSubscriptionLapsed) {
		t.Fatalf("connection = %+v", c)
	}
	// The same status again changes and audits nothing.
	_, err = s.SetWaveConnectionStatus(ctx, org.ID, grantOf(t, s, org.ID), finhealth.WaveNeedsReconnect, string(finhealth.WaveSubscriptionLapsed))
	must(t, err)
	_, err = s.ChooseWaveBusiness(ctx, org.ID, b)
	wantCode(t, err, finhealth.ECONFLICT)

	must(t, s.DeleteWaveConnection(ctx, org.ID))
	stored, err = s.WaveConnection(ctx, org.ID)
	must(t, err)
	if stored.Status != finhealth.WaveDisconnected || stored.BusinessID != b.ID {
		t.Fatalf("after disconnect = %+v", stored)
	}
	_, err = s.WaveToken(ctx, org.ID)
	wantCode(t, err, finhealth.ENOTFOUND)
	// A refresh that finishes after the disconnect does not bring the tokens back.
	wantCode(t, s.SaveWaveToken(ctx, org.ID, rotated), finhealth.ENOTFOUND)
	_, err = s.WaveToken(ctx, org.ID)
	wantCode(t, err, finhealth.ENOTFOUND)
	must(t, s.DeleteWaveConnection(ctx, org.ID)) // twice is fine
	_, err = s.SetWaveConnectionStatus(ctx, org.ID, rotated.GrantID, finhealth.WaveActive, "")
	wantCode(t, err, finhealth.ECONFLICT)
	_, err = s.ChooseWaveBusiness(ctx, org.ID, b)
	wantCode(t, err, finhealth.ECONFLICT)

	wantEqual(t, "audit", auditActions(t, s, org.ID), []string{
		finhealth.AuditUserRegistered, finhealth.AuditWaveConnected, finhealth.AuditWaveBusinessChosen,
		finhealth.AuditWaveStatusChanged, finhealth.AuditWaveDisconnected,
	})
	entries := allAudit(t, s, finhealth.AuditFilter{OrganizationID: org.ID, Action: finhealth.AuditWaveBusinessChosen})
	if entries[0].ActorID != owner.ID || entries[0].Details["business_id"] != b.ID ||
		entries[0].Details["limitation_classic_invoicing"] != "true" {
		t.Fatalf("business audit = %+v", entries[0])
	}
	// No audit entry carries a secret.
	for _, e := range allAudit(t, s, finhealth.AuditFilter{OrganizationID: org.ID}) {
		if strings.Contains(fmt.Sprint(e.Details), "secret") {
			t.Fatalf("audit entry leaks a token: %+v", e)
		}
	}
}

func testWaveConnectionRejected(t *testing.T, s warehouseStore) {
	owner, org := register(t, s, "owner@example.com")
	ctx := actorCtx(owner)
	base := finhealth.WaveConnection{OrganizationID: org.ID, WaveUserID: "u"}

	_, err := s.SaveWaveConnection(ctx, finhealth.WaveConnection{OrganizationID: org.ID}, waveToken("x"))
	wantCode(t, err, finhealth.EINVALID)
	_, err = s.SaveWaveConnection(ctx, base, finhealth.OAuthToken{RefreshToken: "r"})
	wantCode(t, err, finhealth.EINVALID)
	bad := base
	bad.Status = finhealth.WaveActive // active needs a business
	_, err = s.SaveWaveConnection(ctx, bad, waveToken("x"))
	wantCode(t, err, finhealth.EINVALID)
	bad.Status = finhealth.WaveDisconnected
	_, err = s.SaveWaveConnection(ctx, bad, waveToken("x"))
	wantCode(t, err, finhealth.EINVALID)
	unknown := base
	unknown.OrganizationID = "0190a000-0000-7000-8000-000000000000"
	_, err = s.SaveWaveConnection(ctx, unknown, waveToken("x"))
	wantCode(t, err, finhealth.ENOTFOUND)

	_, err = s.ChooseWaveBusiness(ctx, org.ID, business("b"))
	wantCode(t, err, finhealth.ENOTFOUND)
	_, err = s.SetWaveConnectionStatus(ctx, org.ID, "grant-x", finhealth.WaveNeedsReconnect, "x")
	wantCode(t, err, finhealth.ENOTFOUND)
	wantCode(t, s.DeleteWaveConnection(ctx, org.ID), finhealth.ENOTFOUND)
	wantCode(t, s.SaveWaveToken(ctx, org.ID, waveToken("x")), finhealth.ENOTFOUND)

	_, err = s.SaveWaveConnection(ctx, base, waveToken("x"))
	must(t, err)
	_, err = s.ChooseWaveBusiness(ctx, org.ID, finhealth.WaveBusiness{Name: "no id"})
	wantCode(t, err, finhealth.EINVALID)
	grant := grantOf(t, s, org.ID)
	_, err = s.SetWaveConnectionStatus(ctx, org.ID, grant, "sleeping", "")
	wantCode(t, err, finhealth.EINVALID)
	_, err = s.SetWaveConnectionStatus(ctx, org.ID, grant, finhealth.WaveDisconnected, "")
	wantCode(t, err, finhealth.EINVALID)
	_, err = s.SetWaveConnectionStatus(ctx, org.ID, grant, finhealth.WavePendingBusiness, "")
	wantCode(t, err, finhealth.EINVALID)
	_, err = s.SetWaveConnectionStatus(ctx, org.ID, "", finhealth.WaveNeedsReconnect, "x")
	wantCode(t, err, finhealth.EINVALID) // no grant
	_, err = s.SetWaveConnectionStatus(ctx, org.ID, grant, finhealth.WaveActive, "")
	wantCode(t, err, finhealth.ECONFLICT) // no business yet
	wantCode(t, s.SaveWaveToken(ctx, org.ID, finhealth.OAuthToken{}), finhealth.EINVALID)
	// Nothing rejected was audited.
	wantEqual(t, "audit", auditActions(t, s, org.ID), []string{finhealth.AuditUserRegistered, finhealth.AuditWaveConnected})
}

func testWaveReconnect(t *testing.T, s warehouseStore) {
	owner, org := register(t, s, "owner@example.com")
	ctx := actorCtx(owner)
	c := connect(t, s, owner, org.ID)
	run, err := s.CreateSyncRun(ctx, org.ID, finhealth.SyncFull, finhealth.SyncOnConnect)
	must(t, err)
	_, err = s.StartSyncRun(ctx, run.ID)
	must(t, err)
	_, err = s.FinishSyncRun(ctx, run.ID, finhealth.SyncSucceeded, finhealth.SyncProgress{}, "")
	must(t, err)
	_, err = s.SetWaveConnectionStatus(ctx, org.ID, grantOf(t, s, org.ID), finhealth.WaveNeedsReconnect, string(finhealth.WaveGrantRevoked))
	must(t, err)
	oldTok, err := s.WaveToken(ctx, org.ID)
	must(t, err)

	// Connecting again replaces the grant and clears the reason; the record of past
	// syncs stays, since the warehouse still holds what they read.
	again, err := s.SaveWaveConnection(ctx, finhealth.WaveConnection{OrganizationID: org.ID, WaveUserID: "wave-user-2"}, waveToken("again"))
	must(t, err)
	if again.Status != finhealth.WavePendingBusiness || again.StatusReason != "" || again.WaveUserID != "wave-user-2" ||
		again.LastSyncAt == nil || again.LastFullSyncAt == nil {
		t.Fatalf("reconnected = %+v", again)
	}
	tok, err := s.WaveToken(ctx, org.ID)
	must(t, err)
	if tok.AccessToken != waveToken("again").AccessToken {
		t.Fatalf("token after reconnect = %#v", tok)
	}
	if tok.GrantID == "" || tok.GrantID == oldTok.GrantID {
		t.Fatalf("grant after reconnect = %q, before %q", tok.GrantID, oldTok.GrantID)
	}

	// A sync of the old grant that refreshes now is refused, and the new grant's
	// token is left as it was.
	late := waveToken("late")
	late.GrantID = oldTok.GrantID
	err = s.SaveWaveToken(ctx, org.ID, late)
	wantCode(t, err, finhealth.ECONFLICT)
	if !errors.Is(err, finhealth.ErrWaveGrantReplaced) {
		t.Fatalf("stale save: %v, want ErrWaveGrantReplaced", err)
	}
	after, err := s.WaveToken(ctx, org.ID)
	must(t, err)
	if after.AccessToken != tok.AccessToken || after.RefreshToken != tok.RefreshToken || after.GrantID != tok.GrantID {
		t.Fatalf("token after a stale save = %#v, want %#v", after, tok)
	}
	// A refresh of the new grant is saved.
	fresh := waveToken("fresh")
	fresh.GrantID = tok.GrantID
	must(t, s.SaveWaveToken(ctx, org.ID, fresh))
	// After a disconnect and a new connection, the grant before the disconnect is
	// still refused: grants are never reused.
	must(t, s.DeleteWaveConnection(ctx, org.ID))
	_, err = s.SaveWaveConnection(ctx, finhealth.WaveConnection{OrganizationID: org.ID, WaveUserID: "wave-user-2"}, waveToken("third"))
	must(t, err)
	wantCode(t, s.SaveWaveToken(ctx, org.ID, fresh), finhealth.ECONFLICT)
	wantCode(t, s.SaveWaveToken(ctx, org.ID, late), finhealth.ECONFLICT)
	// A connection saved with its business is active at once.
	b := business(c.BusinessID)
	again, err = s.SaveWaveConnection(ctx, finhealth.WaveConnection{OrganizationID: org.ID, WaveUserID: "wave-user-2", Business: &b}, waveToken("again"))
	must(t, err)
	if again.Status != finhealth.WaveActive || again.BusinessID != c.BusinessID || again.Currency != "USD" {
		t.Fatalf("reconnected with business = %+v", again)
	}
}

// testWaveRefusalOfReplacedGrant: Wave refuses the grant a sync or a request was
// using after the owner has connected again. The refusal concerns the previous grant
// only, so the new connection stays as it is, and the caller hears that its grant
// was replaced.
func testWaveRefusalOfReplacedGrant(t *testing.T, s warehouseStore) {
	owner, org := register(t, s, "owner@example.com")
	ctx := actorCtx(owner)
	c := connect(t, s, owner, org.ID)
	grantA := grantOf(t, s, org.ID)
	b := business(c.BusinessID)
	_, err := s.SaveWaveConnection(ctx, finhealth.WaveConnection{OrganizationID: org.ID, WaveUserID: c.WaveUserID, Business: &b}, waveToken("B"))
	must(t, err)
	grantB := grantOf(t, s, org.ID)
	audited := auditActions(t, s, org.ID)

	for _, status := range []finhealth.WaveConnectionStatus{finhealth.WaveNeedsReconnect, finhealth.WaveActive} {
		_, err = s.SetWaveConnectionStatus(ctx, org.ID, grantA, status, string(finhealth.WaveGrantRevoked))
		if !errors.Is(err, finhealth.ErrWaveGrantReplaced) {
			t.Fatalf("%s for the replaced grant: %v, want ErrWaveGrantReplaced", status, err)
		}
	}
	got, err := s.WaveConnection(ctx, org.ID)
	must(t, err)
	if got.Status != finhealth.WaveActive || got.StatusReason != "" {
		t.Fatalf("connection after a refusal of the replaced grant: %s %q, want active", got.Status, got.StatusReason)
	}
	wantEqual(t, "audit after refused changes", auditActions(t, s, org.ID), audited)

	// A refusal of the grant in use marks the connection, and only that grant
	// brings it back.
	got, err = s.SetWaveConnectionStatus(ctx, org.ID, grantB, finhealth.WaveNeedsReconnect, string(finhealth.WaveSubscriptionLapsed))
	must(t, err)
	if got.Status != finhealth.WaveNeedsReconnect || got.StatusReason != string(finhealth.WaveSubscriptionLapsed) {
		t.Fatalf("connection after a refusal of its grant = %+v", got)
	}
	_, err = s.SetWaveConnectionStatus(ctx, org.ID, grantA, finhealth.WaveActive, "")
	wantCode(t, err, finhealth.ECONFLICT)
	got, err = s.SetWaveConnectionStatus(ctx, org.ID, grantB, finhealth.WaveActive, "")
	must(t, err)
	if got.Status != finhealth.WaveActive || got.StatusReason != "" {
		t.Fatalf("connection made active again = %+v", got)
	}
}

func testActiveWaveConnections(t *testing.T, s warehouseStore) {
	ownerA, orgA := register(t, s, "a@example.com")
	ownerB, orgB := register(t, s, "b@example.com")
	ownerC, orgC := register(t, s, "c@example.com")
	_, orgD := register(t, s, "d@example.com")
	connect(t, s, ownerA, orgA.ID)
	connect(t, s, ownerB, orgB.ID)
	connect(t, s, ownerC, orgC.ID)
	_, err := s.SaveWaveConnection(context.Background(), finhealth.WaveConnection{OrganizationID: orgD.ID, WaveUserID: "u"}, waveToken("d"))
	must(t, err) // pending: not due
	_, err = s.SetWaveConnectionStatus(context.Background(), orgC.ID, grantOf(t, s, orgC.ID), finhealth.WaveNeedsReconnect, "grant_revoked")
	must(t, err)
	syncNow := func(orgID string) {
		run, err := s.CreateSyncRun(context.Background(), orgID, finhealth.SyncIncremental, finhealth.SyncScheduled)
		must(t, err)
		_, err = s.StartSyncRun(context.Background(), run.ID)
		must(t, err)
		_, err = s.FinishSyncRun(context.Background(), run.ID, finhealth.SyncSucceeded, finhealth.SyncProgress{}, "")
		must(t, err)
	}
	syncNow(orgA.ID)

	due, err := s.ActiveWaveConnections(context.Background(), nowOf(s).Add(-time.Hour), 10)
	must(t, err)
	if len(due) != 1 || due[0].OrganizationID != orgB.ID {
		t.Fatalf("due an hour ago = %+v", due)
	}
	// The scheduler read B as due; A, synced since, is not queued again even when
	// asked (a sync that finished between the read and the queueing).
	_, err = s.CreateScheduledSyncRun(context.Background(), orgA.ID, finhealth.SyncIncremental, nowOf(s).Add(-time.Hour))
	wantCode(t, err, finhealth.ECONFLICT)
	_, err = s.CreateScheduledSyncRun(context.Background(), orgA.ID, finhealth.SyncIncremental, time.Time{})
	wantCode(t, err, finhealth.EINVALID)
	run, err := s.CreateScheduledSyncRun(context.Background(), orgB.ID, finhealth.SyncIncremental, nowOf(s).Add(-time.Hour))
	must(t, err)
	_, err = s.FinishSyncRun(context.Background(), run.ID, finhealth.SyncFailed, finhealth.SyncProgress{}, "test")
	must(t, err)
	syncNow(orgB.ID)
	due, err = s.ActiveWaveConnections(context.Background(), nowOf(s).Add(time.Minute), 10)
	must(t, err)
	if len(due) != 2 || due[0].OrganizationID != orgA.ID || due[1].OrganizationID != orgB.ID {
		t.Fatalf("due now = %+v (A %s, B %s)", due, orgA.ID, orgB.ID)
	}
}

func testOAuthState(t *testing.T, s warehouseStore) {
	owner, org := register(t, s, "owner@example.com")
	other, _ := register(t, s, "other@example.com")
	ctx := actorCtx(owner)
	st := finhealth.OAuthState{
		StateHash: unique("state"), OrganizationID: org.ID, UserID: owner.ID,
		CodeVerifier: "verifier-that-is-secret", RedirectAfter: "/organizations/x/wave",
		ExpiresAt: nowOf(s).Add(10 * time.Minute),
	}
	must(t, s.CreateOAuthState(ctx, st))
	wantCode(t, s.CreateOAuthState(ctx, st), finhealth.ECONFLICT)

	// Another user's state is refused exactly like an unknown one, and stays usable.
	_, err := s.ConsumeOAuthState(actorCtx(other), st.StateHash, other.ID)
	wantCode(t, err, finhealth.ENOTFOUND)
	unknownMsg := finhealth.ErrorMessage(err)
	_, err = s.ConsumeOAuthState(ctx, "no-such-state", owner.ID)
	wantCode(t, err, finhealth.ENOTFOUND)
	if finhealth.ErrorMessage(err) != unknownMsg {
		t.Fatalf("unknown state says %q, another user's %q", finhealth.ErrorMessage(err), unknownMsg)
	}

	got, err := s.ConsumeOAuthState(ctx, st.StateHash, owner.ID)
	must(t, err)
	if got.OrganizationID != org.ID || got.UserID != owner.ID || got.CodeVerifier != st.CodeVerifier ||
		got.RedirectAfter != st.RedirectAfter || !got.ExpiresAt.Equal(st.ExpiresAt.UTC().Truncate(time.Microsecond)) {
		t.Fatalf("consumed = %+v", got)
	}
	recent(t, "CreatedAt", got.CreatedAt)

	// Replay is refused with its own message; for another user it is still unknown.
	_, err = s.ConsumeOAuthState(ctx, st.StateHash, owner.ID)
	wantCode(t, err, finhealth.ECONFLICT)
	_, err = s.ConsumeOAuthState(actorCtx(other), st.StateHash, other.ID)
	wantCode(t, err, finhealth.ENOTFOUND)

	for _, bad := range []finhealth.OAuthState{
		{OrganizationID: org.ID, UserID: owner.ID, CodeVerifier: "v", ExpiresAt: nowOf(s).Add(time.Minute)},
		{StateHash: "h1", UserID: owner.ID, CodeVerifier: "v", ExpiresAt: nowOf(s).Add(time.Minute)},
		{StateHash: "h2", OrganizationID: org.ID, CodeVerifier: "v", ExpiresAt: nowOf(s).Add(time.Minute)},
		{StateHash: "h3", OrganizationID: org.ID, UserID: owner.ID, ExpiresAt: nowOf(s).Add(time.Minute)},
		{StateHash: "h4", OrganizationID: org.ID, UserID: owner.ID, CodeVerifier: "v", ExpiresAt: nowOf(s).Add(-time.Minute)},
	} {
		wantCode(t, s.CreateOAuthState(ctx, bad), finhealth.EINVALID)
	}
	wantCode(t, s.CreateOAuthState(ctx, finhealth.OAuthState{StateHash: "h5", OrganizationID: "0190a000-0000-7000-8000-000000000000",
		UserID: owner.ID, CodeVerifier: "v", ExpiresAt: nowOf(s).Add(time.Minute)}), finhealth.ENOTFOUND)
}

func testOAuthStateExpired(t *testing.T, s warehouseStore) {
	owner, org := register(t, s, "owner@example.com")
	other, _ := register(t, s, "other@example.com")
	ctx := actorCtx(owner)
	clock := clockOf(t, s)
	st := finhealth.OAuthState{StateHash: unique("state"), OrganizationID: org.ID, UserID: owner.ID,
		CodeVerifier: "v", ExpiresAt: clock.Now().Add(time.Minute)}
	must(t, s.CreateOAuthState(ctx, st))
	clock.Advance(time.Minute)
	_, err := s.ConsumeOAuthState(ctx, st.StateHash, owner.ID)
	wantCode(t, err, finhealth.EINVALID)
	if msg := finhealth.ErrorMessage(err); !strings.Contains(msg, "expired") {
		t.Fatalf("expired state says %q", msg)
	}
	_, err = s.ConsumeOAuthState(actorCtx(other), st.StateHash, other.ID)
	wantCode(t, err, finhealth.ENOTFOUND)
}

func testOAuthStateConcurrentConsume(t *testing.T, s warehouseStore) {
	owner, org := register(t, s, "owner@example.com")
	st := finhealth.OAuthState{StateHash: unique("state"), OrganizationID: org.ID, UserID: owner.ID,
		CodeVerifier: "v", ExpiresAt: nowOf(s).Add(time.Minute)}
	must(t, s.CreateOAuthState(actorCtx(owner), st))
	const n = 8
	var (
		wg   sync.WaitGroup
		errs = make([]error, n)
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.ConsumeOAuthState(context.Background(), st.StateHash, owner.ID)
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch finhealth.ErrorCode(err) {
		case "":
			won++
		case finhealth.ECONFLICT:
		default:
			t.Fatalf("concurrent consume: %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d callbacks consumed the state, want exactly 1", won)
	}
}

func testSyncRuns(t *testing.T, s warehouseStore) {
	owner, org := register(t, s, "owner@example.com")
	ctx := actorCtx(owner)
	connect(t, s, owner, org.ID)

	run, err := s.CreateSyncRun(ctx, org.ID, finhealth.SyncFull, finhealth.SyncManual)
	must(t, err)
	if run.Status != finhealth.SyncQueued || run.Kind != finhealth.SyncFull || run.Trigger != finhealth.SyncManual ||
		run.RequestedBy != owner.ID || run.StartedAt != nil || run.FinishedAt != nil || run.Duration() != 0 {
		t.Fatalf("queued run = %+v", run)
	}
	recent(t, "QueuedAt", run.QueuedAt)
	stored, err := s.SyncRun(ctx, org.ID, run.ID)
	must(t, err)
	wantEqual(t, "stored run", stored, run)

	started, err := s.StartSyncRun(ctx, run.ID)
	must(t, err)
	if started.Status != finhealth.SyncRunning || started.StartedAt == nil {
		t.Fatalf("started run = %+v", started)
	}
	progress := finhealth.SyncProgress{
		Accounts: finhealth.SyncCounts{Seen: 300, Upserted: 300},
		Invoices: finhealth.SyncCounts{Seen: 120, Upserted: 118}, Pages: 5,
	}
	must(t, s.UpdateSyncProgress(ctx, run.ID, progress))
	must(t, s.UpdateSyncProgress(ctx, run.ID, progress)) // the same totals twice change nothing
	stored, err = s.SyncRun(ctx, org.ID, run.ID)
	must(t, err)
	wantEqual(t, "progress", stored.SyncProgress, progress)

	// A retried job resumes the running run: start time and totals are kept.
	resumed, err := s.StartSyncRun(ctx, run.ID)
	must(t, err)
	if !resumed.StartedAt.Equal(*started.StartedAt) || resumed.SyncProgress != progress {
		t.Fatalf("resumed run = %+v", resumed)
	}

	progress.Customers = finhealth.SyncCounts{Seen: 40, Upserted: 40}
	done, err := s.FinishSyncRun(ctx, run.ID, finhealth.SyncSucceeded, progress, "")
	must(t, err)
	if done.Status != finhealth.SyncSucceeded || done.FinishedAt == nil || done.SyncProgress != progress || done.Duration() < 0 {
		t.Fatalf("finished run = %+v", done)
	}
	c, err := s.WaveConnection(ctx, org.ID)
	must(t, err)
	if c.LastSyncAt == nil || !c.LastSyncAt.Equal(*done.FinishedAt) || c.LastFullSyncAt == nil || !c.LastFullSyncAt.Equal(*done.FinishedAt) {
		t.Fatalf("connection after a full sync = %+v", c)
	}

	// The run is over: it cannot be started, updated or finished again.
	_, err = s.StartSyncRun(ctx, run.ID)
	wantCode(t, err, finhealth.ECONFLICT)
	wantCode(t, s.UpdateSyncProgress(ctx, run.ID, progress), finhealth.ECONFLICT)
	_, err = s.FinishSyncRun(ctx, run.ID, finhealth.SyncFailed, progress, "late")
	wantCode(t, err, finhealth.ECONFLICT)

	// A failed incremental run records its error and leaves LastSyncAt alone.
	inc, err := s.CreateSyncRun(context.Background(), org.ID, finhealth.SyncIncremental, finhealth.SyncScheduled)
	must(t, err)
	if inc.RequestedBy != "" {
		t.Fatalf("scheduled run requested by %q", inc.RequestedBy)
	}
	_, err = s.StartSyncRun(ctx, inc.ID)
	must(t, err)
	long := strings.Repeat("x", 5000)
	failed, err := s.FinishSyncRun(ctx, inc.ID, finhealth.SyncFailed, finhealth.SyncProgress{Pages: 1}, "wave: 503"+long)
	must(t, err)
	if failed.Status != finhealth.SyncFailed || len(failed.Error) > 2100 || failed.Error[:9] != "wave: 503" {
		t.Fatalf("failed run = %+v", failed.Status)
	}
	c2, err := s.WaveConnection(ctx, org.ID)
	must(t, err)
	if !c2.LastSyncAt.Equal(*c.LastSyncAt) {
		t.Fatalf("a failed run moved LastSyncAt from %v to %v", c.LastSyncAt, c2.LastSyncAt)
	}
	// A successful incremental run moves LastSyncAt but not LastFullSyncAt.
	inc2, err := s.CreateSyncRun(ctx, org.ID, finhealth.SyncIncremental, finhealth.SyncScheduled)
	must(t, err)
	_, err = s.StartSyncRun(ctx, inc2.ID)
	must(t, err)
	_, err = s.FinishSyncRun(ctx, inc2.ID, finhealth.SyncSucceeded, finhealth.SyncProgress{}, "")
	must(t, err)
	c3, err := s.WaveConnection(ctx, org.ID)
	must(t, err)
	if !c3.LastSyncAt.After(*c.LastSyncAt) || !c3.LastFullSyncAt.Equal(*c.LastFullSyncAt) {
		t.Fatalf("after an incremental sync: %v / %v", c3.LastSyncAt, c3.LastFullSyncAt)
	}

	// Only the run a person asked for is audited.
	if n := countAction(t, s, finhealth.AuditWaveSyncRequested); n != 1 {
		t.Fatalf("%d sync requests audited, want 1", n)
	}
}

func testSyncRunAttempts(t *testing.T, s warehouseStore) {
	owner, org := register(t, s, "owner@example.com")
	ctx := actorCtx(owner)
	connect(t, s, owner, org.ID)

	run, err := s.CreateSyncRun(ctx, org.ID, finhealth.SyncFull, finhealth.SyncManual)
	must(t, err)
	if run.Attempt != 0 || run.Error != "" {
		t.Fatalf("queued run = %+v", run)
	}
	// Only a running run records attempts.
	wantCode(t, s.RecordSyncAttempt(ctx, run.ID, 1, "too early", nowOf(s).Add(time.Minute)), finhealth.ECONFLICT)
	wantCode(t, s.RecordSyncAttempt(ctx, "0190a0a0-0000-7000-8000-000000000000", 1, "x", nowOf(s).Add(time.Minute)), finhealth.ENOTFOUND)
	started, err := s.StartSyncRun(ctx, run.ID)
	must(t, err)
	wantCode(t, s.RecordSyncAttempt(ctx, run.ID, 0, "x", nowOf(s).Add(time.Minute)), finhealth.EINVALID)

	// Each failed attempt is shown on the running run, the last one winning.
	must(t, s.RecordSyncAttempt(ctx, run.ID, 1, "Attempt 1 of 3 failed: Wave is down.", nowOf(s).Add(time.Minute)))
	must(t, s.RecordSyncAttempt(ctx, run.ID, 2, "Attempt 2 of 3 failed: Wave is limiting.", nowOf(s).Add(time.Minute)))
	got, err := s.SyncRun(ctx, org.ID, run.ID)
	must(t, err)
	if got.Status != finhealth.SyncRunning || got.Attempt != 2 || got.Error != "Attempt 2 of 3 failed: Wave is limiting." ||
		got.UpdatedAt.Before(started.UpdatedAt) {
		t.Fatalf("run after failed attempts = %+v", got)
	}
	runs, _, err := s.ListSyncRuns(ctx, org.ID, "", 10)
	must(t, err)
	if len(runs) != 1 || runs[0].Attempt != 2 || runs[0].Error != got.Error {
		t.Fatalf("listed runs = %+v", runs)
	}
	// A resumed run keeps them until it finishes.
	resumed, err := s.StartSyncRun(ctx, run.ID)
	must(t, err)
	if resumed.Attempt != 2 || resumed.Error != got.Error {
		t.Fatalf("resumed run = %+v", resumed)
	}
	// A success clears the error (even one passed by mistake); the attempt stays.
	done, err := s.FinishSyncRun(ctx, run.ID, finhealth.SyncSucceeded, finhealth.SyncProgress{Pages: 2}, "stale")
	must(t, err)
	if done.Status != finhealth.SyncSucceeded || done.Error != "" || done.Attempt != 2 {
		t.Fatalf("succeeded run = %+v", done)
	}
	got, err = s.SyncRun(ctx, org.ID, run.ID)
	must(t, err)
	wantEqual(t, "stored succeeded run", got, done)
	wantCode(t, s.RecordSyncAttempt(ctx, run.ID, 3, "late", nowOf(s).Add(time.Minute)), finhealth.ECONFLICT)

	// A failure keeps the attempt and records the final error.
	run2, err := s.CreateSyncRun(ctx, org.ID, finhealth.SyncIncremental, finhealth.SyncScheduled)
	must(t, err)
	_, err = s.StartSyncRun(ctx, run2.ID)
	must(t, err)
	must(t, s.RecordSyncAttempt(ctx, run2.ID, 1, "Attempt 1 of 2 failed.", nowOf(s).Add(time.Minute)))
	failed, err := s.FinishSyncRun(ctx, run2.ID, finhealth.SyncFailed, finhealth.SyncProgress{}, "It failed 2 times in a row.")
	must(t, err)
	if failed.Status != finhealth.SyncFailed || failed.Attempt != 1 || failed.Error != "It failed 2 times in a row." {
		t.Fatalf("failed run = %+v", failed)
	}
	got, err = s.SyncRun(ctx, org.ID, run2.ID)
	must(t, err)
	wantEqual(t, "stored failed run", got, failed)
}

// A partial run keeps its warnings, leaves the connection's sync times alone (so the
// scheduler finds it due at once) and asks for a full read, which a successful full
// run then clears.
func testSyncRunPartial(t *testing.T, s warehouseStore) {
	owner, org := register(t, s, "owner@example.com")
	ctx := actorCtx(owner)
	connect(t, s, owner, org.ID)
	finish := func(kind finhealth.SyncKind, status finhealth.SyncStatus, warnings ...string) *finhealth.SyncRun {
		t.Helper()
		run, err := s.CreateSyncRun(ctx, org.ID, kind, finhealth.SyncScheduled)
		must(t, err)
		_, err = s.StartSyncRun(ctx, run.ID)
		must(t, err)
		done, err := s.FinishSyncRun(ctx, run.ID, status, finhealth.SyncProgress{Pages: 3}, "left by an attempt", warnings...)
		must(t, err)
		return done
	}
	full := finish(finhealth.SyncFull, finhealth.SyncSucceeded)
	if full.Warnings != nil {
		t.Fatalf("a succeeded run has warnings %q", full.Warnings)
	}
	before, err := s.WaveConnection(ctx, org.ID)
	must(t, err)
	if before.FullSyncDue || before.LastFullSyncAt == nil {
		t.Fatalf("after a full sync: %+v", before)
	}
	due, err := s.ActiveWaveConnections(ctx, nowOf(s).Add(-time.Hour), 10)
	must(t, err)
	if len(due) != 0 {
		t.Fatalf("a connection synced now is due: %+v", due)
	}

	warnings := []string{"Page 3 of 12 held 0 invoices where 100 were expected.", "Invoice INV-7 could not be read."}
	partial := finish(finhealth.SyncIncremental, finhealth.SyncPartial, warnings...)
	if partial.Status != finhealth.SyncPartial || partial.Error != "" || !slices.Equal(partial.Warnings, warnings) || partial.Status.Active() {
		t.Fatalf("partial run = %+v", partial)
	}
	got, err := s.SyncRun(ctx, org.ID, partial.ID)
	must(t, err)
	wantEqual(t, "stored partial run", got, partial)
	after, err := s.WaveConnection(ctx, org.ID)
	must(t, err)
	if !after.FullSyncDue || !after.LastSyncAt.Equal(*before.LastSyncAt) || !after.LastFullSyncAt.Equal(*before.LastFullSyncAt) {
		t.Fatalf("after a partial sync: %+v (before %+v)", after, before)
	}
	due, err = s.ActiveWaveConnections(ctx, nowOf(s).Add(-time.Hour), 10)
	must(t, err)
	if len(due) != 1 || due[0].OrganizationID != org.ID || !due[0].FullSyncDue {
		t.Fatalf("a connection whose last run was partial is not due at once: %+v", due)
	}
	// A reconnection keeps the request for a full read.
	connect(t, s, owner, org.ID)
	if c, err := s.WaveConnection(ctx, org.ID); err != nil || !c.FullSyncDue {
		t.Fatalf("after reconnecting: %+v, %v", c, err)
	}
	// An incremental success does not answer it; a full one does.
	finish(finhealth.SyncIncremental, finhealth.SyncSucceeded)
	if c, err := s.WaveConnection(ctx, org.ID); err != nil || !c.FullSyncDue {
		t.Fatalf("after an incremental sync: %+v, %v", c, err)
	}
	finish(finhealth.SyncFull, finhealth.SyncSucceeded)
	if c, err := s.WaveConnection(ctx, org.ID); err != nil || c.FullSyncDue {
		t.Fatalf("after a full sync: %+v, %v", c, err)
	}
	// A failure changes none of it.
	finish(finhealth.SyncFull, finhealth.SyncFailed)
	if c, err := s.WaveConnection(ctx, org.ID); err != nil || c.FullSyncDue {
		t.Fatalf("after a failed sync: %+v, %v", c, err)
	}
}

// A run waiting for Wave to let it read again is alive until its retry time: the
// scheduler's sweep of abandoned runs passes it by, and fails it only once that time
// is past too.
func testSyncRunWait(t *testing.T, s warehouseStore) {
	owner, org := register(t, s, "owner@example.com")
	ctx := actorCtx(owner)
	connect(t, s, owner, org.ID)
	run, err := s.CreateSyncRun(ctx, org.ID, finhealth.SyncFull, finhealth.SyncManual)
	must(t, err)
	wantCode(t, s.WaitSyncRun(ctx, run.ID, nowOf(s).Add(time.Hour), "x"), finhealth.ECONFLICT)
	_, err = s.StartSyncRun(ctx, run.ID)
	must(t, err)
	wantCode(t, s.WaitSyncRun(ctx, run.ID, time.Time{}, "x"), finhealth.EINVALID)
	retryAt := nowOf(s).Add(3 * time.Hour).UTC().Truncate(time.Second)
	must(t, s.WaitSyncRun(ctx, run.ID, retryAt, "Wave asked finhealth to wait 3h0m0s."))
	got, err := s.SyncRun(ctx, org.ID, run.ID)
	must(t, err)
	if got.Status != finhealth.SyncRunning || got.RetryAt == nil || !got.RetryAt.Equal(retryAt) || got.Error != "Wave asked finhealth to wait 3h0m0s." {
		t.Fatalf("waiting run = %+v", got)
	}
	// Silent for longer than the grace, but waiting: alive.
	n, err := s.AbandonSyncRuns(ctx, nowOf(s).Add(time.Hour))
	must(t, err)
	if n != 0 {
		t.Fatalf("abandoned %d runs waiting for their retry", n)
	}
	// Nor is it resumed as a run whose process died.
	resumed, err := s.ResumeStaleSyncRuns(ctx, nowOf(s).Add(time.Hour))
	must(t, err)
	if len(resumed) != 0 {
		t.Fatalf("resumed %d runs waiting for their retry", len(resumed))
	}
	// Past its retry time as well: abandoned.
	n, err = s.AbandonSyncRuns(ctx, retryAt.Add(time.Minute))
	must(t, err)
	if got, _ := s.SyncRun(ctx, org.ID, run.ID); n != 1 || got.Status != finhealth.SyncFailed || got.RetryAt != nil {
		t.Fatalf("abandoned %d; run = %+v", n, got)
	}
}

// A running run whose heartbeat stopped is failed and continued by a new queued run
// from its position, once however many callers look; a live one is left alone.
func testSyncRunResume(t *testing.T, s warehouseStore) {
	owner, org := register(t, s, "owner@example.com")
	ctx := actorCtx(owner)
	connect(t, s, owner, org.ID)
	run, err := s.CreateSyncRun(ctx, org.ID, finhealth.SyncFull, finhealth.SyncManual)
	must(t, err)
	_, err = s.StartSyncRun(ctx, run.ID)
	must(t, err)
	wantCode(t, s.HeartbeatSyncRun(ctx, "0190a0a0-0000-7000-8000-000000000000", "w1"), finhealth.ENOTFOUND)
	must(t, s.HeartbeatSyncRun(ctx, run.ID, "w1"))
	progress := finhealth.SyncProgress{Accounts: finhealth.SyncCounts{Seen: 3, Upserted: 3}, Invoices: finhealth.SyncCounts{Seen: 200, Upserted: 200},
		Pages: 5, Position: finhealth.SyncPosition{Entity: finhealth.EntityInvoices, Pages: 4}}
	must(t, s.UpdateSyncProgress(ctx, run.ID, progress))
	beat := nowOf(s)

	// Heard from since before: alive.
	resumed, err := s.ResumeStaleSyncRuns(ctx, beat.Add(-time.Second))
	must(t, err)
	if len(resumed) != 0 {
		t.Fatalf("resumed a live run: %+v", resumed)
	}
	resumed, err = s.ResumeStaleSyncRuns(ctx, beat.Add(time.Second))
	must(t, err)
	if len(resumed) != 1 {
		t.Fatalf("resumed %d runs, want 1", len(resumed))
	}
	next := resumed[0]
	if next.Status != finhealth.SyncQueued || next.ResumedFrom != run.ID || next.SyncProgress != progress || next.Kind != run.Kind {
		t.Fatalf("resuming run = %+v", next)
	}
	stored, err := s.SyncRun(ctx, org.ID, next.ID)
	must(t, err)
	if stored.ResumedFrom != run.ID || stored.SyncProgress != progress {
		t.Fatalf("stored resuming run = %+v", stored)
	}
	old, err := s.SyncRun(ctx, org.ID, run.ID)
	must(t, err)
	if old.Status != finhealth.SyncFailed || old.Error == "" {
		t.Fatalf("taken-over run = %+v", old)
	}
	// The dead process can no longer record anything on it.
	wantCode(t, s.HeartbeatSyncRun(ctx, run.ID, "w1"), finhealth.ECONFLICT)
	wantCode(t, s.UpdateSyncProgress(ctx, run.ID, progress), finhealth.ECONFLICT)
	// A second look (another instance) finds nothing left to resume.
	resumed, err = s.ResumeStaleSyncRuns(ctx, beat.Add(time.Second))
	must(t, err)
	if len(resumed) != 0 {
		t.Fatalf("resumed the run twice: %+v", resumed)
	}
	// A queued run is waiting for a worker, not working: left to AbandonSyncRuns.
	resumed, err = s.ResumeStaleSyncRuns(ctx, nowOf(s).Add(time.Hour))
	must(t, err)
	if len(resumed) != 0 {
		t.Fatalf("resumed a queued run: %+v", resumed)
	}
}

// Wave's subtype list is kept whole: a new list replaces the old one at once, and an
// empty answer keeps what was known.
func testAccountSubtypes(t *testing.T, s warehouseStore) {
	ctx := context.Background()
	got, err := s.AccountSubtypes(ctx)
	must(t, err)
	if len(got) != 0 {
		t.Fatalf("before any sync: %+v", got)
	}
	first := []finhealth.AccountSubtype{
		{Value: "DEPRECIATION_AND_AMORTIZATION", Name: "Depreciation and Amortization", Type: finhealth.AccountAsset, NormalBalance: finhealth.NormalCredit},
		{Value: "CASH_AND_BANK", Name: "Cash and Bank", Type: finhealth.AccountAsset, NormalBalance: finhealth.NormalDebit, Description: "Bank accounts."},
	}
	must(t, s.SaveAccountSubtypes(ctx, first))
	got, err = s.AccountSubtypes(ctx)
	must(t, err)
	if len(got) != 2 || got[0] != first[1] || got[1] != first[0] {
		t.Fatalf("stored %+v", got)
	}
	second := []finhealth.AccountSubtype{{Value: "LOANS", Name: "Loans", Type: finhealth.AccountLiability, NormalBalance: finhealth.NormalCredit}}
	must(t, s.SaveAccountSubtypes(ctx, second))
	must(t, s.SaveAccountSubtypes(ctx, nil))
	got, err = s.AccountSubtypes(ctx)
	must(t, err)
	if len(got) != 1 || got[0] != second[0] {
		t.Fatalf("after a new list and an empty answer: %+v", got)
	}
	wantCode(t, s.SaveAccountSubtypes(ctx, []finhealth.AccountSubtype{{Name: "no value"}}), finhealth.EINVALID)
}

func testSyncRunOnePerOrganization(t *testing.T, s warehouseStore) {
	owner, org := register(t, s, "owner@example.com")
	owner2, org2 := register(t, s, "owner2@example.com")
	connect(t, s, owner, org.ID)
	connect(t, s, owner2, org2.ID)
	ctx := actorCtx(owner)

	const n = 8
	var (
		wg   sync.WaitGroup
		runs = make([]*finhealth.SyncRun, n)
		errs = make([]error, n)
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runs[i], errs[i] = s.CreateSyncRun(ctx, org.ID, finhealth.SyncIncremental, finhealth.SyncManual)
		}()
	}
	wg.Wait()
	var winner *finhealth.SyncRun
	for i, err := range errs {
		switch finhealth.ErrorCode(err) {
		case "":
			if winner != nil {
				t.Fatal("two syncs queued for one organization")
			}
			winner = runs[i]
		case finhealth.ECONFLICT:
		default:
			t.Fatalf("concurrent CreateSyncRun: %v", err)
		}
	}
	if winner == nil {
		t.Fatal("no sync queued")
	}
	// Another organization is not blocked.
	_, err := s.CreateSyncRun(ctx, org2.ID, finhealth.SyncFull, finhealth.SyncManual)
	must(t, err)

	// Running still blocks; finishing frees the organization.
	_, err = s.StartSyncRun(ctx, winner.ID)
	must(t, err)
	_, err = s.CreateSyncRun(ctx, org.ID, finhealth.SyncFull, finhealth.SyncScheduled)
	wantCode(t, err, finhealth.ECONFLICT)
	_, err = s.FinishSyncRun(ctx, winner.ID, finhealth.SyncFailed, finhealth.SyncProgress{}, "boom")
	must(t, err)
	next, err := s.CreateSyncRun(ctx, org.ID, finhealth.SyncFull, finhealth.SyncScheduled)
	must(t, err)

	// A run whose worker died is abandoned, which frees the organization too; a live
	// run is not.
	_, err = s.StartSyncRun(ctx, next.ID)
	must(t, err)
	n2, err := s.AbandonSyncRuns(ctx, nowOf(s).Add(-time.Hour))
	must(t, err)
	if n2 != 0 {
		t.Fatalf("abandoned %d live runs", n2)
	}
	n2, err = s.AbandonSyncRuns(ctx, nowOf(s).Add(time.Second))
	must(t, err)
	if n2 != 2 { // org's running run and org2's queued one
		t.Fatalf("abandoned %d runs, want 2", n2)
	}
	gone, err := s.SyncRun(ctx, org.ID, next.ID)
	must(t, err)
	if gone.Status != finhealth.SyncFailed || gone.Error == "" || gone.FinishedAt == nil {
		t.Fatalf("abandoned run = %+v", gone)
	}
	wantCode(t, s.UpdateSyncProgress(ctx, next.ID, finhealth.SyncProgress{}), finhealth.ECONFLICT)
	_, err = s.CreateSyncRun(ctx, org.ID, finhealth.SyncFull, finhealth.SyncScheduled)
	must(t, err)
}

func testSyncRunsRejected(t *testing.T, s warehouseStore) {
	owner, org := register(t, s, "owner@example.com")
	ctx := actorCtx(owner)

	_, err := s.CreateSyncRun(ctx, org.ID, finhealth.SyncFull, finhealth.SyncManual)
	wantCode(t, err, finhealth.ECONFLICT) // never connected
	_, err = s.SaveWaveConnection(ctx, finhealth.WaveConnection{OrganizationID: org.ID, WaveUserID: "u"}, waveToken("x"))
	must(t, err)
	_, err = s.CreateSyncRun(ctx, org.ID, finhealth.SyncFull, finhealth.SyncManual)
	wantCode(t, err, finhealth.ECONFLICT) // no business chosen
	_, err = s.ChooseWaveBusiness(ctx, org.ID, business("b"))
	must(t, err)
	_, err = s.SetWaveConnectionStatus(ctx, org.ID, grantOf(t, s, org.ID), finhealth.WaveNeedsReconnect, string(finhealth.WaveSubscriptionLapsed))
	must(t, err)
	_, err = s.CreateSyncRun(ctx, org.ID, finhealth.SyncFull, finhealth.SyncManual)
	wantCode(t, err, finhealth.ECONFLICT)
	if finhealth.ErrorMessage(err) != finhealth.WaveSubscriptionLapsed.Message() {
		t.Fatalf("needs-reconnect refusal says %q", finhealth.ErrorMessage(err))
	}
	_, err = s.SetWaveConnectionStatus(ctx, org.ID, grantOf(t, s, org.ID), finhealth.WaveActive, "")
	must(t, err)

	_, err = s.CreateSyncRun(ctx, org.ID, "partial", finhealth.SyncManual)
	wantCode(t, err, finhealth.EINVALID)
	_, err = s.CreateSyncRun(ctx, org.ID, finhealth.SyncFull, "cron")
	wantCode(t, err, finhealth.EINVALID)

	const missing = "0190a000-0000-7000-8000-000000000000"
	_, err = s.StartSyncRun(ctx, missing)
	wantCode(t, err, finhealth.ENOTFOUND)
	wantCode(t, s.UpdateSyncProgress(ctx, missing, finhealth.SyncProgress{}), finhealth.ENOTFOUND)
	_, err = s.FinishSyncRun(ctx, missing, finhealth.SyncFailed, finhealth.SyncProgress{}, "")
	wantCode(t, err, finhealth.ENOTFOUND)
	_, err = s.SyncRun(ctx, org.ID, missing)
	wantCode(t, err, finhealth.ENOTFOUND)

	run, err := s.CreateSyncRun(ctx, org.ID, finhealth.SyncFull, finhealth.SyncManual)
	must(t, err)
	wantCode(t, s.UpdateSyncProgress(ctx, run.ID, finhealth.SyncProgress{}), finhealth.ECONFLICT) // not started
	_, err = s.FinishSyncRun(ctx, run.ID, finhealth.SyncRunning, finhealth.SyncProgress{}, "")
	wantCode(t, err, finhealth.EINVALID)
	// A queued run may fail before it starts (the connection broke meanwhile).
	_, err = s.FinishSyncRun(ctx, run.ID, finhealth.SyncFailed, finhealth.SyncProgress{}, "needs reconnect")
	must(t, err)
	_, _, err = s.ListSyncRuns(ctx, org.ID, "not-a-cursor", 10)
	wantCode(t, err, finhealth.EINVALID)
}

func testSyncRunPagination(t *testing.T, s warehouseStore) {
	owner, org := register(t, s, "owner@example.com")
	ctx := actorCtx(owner)
	connect(t, s, owner, org.ID)
	var ids []string
	for range 5 {
		run, err := s.CreateSyncRun(ctx, org.ID, finhealth.SyncIncremental, finhealth.SyncScheduled)
		must(t, err)
		_, err = s.FinishSyncRun(ctx, run.ID, finhealth.SyncFailed, finhealth.SyncProgress{}, "x")
		must(t, err)
		ids = append(ids, run.ID)
	}
	var got []string
	cursor, pages := "", 0
	for {
		page, next, err := s.ListSyncRuns(ctx, org.ID, cursor, 2)
		must(t, err)
		pages++
		for _, r := range page {
			got = append(got, r.ID)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	want := []string{ids[4], ids[3], ids[2], ids[1], ids[0]}
	wantEqual(t, "runs newest first", got, want)
	if pages != 3 {
		t.Fatalf("%d pages, want 3", pages)
	}
}

func testSyncWatermarks(t *testing.T, s warehouseStore) {
	owner, org := register(t, s, "owner@example.com")
	ctx := actorCtx(owner)
	connect(t, s, owner, org.ID)

	at, err := s.SyncWatermark(ctx, org.ID, finhealth.EntityInvoices)
	must(t, err)
	if !at.IsZero() {
		t.Fatalf("initial watermark = %v", at)
	}
	run, err := s.CreateSyncRun(ctx, org.ID, finhealth.SyncFull, finhealth.SyncOnConnect)
	must(t, err)
	mark := day.Add(90*time.Minute + 123456*time.Microsecond)
	// Not running yet: a worker that does not hold a running run cannot move it.
	wantCode(t, s.SetSyncWatermark(ctx, org.ID, run.ID, finhealth.EntityInvoices, mark), finhealth.ECONFLICT)
	_, err = s.StartSyncRun(ctx, run.ID)
	must(t, err)
	must(t, s.SetSyncWatermark(ctx, org.ID, run.ID, finhealth.EntityInvoices, mark))
	must(t, s.SetSyncWatermark(ctx, org.ID, run.ID, finhealth.EntityCustomers, mark.Add(time.Hour)))
	at, err = s.SyncWatermark(ctx, org.ID, finhealth.EntityInvoices)
	must(t, err)
	if !at.Equal(mark) {
		t.Fatalf("watermark = %v, want %v", at, mark)
	}
	later := mark.Add(24 * time.Hour)
	must(t, s.SetSyncWatermark(ctx, org.ID, run.ID, finhealth.EntityInvoices, later))
	at, _ = s.SyncWatermark(ctx, org.ID, finhealth.EntityInvoices)
	if !at.Equal(later) {
		t.Fatalf("watermark = %v, want %v", at, later)
	}
	wantCode(t, s.SetSyncWatermark(ctx, org.ID, run.ID, "vendors", mark), finhealth.EINVALID)
	wantCode(t, s.SetSyncWatermark(ctx, org.ID, run.ID, finhealth.EntityInvoices, time.Time{}), finhealth.EINVALID)
	wantCode(t, s.SetSyncWatermark(ctx, org.ID, "0190a000-0000-7000-8000-000000000000", finhealth.EntityInvoices, mark), finhealth.ENOTFOUND)

	_, err = s.FinishSyncRun(ctx, run.ID, finhealth.SyncSucceeded, finhealth.SyncProgress{}, "")
	must(t, err)
	wantCode(t, s.SetSyncWatermark(ctx, org.ID, run.ID, finhealth.EntityInvoices, later.Add(time.Hour)), finhealth.ECONFLICT)
	at, _ = s.SyncWatermark(ctx, org.ID, finhealth.EntityInvoices)
	if !at.Equal(later) {
		t.Fatalf("watermark moved by a finished run: %v", at)
	}

	// Another business starts from nothing; coming back does not resurrect the old
	// watermark either once the new business's run has set its own.
	_, err = s.ChooseWaveBusiness(ctx, org.ID, business("other"))
	must(t, err)
	for _, e := range []finhealth.SyncEntity{finhealth.EntityInvoices, finhealth.EntityCustomers, finhealth.EntityAccounts} {
		at, err = s.SyncWatermark(ctx, org.ID, e)
		must(t, err)
		if !at.IsZero() {
			t.Fatalf("%s watermark after choosing another business = %v", e, at)
		}
	}
}
