package wave

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// maxResponseBytes bounds a response body. A page of 100 invoices is about 100 KB; the
// bound only stops a broken or hostile server from exhausting memory.
const maxResponseBytes = 16 << 20

type gqlRequest struct {
	Query         string         `json:"query"`
	Variables     map[string]any `json:"variables,omitempty"`
	OperationName string         `json:"operationName,omitempty"`
}

type wireError struct {
	Message    string            `json:"message"`
	Path       []json.RawMessage `json:"path"`
	Extensions json.RawMessage   `json:"extensions"`
}

// decodeResponse reads a GraphQL response body into data (a pointer to the query's
// typed result) and returns its errors[] and whether data was present and non-null,
// which decides whether an error is partial. Wave's error shape is only partly
// documented, so path elements and extensions are read leniently: an odd extensions
// object loses its code rather than failing the whole response. A body that is not
// the JSON expected is ErrBadResponse; a body that could not be read is the read's
// error.
func decodeResponse(r io.Reader, data any) (errs []GraphQLError, hasData bool, err error) {
	body, err := io.ReadAll(r)
	if err != nil {
		return nil, false, err
	}
	var env struct {
		Data   json.RawMessage `json:"data"`
		Errors []wireError     `json:"errors"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, false, fmt.Errorf("%w: %v", ErrBadResponse, err)
	}
	if hasData = len(env.Data) > 0 && string(env.Data) != "null"; hasData {
		if err := json.Unmarshal(env.Data, data); err != nil {
			return nil, false, fmt.Errorf("%w: %v", ErrBadResponse, err)
		}
	}
	return graphQLErrors(env.Errors), hasData, nil
}

// graphQLErrors reads the errors[] of a response.
func graphQLErrors(wire []wireError) []GraphQLError {
	var errs []GraphQLError
	for _, we := range wire {
		ge := GraphQLError{Message: we.Message}
		var parts []string
		for _, p := range we.Path {
			var s string
			if json.Unmarshal(p, &s) == nil {
				parts = append(parts, s)
			} else {
				parts = append(parts, string(bytes.TrimSpace(p)))
			}
		}
		ge.Path = strings.Join(parts, ".")
		var ext map[string]json.RawMessage
		if json.Unmarshal(we.Extensions, &ext) == nil {
			_ = json.Unmarshal(ext["code"], &ge.Code)
			if json.Unmarshal(ext["id"], &ge.ID) != nil {
				ge.ID = strings.Trim(string(ext["id"]), `"`)
			}
		}
		errs = append(errs, ge)
	}
	return errs
}

// query runs one GraphQL operation on the connection and decodes its data into out.
// It rate-limits, retries transient failures, and on UNAUTHENTICATED refreshes the
// token once and tries again. When Wave returns errors alongside data, out is filled
// and a *GraphQLErrors with Partial set is returned, so that callers can decide what
// the partial data is worth.
func (cn *Conn) query(ctx context.Context, op, doc string, vars map[string]any, out any) error {
	body, err := json.Marshal(gqlRequest{Query: doc, Variables: vars, OperationName: op})
	if err != nil {
		return fmt.Errorf("wave: %s: encoding request: %w", op, err)
	}
	refreshed := false
	for {
		token, err := cn.accessToken(ctx)
		if err != nil {
			return err
		}
		err = cn.c.withRetries(ctx, "graphql "+op, cn.st.gate, retryIdempotent, func(actx context.Context) error {
			return cn.post(actx, op, token, body, out)
		})
		if err == nil || !errors.Is(err, ErrUnauthenticated) {
			return err
		}
		if refreshed {
			return rejected(err)
		}
		refreshed = true
		cn.c.log.DebugContext(ctx, "wave rejected the access token; refreshing", "op", op)
		if err := cn.refreshAfterReject(ctx, token); err != nil {
			return err
		}
	}
}

func (cn *Conn) post(ctx context.Context, op, token string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cn.c.cfg.GraphQLURL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := cn.c.http.Do(req)
	if err != nil {
		return &HTTPError{Op: "graphql " + op, Err: err}
	}
	defer resp.Body.Close()
	status := resp.StatusCode
	after := parseRetryAfter(resp.Header.Get("Retry-After"), cn.c.now())
	cn.c.log.DebugContext(ctx, "wave response", "op", op, "status", status)
	if status == http.StatusTooManyRequests || status >= 500 {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return &HTTPError{Op: "graphql " + op, Status: status, RetryAfter: after}
	}
	// Wave reports most failures with HTTP 200 and errors[], but 4xx with a JSON body
	// are reported in the wild too, so the body is read whatever the status.
	errs, hasData, derr := decodeResponse(io.LimitReader(resp.Body, maxResponseBytes), out)
	if derr != nil {
		// A body that broke off is a network failure, worth retrying after a 200.
		if !errors.Is(derr, ErrBadResponse) && (status != http.StatusOK || errors.Is(derr, io.EOF)) {
			derr = fmt.Errorf("%w: %v", ErrBadResponse, derr)
		}
		return &HTTPError{Op: "graphql " + op, Status: status, Err: derr}
	}
	if len(errs) > 0 {
		for i := range errs {
			errs[i].Message = scrub(errs[i].Message, token)
		}
		ge := &GraphQLErrors{Operation: op, Status: status, Errors: errs, Partial: hasData}
		if status == http.StatusUnauthorized && !ge.HasCode(codeUnauthenticated) {
			return &HTTPError{Op: "graphql " + op, Status: status, Err: ge}
		}
		return ge
	}
	if status != http.StatusOK {
		return &HTTPError{Op: "graphql " + op, Status: status}
	}
	if !hasData {
		return &HTTPError{Op: "graphql " + op, Status: status, Err: fmt.Errorf("%w: no data and no errors", ErrBadResponse)}
	}
	return nil
}
