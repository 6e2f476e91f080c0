package store_test

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"finhealth"
	"finhealth/internal/testdb"
	"finhealth/store"
)

// reopen opens a second handle on db's database with other options (another token
// key), as another instance of the application would.
func reopen(t *testing.T, db *store.DB, opts ...store.Option) *store.DB {
	t.Helper()
	other, err := store.Open(context.Background(), testdb.DSN(t, db), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = other.Close() })
	return other
}

// connected registers an owner and connects their organization with a token whose
// secrets are recognizable.
func connected(t *testing.T, db *store.DB, email string) (context.Context, *finhealth.Organization, finhealth.OAuthToken) {
	t.Helper()
	owner, org, err := db.Register(context.Background(), finhealth.NewUser{Email: email, Name: "O", PasswordHash: "h"},
		finhealth.NewOrganization{Name: "Org " + email})
	if err != nil {
		t.Fatal(err)
	}
	ctx := finhealth.WithActor(context.Background(), finhealth.Actor{UserID: owner.ID, Email: owner.Email})
	tok := finhealth.OAuthToken{
		AccessToken: "ACCESS-PLAINTEXT-" + org.ID, RefreshToken: "REFRESH-PLAINTEXT-" + org.ID,
		TokenType: "Bearer", ExpiresAt: time.Now().Add(time.Hour), Scope: "invoice:read",
	}
	if _, err := db.SaveWaveConnection(ctx, finhealth.WaveConnection{OrganizationID: org.ID, WaveUserID: "w-" + org.ID}, tok); err != nil {
		t.Fatal(err)
	}
	// The grant the store gave the token, which a refresh carries over.
	stored, err := db.WaveToken(ctx, org.ID)
	if err != nil {
		t.Fatal(err)
	}
	tok.GrantID = stored.GrantID
	return ctx, org, tok
}

// rawRows reads every column of every row of a table as the driver returns it.
func rawRows(t *testing.T, db *store.DB, table string) [][]any {
	t.Helper()
	rows, err := db.SQL().Query(`SELECT * FROM ` + table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out [][]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, vals)
	}
	return out
}

func valueBytes(v any) []byte {
	switch v := v.(type) {
	case []byte:
		return v
	case string:
		return []byte(v)
	}
	return []byte(fmt.Sprint(v))
}

// TestSecretsEncryptedAtRest scans the raw bytes of every column that could hold a
// Wave secret or a PKCE verifier, and the audit log, for the plaintext.
func TestSecretsEncryptedAtRest(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx, org, tok := connected(t, db, "owner@example.com")
		const verifier = "VERIFIER-PLAINTEXT-0123456789"
		owner := finhealth.ActorFrom(ctx).UserID
		if err := db.CreateOAuthState(ctx, finhealth.OAuthState{StateHash: "h", OrganizationID: org.ID, UserID: owner,
			CodeVerifier: verifier, ExpiresAt: time.Now().Add(time.Minute)}); err != nil {
			t.Fatal(err)
		}
		rotated := tok
		rotated.AccessToken, rotated.RefreshToken = "ACCESS-ROTATED-PLAINTEXT", "REFRESH-ROTATED-PLAINTEXT"
		if err := db.SaveWaveToken(ctx, org.ID, rotated); err != nil {
			t.Fatal(err)
		}
		secrets := []string{tok.AccessToken, tok.RefreshToken, rotated.AccessToken, rotated.RefreshToken, verifier, "PLAINTEXT"}
		scanned := 0
		for _, table := range []string{"wave_tokens", "wave_connections", "oauth_states", "audit_log"} {
			for _, row := range rawRows(t, db, table) {
				for _, v := range row {
					scanned++
					for _, s := range secrets {
						if bytes.Contains(valueBytes(v), []byte(s)) {
							t.Fatalf("%s holds %q in clear", table, s)
						}
					}
				}
			}
		}
		if scanned < 20 {
			t.Fatalf("scanned only %d values", scanned)
		}
		// And the store still reads them back.
		got, err := db.WaveToken(ctx, org.ID)
		if err != nil || got.AccessToken != rotated.AccessToken || got.RefreshToken != rotated.RefreshToken {
			t.Fatalf("WaveToken = %#v, %v", got, err)
		}
		st, err := db.ConsumeOAuthState(ctx, "h", owner)
		if err != nil || st.CodeVerifier != verifier {
			t.Fatalf("ConsumeOAuthState = %+v, %v", st, err)
		}
	})
}

// TestSealedTokensBoundToTheirRow copies ciphertexts where they do not belong, as
// someone with write access to the database might, and tampers with one.
func TestSealedTokensBoundToTheirRow(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctxA, orgA, tokA := connected(t, db, "a@example.com")
		ctxB, orgB, _ := connected(t, db, "b@example.com")
		var access, refresh []byte
		if err := db.SQL().QueryRow(rebind(db, `SELECT access_token, refresh_token FROM wave_tokens WHERE organization_id = ?`), orgA.ID).
			Scan(&access, &refresh); err != nil {
			t.Fatal(err)
		}
		// A's ciphertexts in B's row: B gets an error, never A's token.
		exec(t, db, rebind(db, `UPDATE wave_tokens SET access_token = ?, refresh_token = ? WHERE organization_id = ?`), access, refresh, orgB.ID)
		got, err := db.WaveToken(ctxB, orgB.ID)
		if err == nil || finhealth.ErrorCode(err) != finhealth.EINTERNAL || got.AccessToken != "" {
			t.Fatalf("B read A's copied token: %#v, %v", got, err)
		}
		if strings.Contains(finhealth.ErrorMessage(err), "PLAINTEXT") || strings.Contains(err.Error(), "PLAINTEXT") {
			t.Fatalf("error leaks the token: %v", err)
		}
		// A's access token in A's refresh column: the columns are bound too.
		exec(t, db, rebind(db, `UPDATE wave_tokens SET refresh_token = ? WHERE organization_id = ?`), access, orgA.ID)
		if _, err := db.WaveToken(ctxA, orgA.ID); err == nil {
			t.Fatal("an access token opened as a refresh token")
		}
		// A flipped bit in the ciphertext.
		tampered := bytes.Clone(refresh)
		tampered[len(tampered)-20] ^= 0x80
		exec(t, db, rebind(db, `UPDATE wave_tokens SET refresh_token = ? WHERE organization_id = ?`), tampered, orgA.ID)
		if _, err := db.WaveToken(ctxA, orgA.ID); err == nil {
			t.Fatal("a tampered token opened")
		}
		// The genuine one still opens.
		exec(t, db, rebind(db, `UPDATE wave_tokens SET refresh_token = ? WHERE organization_id = ?`), refresh, orgA.ID)
		got, err = db.WaveToken(ctxA, orgA.ID)
		if err != nil || got.RefreshToken != tokA.RefreshToken {
			t.Fatalf("A's restored token = %#v, %v", got, err)
		}
	})
}

// TestNoTokenKey: a store without a key refuses every secret, so nothing is ever
// stored in clear by a misconfigured instance.
func TestNoTokenKey(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx, org, _ := connected(t, db, "owner@example.com")
		bare := reopen(t, db)
		owner := finhealth.ActorFrom(ctx).UserID
		tok := finhealth.OAuthToken{AccessToken: "a", RefreshToken: "r"}

		_, err := bare.SaveWaveConnection(ctx, finhealth.WaveConnection{OrganizationID: org.ID, WaveUserID: "w"}, tok)
		wantStoreCode(t, err, finhealth.EUNAVAILABLE)
		wantStoreCode(t, bare.SaveWaveToken(ctx, org.ID, tok), finhealth.EUNAVAILABLE)
		wantStoreCode(t, bare.CreateOAuthState(ctx, finhealth.OAuthState{StateHash: "h", OrganizationID: org.ID, UserID: owner,
			CodeVerifier: "v", ExpiresAt: time.Now().Add(time.Minute)}), finhealth.EUNAVAILABLE)
		_, err = bare.WaveToken(ctx, org.ID)
		wantStoreCode(t, err, finhealth.EUNAVAILABLE)
		if n := count(t, db, "oauth_states"); n != 0 {
			t.Fatalf("%d states stored without a key", n)
		}
		// What the keyed store saved is untouched.
		if _, err := db.WaveToken(ctx, org.ID); err != nil {
			t.Fatal(err)
		}
		// Everything that holds no secret works without a key.
		if _, err := bare.WaveConnection(ctx, org.ID); err != nil {
			t.Fatal(err)
		}
	})
}

func wantStoreCode(t *testing.T, err error, want string) {
	t.Helper()
	if got := finhealth.ErrorCode(err); got != want {
		t.Fatalf("error = %v (code %q), want %q", err, got, want)
	}
}

// TestTokenKeyRotation rotates the key across instances: the new instance reads what
// the old key sealed, and each save moves a token to the new key.
func TestTokenKeyRotation(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx, org, tok := connected(t, db, "owner@example.com")
		newKey := bytes.Repeat([]byte{7}, store.TokenKeySize)
		rotated := reopen(t, db, store.WithTokenKey(newKey), store.WithPreviousTokenKeys(testdb.TokenKey))
		newOnly := reopen(t, db, store.WithTokenKey(newKey))

		if _, err := newOnly.WaveToken(ctx, org.ID); err == nil {
			t.Fatal("a token sealed under the old key opened without it")
		}
		got, err := rotated.WaveToken(ctx, org.ID)
		if err != nil || got.AccessToken != tok.AccessToken {
			t.Fatalf("rotated instance reads %#v, %v", got, err)
		}
		if err := rotated.SaveWaveToken(ctx, org.ID, got); err != nil {
			t.Fatal(err)
		}
		// Now under the new key: the new-key-only instance reads it, the old one not.
		if got, err := newOnly.WaveToken(ctx, org.ID); err != nil || got.RefreshToken != tok.RefreshToken {
			t.Fatalf("after re-saving: %#v, %v", got, err)
		}
		if _, err := db.WaveToken(ctx, org.ID); err == nil {
			t.Fatal("the old key opened a token sealed under the new one")
		}
	})
}

func TestOpenRejectsBadTokenKey(t *testing.T) {
	_, err := store.Open(context.Background(), t.TempDir()+"/x.db", store.WithTokenKey([]byte("short")))
	if err == nil {
		t.Fatal("Open accepted a 5-byte token key")
	}
}

// TestWarehouseRollback makes the audit insert fail, the last step of each audited
// mutation, and checks that the earlier steps were undone with it.
func TestWarehouseRollback(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx, org, tok := connected(t, db, "owner@example.com")
		if _, err := db.ChooseWaveBusiness(ctx, org.ID, finhealth.WaveBusiness{ID: "biz-1", Name: "One", Currency: "USD", CurrencyExponent: 2}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.UpsertAccounts(ctx, org.ID, []finhealth.LedgerAccount{{WaveID: "acc", BusinessWaveID: "biz-1", Name: "Bank"}}); err != nil {
			t.Fatal(err)
		}
		_, org2, err := db.Register(context.Background(), finhealth.NewUser{Email: "two@example.com", Name: "T", PasswordHash: "h"},
			finhealth.NewOrganization{Name: "Two"})
		if err != nil {
			t.Fatal(err)
		}

		exec(t, db, `ALTER TABLE audit_log RENAME TO audit_log_away`)
		_, err = db.SaveWaveConnection(ctx, finhealth.WaveConnection{OrganizationID: org2.ID, WaveUserID: "w"}, tok)
		wantStoreCode(t, err, finhealth.EINTERNAL)
		_, err = db.ChooseWaveBusiness(ctx, org.ID, finhealth.WaveBusiness{ID: "biz-2", Name: "Two"})
		wantStoreCode(t, err, finhealth.EINTERNAL)
		_, err = db.SetWaveConnectionStatus(ctx, org.ID, tok.GrantID, finhealth.WaveNeedsReconnect, "grant_revoked")
		wantStoreCode(t, err, finhealth.EINTERNAL)
		wantStoreCode(t, db.DeleteWaveConnection(ctx, org.ID), finhealth.EINTERNAL)
		_, err = db.SetAccountOverride(ctx, org.ID, finhealth.AccountOverride{AccountID: "acc", Class: finhealth.ClassCash})
		wantStoreCode(t, err, finhealth.EINTERNAL)
		_, err = db.CreateSyncRun(ctx, org.ID, finhealth.SyncFull, finhealth.SyncManual)
		wantStoreCode(t, err, finhealth.EINTERNAL)
		exec(t, db, `ALTER TABLE audit_log_away RENAME TO audit_log`)

		if n := count(t, db, "wave_connections"); n != 1 {
			t.Fatalf("%d connections, want 1", n)
		}
		c, err := db.WaveConnection(ctx, org.ID)
		if err != nil || c.Status != finhealth.WaveActive || c.BusinessID != "biz-1" {
			t.Fatalf("connection after failed changes = %+v, %v", c, err)
		}
		if _, err := db.WaveToken(ctx, org.ID); err != nil {
			t.Fatalf("token after failed disconnect: %v", err)
		}
		snap, err := db.LedgerSnapshot(ctx, org.ID, time.Now())
		if err != nil || len(snap.Accounts) != 1 {
			t.Fatalf("accounts after failed business change: %+v, %v", snap, err)
		}
		if n := count(t, db, "account_overrides") + count(t, db, "sync_runs") + count(t, db, "wave_tokens"); n != 1 {
			t.Fatalf("%d rows in overrides, runs and tokens; want only the one token", n)
		}
	})
}

// TestLedgerSnapshotReadsOneMoment commits a sync's page to every table on other
// connections while LedgerSnapshot is between the tables it reads: the snapshot shows
// the books as they were when it began, whole, and the next one shows the page.
// LedgerSummary likewise.
func TestLedgerSnapshotReadsOneMoment(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		t.Run("LedgerSnapshot", func(t *testing.T) { readsOneMoment(t, db, "snapshot@example.com", db.LedgerSnapshot) })
		t.Run("LedgerSummary", func(t *testing.T) { readsOneMoment(t, db, "summary@example.com", db.LedgerSummary) })
	})
}

func readsOneMoment(t *testing.T, db *store.DB, email string, read func(ctx context.Context, orgID string, asOf time.Time) (*finhealth.LedgerSnapshot, error)) {
	t.Helper()
	ctx, org, _ := connected(t, db, email)
	if _, err := db.ChooseWaveBusiness(ctx, org.ID, finhealth.WaveBusiness{ID: "biz", Name: "B", Currency: "USD", CurrencyExponent: 2}); err != nil {
		t.Fatal(err)
	}
	usd := func(minor int64) finhealth.Money { return finhealth.Money{Minor: minor, Currency: "USD", Exponent: 2} }
	asOf := time.Now().UTC()
	page := func(n int, balance, due int64) {
		t.Helper()
		var (
			accounts  []finhealth.LedgerAccount
			invoices  []finhealth.Invoice
			customers []finhealth.Customer
		)
		for i := range n {
			id := fmt.Sprint(i)
			accounts = append(accounts, finhealth.LedgerAccount{WaveID: "A" + id, BusinessWaveID: "biz", Name: "Bank " + id,
				Type: finhealth.AccountAsset, Currency: "USD", Balance: usd(balance), AccountBalance: usd(balance)})
			invoices = append(invoices, finhealth.Invoice{WaveID: "I" + id, BusinessWaveID: "biz", Status: finhealth.InvoiceSent,
				Currency: "USD", ExchangeRate: "1", Total: usd(1000), AmountDue: usd(due), InvoiceDate: asOf.AddDate(0, 0, -10)})
			customers = append(customers, finhealth.Customer{WaveID: "C" + id, BusinessWaveID: "biz", Name: "C " + id,
				Currency: "USD", Outstanding: usd(due)})
		}
		if _, err := db.UpsertAccounts(ctx, org.ID, accounts); err != nil {
			t.Error(err)
		}
		if _, err := db.UpsertInvoices(ctx, org.ID, invoices); err != nil {
			t.Error(err)
		}
		if _, err := db.UpsertCustomers(ctx, org.ID, customers); err != nil {
			t.Error(err)
		}
	}
	page(1, 100, 500)
	before, err := read(ctx, org.ID, asOf)
	if err != nil {
		t.Fatal(err)
	}

	calls := 0
	db.BetweenLedgerReads(func() {
		if calls++; calls == 1 {
			page(2, 999, 0) // one record changed, one added, in every table
		}
	})
	during, err := read(ctx, org.ID, asOf)
	if err != nil {
		t.Fatal(err)
	}
	if calls != 3 {
		t.Fatalf("the hook ran %d times; the test proves nothing", calls)
	}
	if !reflect.DeepEqual(during, before) {
		t.Errorf("a snapshot read while a page was committed:\n got %+v\nwant %+v", during, before)
	}

	db.BetweenLedgerReads(nil)
	after, err := read(ctx, org.ID, asOf)
	if err != nil {
		t.Fatal(err)
	}
	if len(after.Accounts) != 2 || after.Accounts[0].Balance.Minor != 999 {
		t.Errorf("snapshot after the page = %+v", after)
	}
	if s := after.InvoiceSummary; s == nil && (len(after.Invoices) != 2 || after.Invoices[0].AmountDue.Minor != 0 || len(after.Customers) != 2) ||
		s != nil && (len(s.Open) != 0 || len(s.Issued) != 1 || s.Issued[0].Count != 2 || after.CustomerTotals.Counted != 0) {
		t.Errorf("snapshot after the page = %+v, %+v, %+v", after, after.InvoiceSummary, after.CustomerTotals)
	}
}
