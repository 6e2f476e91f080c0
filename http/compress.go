package http

import (
	"net/http"
	"strings"

	"github.com/klauspost/compress/gzhttp"
)

// compressMinSize is the smallest body worth compressing: below about a kilobyte
// gzip's header and the CPU cost more than the bytes saved (an error, a 201's small
// body, a probe).
const compressMinSize = 1024

// compressible says which content types are worth gzip: not the formats that are
// compressed already (gzhttp's default list leaves PNG, GIF, WebP and WOFF2 to be
// compressed again for nothing), and never an event stream, whose events must reach
// the client as they are written rather than wait in a compression buffer.
func compressible(ct string) bool {
	ct = strings.ToLower(strings.TrimSpace(ct))
	for _, skip := range []string{"image/png", "image/gif", "image/webp", "font/woff", "text/event-stream"} {
		if strings.HasPrefix(ct, skip) {
			return false
		}
	}
	return gzhttp.DefaultContentTypeFilter(ct)
}

// compress gzips the responses of clients that accept it (github.com/klauspost/
// compress/gzhttp): mainly the health view and the HTML pages, tens of kilobytes of
// repetitive JSON and markup. Only gzip, which every client has; a handler that sets
// Content-Encoding itself (the Prometheus handler, a body compressed once at start)
// is passed through.
func compress(next http.Handler) http.Handler {
	wrap, err := gzhttp.NewWrapper(gzhttp.MinSize(compressMinSize), gzhttp.EnableZstd(false),
		gzhttp.ContentTypeFilter(compressible))
	if err != nil {
		panic("http: the compression options are invalid: " + err.Error())
	}
	compressed := wrap(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Without Accept-Encoding there is nothing to negotiate, and the wrapper's
		// per-request header and writer would be spent for nothing (load tools and
		// most API clients but Go's send none).
		if len(r.Header["Accept-Encoding"]) == 0 {
			next.ServeHTTP(w, r)
			return
		}
		compressed(w, r)
	})
}
