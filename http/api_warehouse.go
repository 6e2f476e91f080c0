package http

import (
	"net/http"

	"finhealth"
)

// warehouse serves the API's routes over the books: the Wave connection, the sync
// runs, the health score, the metrics, the account mapping and the portfolio.
type warehouse struct{ *apiHandler }

// routes are the routes of the Wave connection, the sync runs, the health
// score, the metrics, the account mapping and the portfolio. They live apart from
// routeTable only so that this slice can grow without touching the foundation's
// table; they are authorized by the same rules and covered by the same matrix.
func (s warehouse) routes() []Route {
	const (
		ok       = http.StatusOK
		accepted = http.StatusAccepted
		none     = http.StatusNoContent
	)
	return []Route{
		{"POST", "/api/v1/organizations/{id}/wave/connect", Org(finhealth.PermWaveManage), ok, s.waveConnect},
		{"GET", "/api/v1/wave/callback", AnyUser, ok, s.waveCallback},
		{"GET", "/api/v1/organizations/{id}/wave", Org(finhealth.PermWaveRead), ok, s.waveStatus},
		{"DELETE", "/api/v1/organizations/{id}/wave", Org(finhealth.PermWaveManage), ok, s.waveDisconnect},
		{"GET", "/api/v1/organizations/{id}/wave/businesses", Org(finhealth.PermWaveManage), ok, s.waveBusinesses},
		{"POST", "/api/v1/organizations/{id}/wave/business", Org(finhealth.PermWaveManage), ok, s.waveChooseBusiness},
		{"POST", "/api/v1/organizations/{id}/wave/sync", Org(finhealth.PermSyncRun), accepted, s.waveSync},
		{"GET", "/api/v1/organizations/{id}/wave/sync-runs", Org(finhealth.PermWaveRead), ok, s.listSyncRuns},
		{"GET", "/api/v1/organizations/{id}/wave/sync-runs/{run_id}", Org(finhealth.PermWaveRead), ok, s.getSyncRun},

		{"GET", "/api/v1/organizations/{id}/health", Org(finhealth.PermHealthRead), ok, s.healthScore},
		{"GET", "/api/v1/organizations/{id}/health/history", Org(finhealth.PermHealthRead), ok, s.healthHistory},
		{"GET", "/api/v1/organizations/{id}/metrics", Org(finhealth.PermHealthRead), ok, s.metricSeries},
		{"GET", "/api/v1/organizations/{id}/metrics/latest", Org(finhealth.PermHealthRead), ok, s.latestMetrics},

		{"GET", "/api/v1/organizations/{id}/account-mapping", Org(finhealth.PermHealthRead), ok, s.accountMapping},
		{"PUT", "/api/v1/organizations/{id}/account-mapping/{account_id}", Org(finhealth.PermMappingEdit), ok, s.setAccountOverride},
		{"DELETE", "/api/v1/organizations/{id}/account-mapping/{account_id}", Org(finhealth.PermMappingEdit), none, s.deleteAccountOverride},

		{"GET", "/api/v1/portfolio", AnyUser, ok, s.portfolio},
	}
}
