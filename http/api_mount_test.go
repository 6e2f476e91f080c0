package http

// mountAll is phase-1 scaffolding: the API and the UI, as cmd/finhealth mounts them.
func mountAll(s *Server) { mountAPI(s); mountUI(s) }
