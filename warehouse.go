package finhealth

import (
	"context"
	"time"
)

// The warehouse is what finhealth keeps of a business's books: the Wave connection and
// its encrypted tokens, the sync runs that fill it, the current state of accounts,
// invoices and customers (upserted by Wave id), the append-only history that the
// provider does not keep (dated balance and receivables snapshots, the metric time
// series, the health scores), and the owners' account-mapping decisions.

// Audit actions of the warehouse. Syncs requested by a person are audited; scheduled
// ones are recorded as sync runs only, since they have no actor and would drown the log.
const (
	AuditWaveConnected          = "wave.connected"
	AuditWaveBusinessChosen     = "wave.business_chosen"
	AuditWaveStatusChanged      = "wave.status_changed"
	AuditWaveDisconnected       = "wave.disconnected"
	AuditWaveSyncRequested      = "wave.sync_requested"
	AuditAccountOverrideSet     = "mapping.override_set"
	AuditAccountOverrideDeleted = "mapping.override_deleted"
)

// ErrWaveGrantReplaced is SaveWaveToken's refusal of a token refreshed from a grant
// that has since been replaced by a new authorization (the owner connected Wave again).
// Whoever holds such a token should stop using it: the connection is fine, it is only
// no longer this token's.
var ErrWaveGrantReplaced = &Error{Code: ECONFLICT,
	Message: "Wave was connected again while this work was using the previous connection; it stopped, and the new connection is used from now on."}

// WaveConnectionStatus is the state of an organization's Wave connection.
type WaveConnectionStatus string

// Connection statuses.
const (
	// WavePendingBusiness: authorized, but the owner has not chosen a business yet.
	WavePendingBusiness WaveConnectionStatus = "pending_business"
	WaveActive          WaveConnectionStatus = "active"
	// WaveNeedsReconnect: Wave refused the grant; StatusReason (a WaveReconnectReason)
	// says why. Syncs stop until the owner connects again.
	WaveNeedsReconnect WaveConnectionStatus = "needs_reconnect"
	// WaveDisconnected: the owner disconnected; the tokens are deleted, the warehouse
	// history is kept.
	WaveDisconnected WaveConnectionStatus = "disconnected"
)

// Valid reports whether s is one of the statuses above.
func (s WaveConnectionStatus) Valid() bool {
	switch s {
	case WavePendingBusiness, WaveActive, WaveNeedsReconnect, WaveDisconnected:
		return true
	}
	return false
}

// WaveConnection is an organization's link to one Wave user and, once chosen, one of
// their businesses. It never carries the tokens: those are read only through
// WaveToken, so that a connection can be shown or logged without risk.
type WaveConnection struct {
	OrganizationID string               `json:"organization_id"`
	Status         WaveConnectionStatus `json:"status"`
	// StatusReason explains a needs_reconnect status (a WaveReconnectReason value).
	StatusReason  string `json:"status_reason,omitempty"`
	WaveUserID    string `json:"wave_user_id"`
	WaveUserEmail string `json:"wave_user_email,omitempty"`
	// BusinessID, BusinessName, Currency and CurrencyExponent are those of Business,
	// kept as columns for the queries that need them; all are empty while pending.
	BusinessID       string        `json:"business_id,omitempty"`
	BusinessName     string        `json:"business_name,omitempty"`
	Currency         string        `json:"currency,omitempty"`
	CurrencyExponent int           `json:"currency_exponent"`
	Business         *WaveBusiness `json:"business,omitempty"`
	// Scopes are those Wave granted, which may be fewer than were asked for.
	Scopes      []string  `json:"scopes"`
	ConnectedBy string    `json:"connected_by"` // user id
	ConnectedAt time.Time `json:"connected_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	// LastSyncAt is when the last successful sync finished; LastFullSyncAt when the
	// last successful full one did (a periodic full resync is due after it).
	LastSyncAt     *time.Time `json:"last_sync_at,omitempty"`
	LastFullSyncAt *time.Time `json:"last_full_sync_at,omitempty"`
	// FullSyncDue asks the next sync to read everything: a partial run could not
	// prove it read every record, so only a complete full read may remove any.
	FullSyncDue bool `json:"full_sync_due"`
}

// OAuthState is one pending authorization request to Wave. Only a hash of the random
// state travels to the store; the PKCE code verifier is a secret and is stored
// encrypted. A state is single-use, expires, and works only for the user who started it.
type OAuthState struct {
	StateHash      string    `json:"-"`
	OrganizationID string    `json:"organization_id"`
	UserID         string    `json:"user_id"`
	CodeVerifier   string    `json:"-"`
	RedirectAfter  string    `json:"redirect_after,omitempty"`
	ExpiresAt      time.Time `json:"expires_at"`
	CreatedAt      time.Time `json:"created_at"`
}

// SyncKind says whether a run reads everything or only what changed since the
// watermarks.
type SyncKind string

// Sync kinds.
const (
	SyncFull        SyncKind = "full"
	SyncIncremental SyncKind = "incremental"
)

// SyncTrigger says what started a run.
type SyncTrigger string

// Sync triggers.
const (
	SyncOnConnect SyncTrigger = "connect"
	SyncManual    SyncTrigger = "manual"
	SyncScheduled SyncTrigger = "scheduled"
)

// SyncStatus is a run's state: queued, then running, then succeeded, partial or
// failed.
type SyncStatus string

// Sync statuses.
const (
	SyncQueued    SyncStatus = "queued"
	SyncRunning   SyncStatus = "running"
	SyncSucceeded SyncStatus = "succeeded"
	// SyncPartial: the run kept everything it read, but could not prove it read every
	// record Wave has (Warnings say why), so it removed nothing and moved no
	// watermark past what it could not prove; the connection's next sync is full.
	SyncPartial SyncStatus = "partial"
	SyncFailed  SyncStatus = "failed"
)

// Active reports whether a run with this status still blocks another run.
func (s SyncStatus) Active() bool { return s == SyncQueued || s == SyncRunning }

// SyncEntity names what a watermark or a prune applies to.
type SyncEntity string

// Synced entities.
const (
	EntityAccounts  SyncEntity = "accounts"
	EntityInvoices  SyncEntity = "invoices"
	EntityCustomers SyncEntity = "customers"
)

// Valid reports whether e is one of the entities above.
func (e SyncEntity) Valid() bool {
	return e == EntityAccounts || e == EntityInvoices || e == EntityCustomers
}

// SyncCounts counts one entity in a run: records read from Wave, and records new to
// the warehouse or different from the row it held (0 when a sync finds the books
// unchanged).
type SyncCounts struct {
	Seen     int `json:"seen"`
	Upserted int `json:"upserted"`
}

// SyncProgress is a run's running totals. It is reported whole rather than as
// increments, so that reporting the same progress twice changes nothing.
type SyncProgress struct {
	Accounts  SyncCounts `json:"accounts"`
	Invoices  SyncCounts `json:"invoices"`
	Customers SyncCounts `json:"customers"`
	Pages     int        `json:"pages"`
	// Position is how far the walk has committed; it is the store's, not the API's.
	Position SyncPosition `json:"-"`
}

// SyncPosition is how far a run's walk has committed: every entity before Entity (read
// in the order accounts, invoices, customers) and the first Pages pages of Entity are
// stored. A run that takes over from one whose process died continues from there
// rather than from the first page. The zero position is the start.
type SyncPosition struct {
	Entity SyncEntity
	Pages  int
}

// SyncRun is the record of one sync of an organization's books.
type SyncRun struct {
	ID             string      `json:"id"`
	OrganizationID string      `json:"organization_id"`
	Kind           SyncKind    `json:"kind"`
	Trigger        SyncTrigger `json:"trigger"`
	Status         SyncStatus  `json:"status"`
	// RequestedBy is the user who asked for the run; empty for scheduled runs.
	RequestedBy string `json:"requested_by,omitempty"`
	SyncProgress
	// Attempt is the attempt that last failed and is being retried (0 when none has
	// failed); Error says why while the run is running, why the run failed once it
	// has, and is empty after a success.
	Attempt int    `json:"attempt"`
	Error   string `json:"error,omitempty"`
	// Warnings say what a partial run could not prove it read, in sentences an
	// owner can read.
	Warnings []string `json:"warnings,omitempty"`
	// RetryAt is when a running run that Wave asked to wait tries again; until then
	// it is alive, not abandoned.
	RetryAt    *time.Time `json:"retry_at,omitempty"`
	QueuedAt   time.Time  `json:"queued_at"`
	StartedAt  *time.Time `json:"started_at,omitempty"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	// UpdatedAt is the last sign of life (start, progress or finish); a running run
	// whose UpdatedAt is old has lost its worker.
	UpdatedAt time.Time `json:"updated_at"`
	// ResumedFrom is the run whose process died and which this run continues from its
	// Position; empty for a run that starts from the beginning.
	ResumedFrom string `json:"-"`
}

// Duration is how long the run ran, zero until it has started and finished.
func (r SyncRun) Duration() time.Duration {
	if r.StartedAt == nil || r.FinishedAt == nil {
		return 0
	}
	return r.FinishedAt.Sub(*r.StartedAt)
}

// ReceivablesSnapshot is the dated record of what customers owed at one sync, by age:
// A/R aging history that Wave does not keep. Every amount is in the business's home
// currency.
type ReceivablesSnapshot struct {
	AsOf             time.Time `json:"as_of"`
	Currency         string    `json:"currency"`
	CurrencyExponent int       `json:"currency_exponent"`
	Total            Money     `json:"total"`
	Overdue          Money     `json:"overdue"`
	Current          Money     `json:"current"`      // not yet due
	Days1To30        Money     `json:"days_1_30"`    // 1-30 days past due
	Days31To60       Money     `json:"days_31_60"`   // 31-60 days past due
	Days61To90       Money     `json:"days_61_90"`   // 61-90 days past due
	Over90           Money     `json:"days_over_90"` // more than 90 days past due
	OpenInvoices     int       `json:"open_invoices"`
	OverdueInvoices  int       `json:"overdue_invoices"`
}

// MetricPoint is one value of the metric time series: enough to draw a chart, without
// the explanation a MetricValue carries (inputs, bands, notes), which LatestMetrics
// returns for the newest computation.
type MetricPoint struct {
	Name   string       `json:"name"`
	AsOf   time.Time    `json:"as_of"`
	Unit   MetricUnit   `json:"unit"`
	Status MetricStatus `json:"status"`
	Value  *float64     `json:"value"`
	Money  *Money       `json:"money,omitempty"`
	Band   string       `json:"band,omitempty"`
	Points *int         `json:"points"`
}

// PortfolioMetric is the latest value of one metric shown in a portfolio row.
type PortfolioMetric struct {
	Value  *float64     `json:"value"`
	Status MetricStatus `json:"status"`
	Band   string       `json:"band,omitempty"`
	AsOf   time.Time    `json:"as_of"`
}

// PortfolioEntry is one organization in an owner's or advisor's portfolio: where it
// stands, how that changed, and whether its data can be trusted (last sync, connection).
// Pointers are nil when there is no such data yet.
type PortfolioEntry struct {
	OrganizationID   string  `json:"organization_id"`
	OrganizationName string  `json:"organization_name"`
	Role             OrgRole `json:"role"`

	Score     *float64   `json:"score"`
	Tier      string     `json:"tier,omitempty"`
	ScoreAsOf *time.Time `json:"score_as_of,omitempty"`
	// PreviousScore is the latest score at least 30 days old, the base of ScoreChange.
	PreviousScore     *float64   `json:"previous_score"`
	PreviousScoreAsOf *time.Time `json:"previous_score_as_of,omitempty"`
	ScoreChange       *float64   `json:"score_change"`

	// ConnectionStatus is "" for an organization that never connected Wave.
	ConnectionStatus WaveConnectionStatus `json:"connection_status,omitempty"`
	ConnectionReason string               `json:"connection_reason,omitempty"`
	BusinessName     string               `json:"business_name,omitempty"`
	// LastSyncAt is when the last successful sync finished; LastRun* describe the
	// newest run whatever its outcome.
	LastSyncAt      *time.Time `json:"last_sync_at,omitempty"`
	LastRunStatus   SyncStatus `json:"last_run_status,omitempty"`
	LastRunError    string     `json:"last_run_error,omitempty"`
	LastRunFinished *time.Time `json:"last_run_finished_at,omitempty"`

	// The latest values of the metrics behind the portfolio flags.
	OverdueShare   *PortfolioMetric `json:"overdue_share,omitempty"`
	CashBufferDays *PortfolioMetric `json:"cash_buffer_days,omitempty"`
}

// MappingAccounts is what an organization's account mapping is built from.
type MappingAccounts struct {
	BusinessID string
	Accounts   []LedgerAccount
	Overrides  []AccountOverride
	// Subtypes is Wave's subtype list as last synced, which the default mapping
	// follows (as HealthService does).
	Subtypes []AccountSubtype
}

// WarehouseService persists Wave connections and the financial data warehouse. Every
// method that reads tenant data takes the organization as an argument. Mutations made
// by people (connect, choose a business, disconnect, status changes, mapping
// overrides, manual syncs) are audited with the context's actor in their transaction.
type WarehouseService interface {
	// SaveWaveConnection creates or replaces the organization's connection and its
	// tokens (encrypted), after an authorization. An empty Status becomes
	// pending_business without a BusinessID and active with one. ConnectedBy
	// defaults to the context's actor.
	SaveWaveConnection(ctx context.Context, conn WaveConnection, token OAuthToken) (*WaveConnection, error)
	// WaveConnection returns the organization's connection; ENOTFOUND if it never
	// connected.
	WaveConnection(ctx context.Context, orgID string) (*WaveConnection, error)
	// ActiveWaveConnections lists active connections whose last successful sync is
	// older than syncedBefore (or that never synced), or whose last run was partial
	// (FullSyncDue), least recently synced first: what a scheduler should sync next.
	ActiveWaveConnections(ctx context.Context, syncedBefore time.Time, limit int) ([]*WaveConnection, error)
	// WaveToken returns the decrypted token, with the GrantID of the authorization it
	// belongs to; ENOTFOUND when there is none (disconnected, or never connected).
	WaveToken(ctx context.Context, orgID string) (OAuthToken, error)
	// SaveWaveToken replaces the token after a refresh of the grant token.GrantID
	// (carry it over from the token WaveToken returned). It is durable when it
	// returns, so a rotated refresh token is never only in memory; ENOTFOUND when the
	// connection was disconnected meanwhile (a refresh must not bring deleted tokens
	// back), and ErrWaveGrantReplaced (ECONFLICT) when the owner connected again
	// meanwhile: the stored tokens are the new grant's and are left alone.
	SaveWaveToken(ctx context.Context, orgID string, token OAuthToken) error
	// SetWaveConnectionStatus moves a connection between active and needs_reconnect
	// (with its reason), audited when it changes. grantID is the grant the change is
	// about: the GrantID of the token Wave refused (or accepted again). When the
	// stored tokens belong to another grant, because the owner connected again after
	// that token was read, the connection is left alone and the answer is
	// ErrWaveGrantReplaced: a refusal of the previous grant says nothing about the
	// new one. Pending comes only from SaveWaveConnection, disconnected only from
	// DeleteWaveConnection (which also deletes the tokens); other statuses and an
	// empty grantID are EINVALID, a disconnected connection ECONFLICT, and active
	// without a business ECONFLICT.
	SetWaveConnectionStatus(ctx context.Context, orgID, grantID string, status WaveConnectionStatus, reason string) (*WaveConnection, error)
	// ChooseWaveBusiness sets the business to sync and makes the connection active.
	// Choosing another business than before drops the current-state rows of the old
	// one (history is kept). A disconnected or needs_reconnect connection is ECONFLICT.
	ChooseWaveBusiness(ctx context.Context, orgID string, business WaveBusiness) (*WaveConnection, error)
	// DeleteWaveConnection deletes the tokens and marks the connection disconnected;
	// the warehouse (current state and history) is kept. ENOTFOUND without one.
	DeleteWaveConnection(ctx context.Context, orgID string) error

	// SaveAccountSubtypes replaces the stored copy of Wave's account-subtype list
	// (an empty list changes nothing: Wave answering none is no reason to forget it).
	SaveAccountSubtypes(ctx context.Context, subtypes []AccountSubtype) error
	// AccountSubtypes returns the stored list, ordered by value; empty before any
	// sync has read it.
	AccountSubtypes(ctx context.Context) ([]AccountSubtype, error)

	// CreateOAuthState stores a pending authorization (the code verifier encrypted).
	CreateOAuthState(ctx context.Context, st OAuthState) error
	// ConsumeOAuthState spends the state whose hash is stateHash, once. A state that is
	// unknown or belongs to another user is ENOTFOUND; an expired one EINVALID; one
	// already used ECONFLICT.
	ConsumeOAuthState(ctx context.Context, stateHash, userID string) (*OAuthState, error)

	// CreateSyncRun queues a run. An organization has at most one queued or running
	// run: another is ECONFLICT, as is a connection that is not active.
	CreateSyncRun(ctx context.Context, orgID string, kind SyncKind, trigger SyncTrigger) (*SyncRun, error)
	// CreateScheduledSyncRun queues a scheduled run only if the connection is still
	// due when the run is created (not synced since syncedBefore, or due a full
	// walk), ECONFLICT otherwise: the scheduler reads what is due, then queues, and a
	// sync finishing in between must not be followed by a needless second one.
	CreateScheduledSyncRun(ctx context.Context, orgID string, kind SyncKind, syncedBefore time.Time) (*SyncRun, error)
	// StartSyncRun moves a queued run to running. Starting a running run again
	// resumes it (a retried job keeps its start time and counts); a finished run is
	// ECONFLICT.
	StartSyncRun(ctx context.Context, runID string) (*SyncRun, error)
	// UpdateSyncProgress records the running totals and position of a running run
	// (ECONFLICT otherwise); it is also a heartbeat.
	UpdateSyncProgress(ctx context.Context, runID string, progress SyncProgress) error
	// HeartbeatSyncRun records that the process workerID is working the running run
	// (ECONFLICT otherwise, when the run has finished or was taken over).
	HeartbeatSyncRun(ctx context.Context, runID, workerID string) error
	// RecordSyncAttempt records on a running run that attempt failed with errMsg and
	// will be retried at retryAt, so that the run shows it while it waits and is alive
	// until then. A run that is not running is ECONFLICT; an unknown one ENOTFOUND.
	RecordSyncAttempt(ctx context.Context, runID string, attempt int, errMsg string, retryAt time.Time) error
	// WaitSyncRun records on a running run that it waits until retryAt (Wave asked
	// it to), with msg saying so: the run is alive until then (AbandonSyncRuns).
	WaitSyncRun(ctx context.Context, runID string, retryAt time.Time, msg string) error
	// FinishSyncRun ends a queued or running run as succeeded, partial or failed with
	// its final totals. A success clears the error an earlier attempt left and
	// updates the connection's LastSyncAt (and, for a full run, LastFullSyncAt,
	// clearing FullSyncDue). A partial run keeps warnings and sets the connection's
	// FullSyncDue, leaving its sync times alone so that the scheduler syncs it again
	// soon. The attempt number is kept.
	FinishSyncRun(ctx context.Context, runID string, status SyncStatus, progress SyncProgress, errMsg string, warnings ...string) (*SyncRun, error)
	// AbandonSyncRuns fails the active runs with no sign of life since before, so that
	// a run whose worker died does not block its organization forever. A run waiting
	// for a retry at a time after before is alive.
	AbandonSyncRuns(ctx context.Context, before time.Time) (int, error)
	// ResumeStaleSyncRuns fails every running run whose last heartbeat is before
	// before and that does not wait for a retry after before (its process died), and
	// queues in the same transaction a run that resumes it from its position. Each
	// stale run is taken over by one conditional update, so that of several instances
	// exactly one resumes it. It returns the queued runs, whose jobs the caller
	// enqueues.
	ResumeStaleSyncRuns(ctx context.Context, before time.Time) ([]*SyncRun, error)
	// SyncRun returns one run of the organization; ENOTFOUND otherwise.
	SyncRun(ctx context.Context, orgID, runID string) (*SyncRun, error)
	// ListSyncRuns returns runs newest first and the cursor of the next page.
	ListSyncRuns(ctx context.Context, orgID, cursor string, limit int) ([]*SyncRun, string, error)

	// SyncWatermark returns the modifiedAt up to which the entity is known to be
	// synced for the connection's current business; zero when a full read is needed.
	SyncWatermark(ctx context.Context, orgID string, entity SyncEntity) (time.Time, error)
	// SetSyncWatermark records that the running run runID has read everything of the
	// entity modified up to modifiedAt. Call it only when the run has completed the
	// entity. A run that is not running is ECONFLICT (a worker that lost its run must
	// not move the watermark).
	SetSyncWatermark(ctx context.Context, orgID, runID string, entity SyncEntity, modifiedAt time.Time) error

	// UpsertAccounts, UpsertInvoices and UpsertCustomers write current state keyed by
	// (organization, Wave id), in one transaction per call: re-running any of them
	// never duplicates. A record repeated in one call is written once, with its last
	// occurrence. They return how many distinct records were new or differed from the
	// stored row; every record written counts as seen for PruneUnseen, changed or not.
	UpsertAccounts(ctx context.Context, orgID string, accounts []LedgerAccount) (int, error)
	UpsertInvoices(ctx context.Context, orgID string, invoices []Invoice) (int, error)
	UpsertCustomers(ctx context.Context, orgID string, customers []Customer) (int, error)
	// PruneUnseen deletes the current-state rows of the entity not written since
	// seenBefore: after a complete full read started at seenBefore, those are records
	// deleted in Wave. It returns how many were deleted.
	PruneUnseen(ctx context.Context, orgID string, entity SyncEntity, seenBefore time.Time) (int, error)
	// LedgerSnapshot assembles the current books of the connected business as of asOf:
	// every account, the open invoices and those dated within two years of asOf, and
	// every customer. They are read as of one moment, so that a sync writing
	// meanwhile is seen either not at all or up to the pages it had committed
	// before that moment, never one table before a write and another after it.
	// ENOTFOUND when no business is chosen.
	LedgerSnapshot(ctx context.Context, orgID string, asOf time.Time) (*LedgerSnapshot, error)
	// LedgerSummary is LedgerSnapshot for the metrics, read the same way in one
	// transaction, with the invoices and the customers summed by the database
	// (InvoiceSummary, CustomerTotals) rather than listed, so that its cost does not
	// grow with every invoice. The metrics computed from it are exactly those of
	// LedgerSnapshot. Where amounts are too large to be summed in any order without
	// overflowing, they are listed as LedgerSnapshot lists them instead.
	LedgerSummary(ctx context.Context, orgID string, asOf time.Time) (*LedgerSnapshot, error)
	// MappingAccounts reads what the account mapping is built from, and only that:
	// the connected business's accounts and the organization's overrides, as of one
	// moment. Without a chosen business, BusinessID is empty and Accounts empty,
	// and Overrides still lists every decision (they outlive a business).
	MappingAccounts(ctx context.Context, orgID string) (*MappingAccounts, error)

	// InsertBalanceSnapshot and InsertReceivablesSnapshot append to the history. A
	// snapshot is never changed: inserting one again at the same AsOf keeps the first.
	InsertBalanceSnapshot(ctx context.Context, orgID string, snap BalanceSnapshot) error
	InsertReceivablesSnapshot(ctx context.Context, orgID string, snap ReceivablesSnapshot) error
	// BalanceHistory and ReceivablesHistory return the snapshots of the connected
	// business with AsOf in [from, to], oldest first.
	BalanceHistory(ctx context.Context, orgID string, from, to time.Time) ([]BalanceSnapshot, error)
	// BalanceSnapshotDates is BalanceHistory without the balances (Balances nil):
	// enough to choose which snapshot to read whole, which is far cheaper than
	// reading a year of them.
	BalanceSnapshotDates(ctx context.Context, orgID string, from, to time.Time) ([]BalanceSnapshot, error)
	ReceivablesHistory(ctx context.Context, orgID string, from, to time.Time) ([]ReceivablesSnapshot, error)

	// AccountOverrides lists the organization's mapping decisions by account id.
	AccountOverrides(ctx context.Context, orgID string) ([]AccountOverride, error)
	// SetAccountOverride records a decision about an account of the organization
	// (ENOTFOUND for an unknown account, EINVALID for an unknown class). SetBy defaults
	// to the context's actor.
	SetAccountOverride(ctx context.Context, orgID string, o AccountOverride) (*AccountOverride, error)
	// DeleteAccountOverride returns the account to its default class; ENOTFOUND when
	// there was no override.
	DeleteAccountOverride(ctx context.Context, orgID, accountWaveID string) error

	// InsertMetrics records metric values as of asOf, replacing values of the same
	// names at the same asOf (a recomputation after a mapping change).
	InsertMetrics(ctx context.Context, orgID string, asOf time.Time, metrics []MetricValue) error
	// MetricSeries returns the points of the named metrics (all metrics when names is
	// empty) with AsOf in [from, to] (a zero to is no upper bound), grouped by name
	// and oldest first within a name.
	MetricSeries(ctx context.Context, orgID string, names []string, from, to time.Time) ([]MetricPoint, error)
	// LatestMetrics returns the newest computation whole, with its explanations;
	// empty when there is none.
	LatestMetrics(ctx context.Context, orgID string) ([]MetricValue, error)
	// InsertHealthScore appends a score to the organization's history.
	InsertHealthScore(ctx context.Context, orgID string, score HealthScore) error
	// HealthHistory returns scores with AsOf in [from, to], newest first, and the
	// cursor of the next page.
	HealthHistory(ctx context.Context, orgID string, from, to time.Time, cursor string, limit int) ([]HealthScore, string, error)
	// HealthTimeline returns at most limit scores with AsOf in [from, to] (a zero to
	// is no upper bound), newest first as HealthHistory orders them, and whether
	// there were more. Each holds only Status, Score, Tier, MethodVersion,
	// AssessmentID, LedgerAsOf and AsOf: enough to list and chart the scores without
	// reading every score's explanation.
	HealthTimeline(ctx context.Context, orgID string, from, to time.Time, limit int) (scores []HealthScore, more bool, err error)
	// LatestHealthScore returns the newest score; ENOTFOUND when there is none.
	LatestHealthScore(ctx context.Context, orgID string) (*HealthScore, error)

	// Portfolio lists every organization where the user is owner or advisor, by
	// name, with its latest score and its change over 30 days, its connection and
	// last sync, and the latest overdue share and cash buffer.
	Portfolio(ctx context.Context, userID string) ([]PortfolioEntry, error)
}
