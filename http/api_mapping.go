package http

import (
	"finhealth"
	"io"
	"net/http"
)

func (s warehouse) accountMapping(w http.ResponseWriter, r *http.Request, c *call) error {
	v, err := s.insights.buildMapping(r.Context(), c.orgID)
	if err != nil {
		return err
	}
	s.srv.writeJSON(w, r, http.StatusOK, v)
	return nil
}

// setAccountOverride records a decision about one account and answers with the
// account's mapping as it now stands.
func (s warehouse) setAccountOverride(w http.ResponseWriter, r *http.Request, c *call) error {
	accountID, err := accountPathValue(r)
	if err != nil {
		return err
	}
	if err := requireJSON(r); err != nil {
		return err
	}
	class, note, err := decodeOverrideRequest(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	if err != nil {
		return err
	}
	if err := s.insights.overrideAccount(r, c.orgID, accountID, class, note); err != nil {
		return err
	}
	ctx := r.Context()
	v, err := s.insights.buildMapping(ctx, c.orgID)
	if err != nil {
		return err
	}
	for _, e := range v.Accounts {
		if e.AccountID == accountID {
			s.srv.writeJSON(w, r, http.StatusOK, e)
			return nil
		}
	}
	// The account was pruned between the two reads (a sync found it deleted).
	return errAccountNotFound
}

// deleteAccountOverride returns an account to its default class.
func (s warehouse) deleteAccountOverride(w http.ResponseWriter, r *http.Request, c *call) error {
	accountID, err := accountPathValue(r)
	if err != nil {
		return err
	}
	if err := s.insights.resetAccount(r, c.orgID, accountID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// decodeOverrideRequest reads and checks the body of PUT .../account-mapping/{id}.
func decodeOverrideRequest(body io.Reader) (finhealth.AccountClass, string, error) {
	var req overrideRequest
	if err := decodeJSON(body, &req); err != nil {
		return "", "", err
	}
	return checkOverride(req)
}
