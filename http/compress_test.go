package http

import "testing"

func TestCompressibleTypes(t *testing.T) {
	for ct, want := range map[string]bool{
		"application/json":         true,
		"text/html; charset=utf-8": true,
		"image/svg+xml":            true,
		"image/png":                false,
		"IMAGE/PNG":                false,
		"image/jpeg":               false,
		"font/woff2":               false,
		"application/zip":          false,
		"text/event-stream":        false,
		"text/event-stream; x=1":   false,
		"application/octet-stream": true,
		"application/gzip":         false,
	} {
		if got := compressible(ct); got != want {
			t.Errorf("compressible(%q) = %v, want %v", ct, got, want)
		}
	}
}
