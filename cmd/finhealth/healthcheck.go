package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"time"
)

// healthcheck asks the server in this container whether it is alive, for a Docker
// HEALTHCHECK: the final image has no shell or curl to do it. It reads only PORT and
// BIND_ADDRESS, not the whole configuration, so that a probe cannot fail for a
// reason the running server does not share (an unreadable secret file, say). Exit
// status 0 means healthy, 1 unhealthy, as Docker expects.
func healthcheck(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	timeout := fs.Duration("timeout", 3*time.Second, "give up after this long")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return usageError("usage: finhealth healthcheck [--timeout 3s]")
	}
	p, err := port(getenv)
	if err != nil {
		return err
	}
	host, err := probeHost(getenv)
	if err != nil {
		return err
	}
	url := "http://" + net.JoinHostPort(host, strconv.Itoa(p)) + "/healthz"
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	// A transport of its own: no proxy from the environment, no shared pool.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %s", url, resp.Status)
	}
	fmt.Fprintf(stdout, "healthy: %s answered %s\n", url, resp.Status)
	return nil
}

// probeHost is where the server listens, seen from this machine: the loopback address
// when it listens on every interface (BIND_ADDRESS empty, 0.0.0.0 or ::), else
// BIND_ADDRESS itself.
func probeHost(getenv func(string) string) (string, error) {
	bind, err := bindAddress(getenv)
	if err != nil {
		return "", err
	}
	if ip, perr := netip.ParseAddr(bind); bind == "" || perr == nil && ip.IsUnspecified() {
		return "127.0.0.1", nil
	}
	return bind, nil
}
