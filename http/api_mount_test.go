package http

import (
	"testing"

	"finhealth/store"
)

// newAPI is a test server with the API mounted, whose every response is checked
// against the OpenAPI document, so that every API test also tests the document.
func newAPI(t *testing.T, db *store.DB, tune ...func(*Config)) *API {
	t.Helper()
	a := New(t, db, mountAll, tune...)
	a.Check = checkAgainstSpec
	return a
}

// newWaveAPI is newAPI with Wave and the worker plugged in.
func newWaveAPI(t *testing.T, db *store.DB, o WaveOptions, tune ...func(*Config)) *API {
	t.Helper()
	a := NewWave(t, db, o, mountAll, tune...)
	a.Check = checkAgainstSpec
	return a
}

// mountAll is phase-1 scaffolding: the API and the UI, as cmd/finhealth mounts them.
func mountAll(s *Server) { mountAPI(s); mountUI(s) }
