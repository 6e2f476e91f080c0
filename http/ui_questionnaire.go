package http

// uiQuestionnaireRoutes are the questionnaire and its result pages.
func (s *Server) uiQuestionnaireRoutes() []uiRoute {
	return nil
}
