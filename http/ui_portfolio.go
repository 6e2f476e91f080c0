package http

// uiPortfolioRoutes are the advisor portfolio.
func (s *Server) uiPortfolioRoutes() []uiRoute {
	return nil
}
