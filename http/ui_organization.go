package http

// uiOrganizationRoutes are organization settings, members and invitations.
func (s *Server) uiOrganizationRoutes() []uiRoute {
	return nil
}
