package api

import (
	"context"
	"net/http"
	"testing"

	"finhealth"
	fhttp "finhealth/http"
	"finhealth/http/internal/servertest"
	"finhealth/store"
)

// TestPartialSyncRunShown: a partial run is shown as such, with what could not be
// proven complete, in the API, on the Wave page, on the run's page and in its live
// progress; the connection says the next sync reads everything.
func TestPartialSyncRunShown(t *testing.T) {
	servertest.EachDB(t, func(t *testing.T, db *store.DB) {
		// No worker: the sync queued by choosing the business stays queued, and the
		// test finishes it as the worker would have after a partial read (the
		// worker's own tests drive Wave into one).
		a := newWaveAPI(t, db, servertest.WaveOptions{})
		owner := a.Register("partial")
		a.ConnectWave(owner, owner.OrgID)
		chosen := a.ChooseBusiness(owner, owner.OrgID, a.Wave.Fake.Seed().AcmeBusinessID)
		if chosen.SyncRun == nil {
			t.Fatalf("no sync queued: %+v", chosen)
		}
		ctx := context.Background()
		run := chosen.SyncRun
		if _, err := db.StartSyncRun(ctx, run.ID); err != nil {
			t.Fatal(err)
		}
		warning := "Page 3 of 12 held 0 invoices where 10 were expected."
		if _, err := db.FinishSyncRun(ctx, run.ID, finhealth.SyncPartial, finhealth.SyncProgress{}, "", warning); err != nil {
			t.Fatal(err)
		}

		var got fhttp.SyncRunView
		a.Call("GET", servertest.OrgPath(owner.OrgID, "/wave/sync-runs/"+run.ID), owner.Token, nil).Expect(t, http.StatusOK).Decode(t, &got)
		if got.Status != finhealth.SyncPartial || len(got.Warnings) != 1 || got.Warnings[0] != warning || got.Error != nil {
			t.Fatalf("API run %+v", got)
		}
		var conn fhttp.ConnectionView
		a.Call("GET", servertest.OrgPath(owner.OrgID, "/wave"), owner.Token, nil).Expect(t, http.StatusOK).Decode(t, &conn)
		if !conn.FullSyncDue || conn.LastRun == nil || conn.LastRun.Status != finhealth.SyncPartial {
			t.Fatalf("API connection %+v", conn)
		}

		ui := a.UILogin(owner.Email)
		ui.Get("/orgs/"+owner.OrgID+"/wave").Expect(t, http.StatusOK).Has(t, "Partial", "Not proven complete (1 warning): nothing was removed.")
		ui.Get("/orgs/"+owner.OrgID+"/wave/runs/"+run.ID).Expect(t, http.StatusOK).
			Has(t, "What could not be proven complete", warning, "nothing was removed")
		ui.Get("/orgs/"+owner.OrgID+"/wave/runs/"+run.ID+"/progress").Expect(t, http.StatusOK).
			Has(t, `"status":"partial"`, "Last sync was partial", "nothing was removed")
	})
}
