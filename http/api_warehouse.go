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
func (s warehouse) routes() []route {
	const (
		ok       = http.StatusOK
		accepted = http.StatusAccepted
		none     = http.StatusNoContent
	)
	return []route{
		{"POST", "/api/v1/organizations/{id}/wave/connect", org(finhealth.PermWaveManage), ok, s.waveConnect},
		{"GET", "/api/v1/wave/callback", user, ok, s.waveCallback},
		{"GET", "/api/v1/organizations/{id}/wave", org(finhealth.PermWaveRead), ok, s.waveStatus},
		{"DELETE", "/api/v1/organizations/{id}/wave", org(finhealth.PermWaveManage), ok, s.waveDisconnect},
		{"GET", "/api/v1/organizations/{id}/wave/businesses", org(finhealth.PermWaveManage), ok, s.waveBusinesses},
		{"POST", "/api/v1/organizations/{id}/wave/business", org(finhealth.PermWaveManage), ok, s.waveChooseBusiness},
		{"POST", "/api/v1/organizations/{id}/wave/sync", org(finhealth.PermSyncRun), accepted, s.waveSync},
		{"GET", "/api/v1/organizations/{id}/wave/sync-runs", org(finhealth.PermWaveRead), ok, s.listSyncRuns},
		{"GET", "/api/v1/organizations/{id}/wave/sync-runs/{run_id}", org(finhealth.PermWaveRead), ok, s.getSyncRun},

		{"GET", "/api/v1/organizations/{id}/health", org(finhealth.PermHealthRead), ok, s.healthScore},
		{"GET", "/api/v1/organizations/{id}/health/history", org(finhealth.PermHealthRead), ok, s.healthHistory},
		{"GET", "/api/v1/organizations/{id}/metrics", org(finhealth.PermHealthRead), ok, s.metricSeries},
		{"GET", "/api/v1/organizations/{id}/metrics/latest", org(finhealth.PermHealthRead), ok, s.latestMetrics},

		{"GET", "/api/v1/organizations/{id}/account-mapping", org(finhealth.PermHealthRead), ok, s.accountMapping},
		{"PUT", "/api/v1/organizations/{id}/account-mapping/{account_id}", org(finhealth.PermMappingEdit), ok, s.setAccountOverride},
		{"DELETE", "/api/v1/organizations/{id}/account-mapping/{account_id}", org(finhealth.PermMappingEdit), none, s.deleteAccountOverride},

		{"GET", "/api/v1/portfolio", user, ok, s.portfolio},
	}
}
