package api

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"finhealth"
	fhttp "finhealth/http"
)

// encodedQuestionnaire is the current questionnaire as bytes, encoded and gzipped
// once at start: it changes only with a release, and the route must sustain tens of
// thousands of requests a second, so a request does nothing but compare an ETag and
// write. Compressing 8 KB per request would cost more than the rest of the request.
type encodedQuestionnaire struct {
	plain, gzipped representation
}

// representation is one encoding of the body with its own ETag: a strong ETag names
// exact bytes, so the gzip form has another (RFC 9110 8.8.3).
type representation struct {
	body          []byte
	etag          string
	etagHeader    []string
	contentLength []string
}

func newRepresentation(body []byte, etag string) representation {
	return representation{body: body, etag: etag, etagHeader: []string{etag}, contentLength: []string{strconv.Itoa(len(body))}}
}

func encodeQuestionnaire(q *finhealth.Questionnaire) (encodedQuestionnaire, error) {
	b, err := json.Marshal(q)
	if err != nil {
		return encodedQuestionnaire{}, err
	}
	b = append(b, '\n')
	sum := sha256.Sum256(b)
	tag := q.ID + "-v" + strconv.Itoa(q.Version) + "-" + hex.EncodeToString(sum[:8])
	var z bytes.Buffer
	zw, err := gzip.NewWriterLevel(&z, gzip.BestCompression)
	if err != nil {
		return encodedQuestionnaire{}, err
	}
	if _, err := zw.Write(b); err != nil {
		return encodedQuestionnaire{}, err
	}
	if err := zw.Close(); err != nil {
		return encodedQuestionnaire{}, err
	}
	return encodedQuestionnaire{
		plain:   newRepresentation(b, `"`+tag+`"`),
		gzipped: newRepresentation(z.Bytes(), `"`+tag+`-gzip"`),
	}, nil
}

var (
	hdrPublicCache = []string{"public, max-age=3600"}
	hdrGzip        = []string{"gzip"}
)

func (s *Handler) getQuestionnaire(w http.ResponseWriter, r *http.Request, _ *fhttp.Call) error {
	q := &s.questionnaire
	rep := &q.plain
	h := w.Header()
	if acceptsGzip(r.Header["Accept-Encoding"]) {
		rep = &q.gzipped
		h["Content-Encoding"] = hdrGzip
	}
	h["Etag"] = rep.etagHeader
	h["Cache-Control"] = hdrPublicCache
	// Either tag names the current questionnaire, whichever encoding the client
	// cached.
	if inm := r.Header.Get("If-None-Match"); inm != "" && (etagMatches(inm, q.plain.etag) || etagMatches(inm, q.gzipped.etag)) {
		delete(h, "Content-Encoding")
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	h["Content-Type"] = fhttp.JSONContentType
	h["Content-Length"] = rep.contentLength
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(rep.body)
	}
	return nil
}

// acceptsGzip reads Accept-Encoding (RFC 9110 12.5.3): gzip (or its alias x-gzip)
// listed without q=0, or else "*" listed without q=0.
func acceptsGzip(values []string) bool {
	const unlisted, refused, accepted = 0, 1, 2
	named, star := unlisted, unlisted
	for _, v := range values {
		for _, item := range strings.Split(v, ",") {
			coding, params, _ := strings.Cut(item, ";")
			verdict := accepted
			if q, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
				if f, err := strconv.ParseFloat(q, 64); err != nil || f == 0 {
					verdict = refused
				}
			}
			switch strings.ToLower(strings.TrimSpace(coding)) {
			case "gzip", "x-gzip":
				named = max(named, verdict)
			case "*":
				star = verdict
			}
		}
	}
	if named != unlisted {
		return named == accepted
	}
	return star == accepted
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
