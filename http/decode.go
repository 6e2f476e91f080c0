package http

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"finhealth"
)

// Decode reads the request body strictly into v: JSON content type, bounded size,
// known fields only, exactly one value.
func (s *Server) Decode(w http.ResponseWriter, r *http.Request, v any) error {
	if err := RequireJSON(r); err != nil {
		return err
	}
	return DecodeJSON(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes), v)
}

// RequireJSON refuses a request body that is not declared as UTF-8 JSON.
func RequireJSON(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return finhealth.Errorf(finhealth.EUNSUPPORTED, "Content-Type must be application/json.")
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return finhealth.Errorf(finhealth.EUNSUPPORTED, "Content-Type must be application/json.")
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return finhealth.Errorf(finhealth.EUNSUPPORTED, "JSON bodies must be UTF-8.")
	}
	return nil
}

// DecodeJSON is the strict decoder behind every request body. It is separate from
// the request so that fuzz targets can drive it with arbitrary bytes. Every error it
// returns is a *finhealth.Error with a 4xx code.
func DecodeJSON(body io.Reader, v any) error {
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	// A second value, or garbage after the first, means the client is not sending
	// what it thinks it is; reject rather than silently ignore it.
	var extra json.RawMessage
	switch err := dec.Decode(&extra); {
	case err == io.EOF:
		return nil
	case err != nil && isTooLarge(err):
		return tooLarge()
	default:
		return finhealth.Errorf(finhealth.EBADREQUEST, "The request body must hold exactly one JSON value.")
	}
}

func isTooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

func tooLarge() error {
	return finhealth.Errorf(finhealth.ETOOLARGE, "The request body is too large.")
}

func decodeError(err error) error {
	var (
		syntax    *json.SyntaxError
		typeErr   *json.UnmarshalTypeError
		fieldName string
	)
	switch {
	case isTooLarge(err):
		return tooLarge()
	case errors.Is(err, io.EOF):
		return finhealth.Errorf(finhealth.EBADREQUEST, "The request body is empty; a JSON object is required.")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return finhealth.Errorf(finhealth.EBADREQUEST, "The request body is not valid JSON: it ends too early.")
	case errors.As(err, &syntax):
		return finhealth.Errorf(finhealth.EBADREQUEST, "The request body is not valid JSON (at byte %d).", syntax.Offset)
	case errors.As(err, &typeErr):
		if typeErr.Field == "" {
			return finhealth.Errorf(finhealth.EBADREQUEST, "The request body must be a JSON object.")
		}
		return &finhealth.Error{
			Code:    finhealth.EINVALID,
			Message: "A field has the wrong type.",
			Fields:  map[string]string{typeErr.Field: "must be " + jsonKind(typeErr)},
		}
	case unknownField(err, &fieldName):
		return &finhealth.Error{
			Code:    finhealth.EBADREQUEST,
			Message: "The request body has an unknown field.",
			Fields:  map[string]string{fieldName: "unknown field"},
		}
	default:
		return finhealth.Errorf(finhealth.EBADREQUEST, "The request body is not valid JSON.")
	}
}

// unknownField recognizes DisallowUnknownFields' error. encoding/json has no typed
// error for it, so its stable message is the only way to name the field.
func unknownField(err error, name *string) bool {
	const prefix = "json: unknown field "
	msg := err.Error()
	if !strings.HasPrefix(msg, prefix) {
		return false
	}
	n, uerr := strconv.Unquote(msg[len(prefix):])
	if uerr != nil {
		n = msg[len(prefix):]
	}
	*name = Truncate(n, 64)
	return true
}

func jsonKind(e *json.UnmarshalTypeError) string {
	switch e.Type.Kind().String() {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64":
		return "a number"
	default:
		return "a " + e.Type.Kind().String()
	}
}

// Truncate cuts s to at most n bytes, at a rune boundary.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// FieldErrors collects per-field problems and becomes one EINVALID error.
type FieldErrors map[string]string

// Add records a problem with field, unless it already has one.
func (f FieldErrors) Add(field, problem string) {
	if _, ok := f[field]; !ok {
		f[field] = problem
	}
}

// addAll adds the fields of err, an EINVALID error from a Validate method.
func (f FieldErrors) addAll(err error) {
	for field, problem := range finhealth.ErrorFields(err) {
		f.Add(field, problem)
	}
}

// Err is the EINVALID error of the problems recorded, nil when there are none.
func (f FieldErrors) Err() error {
	if len(f) == 0 {
		return nil
	}
	return finhealth.InvalidFields("Some fields are invalid.", f)
}

// cleanText trims s and checks it is a plain single-line text of at most max runes.
func cleanText(f FieldErrors, field, s string, required bool, max int) string {
	s = strings.TrimSpace(s)
	if problem := finhealth.TextProblem(s, required, max); problem != "" {
		f.Add(field, problem)
	}
	return s
}
