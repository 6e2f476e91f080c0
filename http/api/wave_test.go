package api

import (
	"context"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"finhealth"
	fhttp "finhealth/http"
	"finhealth/http/internal/servertest"
	"finhealth/internal/testdb"
	"finhealth/scoring"
	"finhealth/store"
	"finhealth/wave/wavetest"
)

// TestWaveFlow drives the whole feature through the API on each database: connect,
// the fake's authorize redirect, the callback, choosing a business, the sync run the
// worker completes, then health and metrics equal to scoring's functions on the
// stored data, a mapping override visible at once, and the failure modes of the
// authorization and of a connection Wave stops accepting. One fake Wave and one
// worker serve every subtest; each subtest has its own organizations.
func TestWaveFlow(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newWaveAPI(t, db, servertest.WaveOptions{StartWorker: true})
		seed := a.Wave.Fake.Seed()

		t.Run("connect_sync_score", func(t *testing.T) {
			a.T = t
			owner := a.RegisterDirect("Owner")
			org := owner.OrgID

			var before fhttp.ConnectionView
			a.Call("GET", servertest.OrgPath(org, "/wave"), owner.Token, nil).Expect(t, http.StatusOK).Decode(t, &before)
			if before.Status != fhttp.NotConnected || !before.Configured {
				t.Fatalf("before connecting: %+v", before)
			}

			cs := a.StartConnect(owner, org)
			au, err := url.Parse(cs.AuthorizeURL)
			if err != nil {
				t.Fatal(err)
			}
			q := au.Query()
			if !strings.HasPrefix(cs.AuthorizeURL, a.Wave.Fake.Endpoints().AuthURL) || q.Get("code_challenge_method") != "S256" ||
				q.Get("code_challenge") == "" || len(q.Get("state")) != fhttp.OpaqueTokenLen || q.Get("response_type") != "code" {
				t.Fatalf("authorize URL %s", cs.AuthorizeURL)
			}
			if d := time.Until(cs.ExpiresAt); d < 9*time.Minute || d > 11*time.Minute {
				t.Errorf("state expires in %s, want about 10 minutes", d)
			}

			var cb fhttp.CallbackResult
			a.Callback(owner.Token, a.Authorize(cs.AuthorizeURL)).Expect(t, http.StatusOK).Decode(t, &cb)
			if cb.Connection.Status != string(finhealth.WavePendingBusiness) || cb.Warning != "" {
				t.Fatalf("after the callback: %+v", cb)
			}
			if len(cb.Connection.Scopes) == 0 || cb.Connection.ConnectedBy != owner.ID {
				t.Errorf("connection scopes %v, connected by %q", cb.Connection.Scopes, cb.Connection.ConnectedBy)
			}
			flags := map[string][]string{}
			for _, b := range cb.Businesses {
				for _, l := range b.Limitations {
					flags[b.ID] = append(flags[b.ID], l.Code)
				}
				if b.FullyAssessable != (len(b.Limitations) == 0) {
					t.Errorf("business %s: fully_assessable %v with limitations %v", b.Name, b.FullyAssessable, b.Limitations)
				}
			}
			if len(cb.Businesses) != 3 || len(flags[seed.AcmeBusinessID]) != 0 ||
				!reflect.DeepEqual(flags[seed.PersonalBusinessID], []string{finhealth.LimitationPersonal}) ||
				!reflect.DeepEqual(flags[seed.LegacyBusinessID], []string{finhealth.LimitationClassicInvoicing}) {
				t.Fatalf("businesses and their flags: %v", flags)
			}

			var listed list[fhttp.BusinessView]
			a.Call("GET", servertest.OrgPath(org, "/wave/businesses"), owner.Token, nil).Expect(t, http.StatusOK).Decode(t, &listed)
			if len(listed.Items) != 3 {
				t.Errorf("GET businesses: %d", len(listed.Items))
			}

			chosen := a.ChooseBusiness(owner, org, seed.AcmeBusinessID)
			if chosen.Connection.Status != string(finhealth.WaveActive) || chosen.SyncRun == nil ||
				chosen.SyncRun.Kind != finhealth.SyncFull || chosen.SyncRun.Trigger != finhealth.SyncOnConnect {
				t.Fatalf("after choosing: %+v", chosen)
			}
			run := a.WaitRun(owner, org, chosen.SyncRun.ID)
			if run.Status != finhealth.SyncSucceeded || run.Progress.Invoices.Seen != 120 || run.Progress.Pages == 0 ||
				run.StartedAt == nil || run.FinishedAt == nil || run.DurationSeconds == nil || run.Error != nil {
				t.Fatalf("sync run: %+v", run)
			}

			var status fhttp.ConnectionView
			a.Call("GET", servertest.OrgPath(org, "/wave"), owner.Token, nil).Expect(t, http.StatusOK).Decode(t, &status)
			if status.Status != string(finhealth.WaveActive) || status.Business == nil || status.Business.ID != seed.AcmeBusinessID ||
				status.Currency != "USD" || status.LastSyncAt == nil || status.LastRun == nil || status.LastRun.ID != run.ID {
				t.Fatalf("status after sync: %+v", status)
			}
			var runs page[fhttp.SyncRunView]
			a.Call("GET", servertest.OrgPath(org, "/wave/sync-runs?limit=5"), owner.Token, nil).Expect(t, http.StatusOK).Decode(t, &runs)
			if len(runs.Items) != 1 || runs.Items[0].ID != run.ID {
				t.Errorf("sync runs: %+v", runs)
			}

			// The live score is scoring's functions on the stored data, and agrees
			// with what the worker recorded.
			h := a.Health(owner, org)
			want, wantMetrics := a.ExpectedHealth(org, nil)
			servertest.CompareHealth(t, h, want, wantMetrics)
			if h.Status != "ok" || !h.Ledger.Available || h.Questionnaire.Available || h.Health.Score == nil {
				t.Fatalf("health: status %s, ledger %+v", h.Status, h.Ledger)
			}
			stored, err := db.LatestHealthScore(context.Background(), org)
			if err != nil {
				t.Fatal(err)
			}
			if *stored.Score != *h.Health.Score {
				t.Errorf("live score %v, recorded %v", *h.Health.Score, *stored.Score)
			}
			var latest latestMetricsView
			a.Call("GET", servertest.OrgPath(org, "/metrics/latest"), owner.Token, nil).Expect(t, http.StatusOK).Decode(t, &latest)
			if !servertest.SameJSON(t, latest.Items, h.Metrics) {
				t.Error("metrics/latest differs from the live metrics of the same books")
			}

			// An assessment joins the score at once.
			a.CreateAssessment(org, owner.ID)
			h2 := a.Health(owner, org)
			want2, _ := a.ExpectedHealth(org, mustLatest(t, db, org))
			servertest.CompareHealth(t, h2, want2, wantMetrics)
			if !h2.Questionnaire.Available {
				t.Error("the assessment is not used")
			}

			var series metricSeriesView
			a.Call("GET", servertest.OrgPath(org, "/metrics?names=current_ratio,overdue_share&from=2000-01-01"), owner.Token, nil).
				Expect(t, http.StatusOK).Decode(t, &series)
			if len(series.Series) != 2 || series.Series[0].Name != "current_ratio" || len(series.Series[0].Points) != 1 ||
				series.Series[1].Unit != finhealth.UnitPercent {
				t.Fatalf("metric series: %+v", series)
			}
			if p := series.Series[0].Points[0]; p.Value == nil || *p.Value != *metricNamed(h.Metrics, "current_ratio").Value {
				t.Errorf("series point %+v", p)
			}
			var hist page[finhealth.HealthScore]
			a.Call("GET", servertest.OrgPath(org, "/health/history?from=2000-01-01&limit=10"), owner.Token, nil).Expect(t, http.StatusOK).Decode(t, &hist)
			if len(hist.Items) == 0 || hist.Items[0].MethodVersion != scoring.HealthMethodVersion {
				t.Errorf("health history: %+v", hist)
			}

			// The loan counts as current debt until reviewed (Wave files lines of credit
			// under LOANS); moving it to long-term debt raises the current ratio in the
			// very next read, and removing the override restores it.
			loan := accountMapping(a, owner, org, "Equipment Loan")
			if loan.DefaultClass != finhealth.ClassCurrentDebt || !loan.NeedsReview || loan.Override != nil {
				t.Fatalf("loan before: %+v", loan)
			}
			path := servertest.OrgPath(org, "/account-mapping/"+url.PathEscape(loan.AccountID))
			var entry fhttp.MappingEntry
			a.Call("PUT", path, owner.Token, map[string]string{"class": "long_term_debt", "note": "five-year term loan"}).
				Expect(t, http.StatusOK).Decode(t, &entry)
			if entry.Class != finhealth.ClassLongTermDebt || entry.NeedsReview || entry.Override == nil ||
				entry.Override.SetBy != owner.ID || entry.Override.SetByEmail != owner.Email || entry.Override.Note != "five-year term loan" {
				t.Fatalf("entry after override: %+v", entry)
			}
			h3 := a.Health(owner, org)
			crBefore, crAfter := metricNamed(h.Metrics, "current_ratio").Value, metricNamed(h3.Metrics, "current_ratio").Value
			if crBefore == nil || crAfter == nil || !(*crAfter > *crBefore) {
				t.Fatalf("current ratio %v -> %v: the override did not count at once", crBefore, crAfter)
			}
			want3, wantMetrics3 := a.ExpectedHealth(org, mustLatest(t, db, org))
			servertest.CompareHealth(t, h3, want3, wantMetrics3)
			// The override also queued a rescore, which records the new value.
			a.Wave.WaitFor(t, "the recorded metrics to catch up with the override", func() bool {
				var lm latestMetricsView
				a.Call("GET", servertest.OrgPath(org, "/metrics/latest"), owner.Token, nil).Expect(t, http.StatusOK).Decode(t, &lm)
				v := metricNamed(lm.Items, "current_ratio").Value
				return v != nil && *v == *crAfter
			})

			a.Call("DELETE", path, owner.Token, nil).Expect(t, http.StatusNoContent)
			a.Call("DELETE", path, owner.Token, nil).Expect(t, http.StatusNotFound)
			if v := metricNamed(a.Health(owner, org).Metrics, "current_ratio").Value; *v != *crBefore {
				t.Errorf("current ratio after removing the override %v, want %v", *v, *crBefore)
			}
			res := a.Call("PUT", path, owner.Token, map[string]string{"class": "assets"}).Expect(t, http.StatusUnprocessableEntity)
			if _, ok := res.ErrorFields(t)["class"]; !ok {
				t.Errorf("a bad class is not named: %s", res.Body)
			}
			a.Call("PUT", servertest.OrgPath(org, "/account-mapping/"+url.PathEscape("QWNjb3VudDpub25l")), owner.Token,
				map[string]string{"class": "cash"}).Expect(t, http.StatusNotFound)

			// A manual sync: 202 with the run's location.
			res = a.Call("POST", servertest.OrgPath(org, "/wave/sync"), owner.Token, map[string]string{"kind": "full"}).Expect(t, http.StatusAccepted)
			var q2 syncQueued
			res.Decode(t, &q2)
			if loc := res.Header.Get("Location"); loc != servertest.OrgPath(org, "/wave/sync-runs/"+q2.Run.ID) || q2.Run.Kind != finhealth.SyncFull {
				t.Errorf("Location %q, run %+v", loc, q2.Run)
			}
			waitAll(a, owner, org)
			a.Call("POST", servertest.OrgPath(org, "/wave/sync"), owner.Token, map[string]string{"kind": "partial"}).Expect(t, http.StatusUnprocessableEntity)
			// One at a time: a run that stays queued (no job behind it) blocks the
			// next, and the refusal names it.
			blocking, err := db.CreateSyncRun(context.Background(), org, finhealth.SyncIncremental, finhealth.SyncScheduled)
			if err != nil {
				t.Fatal(err)
			}
			res = a.Call("POST", servertest.OrgPath(org, "/wave/sync"), owner.Token, nil).Expect(t, http.StatusConflict)
			if !strings.Contains(res.ErrorMessage(t), blocking.ID) {
				t.Errorf("the conflict does not name the queued run: %s", res.Body)
			}
			if _, err := db.FinishSyncRun(context.Background(), blocking.ID, finhealth.SyncFailed, finhealth.SyncProgress{}, "test"); err != nil {
				t.Fatal(err)
			}

			// Disconnecting revokes at Wave and keeps the history.
			granted, err := db.WaveToken(context.Background(), org)
			if err != nil {
				t.Fatal(err)
			}
			var disc fhttp.Disconnected
			a.Call("DELETE", servertest.OrgPath(org, "/wave"), owner.Token, nil).Expect(t, http.StatusOK).Decode(t, &disc)
			if disc.Connection.Status != string(finhealth.WaveDisconnected) || len(disc.Warnings) != 0 {
				t.Fatalf("disconnect: %+v", disc)
			}
			if a.Wave.AccessTokenWorks(t, granted.AccessToken) || a.Wave.RefreshError(t, granted.RefreshToken) != "invalid_grant" {
				t.Error("the grant was not revoked at Wave")
			}
			if _, err := db.WaveToken(context.Background(), org); finhealth.ErrorCode(err) != finhealth.ENOTFOUND {
				t.Errorf("tokens after disconnect: %v", err)
			}
			a.Call("POST", servertest.OrgPath(org, "/wave/sync"), owner.Token, nil).Expect(t, http.StatusConflict)
			if h := a.Health(owner, org); !h.Ledger.Available {
				t.Error("the warehouse was dropped on disconnect")
			}
			a.CheckNoSecrets(t)
		})

		t.Run("callback_state", func(t *testing.T) {
			a.T = t
			owner := a.RegisterDirect("Owner")
			other := a.RegisterDirect("Other")
			org := owner.OrgID

			res := a.Callback(owner.Token, url.Values{"code": {"x"}}).Expect(t, http.StatusUnprocessableEntity)
			if _, ok := res.ErrorFields(t)["state"]; !ok {
				t.Errorf("a missing state is not named: %s", res.Body)
			}
			a.Callback(owner.Token, url.Values{"code": {"x"}, "state": {"garbage"}}).Expect(t, http.StatusNotFound)
			forged, _, _ := fhttp.NewOpaqueToken()
			a.Callback(owner.Token, url.Values{"code": {"x"}, "state": {forged}}).Expect(t, http.StatusNotFound)
			a.Call("GET", "/api/v1/wave/callback?state=x", "", nil).Expect(t, http.StatusUnauthorized)

			// Another user's state is refused without spending it.
			back := a.Authorize(a.StartConnect(owner, org).AuthorizeURL)
			a.Callback(other.Token, back).Expect(t, http.StatusNotFound)
			a.Callback(owner.Token, back).Expect(t, http.StatusOK)
			// Replayed.
			res = a.Callback(owner.Token, back).Expect(t, http.StatusConflict)
			if !strings.Contains(res.ErrorMessage(t), "already been used") {
				t.Errorf("replay message: %s", res.Body)
			}

			// Expired by the server's clock.
			back = a.Authorize(a.StartConnect(owner, org).AuthorizeURL)
			a.Clock.Advance(fhttp.OAuthStateTTL + time.Second)
			res = a.Callback(owner.Token, back).Expect(t, http.StatusUnprocessableEntity)
			if !strings.Contains(res.ErrorMessage(t), "expired") {
				t.Errorf("expiry message: %s", res.Body)
			}

			// The state binds the organization: a user who owns two connects the one
			// the state was made for, whatever else they own.
			second := secondOrg(a, owner)
			back = a.Authorize(a.StartConnect(owner, second).AuthorizeURL)
			var cb fhttp.CallbackResult
			a.Callback(owner.Token, back).Expect(t, http.StatusOK).Decode(t, &cb)
			conn, err := db.WaveConnection(context.Background(), second)
			if err != nil || conn.ConnectedBy != owner.ID {
				t.Fatalf("the second organization is not the one connected: %v", err)
			}

			// Losing wave:manage between connect and callback refuses it.
			manager := a.CreateUser("Manager", finhealth.RoleUser)
			a.AddMember(org, owner.ID, &manager, finhealth.OrgRoleOwner)
			back = a.Authorize(a.StartConnect(manager, org).AuthorizeURL)
			if _, err := db.ChangeMemberRole(finhealth.WithActor(context.Background(), finhealth.Actor{UserID: owner.ID}),
				org, manager.ID, finhealth.OrgRoleViewer); err != nil {
				t.Fatal(err)
			}
			a.Callback(manager.Token, back).Expect(t, http.StatusForbidden)
			// Leaving altogether hides the organization.
			back = a.Authorize(a.StartConnect(owner, second).AuthorizeURL)
			third := a.CreateUser("Third", finhealth.RoleUser)
			a.AddMember(second, owner.ID, &third, finhealth.OrgRoleOwner)
			back3 := a.Authorize(a.StartConnect(third, second).AuthorizeURL)
			if err := db.RemoveMember(finhealth.WithActor(context.Background(), finhealth.Actor{UserID: owner.ID}), second, third.ID); err != nil {
				t.Fatal(err)
			}
			a.Callback(third.Token, back3).Expect(t, http.StatusNotFound)
			a.Callback(owner.Token, back).Expect(t, http.StatusOK)

			// Declined in Wave: a clear 403, and the state is spent.
			a.Wave.Fake.Update(func(o *wavetest.Options) { o.DenyAuthorization = true })
			back = a.Authorize(a.StartConnect(owner, org).AuthorizeURL)
			a.Wave.Fake.Update(func(o *wavetest.Options) { o.DenyAuthorization = false })
			if back.Get("error") != "access_denied" {
				t.Fatalf("the fake did not deny: %v", back)
			}
			res = a.Callback(owner.Token, back).Expect(t, http.StatusForbidden)
			if !strings.Contains(res.ErrorMessage(t), "declined access in Wave") {
				t.Errorf("denial message: %s", res.Body)
			}
			a.Callback(owner.Token, back).Expect(t, http.StatusConflict)

			// A code Wave refuses (here: already exchanged) is a clear 422.
			back = a.Authorize(a.StartConnect(owner, org).AuthorizeURL)
			code := back.Get("code")
			a.Callback(owner.Token, back).Expect(t, http.StatusOK)
			back2 := a.Authorize(a.StartConnect(owner, org).AuthorizeURL)
			back2.Set("code", code)
			res = a.Callback(owner.Token, back2).Expect(t, http.StatusUnprocessableEntity)
			if !strings.Contains(res.ErrorMessage(t), "expired or was already used") {
				t.Errorf("invalid_grant message: %s", res.Body)
			}
			// Another authorize error is reported with its (sanitized) code.
			back = a.Authorize(a.StartConnect(owner, org).AuthorizeURL)
			back.Del("code")
			back.Set("error", "invalid_scope<script>")
			res = a.Callback(owner.Token, back).Expect(t, http.StatusUnprocessableEntity)
			if msg := res.ErrorMessage(t); !strings.Contains(msg, "invalid_scopescript") || strings.Contains(msg, "<") {
				t.Errorf("authorize error message: %s", msg)
			}
			a.CheckNoSecrets(t)
		})

		t.Run("wave_refuses_the_client", func(t *testing.T) {
			a.T = t
			owner := a.RegisterDirect("Owner")
			org := owner.OrgID
			a.ConnectWave(owner, org)
			back := a.Authorize(a.StartConnect(owner, org).AuthorizeURL)
			// Wave no longer recognises finhealth's registration (a rotated secret).
			a.Wave.Fake.Update(func(o *wavetest.Options) { o.ClientSecret = "rotated-elsewhere" })
			defer a.Wave.Fake.Update(func(o *wavetest.Options) { o.ClientSecret = wavetest.DefaultClientSecret })
			res := a.Callback(owner.Token, back).Expect(t, http.StatusServiceUnavailable)
			if !strings.Contains(res.ErrorMessage(t), "misconfigured") {
				t.Errorf("invalid_client message: %s", res.Body)
			}
			// Disconnecting still deletes the credentials, and says Wave was not told.
			var disc fhttp.Disconnected
			a.Call("DELETE", servertest.OrgPath(org, "/wave"), owner.Token, nil).Expect(t, http.StatusOK).Decode(t, &disc)
			if disc.Connection.Status != string(finhealth.WaveDisconnected) || len(disc.Warnings) != 1 ||
				!strings.Contains(disc.Warnings[0], "deleted its credentials anyway") {
				t.Errorf("disconnect with a failed revocation: %+v", disc)
			}
			if _, err := db.WaveToken(context.Background(), org); finhealth.ErrorCode(err) != finhealth.ENOTFOUND {
				t.Errorf("tokens after disconnect: %v", err)
			}
			a.CheckNoSecrets(t)
		})

		t.Run("reconnect_as_another_wave_user", func(t *testing.T) {
			a.T = t
			owner := a.RegisterDirect("Owner")
			org := owner.OrgID
			a.ConnectWave(owner, org)
			// Listing caches the first grant's token in the process.
			a.Call("GET", servertest.OrgPath(org, "/wave/businesses"), owner.Token, nil).Expect(t, http.StatusOK)

			bob := wavetest.User{ID: "VXNlcjpib2I=", Email: "bob@other-books.example", FirstName: "Bob", LastName: "Other",
				CreatedAt: time.Now().AddDate(-1, 0, 0), ModifiedAt: time.Now().AddDate(-1, 0, 0)}
			a.Wave.Fake.AddUser(bob)
			if err := a.Wave.Fake.SetApprover(bob.ID); err != nil {
				t.Fatal(err)
			}
			defer func() { _ = a.Wave.Fake.SetApprover(seed.UserID) }()
			cb := a.ConnectWave(owner, org)
			if cb.Connection.WaveUserEmail != bob.Email || len(cb.Businesses) != 0 || cb.Connection.Status != string(finhealth.WavePendingBusiness) {
				t.Fatalf("reconnected as %q with %d businesses (%s)", cb.Connection.WaveUserEmail, len(cb.Businesses), cb.Connection.Status)
			}
		})

		t.Run("limited_businesses", func(t *testing.T) {
			a.T = t
			owner := a.RegisterDirect("Owner")
			org := owner.OrgID
			a.ConnectWave(owner, org)

			personal := a.ChooseBusiness(owner, org, seed.PersonalBusinessID)
			if b := personal.Connection.Business; b == nil || !b.IsPersonal || b.FullyAssessable ||
				b.Limitations[0].Code != finhealth.LimitationPersonal || b.Limitations[0].Reason == "" {
				t.Fatalf("personal business: %+v", personal.Connection.Business)
			}
			waitAll(a, owner, org)

			legacy := a.ChooseBusiness(owner, org, seed.LegacyBusinessID)
			if b := legacy.Connection.Business; b == nil || !b.IsClassicInvoicing || b.Limitations[0].Code != finhealth.LimitationClassicInvoicing {
				t.Fatalf("classic-invoicing business: %+v", legacy.Connection.Business)
			}
			if run := a.WaitRun(owner, org, legacy.SyncRun.ID); run.Status != finhealth.SyncSucceeded {
				t.Fatalf("classic-invoicing sync: %s %s", run.Status, servertest.Deref(run.Error))
			}
			h := a.Health(owner, org)
			if !h.Ledger.Available || len(h.Ledger.Limitations) != 1 || h.Ledger.Limitations[0].Code != finhealth.LimitationClassicInvoicing {
				t.Errorf("health ledger source: %+v", h.Ledger)
			}
			if m := metricNamed(h.Metrics, scoring.MetricDSO); m.Status != finhealth.MetricNotEnoughData {
				t.Errorf("DSO of a classic-invoicing business: %+v", m)
			}
			want, wantMetrics := a.ExpectedHealth(org, nil)
			servertest.CompareHealth(t, h, want, wantMetrics)

			archived := wavetest.Business{ID: "QnVzaW5lc3M6YXJjaGl2ZWQ=", Name: "Closed Shop", Currency: "USD", IsArchived: true,
				CreatedAt: time.Now().AddDate(-3, 0, 0), ModifiedAt: time.Now().AddDate(-1, 0, 0)}
			a.Wave.Fake.AddBusiness(archived)
			res := a.Call("POST", servertest.OrgPath(org, "/wave/business"), owner.Token, map[string]string{"business_id": archived.ID}).
				Expect(t, http.StatusUnprocessableEntity)
			if f := res.ErrorFields(t)["business_id"]; !strings.Contains(f, "archived") {
				t.Errorf("archived refusal: %s", res.Body)
			}
			res = a.Call("POST", servertest.OrgPath(org, "/wave/business"), owner.Token, map[string]string{"business_id": "QnVzaW5lc3M6bm9uZQ=="}).
				Expect(t, http.StatusUnprocessableEntity)
			if _, ok := res.ErrorFields(t)["business_id"]; !ok {
				t.Errorf("unknown business: %s", res.Body)
			}
			a.Call("POST", servertest.OrgPath(org, "/wave/business"), owner.Token, map[string]string{}).Expect(t, http.StatusUnprocessableEntity)
		})

		t.Run("needs_reconnect", func(t *testing.T) {
			a.T = t
			for _, tc := range []struct {
				reason finhealth.WaveReconnectReason
				break_ func()
				mend   func()
			}{
				{finhealth.WaveSubscriptionLapsed,
					func() {
						a.Wave.Fake.Update(func(o *wavetest.Options) { o.SubscriptionLapsed = true })
						a.Wave.Fake.ExpireAccessTokens()
					},
					func() { a.Wave.Fake.Update(func(o *wavetest.Options) { o.SubscriptionLapsed = false }) }},
				{finhealth.WaveGrantRevoked, a.Wave.Fake.RevokeGrants, func() {}},
			} {
				owner := a.RegisterDirect("Owner")
				org := owner.OrgID
				a.ConnectAndSync(owner, org, seed.AcmeBusinessID)

				tc.break_()
				var q syncQueued
				a.Call("POST", servertest.OrgPath(org, "/wave/sync"), owner.Token, nil).Expect(t, http.StatusAccepted).Decode(t, &q)
				run := a.WaitRun(owner, org, q.Run.ID)
				tc.mend()
				if run.Status != finhealth.SyncFailed || servertest.Deref(run.Error) != tc.reason.Message() {
					t.Fatalf("%s: run %s %q", tc.reason, run.Status, servertest.Deref(run.Error))
				}
				var st fhttp.ConnectionView
				a.Call("GET", servertest.OrgPath(org, "/wave"), owner.Token, nil).Expect(t, http.StatusOK).Decode(t, &st)
				if st.Status != string(finhealth.WaveNeedsReconnect) || st.Reason != string(tc.reason) || st.ReasonMessage != tc.reason.Message() {
					t.Fatalf("%s: status %+v", tc.reason, st)
				}
				res := a.Call("POST", servertest.OrgPath(org, "/wave/sync"), owner.Token, nil).Expect(t, http.StatusConflict)
				if res.ErrorMessage(t) != tc.reason.Message() {
					t.Errorf("%s: sync refusal %s", tc.reason, res.Body)
				}
				a.Call("GET", servertest.OrgPath(org, "/wave/businesses"), owner.Token, nil).Expect(t, http.StatusConflict)
				var pf list[fhttp.PortfolioItem]
				a.Call("GET", "/api/v1/portfolio", owner.Token, nil).Expect(t, http.StatusOK).Decode(t, &pf)
				if len(pf.Items) != 1 || !contains(pf.Items[0].Flags, fhttp.FlagNeedsReconnect) || pf.Items[0].Connection.Reason != string(tc.reason) {
					t.Errorf("%s: portfolio %+v", tc.reason, pf.Items)
				}

				// Connecting again mends it.
				a.ConnectAndSync(owner, org, seed.AcmeBusinessID)
			}
			a.CheckNoSecrets(t)
		})

		t.Run("roles", func(t *testing.T) {
			a.T = t
			owner := a.RegisterDirect("Owner")
			org := owner.OrgID
			viewer := a.CreateUser("Viewer", finhealth.RoleUser)
			advisor := a.CreateUser("Advisor", finhealth.RoleUser)
			outsider := a.RegisterDirect("Outsider")
			a.AddMember(org, owner.ID, &viewer, finhealth.OrgRoleViewer)
			a.AddMember(org, owner.ID, &advisor, finhealth.OrgRoleAdvisor)
			a.ConnectAndSync(owner, org, seed.AcmeBusinessID)
			loan := accountMapping(a, owner, org, "Equipment Loan")
			mapping := servertest.OrgPath(org, "/account-mapping/"+url.PathEscape(loan.AccountID))

			a.Call("POST", servertest.OrgPath(org, "/wave/connect"), viewer.Token, nil).Expect(t, http.StatusForbidden)
			a.Call("POST", servertest.OrgPath(org, "/wave/sync"), viewer.Token, nil).Expect(t, http.StatusForbidden)
			a.Call("PUT", mapping, viewer.Token, map[string]string{"class": "current_debt"}).Expect(t, http.StatusForbidden)
			a.Call("DELETE", servertest.OrgPath(org, "/wave"), viewer.Token, nil).Expect(t, http.StatusForbidden)
			a.Call("GET", servertest.OrgPath(org, "/health"), viewer.Token, nil).Expect(t, http.StatusOK)
			a.Call("GET", servertest.OrgPath(org, "/wave"), viewer.Token, nil).Expect(t, http.StatusOK)

			a.Call("POST", servertest.OrgPath(org, "/wave/connect"), advisor.Token, nil).Expect(t, http.StatusForbidden)
			a.Call("PUT", mapping, advisor.Token, map[string]string{"class": "current_debt"}).Expect(t, http.StatusOK)
			var q syncQueued
			a.Call("POST", servertest.OrgPath(org, "/wave/sync"), advisor.Token, nil).Expect(t, http.StatusAccepted).Decode(t, &q)
			if q.Run.RequestedBy == nil || *q.Run.RequestedBy != advisor.ID {
				t.Errorf("requested by %v", q.Run.RequestedBy)
			}
			waitAll(a, owner, org)

			for _, p := range []string{"/health", "/wave", "/metrics", "/account-mapping", "/wave/sync-runs"} {
				a.Call("GET", servertest.OrgPath(org, p), outsider.Token, nil).Expect(t, http.StatusNotFound)
			}
			a.Call("POST", servertest.OrgPath(org, "/wave/sync"), outsider.Token, nil).Expect(t, http.StatusNotFound)
		})
	})
}

// TestWaveNotConfigured checks that an instance without a Wave registration says so
// on the routes that need Wave, and still serves what it has stored.
func TestWaveNotConfigured(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		owner := a.RegisterDirect("Owner")
		org := owner.OrgID
		for _, c := range []struct{ method, path string }{
			{"POST", servertest.OrgPath(org, "/wave/connect")},
			{"GET", servertest.OrgPath(org, "/wave/businesses")},
			{"GET", "/api/v1/wave/callback?state=x&code=y"},
			{"POST", servertest.OrgPath(org, "/wave/sync")},
		} {
			res := a.Do(servertest.Request{Method: c.method, Path: c.path, Token: owner.Token}).Expect(t, http.StatusServiceUnavailable)
			if res.ErrorCode(t) != finhealth.EUNAVAILABLE {
				t.Errorf("%s %s: %s", c.method, c.path, res.Body)
			}
		}
		res := a.Do(servertest.Request{Method: "POST", Path: servertest.OrgPath(org, "/wave/connect"), Token: owner.Token})
		if !strings.Contains(string(res.Body), "Wave is not configured on this instance") {
			t.Errorf("message: %s", res.Body)
		}
		var st fhttp.ConnectionView
		a.Get(servertest.OrgPath(org, "/wave"), owner.Token).Expect(t, http.StatusOK).Decode(t, &st)
		if st.Status != fhttp.NotConnected || st.Configured {
			t.Errorf("status: %+v", st)
		}
		// Disconnecting deletes the credentials even when Wave cannot be told.
		a.Delete(servertest.OrgPath(org, "/wave"), owner.Token).Expect(t, http.StatusNotFound)
		if _, err := db.SaveWaveConnection(finhealth.WithActor(context.Background(), finhealth.Actor{UserID: owner.ID}),
			finhealth.WaveConnection{OrganizationID: org, WaveUserID: "wave-user"},
			finhealth.OAuthToken{AccessToken: "access", RefreshToken: "refresh"}); err != nil {
			t.Fatal(err)
		}
		var disc fhttp.Disconnected
		a.Delete(servertest.OrgPath(org, "/wave"), owner.Token).Expect(t, http.StatusOK).Decode(t, &disc)
		if disc.Connection.Status != string(finhealth.WaveDisconnected) || len(disc.Warnings) != 1 {
			t.Errorf("disconnect without Wave: %+v", disc)
		}
		if _, err := db.WaveToken(context.Background(), org); finhealth.ErrorCode(err) != finhealth.ENOTFOUND {
			t.Errorf("tokens after disconnect: %v", err)
		}

		// Neither source: 200 with no_data and what to do.
		var h fhttp.HealthView
		a.Get(servertest.OrgPath(org, "/health"), owner.Token).Expect(t, http.StatusOK).Decode(t, &h)
		if h.Status != "no_data" || h.Message == "" || h.Health.Score != nil || h.Ledger.Available || h.Ledger.Reason == "" {
			t.Fatalf("health without data: %+v", h)
		}
		// Questionnaire only: exactly the questionnaire's score.
		asm := a.CreateAssessment(org, owner.ID)
		a.Get(servertest.OrgPath(org, "/health"), owner.Token).Expect(t, http.StatusOK).Decode(t, &h)
		if h.Status != "ok" || h.Health.Score == nil || *h.Health.Score != asm.Score || !h.Questionnaire.Available || h.Ledger.Available {
			t.Fatalf("questionnaire-only health: %+v (assessment %v)", h.Health.Score, asm.Score)
		}

		var m fhttp.MappingView
		a.Get(servertest.OrgPath(org, "/account-mapping"), owner.Token).Expect(t, http.StatusOK).Decode(t, &m)
		if m.Available || len(m.Accounts) != 0 || len(m.Classes) != len(finhealth.AccountClasses()) {
			t.Errorf("mapping without a ledger: %+v", m)
		}
		var lm latestMetricsView
		a.Get(servertest.OrgPath(org, "/metrics/latest"), owner.Token).Expect(t, http.StatusOK).Decode(t, &lm)
		if lm.AsOf != nil || len(lm.Items) != 0 {
			t.Errorf("latest metrics: %+v", lm)
		}
	})
}

// TestMetricQueryValidation checks the query parameters of the series routes.
func TestMetricQueryValidation(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		owner := a.RegisterDirect("Owner")
		org := owner.OrgID
		for q, field := range map[string]string{
			"/metrics?names=current_ratio,nonsense":     "names",
			"/metrics?from=yesterday":                   "from",
			"/metrics?to=2024-13-01":                    "to",
			"/metrics?from=2024-05-02&to=2024-05-01":    "from",
			"/health/history?from=2024-05-01T25:00:00Z": "from",
			"/health/history?limit=0":                   "limit",
			"/wave/sync-runs?limit=101":                 "limit",
		} {
			res := a.Get(servertest.OrgPath(org, q), owner.Token).Expect(t, http.StatusUnprocessableEntity)
			if _, ok := res.ErrorFields(t)[field]; !ok {
				t.Errorf("%s: %s not named: %s", q, field, res.Body)
			}
		}
		for _, q := range []string{"/metrics", "/metrics?names=dso&from=2024-01-01T00:00:00Z&to=2024-12-31",
			"/health/history?to=2030-01-01", "/wave/sync-runs"} {
			a.Get(servertest.OrgPath(org, q), owner.Token).Expect(t, http.StatusOK)
		}
		a.Get(servertest.OrgPath(org, "/wave/sync-runs/not-a-uuid"), owner.Token).Expect(t, http.StatusNotFound)
		a.Get(servertest.OrgPath(org, "/wave/sync-runs/01a21f8b-1d52-7155-82dc-2c2f5ee01c43"), owner.Token).Expect(t, http.StatusNotFound)
	})
}

func metricNamed(ms []finhealth.MetricValue, name string) *finhealth.MetricValue {
	for i := range ms {
		if ms[i].Name == name {
			return &ms[i]
		}
	}
	return &finhealth.MetricValue{}
}

func mustLatest(t *testing.T, db *store.DB, orgID string) *finhealth.Assessment {
	t.Helper()
	a, err := db.LatestAssessment(context.Background(), orgID)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// accountMapping finds an account of the organization's mapping by name.
func accountMapping(a *servertest.API, acc servertest.Account, orgID, name string) fhttp.MappingEntry {
	a.T.Helper()
	var m fhttp.MappingView
	a.Call("GET", servertest.OrgPath(orgID, "/account-mapping"), acc.Token, nil).Expect(a.T, http.StatusOK).Decode(a.T, &m)
	for _, e := range m.Accounts {
		if e.AccountName == name {
			return e
		}
	}
	a.T.Fatalf("no account %q in the mapping", name)
	return fhttp.MappingEntry{}
}

// waitAll waits until the organization has no queued or running sync.
func waitAll(a *servertest.API, acc servertest.Account, orgID string) {
	a.T.Helper()
	var runs page[fhttp.SyncRunView]
	a.Call("GET", servertest.OrgPath(orgID, "/wave/sync-runs?limit=1"), acc.Token, nil).Expect(a.T, http.StatusOK).Decode(a.T, &runs)
	if len(runs.Items) == 1 && runs.Items[0].Status.Active() {
		a.WaitRun(acc, orgID, runs.Items[0].ID)
	}
}

// secondOrg gives the account a second organization that it owns.
func secondOrg(a *servertest.API, acc servertest.Account) string {
	a.T.Helper()
	helper := a.RegisterDirect("Helper")
	a.AddMember(helper.OrgID, helper.ID, &acc, finhealth.OrgRoleOwner)
	return helper.OrgID
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// TestWaveReconnectedDuringRequest: the owner connects Wave again (from another
// instance, which this one does not hear of) while this instance holds the previous
// grant's token, and that token has expired. A request that refreshes it then either
// gets a rotated token the store refuses to save, or has the refresh refused by Wave.
// Either way the request is answered 409 saying what happened, the new connection
// is left as it is (not marked needs_reconnect), and the next request uses it.
func TestWaveReconnectedDuringRequest(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newWaveAPI(t, db, servertest.WaveOptions{})
		fake := a.Wave.Fake
		for _, tc := range []struct {
			name         string
			refuse, mend func()
		}{
			{"rotated_token_refused_by_the_store", func() {}, func() {}},
			{"refresh_refused_by_wave", func() { fake.Update(func(o *wavetest.Options) { o.SubscriptionLapsed = true }) },
				func() { fake.Update(func(o *wavetest.Options) { o.SubscriptionLapsed = false }) }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				a.T = t
				ctx := context.Background()
				owner := a.RegisterDirect("Owner")
				org := owner.OrgID
				a.ConnectWave(owner, org) // lists the businesses, so this instance caches the grant's token
				businesses := servertest.OrgPath(org, "/wave/businesses")
				a.Call("GET", businesses, owner.Token, nil).Expect(t, http.StatusOK)
				fake.ExpireAccessTokens()

				// The new grant, saved as another instance's callback would.
				gw := a.Wave.Gateway
				verifier, challenge, err := gw.NewPKCE()
				if err != nil {
					t.Fatal(err)
				}
				tokB, err := gw.Exchange(ctx, a.Authorize(gw.AuthorizeURL("other-instance", challenge)).Get("code"), verifier)
				if err != nil {
					t.Fatal(err)
				}
				conn, err := db.WaveConnection(ctx, org)
				if err != nil {
					t.Fatal(err)
				}
				actx := finhealth.WithActor(ctx, finhealth.Actor{UserID: owner.ID})
				if _, err := db.SaveWaveConnection(actx, finhealth.WaveConnection{OrganizationID: org, WaveUserID: conn.WaveUserID,
					WaveUserEmail: conn.WaveUserEmail}, tokB); err != nil {
					t.Fatal(err)
				}

				tc.refuse()
				fake.ResetStats()
				res := a.Call("GET", businesses, owner.Token, nil).Expect(t, http.StatusConflict)
				tc.mend()
				var body fhttp.ErrorBody
				res.Decode(t, &body)
				if body.Error.Code != finhealth.ECONFLICT || body.Error.Message != fhttp.ErrWaveReconnectedMeanwhile.Message {
					t.Errorf("answer %s", res.Body)
				}
				if n := fake.Stats().TokenRefreshes; n != 1 {
					t.Errorf("%d refreshes of the previous grant reached Wave, want 1", n)
				}
				after, err := db.WaveConnection(ctx, org)
				if err != nil {
					t.Fatal(err)
				}
				if after.Status != finhealth.WavePendingBusiness || after.StatusReason != "" {
					t.Errorf("the new connection became %s %q", after.Status, after.StatusReason)
				}
				if stored, err := db.WaveToken(ctx, org); err != nil || stored.AccessToken != tokB.AccessToken || stored.RefreshToken != tokB.RefreshToken {
					t.Errorf("the new grant's token was replaced (%v)", err)
				}

				// The next request uses the new grant.
				var listed list[fhttp.BusinessView]
				a.Call("GET", businesses, owner.Token, nil).Expect(t, http.StatusOK).Decode(t, &listed)
				if len(listed.Items) != 3 || fake.TokenUses(tokB.AccessToken) == 0 {
					t.Errorf("after the conflict: %d businesses, new token used %d times", len(listed.Items), fake.TokenUses(tokB.AccessToken))
				}
			})
		}
		a.CheckNoSecrets(t)
	})
}

// TestWaveDisconnectWithUnreadableTokens: after SECRET_KEY changed, the stored tokens
// no longer open; disconnecting still deletes them and says Wave could not be told.
func TestWaveDisconnectWithUnreadableTokens(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db)
		owner := a.RegisterDirect("Owner")
		org := owner.OrgID
		if _, err := db.SaveWaveConnection(finhealth.WithActor(context.Background(), finhealth.Actor{UserID: owner.ID}),
			finhealth.WaveConnection{OrganizationID: org, WaveUserID: "wave-user"},
			finhealth.OAuthToken{AccessToken: "access", RefreshToken: "refresh"}); err != nil {
			t.Fatal(err)
		}
		rekeyed, err := store.Open(context.Background(), testdb.DSN(t, db), store.WithTokenKey([]byte("another-32-byte-token-key-012345")))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { rekeyed.Close() })
		if _, err := rekeyed.WaveToken(context.Background(), org); err == nil {
			t.Fatal("the tokens open under another key")
		}
		b := newAPI(t, rekeyed)
		var disc fhttp.Disconnected
		b.Delete(servertest.OrgPath(org, "/wave"), owner.Token).Expect(t, http.StatusOK).Decode(t, &disc)
		if disc.Connection.Status != string(finhealth.WaveDisconnected) || len(disc.Warnings) != 1 ||
			!strings.Contains(disc.Warnings[0], "could not read its stored Wave credentials") {
			t.Fatalf("disconnect with unreadable tokens: %+v", disc)
		}
		if _, err := db.WaveToken(context.Background(), org); finhealth.ErrorCode(err) != finhealth.ENOTFOUND {
			t.Fatalf("tokens after disconnect: %v", err)
		}
	})
}
