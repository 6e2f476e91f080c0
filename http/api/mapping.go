package api

import (
	"io"
	"net/http"

	"finhealth"
	fhttp "finhealth/http"
)

func (s warehouse) accountMapping(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	v, err := s.insights.BuildMapping(r.Context(), c.OrgID)
	if err != nil {
		return err
	}
	s.srv.WriteJSON(w, r, http.StatusOK, v)
	return nil
}

// setAccountOverride records a decision about one account and answers with the
// account's mapping as it now stands.
func (s warehouse) setAccountOverride(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	accountID, err := fhttp.AccountPathValue(r)
	if err != nil {
		return err
	}
	if err := fhttp.RequireJSON(r); err != nil {
		return err
	}
	class, note, err := decodeOverrideRequest(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	if err != nil {
		return err
	}
	if err := s.insights.OverrideAccount(r, c.OrgID, accountID, class, note); err != nil {
		return err
	}
	ctx := r.Context()
	v, err := s.insights.BuildMapping(ctx, c.OrgID)
	if err != nil {
		return err
	}
	for _, e := range v.Accounts {
		if e.AccountID == accountID {
			s.srv.WriteJSON(w, r, http.StatusOK, e)
			return nil
		}
	}
	// The account was pruned between the two reads (a sync found it deleted).
	return fhttp.ErrAccountNotFound
}

// deleteAccountOverride returns an account to its default class.
func (s warehouse) deleteAccountOverride(w http.ResponseWriter, r *http.Request, c *fhttp.Call) error {
	accountID, err := fhttp.AccountPathValue(r)
	if err != nil {
		return err
	}
	if err := s.insights.ResetAccount(r, c.OrgID, accountID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// decodeOverrideRequest reads and checks the body of PUT .../account-mapping/{id}.
func decodeOverrideRequest(body io.Reader) (finhealth.AccountClass, string, error) {
	var req fhttp.OverrideRequest
	if err := fhttp.DecodeJSON(body, &req); err != nil {
		return "", "", err
	}
	return fhttp.CheckOverride(req)
}
