package storetest

import (
	"context"
	"testing"
	"time"

	"finhealth"
)

// Dataset says what Populate wrote, for tests that look for it again in a copy.
type Dataset struct {
	// WaveTokens are the tokens saved for each connected organization, by id.
	WaveTokens map[string]finhealth.OAuthToken
	// Books are the current-state records upserted for the organization BooksOrgID,
	// which writing again to a copy must find unchanged.
	BooksOrgID string
	Accounts   []finhealth.LedgerAccount
	Invoices   []finhealth.Invoice
	Customers  []finhealth.Customer
}

// Populate fills s through its own methods with some of everything the schema holds:
// every table gets rows, and the values a copy of the database is most likely to get
// wrong are among them (NULLs next to empty strings, false booleans, negative and
// large money, floats that are not round, timestamps with microseconds, JSON with
// markup and non-ASCII text, sealed Wave tokens). It is for tests that copy whole
// databases, such as backup and restore; the tables it must cover are whatever the
// backup's table list holds, so a new table belongs here as well.
func Populate(t *testing.T, s finhealth.Store) Dataset {
	t.Helper()
	ws, ok := s.(warehouseStore)
	if !ok {
		t.Fatal("the store does not implement finhealth.WarehouseService")
	}
	data := Dataset{WaveTokens: map[string]finhealth.OAuthToken{}}
	bg := context.Background()

	admin := createUser(t, s, "admin@example.com", finhealth.RoleAdmin)
	owner, org := register(t, s, "owner@example.com")
	other, otherOrg := register(t, s, "other@example.com")
	ctx := actorCtx(owner)
	name, industry := `Café "Ünïcode" <Bakery> ☕`, ""
	_, err := s.UpdateOrganization(ctx, org.ID, finhealth.OrganizationUpdate{Name: &name, Industry: &industry})
	must(t, err)

	must(t, ws.SaveAccountSubtypes(bg, []finhealth.AccountSubtype{
		{Value: "CASH_AND_BANK", Name: "Cash and Bank", Type: finhealth.AccountAsset, NormalBalance: finhealth.NormalDebit, Description: "Banks <and> tills ☕"},
		{Value: "DEPRECIATION_AND_AMORTIZATION", Name: "Depreciation", Type: finhealth.AccountAsset},
	}))

	advisor := createUser(t, s, "advisor@example.com", finhealth.RoleUser)
	join(t, s, owner, org.ID, advisor, finhealth.OrgRoleAdvisor)
	invite(t, s, owner, org.ID, "pending@example.com", finhealth.OrgRoleViewer)
	populateMail(t, s, owner, org.ID)
	leaver := createUser(t, s, "leaver@example.com", finhealth.RoleUser)
	_, err = s.DeactivateUser(actorCtx(admin), leaver.ID)
	must(t, err)

	// One token family rotated (used_at set), another revoked (revoked_at set).
	login(t, s, owner, unique("refresh"))
	first := unique("refresh")
	login(t, s, advisor, first)
	_, err = rotate(s, first, unique("refresh"))
	must(t, err)
	revoked := unique("refresh")
	login(t, s, other, revoked)
	must(t, s.RevokeRefreshFamily(bg, revoked))

	must(t, s.EnsureQuestionnaire(bg, questionnaire(1)))
	submit(t, s, org, owner, 100.0/3)
	submit(t, s, org, advisor, 71.25)
	submit(t, s, otherOrg, other, 12.5)

	// An active connection with books, and one still waiting for its business.
	c := connect(t, ws, owner, org.ID)
	data.WaveTokens[org.ID], err = ws.WaveToken(bg, org.ID)
	must(t, err)
	pending := waveToken(otherOrg.ID)
	pending.ExpiresAt = time.Time{} // stored as NULL
	_, err = ws.SaveWaveConnection(actorCtx(other), finhealth.WaveConnection{OrganizationID: otherOrg.ID, WaveUserID: "wave-user-other"}, pending)
	must(t, err)
	data.WaveTokens[otherOrg.ID], err = ws.WaveToken(bg, otherOrg.ID)
	must(t, err)
	must(t, ws.CreateOAuthState(ctx, finhealth.OAuthState{
		StateHash: unique("state"), OrganizationID: org.ID, UserID: owner.ID,
		CodeVerifier: "verifier-that-is-secret", ExpiresAt: time.Now().Add(10 * time.Minute),
	}))

	biz := c.BusinessID
	run, err := ws.CreateSyncRun(ctx, org.ID, finhealth.SyncFull, finhealth.SyncManual)
	must(t, err)
	_, err = ws.StartSyncRun(bg, run.ID)
	must(t, err)
	must(t, ws.RecordSyncAttempt(bg, run.ID, 1, "Wave answered 503; retrying", time.Now().Add(time.Minute)))
	accounts := []finhealth.LedgerAccount{ledgerAccount(biz, 1, 1234567), ledgerAccount(biz, 2, -500)}
	accounts[1].Currency, accounts[1].AccountBalance = "JPY", finhealth.Money{Minor: -800, Currency: "JPY", Exponent: 0}
	accounts[1].IsArchived = true
	_, err = ws.UpsertAccounts(bg, org.ID, accounts)
	must(t, err)
	invoices := ledgerInvoices(biz, 1, 12) // some never sent: NULL last_sent_at
	_, err = ws.UpsertInvoices(bg, org.ID, invoices)
	must(t, err)
	customers := []finhealth.Customer{ledgerCustomer(biz, 1), ledgerCustomer(biz, 2)}
	customers[1].IsArchived, customers[1].CreatedAt = true, time.Time{}
	_, err = ws.UpsertCustomers(bg, org.ID, customers)
	must(t, err)
	data.BooksOrgID, data.Accounts, data.Invoices, data.Customers = org.ID, accounts, invoices, customers
	must(t, ws.SetSyncWatermark(bg, org.ID, run.ID, finhealth.EntityInvoices, invoices[10].ModifiedAt))
	progress := finhealth.SyncProgress{Accounts: finhealth.SyncCounts{Seen: 2, Upserted: 2}, Invoices: finhealth.SyncCounts{Seen: 11, Upserted: 11}, Pages: 3}
	_, err = ws.FinishSyncRun(bg, run.ID, finhealth.SyncSucceeded, progress, "")
	must(t, err)

	must(t, ws.InsertBalanceSnapshot(ctx, org.ID, finhealth.BalanceSnapshot{
		AsOf: day.Add(123 * time.Microsecond), Currency: "USD", CurrencyExponent: 2,
		Balances: []finhealth.AccountBalance{{AccountID: "Account:0001", Balance: usd(1234567)},
			{AccountID: "Account:0002", Balance: finhealth.Money{Minor: -800, Currency: "JPY", Exponent: 0}}},
	}))
	must(t, ws.InsertReceivablesSnapshot(ctx, org.ID, finhealth.ReceivablesSnapshot{
		AsOf: day, Currency: "USD", CurrencyExponent: 2, Total: usd(3200), Overdue: usd(1600),
		Current: usd(1600), Days1To30: usd(800), Days31To60: usd(400), Days61To90: usd(200), Over90: usd(200),
		OpenInvoices: 12, OverdueInvoices: 5,
	}))
	dso := finhealth.MetricValue{Name: "dso", Label: "DSO", Unit: finhealth.UnitDays, Status: finhealth.MetricNotEnoughData, Reason: "no sales", Formula: "f"}
	must(t, ws.InsertMetrics(ctx, org.ID, day, []finhealth.MetricValue{ratio("current_ratio", 1.0/3, "watch", 70), cash(9007199254740993), dso}))
	must(t, ws.InsertHealthScore(ctx, org.ID, healthScore(day, 67.125)))
	must(t, ws.InsertHealthScore(ctx, org.ID, finhealth.HealthScore{Status: finhealth.MetricNotEnoughData, Reason: "nothing yet", MethodVersion: "health-1", AsOf: day.AddDate(0, 0, -30)}))
	_, err = ws.SetAccountOverride(actorCtx(advisor), org.ID, finhealth.AccountOverride{AccountID: accounts[0].WaveID, Class: finhealth.ClassExcluded, Note: "owner's drawings — not cash"})
	must(t, err)
	return data
}
