package http

import (
	"net/http"

	"finhealth"
)

// uiInsightRoutes are the dashboard, metric detail (with the account mapping
// editor) and history pages.
func (s *Server) uiInsightRoutes() []uiRoute {
	return []uiRoute{
		{"GET", "/orgs/{id}", org(finhealth.PermOrgRead), s.uiDashboard},
	}
}

func (s *Server) uiDashboard(w http.ResponseWriter, r *http.Request, c *uiCall) error {
	h, err := s.healthNow(r.Context(), c.orgID)
	if err != nil {
		return err
	}
	return s.render(w, r, c, http.StatusOK, "dashboard.html", "Dashboard", h)
}
