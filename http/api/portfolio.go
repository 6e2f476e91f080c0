package api

import (
	"net/http"

	fhttp "finhealth/http"
)

// portfolio lists every organization the caller owns or advises.
func (s warehouse) portfolio(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	q := r.URL.Query()
	key, desc, err := fhttp.PortfolioOrder(q.Get("sort"), q.Get("order"), "order")
	if err != nil {
		return err
	}
	items, err := s.insights.PortfolioItems(r.Context(), c.User.ID, key, desc)
	if err != nil {
		return err
	}
	s.srv.WriteJSON(w, r, http.StatusOK, newList(items))
	return nil
}
