package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"finhealth/worker"
)

// newMetrics returns the registry every adapter registers its instruments on, holding
// the Go runtime and process collectors and the build's version, and the handler
// that serves it at /metrics.
func newMetrics(logger *slog.Logger) (*prometheus.Registry, http.Handler) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name:        "finhealth_build_info",
			Help:        "Always 1; the labels say which build is running.",
			ConstLabels: prometheus.Labels{"version": version, "commit": commit},
		}, func() float64 { return 1 }),
	)
	handler := promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		// A collector that cannot read the database (the job queue's depth) drops
		// its own metric and is logged; the rest of the page is still served.
		ErrorHandling: promhttp.ContinueOnError,
		Registry:      reg,
		// A scrape reads the database once; a flood of them must not.
		MaxRequestsInFlight: 2,
		Timeout:             10 * time.Second,
	})
	return reg, handler
}

// ready backs /readyz: the database answers and neither the application's schema
// (checked by the store's Ping) nor the job queue's is behind this build. A schema
// ahead of the build is ready: that is an older instance during a rolling deploy.
func (d *databases) ready(ctx context.Context) error {
	if err := d.db.Ping(ctx); err != nil {
		return err
	}
	pending, err := worker.MigrationsPending(ctx, d.river)
	if err != nil {
		return err
	}
	if pending {
		return errors.New("the job queue's schema is behind this build; run `finhealth migrate`")
	}
	return nil
}
