package api

import (
	"testing"

	fhttp "finhealth/http"
	"finhealth/http/internal/servertest"
	"finhealth/http/ui"
	"finhealth/store"
)

// newAPI is a test server as cmd/finhealth composes it, the API and the web UI on
// one Server (a few API tests follow a flow into the UI), whose every response is
// checked against the OpenAPI document, so that every API test also tests the
// document.
func newAPI(t *testing.T, db *store.DB, tune ...func(*fhttp.Config)) *servertest.API {
	t.Helper()
	a := servertest.New(t, db, mount, tune...)
	a.Check = checkAgainstSpec
	return a
}

// newWaveAPI is newAPI with Wave and the worker plugged in.
func newWaveAPI(t *testing.T, db *store.DB, o servertest.WaveOptions, tune ...func(*fhttp.Config)) *servertest.API {
	t.Helper()
	a := servertest.NewWave(t, db, o, mount, tune...)
	a.Check = checkAgainstSpec
	return a
}

func mount(s *fhttp.Server) {
	Mount(s)
	ui.Mount(s)
}
