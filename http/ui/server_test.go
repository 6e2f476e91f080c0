package ui

import (
	"testing"

	fhttp "finhealth/http"
	"finhealth/http/api"
	"finhealth/http/internal/servertest"
	"finhealth/store"
)

// newAPI is a test server with the API and the UI mounted on it, as cmd/finhealth
// mounts them: the UI tests use the API to set up what the pages show.
func newAPI(t *testing.T, db *store.DB, tune ...func(*fhttp.Config)) *servertest.API {
	t.Helper()
	return servertest.New(t, db, mount, tune...)
}

// newWaveAPI is newAPI with Wave and the worker plugged in.
func newWaveAPI(t *testing.T, db *store.DB, o servertest.WaveOptions, tune ...func(*fhttp.Config)) *servertest.API {
	t.Helper()
	return servertest.NewWave(t, db, o, mount, tune...)
}

func mount(s *fhttp.Server) {
	api.Mount(s)
	Mount(s)
}
