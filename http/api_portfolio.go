package http

import (
	"net/http"
)

// portfolio lists every organization the caller owns or advises.
func (s warehouse) portfolio(w http.ResponseWriter, r *http.Request, c *call) error {
	q := r.URL.Query()
	key, desc, err := portfolioOrder(q.Get("sort"), q.Get("order"), "order")
	if err != nil {
		return err
	}
	items, err := s.insights.portfolioItems(r.Context(), c.user.ID, key, desc)
	if err != nil {
		return err
	}
	s.srv.writeJSON(w, r, http.StatusOK, newList(items))
	return nil
}
