package http

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
)

// JSONContentType is the Content-Type header of every JSON response, shared so that
// writing it allocates nothing.
var JSONContentType = []string{"application/json"}

// WriteJSON encodes v fully before writing, so that an encoding failure becomes a
// clean 500 instead of a truncated 200.
func (s *Server) WriteJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	b, err := EncodeBody(v)
	if err != nil {
		s.log.LogAttrs(r.Context(), slog.LevelError, "encode response",
			slog.String("request_id", stateFrom(r.Context()).requestID),
			slog.String("error", err.Error()))
		b = []byte(`{"error":{"code":"internal","message":"An internal error occurred.","fields":{}}}` + "\n")
		status = http.StatusInternalServerError
	}
	WriteBody(w, r, status, b)
}

// EncodeBody is v as a complete JSON response body, newline included.
func EncodeBody(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// WriteBody writes an encoded JSON body (from encodeBody). It does not modify body,
// which may be shared between requests.
func WriteBody(w http.ResponseWriter, r *http.Request, status int, body []byte) {
	h := w.Header()
	h["Content-Type"] = JSONContentType
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}
