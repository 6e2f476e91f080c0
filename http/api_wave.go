package http

import (
	"net/http"
	"net/url"

	"finhealth"
)

// waveConnect starts an authorization: a random state bound to the caller and the
// organization (only its hash is stored) and a PKCE verifier kept server-side.
func (s warehouse) waveConnect(w http.ResponseWriter, r *http.Request, c *call) error {
	started, err := s.wave.startWaveConnect(r.Context(), c.orgID, c.user.ID)
	if err != nil {
		return err
	}
	s.srv.writeJSON(w, r, http.StatusOK, started)
	return nil
}

// waveCallback finishes an authorization. The state is spent before anything else,
// even when Wave reports an error, so that it can never be used twice; and it must
// belong to the caller, who must still be allowed to connect the organization.
func (s warehouse) waveCallback(w http.ResponseWriter, r *http.Request, c *call) error {
	_, res, err := s.wave.finishWaveConnect(r, c.user.ID)
	if err != nil {
		return err
	}
	s.srv.writeJSON(w, r, http.StatusOK, res)
	return nil
}

func (s warehouse) waveStatus(w http.ResponseWriter, r *http.Request, c *call) error {
	conn, last, err := s.wave.connection(r.Context(), c.orgID)
	if err != nil {
		return err
	}
	s.srv.writeJSON(w, r, http.StatusOK, s.wave.newConnectionView(conn, last))
	return nil
}

// waveBusinesses lists the connected Wave user's businesses again, to choose another
// one later.
func (s warehouse) waveBusinesses(w http.ResponseWriter, r *http.Request, c *call) error {
	bs, err := s.wave.listWaveBusinesses(r, c.orgID)
	if err != nil {
		return err
	}
	s.srv.writeJSON(w, r, http.StatusOK, newList(bs))
	return nil
}

type chooseBusinessRequest struct {
	BusinessID string `json:"business_id"`
}

// waveChooseBusiness sets the business to sync, read afresh from Wave so that what is
// stored is what Wave says now, and queues its first full sync. Personal and
// classic-invoicing businesses may be chosen (the response says what cannot be
// assessed); an archived one may not, since its books no longer change.
func (s warehouse) waveChooseBusiness(w http.ResponseWriter, r *http.Request, c *call) error {
	var req chooseBusinessRequest
	if err := s.srv.decode(w, r, &req); err != nil {
		return err
	}
	res, err := s.wave.chooseWaveBusiness(r, c.orgID, req.BusinessID)
	if err != nil {
		return err
	}
	s.srv.writeJSON(w, r, http.StatusOK, res)
	return nil
}

// waveDisconnect revokes the grant at Wave and deletes the tokens. The deletion does
// not depend on Wave: an owner who wants finhealth to stop reading must be able to
// make it so even when Wave is down, or no longer configured on this instance, so a
// revocation that cannot be made is only reported.
func (s warehouse) waveDisconnect(w http.ResponseWriter, r *http.Request, c *call) error {
	res, err := s.wave.disconnectWave(r, c.orgID)
	if err != nil {
		return err
	}
	s.srv.writeJSON(w, r, http.StatusOK, res)
	return nil
}

type syncRequest struct {
	Kind string `json:"kind"`
}

// syncQueued is the answer to POST .../wave/sync.
type syncQueued struct {
	Run syncRunView `json:"run"`
}

// waveSync queues a sync on demand. The body is optional: {"kind": "full"} reads
// everything again, the default reads what changed (the worker makes it full when a
// full resync is due anyway).
func (s warehouse) waveSync(w http.ResponseWriter, r *http.Request, c *call) error {
	if s.cfg.Sync == nil {
		return errSyncNotConfigured
	}
	kind := finhealth.SyncIncremental
	if r.ContentLength != 0 {
		var req syncRequest
		if err := s.srv.decode(w, r, &req); err != nil {
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
	run, err := s.wave.syncNow(r.Context(), c.orgID, kind)
	if err != nil {
		return err
	}
	w.Header().Set("Location", syncRunPath(c.orgID, run.ID))
	s.srv.writeJSON(w, r, http.StatusAccepted, syncQueued{Run: newSyncRunView(run)})
	return nil
}

func syncRunPath(orgID, runID string) string {
	return "/api/v1/organizations/" + url.PathEscape(orgID) + "/wave/sync-runs/" + url.PathEscape(runID)
}

func (s warehouse) listSyncRuns(w http.ResponseWriter, r *http.Request, c *call) error {
	limit, cursor, err := pageParams(r)
	if err != nil {
		return err
	}
	runs, next, err := s.st.ListSyncRuns(r.Context(), c.orgID, cursor, limit)
	if err != nil {
		return err
	}
	views := make([]syncRunView, len(runs))
	for i, run := range runs {
		views[i] = newSyncRunView(run)
	}
	s.srv.writeJSON(w, r, http.StatusOK, newPage(views, next))
	return nil
}

func (s warehouse) getSyncRun(w http.ResponseWriter, r *http.Request, c *call) error {
	id := r.PathValue("run_id")
	if !validID(id) {
		return errSyncRunNotFound
	}
	run, err := s.st.SyncRun(r.Context(), c.orgID, id)
	if finhealth.ErrorCode(err) == finhealth.ENOTFOUND {
		return errSyncRunNotFound
	}
	if err != nil {
		return err
	}
	s.srv.writeJSON(w, r, http.StatusOK, newSyncRunView(run))
	return nil
}
