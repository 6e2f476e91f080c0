package http

// uiWaveRoutes are the Wave connection pages: connect, choose a business, status, sync runs, disconnect.
func (s *Server) uiWaveRoutes() []uiRoute {
	return nil
}
