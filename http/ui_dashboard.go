package http

import "net/http"

func (s *Server) uiDashboard(w http.ResponseWriter, r *http.Request, c *uiCall) error {
	h, err := s.healthNow(r.Context(), c.orgID)
	if err != nil {
		return err
	}
	return s.render(w, r, c, http.StatusOK, "dashboard.html", "Dashboard", h)
}
