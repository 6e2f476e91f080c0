package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
)

// TestHealthcheck probes a server on PORT as Docker's HEALTHCHECK does: healthy only
// when /healthz answers 200 within the timeout. The environment carries no secrets,
// as a probe needs none.
func TestHealthcheck(t *testing.T) {
	var status atomic.Int32 // what /healthz answers; 0: nothing, ever
	status.Store(http.StatusOK)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path != "/healthz":
			http.NotFound(w, r)
		case status.Load() == 0:
			<-r.Context().Done() // a server that accepted but never answers
		default:
			w.WriteHeader(int(status.Load()))
		}
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	env := map[string]string{"APP_ENV": "production", "PORT": u.Port()}
	ctx := context.Background()

	out, err := runCmd(t, ctx, env, "", "healthcheck")
	if err != nil || !strings.Contains(out, "healthy") {
		t.Fatalf("healthy server: %q %v", out, err)
	}

	status.Store(http.StatusServiceUnavailable)
	if _, err := runCmd(t, ctx, env, "", "healthcheck"); err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("server answering 503: err = %v", err)
	}

	status.Store(0)
	if _, err := runCmd(t, ctx, env, "", "healthcheck", "--timeout", "50ms"); err == nil || !strings.Contains(err.Error(), "deadline") {
		t.Errorf("server that never answers: err = %v", err)
	}

	closed := map[string]string{"PORT": fmt.Sprint(freePort(t))}
	if _, err := runCmd(t, ctx, closed, "", "healthcheck"); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("nothing listening: err = %v", err)
	}
	if _, err := runCmd(t, ctx, map[string]string{"PORT": "http"}, "", "healthcheck"); err == nil || !strings.Contains(err.Error(), "PORT") {
		t.Errorf("bad PORT: err = %v", err)
	}
	if _, err := runCmd(t, ctx, env, "", "healthcheck", "extra"); err == nil {
		t.Error("an extra argument was accepted")
	} else if _, ok := err.(usageError); !ok {
		t.Errorf("extra argument: err = %v, want a usage error", err)
	}
}

// TestHealthcheckBindAddress: the probe goes where serve listens, BIND_ADDRESS, or
// the loopback address when serve listens on every interface.
func TestHealthcheckBindAddress(t *testing.T) {
	ctx := context.Background()
	healthy := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	for _, c := range []struct{ listen, bind string }{
		{"127.0.0.1", ""}, {"127.0.0.1", "0.0.0.0"}, {"127.0.0.1", "127.0.0.1"}, {"::1", "::1"}, {"::1", "[::1]"},
	} {
		ln, err := net.Listen("tcp", net.JoinHostPort(c.listen, "0"))
		if err != nil {
			t.Logf("cannot listen on %s: %v", c.listen, err)
			continue
		}
		srv := httptest.NewUnstartedServer(healthy)
		srv.Listener = ln
		srv.Start()
		env := map[string]string{"PORT": fmt.Sprint(ln.Addr().(*net.TCPAddr).Port), "BIND_ADDRESS": c.bind}
		if out, err := runCmd(t, ctx, env, "", "healthcheck"); err != nil || !strings.Contains(out, "healthy") {
			t.Errorf("server on %s, BIND_ADDRESS=%q: %q %v", c.listen, c.bind, out, err)
		}
		srv.Close()
	}
	if _, err := runCmd(t, ctx, map[string]string{"BIND_ADDRESS": "127.0.0.1:5000"}, "", "healthcheck"); err == nil ||
		!strings.Contains(err.Error(), "BIND_ADDRESS") {
		t.Errorf("bad BIND_ADDRESS: err = %v", err)
	}
}
