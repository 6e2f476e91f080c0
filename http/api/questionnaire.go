package api

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"finhealth"
	fhttp "finhealth/http"
)

// encodedQuestionnaire is the current questionnaire as bytes, encoded once at start:
// it changes only with a release, and the route must sustain tens of thousands of
// requests a second, so a request does nothing but compare an ETag and write.
type encodedQuestionnaire struct {
	body          []byte
	etag          string
	etagHeader    []string
	contentLength []string
}

func encodeQuestionnaire(q *finhealth.Questionnaire) (encodedQuestionnaire, error) {
	b, err := json.Marshal(q)
	if err != nil {
		return encodedQuestionnaire{}, err
	}
	b = append(b, '\n')
	sum := sha256.Sum256(b)
	etag := `"` + q.ID + "-v" + strconv.Itoa(q.Version) + "-" + hex.EncodeToString(sum[:8]) + `"`
	return encodedQuestionnaire{
		body:          b,
		etag:          etag,
		etagHeader:    []string{etag},
		contentLength: []string{strconv.Itoa(len(b))},
	}, nil
}

var hdrPublicCache = []string{"public, max-age=3600"}

func (s *Handler) getQuestionnaire(w http.ResponseWriter, r *http.Request, _ *fhttp.Call) error {
	q := &s.questionnaire
	h := w.Header()
	h["Etag"] = q.etagHeader
	h["Cache-Control"] = hdrPublicCache
	if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatches(inm, q.etag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	h["Content-Type"] = fhttp.JSONContentType
	h["Content-Length"] = q.contentLength
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(q.body)
	}
	return nil
}

// etagMatches applies If-None-Match's weak comparison (RFC 9110 13.1.2): a list of
// tags or "*", where W/ prefixes are ignored.
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}
