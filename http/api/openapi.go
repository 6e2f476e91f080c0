package api

import (
	_ "embed"
	"net/http"

	fhttp "finhealth/http"
)

// openapiDocument describes every route in the route table. It is written by hand
// (it is the contract, not a by-product of the code) and kept honest by tests that
// validate real responses against it and compare its operations with the table.
//
//go:embed openapi.json
var openapiDocument []byte

var hdrOpenAPICache = []string{"public, max-age=300"}

func (s *Handler) openAPI(w http.ResponseWriter, r *http.Request, _ *fhttp.Call) error {
	h := w.Header()
	h["Content-Type"] = fhttp.JSONContentType
	h["Cache-Control"] = hdrOpenAPICache
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(s.openapi)
	}
	return nil
}
