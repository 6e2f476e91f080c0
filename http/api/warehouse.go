package api

import (
	"net/http"

	"finhealth"
	fhttp "finhealth/http"
)

// warehouse serves the API's routes over the books: the Wave connection, the sync
// runs, the health score, the metrics, the account mapping and the portfolio.
type warehouse struct{ *Handler }

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
		{"POST", "/api/v1/organizations/{id}/wave/connect", fhttp.Org(finhealth.PermWaveManage), ok, s.waveConnect},
		{"GET", "/api/v1/wave/callback", fhttp.AnyUser, ok, s.waveCallback},
		{"GET", "/api/v1/organizations/{id}/wave", fhttp.Org(finhealth.PermWaveRead), ok, s.waveStatus},
		{"DELETE", "/api/v1/organizations/{id}/wave", fhttp.Org(finhealth.PermWaveManage), ok, s.waveDisconnect},
		{"GET", "/api/v1/organizations/{id}/wave/businesses", fhttp.Org(finhealth.PermWaveManage), ok, s.waveBusinesses},
		{"POST", "/api/v1/organizations/{id}/wave/business", fhttp.Org(finhealth.PermWaveManage), ok, s.waveChooseBusiness},
		{"POST", "/api/v1/organizations/{id}/wave/sync", fhttp.Org(finhealth.PermSyncRun), accepted, s.waveSync},
		{"GET", "/api/v1/organizations/{id}/wave/sync-runs", fhttp.Org(finhealth.PermWaveRead), ok, s.listSyncRuns},
		{"GET", "/api/v1/organizations/{id}/wave/sync-runs/{run_id}", fhttp.Org(finhealth.PermWaveRead), ok, s.getSyncRun},

		{"GET", "/api/v1/organizations/{id}/health", fhttp.Org(finhealth.PermHealthRead), ok, s.healthScore},
		{"GET", "/api/v1/organizations/{id}/health/history", fhttp.Org(finhealth.PermHealthRead), ok, s.healthHistory},
		{"GET", "/api/v1/organizations/{id}/metrics", fhttp.Org(finhealth.PermHealthRead), ok, s.metricSeries},
		{"GET", "/api/v1/organizations/{id}/metrics/latest", fhttp.Org(finhealth.PermHealthRead), ok, s.latestMetrics},

		{"GET", "/api/v1/organizations/{id}/account-mapping", fhttp.Org(finhealth.PermHealthRead), ok, s.accountMapping},
		{"PUT", "/api/v1/organizations/{id}/account-mapping/{account_id}", fhttp.Org(finhealth.PermMappingEdit), ok, s.setAccountOverride},
		{"DELETE", "/api/v1/organizations/{id}/account-mapping/{account_id}", fhttp.Org(finhealth.PermMappingEdit), none, s.deleteAccountOverride},

		{"GET", "/api/v1/portfolio", fhttp.AnyUser, ok, s.portfolio},
	}
}
