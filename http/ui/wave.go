package ui

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"finhealth"
	fhttp "finhealth/http"
)

// wavePages are the Wave connection pages.
type wavePages struct{ *Handler }

// uiWaveRoutes are the Wave connection pages: connect (the real Wave, or the
// simulated one in development), the OAuth callback, choosing a business, status,
// sync runs with live progress, and disconnecting. They call the same methods as the
// API's Wave routes.
func (s wavePages) uiWaveRoutes() []uiRoute {
	return []uiRoute{
		{"GET", "/orgs/{id}/wave", fhttp.Org(finhealth.PermWaveRead), s.uiWave},
		{"POST", "/orgs/{id}/wave/connect", fhttp.Org(finhealth.PermWaveManage), s.uiWaveConnect},
		{"GET", "/wave/callback", fhttp.AnyUser, s.uiWaveCallback},
		{"POST", "/orgs/{id}/wave/business", fhttp.Org(finhealth.PermWaveManage), s.uiWaveChooseBusiness},
		{"POST", "/orgs/{id}/wave/sync", fhttp.Org(finhealth.PermSyncRun), s.uiWaveSync},
		{"POST", "/orgs/{id}/wave/disconnect", fhttp.Org(finhealth.PermWaveManage), s.uiWaveDisconnect},
		{"GET", "/orgs/{id}/wave/runs/{run_id}", fhttp.Org(finhealth.PermWaveRead), s.uiSyncRun},
		{"GET", "/orgs/{id}/wave/runs/{run_id}/progress", fhttp.Org(finhealth.PermWaveRead), s.uiSyncProgress},
	}
}

// syncCard is the sync status box the Wave page and the dashboard share (the
// "syncCard" template in _wave.html).
type syncCard struct {
	OrgID string
	// Status is the connection status (not_connected, pending_business, active,
	// needs_reconnect, disconnected) and StatusLabel says it in words.
	Status      string
	StatusLabel string
	Badge       string // good, warn or bad: the badge colour that goes with the label
	Reason      string // why a reconnect is needed
	Business    string
	LastSyncAt  *time.Time
	LastRun     *finhealth.SyncRun
	// Run is the text of the last run's state, and State its status for app.js's
	// live progress (which polls ProgressURL while the run is queued or running).
	Run         string
	State       string
	ProgressURL string
	CanSync     bool // the role may sync and the connection is active
	CanManage   bool // the role may connect or reconnect
	Configured  bool // this instance can talk to Wave at all
	// Back is where "Sync now" returns to.
	Back string
}

// uiSyncCard builds the sync box for the organization, as seen by the caller;
// back is the page "Sync now" returns to.
func (s *Handler) uiSyncCard(ctx context.Context, c *fhttp.Call, back string) (syncCard, error) {
	conn, last, err := s.wave.Connection(ctx, c.OrgID)
	if err != nil {
		return syncCard{}, err
	}
	return s.newSyncCard(c, conn, last, back), nil
}

func (s *Handler) newSyncCard(c *fhttp.Call, conn *finhealth.WaveConnection, last *finhealth.SyncRun, back string) syncCard {
	card := syncCard{
		OrgID: c.OrgID, Status: fhttp.NotConnected, Back: back, LastRun: last,
		Configured: s.cfg.Wave != nil,
		CanManage:  c.Role.Can(finhealth.PermWaveManage) && s.cfg.Wave != nil,
	}
	if conn != nil {
		card.Status = string(conn.Status)
		card.Business, card.LastSyncAt = conn.BusinessName, conn.LastSyncAt
		if conn.Status == finhealth.WaveNeedsReconnect {
			card.Reason = finhealth.WaveReconnectReason(conn.StatusReason).Message()
		}
	}
	card.StatusLabel, card.Badge = connectionLabel(card.Status)
	card.CanSync = card.Status == string(finhealth.WaveActive) && c.Role.Can(finhealth.PermSyncRun) && s.cfg.Sync != nil
	if last != nil {
		p := syncProgressOf(last)
		card.Run, card.State = p.Message, string(last.Status)
		card.ProgressURL = "/orgs/" + url.PathEscape(c.OrgID) + "/wave/runs/" + url.PathEscape(last.ID) + "/progress"
	}
	return card
}

// connectionLabel words a connection status, with the badge colour that carries the
// same meaning.
func connectionLabel(status string) (label, badge string) {
	switch finhealth.WaveConnectionStatus(status) {
	case finhealth.WaveActive:
		return "Connected", "good"
	case finhealth.WavePendingBusiness:
		return "Choose a business", "warn"
	case finhealth.WaveNeedsReconnect:
		return "Reconnect needed", "bad"
	case finhealth.WaveDisconnected:
		return "Disconnected", ""
	}
	return "Not connected", ""
}

// partialExplained tells an owner what a partial run means for their numbers.
const partialExplained = "Everything read was kept and scored, but finhealth could not prove it read every record, so nothing was removed; the next sync reads everything again."

// syncProgress is what the live progress poll receives.
type syncProgress struct {
	Status  finhealth.SyncStatus `json:"status"`
	Done    bool                 `json:"done"`
	Message string               `json:"message"`
}

func syncProgressOf(run *finhealth.SyncRun) syncProgress {
	p := syncProgress{Status: run.Status, Done: !run.Status.Active()}
	counts := fmt.Sprintf("%d accounts, %d invoices, %d customers read", run.Accounts.Seen, run.Invoices.Seen, run.Customers.Seen)
	switch run.Status {
	case finhealth.SyncQueued:
		p.Message = "Sync queued: it starts in a moment."
	case finhealth.SyncRunning:
		p.Message = "Syncing: " + counts + " so far."
		switch {
		case run.RetryAt != nil && run.Error != "":
			p.Message += " " + run.Error
		case run.Error != "":
			p.Message += fmt.Sprintf(" Attempt %d failed (%s); retrying.", run.Attempt, run.Error)
		}
	case finhealth.SyncSucceeded:
		p.Message = "Last sync succeeded: " + counts + "."
	case finhealth.SyncPartial:
		p.Message = "Last sync was partial: " + counts + ". " + partialExplained

	case finhealth.SyncFailed:
		p.Message = "Last sync failed: " + orDefault(run.Error, "unknown error") + "."
	default:
		p.Message = string(run.Status)
	}
	return p
}

// wavePage is the Wave connection page.
type wavePage struct {
	Card       syncCard
	Connection fhttp.ConnectionView
	Simulated  bool
	// Businesses to choose from while the connection waits for one; BusinessError
	// says why they could not be listed.
	Businesses    []fhttp.BusinessView
	BusinessError string
	Runs          []*finhealth.SyncRun
	Warnings      []string
	Form          form
}

func (s wavePages) uiWave(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	p, err := s.wavePage(r, c)
	if err != nil {
		return err
	}
	return s.render(w, r, c, http.StatusOK, "wave.html", "Wave connection", p)
}

func (s wavePages) wavePage(r *http.Request, c *fhttp.Call) (wavePage, error) {
	ctx := r.Context()
	conn, last, err := s.wave.Connection(ctx, c.OrgID)
	if err != nil {
		return wavePage{}, err
	}
	p := wavePage{
		Card:       s.newSyncCard(c, conn, last, "/orgs/"+c.OrgID+"/wave"),
		Connection: s.wave.NewConnectionView(conn, last),
		Simulated:  s.cfg.SimulatedWave,
	}
	if conn != nil && conn.Status == finhealth.WavePendingBusiness && c.Role.Can(finhealth.PermWaveManage) {
		bs, err := s.wave.ListBusinesses(r, c.OrgID)
		if err != nil && fhttp.StatusOf(finhealth.ErrorCode(err)) >= 500 && finhealth.ErrorCode(err) != finhealth.EUNAVAILABLE {
			return wavePage{}, err
		}
		if err != nil {
			p.BusinessError = finhealth.ErrorMessage(err)
		}
		p.Businesses = bs
	}
	runs, _, err := s.st.ListSyncRuns(ctx, c.OrgID, "", 10)
	if err != nil {
		return wavePage{}, err
	}
	p.Runs = runs
	return p, nil
}

// uiWaveConnect starts an authorization and sends the browser to Wave's consent
// page (the simulated one in development).
func (s wavePages) uiWaveConnect(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	started, err := s.wave.StartConnect(r.Context(), c.OrgID, c.User.ID)
	if err != nil {
		return err
	}
	http.Redirect(w, r, started.AuthorizeURL, http.StatusSeeOther)
	return nil
}

// uiWaveCallback is where Wave sends the browser back. Refusals (declined, expired,
// replayed or someone else's state) render the error page with the reason and a way
// to start again; a grant refused for want of a refresh token links back to the
// organization's Wave page, to connect again from there.
func (s wavePages) uiWaveCallback(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	orgID, res, err := s.wave.FinishConnect(r, c.User.ID)
	if err != nil && orgID != "" {
		s.renderErrorWithAction(w, r, c, err, "/orgs/"+url.PathEscape(orgID)+"/wave", "Back to the Wave connection")
		return nil
	}
	if err != nil {
		return err
	}
	notice := "wave_connected"
	if res.Warning != "" {
		notice = "wave_connected_unlisted"
	}
	return s.redirect(w, r, "/orgs/"+orgID+"/wave", notice)
}

func (s wavePages) uiWaveChooseBusiness(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	_, err := s.wave.ChooseBusiness(r, c.OrgID, r.PostFormValue("business_id"))
	if err != nil {
		f, ferr := formError(r.PostForm, err)
		if ferr != nil {
			return ferr
		}
		p, perr := s.wavePage(r, c)
		if perr != nil {
			return perr
		}
		p.Form = f
		return s.render(w, r, c, fhttp.StatusOf(finhealth.ErrorCode(err)), "wave.html", "Wave connection", p)
	}
	return s.redirect(w, r, "/orgs/"+c.OrgID+"/wave", "business_chosen")
}

// uiWaveSync queues a sync and returns to the page the button was on, where the
// live progress shows.
func (s wavePages) uiWaveSync(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	back := localPath(r.PostFormValue("back"))
	if back == "" {
		back = "/orgs/" + c.OrgID + "/wave"
	}
	kind := finhealth.SyncIncremental
	if r.PostFormValue("kind") == string(finhealth.SyncFull) {
		kind = finhealth.SyncFull
	}
	_, err := s.wave.SyncNow(r.Context(), c.OrgID, kind)
	switch finhealth.ErrorCode(err) {
	case "":
		return s.redirect(w, r, back, "sync_queued")
	case finhealth.ECONFLICT:
		return s.redirect(w, r, back, "sync_running")
	}
	return err
}

func (s wavePages) uiWaveDisconnect(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	if r.PostFormValue("confirm") != "yes" {
		p, err := s.wavePage(r, c)
		if err != nil {
			return err
		}
		p.Form = form{Errors: map[string]string{"confirm": "Tick the box to confirm that finhealth should stop reading your books."},
			Message: "Disconnecting needs your confirmation."}
		return s.render(w, r, c, http.StatusUnprocessableEntity, "wave.html", "Wave connection", p)
	}
	res, err := s.wave.Disconnect(r, c.OrgID)
	if err != nil {
		return err
	}
	if len(res.Warnings) == 0 {
		return s.redirect(w, r, "/orgs/"+c.OrgID+"/wave", "wave_disconnected")
	}
	p, err := s.wavePage(r, c)
	if err != nil {
		return err
	}
	p.Warnings = res.Warnings
	return s.render(w, r, c, http.StatusOK, "wave.html", "Wave connection", p)
}

// syncRunPage is one run's detail.
type syncRunPage struct {
	Run      *finhealth.SyncRun
	Progress syncProgress
	URL      string
}

func (s wavePages) syncRunOf(r *http.Request, c *fhttp.Call) (*finhealth.SyncRun, error) {
	id := r.PathValue("run_id")
	if !fhttp.ValidID(id) {
		return nil, fhttp.ErrSyncRunNotFound
	}
	run, err := s.st.SyncRun(r.Context(), c.OrgID, id)
	if finhealth.ErrorCode(err) == finhealth.ENOTFOUND {
		return nil, fhttp.ErrSyncRunNotFound
	}
	return run, err
}

func (s wavePages) uiSyncRun(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	run, err := s.syncRunOf(r, c)
	if err != nil {
		return err
	}
	return s.render(w, r, c, http.StatusOK, "wave_run.html", "Sync run", syncRunPage{
		Run: run, Progress: syncProgressOf(run),
		URL: "/orgs/" + url.PathEscape(c.OrgID) + "/wave/runs/" + url.PathEscape(run.ID) + "/progress",
	})
}

// uiSyncProgress is the JSON app.js polls for live progress; the page itself works
// without it (reloading shows the same).
func (s wavePages) uiSyncProgress(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	run, err := s.syncRunOf(r, c)
	if err != nil {
		return err
	}
	s.srv.WriteJSON(w, r, http.StatusOK, syncProgressOf(run))
	return nil
}
