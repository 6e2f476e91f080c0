package http

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
)

var jsonContentType = []string{"application/json"}

// writeJSON encodes v fully before writing, so that an encoding failure becomes a
// clean 500 instead of a truncated 200.
func (s *Server) writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	b, err := encodeBody(v)
	if err != nil {
		s.log.LogAttrs(r.Context(), slog.LevelError, "encode response",
			slog.String("request_id", stateFrom(r.Context()).requestID),
			slog.String("error", err.Error()))
		b = []byte(`{"error":{"code":"internal","message":"An internal error occurred.","fields":{}}}` + "\n")
		status = http.StatusInternalServerError
	}
	writeBody(w, r, status, b)
}

// encodeBody is v as a complete JSON response body, newline included.
func encodeBody(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// writeBody writes an encoded JSON body (from encodeBody). It does not modify body,
// which may be shared between requests.
func writeBody(w http.ResponseWriter, r *http.Request, status int, body []byte) {
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}

// page is the shape of every paginated list. NextCursor is null on the last page.
type page[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

func newPage[T any](items []T, next string) page[T] {
	if items == nil {
		items = []T{}
	}
	p := page[T]{Items: items}
	if next != "" {
		p.NextCursor = &next
	}
	return p
}

// list is a complete, unpaginated list.
type list[T any] struct {
	Items []T `json:"items"`
}

func newList[T any](items []T) list[T] {
	if items == nil {
		items = []T{}
	}
	return list[T]{Items: items}
}
