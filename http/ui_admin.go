package http

// uiAdminRoutes are the admin pages: users and the audit log.
func (s *Server) uiAdminRoutes() []uiRoute {
	return nil
}
