package api

import (
	"net/http"
	"net/url"

	"finhealth"
	fhttp "finhealth/http"
)

// waveConnect starts an authorization: a random state bound to the caller and the
// organization (only its hash is stored) and a PKCE verifier kept server-side.
func (s warehouse) waveConnect(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	started, err := s.wave.StartConnect(r.Context(), c.OrgID, c.User.ID)
	if err != nil {
		return err
	}
	s.srv.WriteJSON(w, r, http.StatusOK, started)
	return nil
}

// waveCallback finishes an authorization. The state is spent before anything else,
// even when Wave reports an error, so that it can never be used twice; and it must
// belong to the caller, who must still be allowed to connect the organization.
func (s warehouse) waveCallback(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	_, res, err := s.wave.FinishConnect(r, c.User.ID)
	if err != nil {
		return err
	}
	s.srv.WriteJSON(w, r, http.StatusOK, res)
	return nil
}

func (s warehouse) waveStatus(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	conn, last, err := s.wave.Connection(r.Context(), c.OrgID)
	if err != nil {
		return err
	}
	s.srv.WriteJSON(w, r, http.StatusOK, s.wave.NewConnectionView(conn, last))
	return nil
}

// waveBusinesses lists the connected Wave user's businesses again, to choose another
// one later.
func (s warehouse) waveBusinesses(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	bs, err := s.wave.ListBusinesses(r, c.OrgID)
	if err != nil {
		return err
	}
	s.srv.WriteJSON(w, r, http.StatusOK, newList(bs))
	return nil
}

type chooseBusinessRequest struct {
	BusinessID string `json:"business_id"`
}

// waveChooseBusiness sets the business to sync, read afresh from Wave so that what is
// stored is what Wave says now, and queues its first full sync. Personal and
// classic-invoicing businesses may be chosen (the response says what cannot be
// assessed); an archived one may not, since its books no longer change.
func (s warehouse) waveChooseBusiness(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	var req chooseBusinessRequest
	if err := s.srv.Decode(w, r, &req); err != nil {
		return err
	}
	res, err := s.wave.ChooseBusiness(r, c.OrgID, req.BusinessID)
	if err != nil {
		return err
	}
	s.srv.WriteJSON(w, r, http.StatusOK, res)
	return nil
}

// waveDisconnect revokes the grant at Wave and deletes the tokens. The deletion does
// not depend on Wave: an owner who wants finhealth to stop reading must be able to
// make it so even when Wave is down, or no longer configured on this instance, so a
// revocation that cannot be made is only reported.
func (s warehouse) waveDisconnect(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	res, err := s.wave.Disconnect(r, c.OrgID)
	if err != nil {
		return err
	}
	s.srv.WriteJSON(w, r, http.StatusOK, res)
	return nil
}

type syncRequest struct {
	Kind string `json:"kind"`
}

// syncQueued is the answer to POST .../wave/sync.
type syncQueued struct {
	Run fhttp.SyncRunView `json:"run"`
}

// waveSync queues a sync on demand. The body is optional: {"kind": "full"} reads
// everything again, the default reads what changed (the worker makes it full when a
// full resync is due anyway).
func (s warehouse) waveSync(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	if s.cfg.Sync == nil {
		return fhttp.ErrSyncNotConfigured
	}
	kind := finhealth.SyncIncremental
	if r.ContentLength != 0 {
		var req syncRequest
		if err := s.srv.Decode(w, r, &req); err != nil {
			return err
		}
		switch req.Kind {
		case "", string(finhealth.SyncIncremental):
		case string(finhealth.SyncFull):
			kind = finhealth.SyncFull
		default:
			return finhealth.InvalidFields("The sync kind is not valid.", map[string]string{"kind": "must be full or incremental"})
		}
	}
	run, err := s.wave.SyncNow(r.Context(), c.OrgID, kind)
	if err != nil {
		return err
	}
	w.Header().Set("Location", syncRunPath(c.OrgID, run.ID))
	s.srv.WriteJSON(w, r, http.StatusAccepted, syncQueued{Run: fhttp.NewSyncRunView(run)})
	return nil
}

func syncRunPath(orgID, runID string) string {
	return "/api/v1/organizations/" + url.PathEscape(orgID) + "/wave/sync-runs/" + url.PathEscape(runID)
}

func (s warehouse) listSyncRuns(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	limit, cursor, err := fhttp.PageParams(r)
	if err != nil {
		return err
	}
	runs, next, err := s.st.ListSyncRuns(r.Context(), c.OrgID, cursor, limit)
	if err != nil {
		return err
	}
	views := make([]fhttp.SyncRunView, len(runs))
	for i, run := range runs {
		views[i] = fhttp.NewSyncRunView(run)
	}
	s.srv.WriteJSON(w, r, http.StatusOK, newPage(views, next))
	return nil
}

func (s warehouse) getSyncRun(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	id := r.PathValue("run_id")
	if !fhttp.ValidID(id) {
		return fhttp.ErrSyncRunNotFound
	}
	run, err := s.st.SyncRun(r.Context(), c.OrgID, id)
	if finhealth.ErrorCode(err) == finhealth.ENOTFOUND {
		return fhttp.ErrSyncRunNotFound
	}
	if err != nil {
		return err
	}
	s.srv.WriteJSON(w, r, http.StatusOK, fhttp.NewSyncRunView(run))
	return nil
}
