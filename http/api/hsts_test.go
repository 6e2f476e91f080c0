package api

import (
	"testing"

	fhttp "finhealth/http"
	"finhealth/http/internal/servertest"
	"finhealth/internal/testdb"
	"finhealth/store"
)

// TestHSTS sends Strict-Transport-Security only to clients that reached the app over
// https: through its own TLS, or through a trusted proxy that says so. A plain-http
// client claiming https itself is not believed.
func TestHSTS(t *testing.T) {
	db := testdb.Open(t, store.DialectSQLite)
	direct := newAPI(t, db)
	proxied := newAPI(t, db, func(c *fhttp.Config) { c.TrustProxy = true })
	dev := newAPI(t, db, func(c *fhttp.Config) { c.Development = true; c.TrustProxy = true })
	const hsts = "max-age=63072000; includeSubDomains"
	cases := []struct {
		name  string
		api   *servertest.API
		path  string // an https:// URL arrives over TLS
		proto string // X-Forwarded-Proto
		want  string
	}{
		{"plain http", direct, "/healthz", "", ""},
		{"own TLS", direct, "https://finhealth.test/healthz", "", hsts},
		{"untrusted proxy header", direct, "/healthz", "https", ""},
		{"trusted proxy, https", proxied, "/healthz", "https", hsts},
		{"trusted proxy, https, any case", proxied, "/healthz", "HTTPS", hsts},
		{"trusted proxy, nearest hop http", proxied, "/healthz", "https, http", ""},
		{"trusted proxy, nearest hop https", proxied, "/healthz", "http,https", hsts},
		{"trusted proxy, http", proxied, "/healthz", "http", ""},
		{"trusted proxy, no header", proxied, "/healthz", "", ""},
		{"development over TLS", dev, "https://finhealth.test/healthz", "https", ""},
		{"error responses too", proxied, "/api/v1/nope", "https", hsts},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := tc.api.Do(servertest.Request{Method: "GET", Path: tc.path, Header: map[string]string{"X-Forwarded-Proto": tc.proto}})
			if got := res.Header.Get("Strict-Transport-Security"); got != tc.want {
				t.Errorf("Strict-Transport-Security = %q, want %q", got, tc.want)
			}
		})
	}
}
