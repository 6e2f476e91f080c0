package main

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"finhealth"
	fhttp "finhealth/http"
	"finhealth/http/api"
	"finhealth/http/ui"
	"finhealth/mail"
	"finhealth/worker"
)

// tokenKey derives the key that seals Wave tokens at rest from SECRET_KEY, so that
// operators manage one application secret and a leaked token key cannot be turned
// back into SECRET_KEY. The info string versions the derivation.
func tokenKey(secret string) ([]byte, error) {
	key, err := hkdf.Key(sha256.New, []byte(secret), nil, "finhealth wave-token-key v1", 32)
	if err != nil {
		return nil, fmt.Errorf("deriving the token key: %w", err)
	}
	return key, nil
}

// readyLine is the one line a newcomer needs once the server is up.
func readyLine(cfg *Config, simulatedWave bool) string {
	line := "finhealth is ready: open " + cfg.BaseURL + " and sign up"
	if simulatedWave {
		line += "; a simulated Wave is available (Wave tab, Connect Wave)"
	}
	if cfg.Development() && cfg.SMTP == nil {
		line += "; mail is not sent but listed at " + cfg.BaseURL + devMailPrefix
	}
	if len(cfg.Generated) > 0 {
		line += "; throwaway secrets, so sessions end when it stops (set SECRET_KEY and JWT_SECRET_KEY in .env to keep them)"
	}
	return line
}

// serve runs the server until ctx ends. In development with text logs, the line
// saying where to go is written plainly to out (the terminal) once it is up.
func serve(ctx context.Context, cfg *Config, logger *slog.Logger, out io.Writer) error {
	// A newcomer running `go run ./cmd/finhealth` reads the terminal: start-up ends
	// with one plain line saying where to go, and the detail is at debug level.
	// Production (and JSON logs, which machines read) keep every line at info.
	plain := cfg.Development() && cfg.LogFormat == "text"
	detail, notice := slog.LevelInfo, slog.LevelWarn
	if plain {
		detail, notice = slog.LevelDebug, slog.LevelDebug
	}
	logger.Log(ctx, detail, "starting finhealth", "version", version, "commit", commit, "config", cfg)
	if len(cfg.Generated) > 0 {
		logger.Log(ctx, notice, "development mode: generated throwaway secrets; sessions end when the process restarts. Set them in .env to keep them",
			"generated", cfg.Generated)
	}
	d, err := openDatabasesAt(ctx, cfg, logger, detail)
	if err != nil {
		return err
	}
	defer d.Close()
	s, err := newService(ctx, cfg, logger, d, notice)
	if err != nil {
		return err
	}

	srv := &http.Server{
		Addr:    net.JoinHostPort(cfg.BindAddress, strconv.Itoa(cfg.Port)),
		Handler: s.handler,
		// Every timeout is set so that slow or stalled clients cannot hold
		// connections (and goroutines) forever.
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	// Shutdown runs this once it has closed the listener: from here on new
	// connections are refused, while the requests in flight finish.
	srv.RegisterOnShutdown(func() { logger.Info("stopped accepting connections; finishing the requests in flight") })
	ln, err := net.Listen("tcp", srv.Addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", srv.Addr, err)
	}
	logger.Log(ctx, detail, "listening", "addr", ln.Addr().String(), "url", cfg.BaseURL)
	var ready io.Writer
	if plain {
		ready = out
	}
	return s.runUntilStopped(ctx, cfg, logger, srv, ln, ready)
}

// service is what serve runs: the handler of every route (the simulated Wave's and
// the captured mail's included, in development) and the background jobs, nil when
// neither Wave nor mail is configured.
type service struct {
	handler       http.Handler
	jobs          *worker.Worker
	simulatedWave bool
}

// newService wires Wave, the background jobs and the HTTP server over the databases.
// notice is the level of the lines a newcomer need not read.
func newService(ctx context.Context, cfg *Config, logger *slog.Logger, d *databases, notice slog.Level) (*service, error) {
	registry, metricsHandler := newMetrics(logger)
	gateway, simulated, err := newWave(cfg, logger, registry)
	if err != nil {
		return nil, err
	}
	switch {
	case simulated != nil:
		logger.Log(ctx, notice, "Wave: using the SIMULATED Wave served at "+cfg.BaseURL+simulatedWavePrefix+" (development; set WAVE_CLIENT_ID to use the real Wave)")
	case gateway == nil:
		logger.Warn("Wave: not configured (WAVE_CLIENT_ID is empty); connecting Wave is disabled")
	}
	s := &service{simulatedWave: simulated != nil}
	// Mail goes out through SMTP when configured; development without it captures
	// messages for /dev/mail; production without it sends none.
	mailOn := cfg.SMTP != nil || cfg.Development()
	var mailer worker.Mailer
	switch {
	case cfg.SMTP != nil:
		if mailer, err = mail.NewSender(*cfg.SMTP); err != nil {
			return nil, err
		}
	case cfg.Development():
		logger.Log(ctx, notice, "mail: no SMTP server configured; messages are captured and listed at "+cfg.BaseURL+devMailPrefix)
	default:
		logger.Warn("mail: not configured (SMTP_URL or SMTP_HOST is empty); no mail is sent and invitation links must be copied")
	}
	if gateway != nil || mailOn {
		s.jobs, err = worker.New(worker.Config{Store: d.db, Gateway: gateway, Mailer: mailer, DB: d.river, Logger: logger, Metrics: registry,
			HeartbeatTimeout: cfg.SyncHeartbeatTimeout})
		if err != nil {
			return nil, fmt.Errorf("configuring background jobs: %w", err)
		}
	}

	apiCfg := fhttp.Config{
		JWTSecret:   []byte(cfg.JWTSecretKey),
		BaseURL:     cfg.BaseURL,
		CORSOrigins: cfg.CORSOrigins,
		Development: cfg.Development(),
		TrustProxy:  cfg.TrustProxy,
		Logger:      logger,
		Wave:        gateway,
		Ready:       d.ready,
		Metrics:     registry,
		// The UI labels the simulated Wave as such.
		SimulatedWave: s.simulatedWave,
		InstanceName:  cfg.InstanceName,
	}
	switch {
	case cfg.MetricsToken != "":
		apiCfg.MetricsHandler, apiCfg.MetricsToken = metricsHandler, cfg.MetricsToken
	case cfg.Development():
		apiCfg.MetricsHandler = metricsHandler
	default:
		// The page holds no secret, but it does show activity (logins failing,
		// sign-ups, syncs, the job backlog) and each scrape queries the database:
		// not for the open internet. Prometheus sends a bearer token natively.
		logger.Warn("metrics: /metrics is not served in production without METRICS_TOKEN")
	}
	// Assigned only when set: a nil *worker.Worker in an interface would not be nil.
	if s.jobs != nil && gateway != nil {
		apiCfg.Sync = s.jobs
	}
	if s.jobs != nil && mailOn {
		apiCfg.Mail = s.jobs
	}
	s.handler = newHandler(apiCfg, d.db)
	if simulated != nil || cfg.Development() {
		mux := http.NewServeMux()
		if simulated != nil {
			mux.Handle(simulatedWavePrefix+"/", simulated)
		}
		// Development only: the captured messages hold live invitation links.
		if cfg.Development() {
			dev := devMailHandler(d.db, logger)
			mux.Handle(devMailPrefix, dev)
			mux.Handle(devMailPrefix+"/", dev)
		}
		mux.Handle("/", s.handler)
		s.handler = mux
	}
	return s, nil
}

// runUntilStopped serves on ln and runs the jobs until ctx ends, then stops both;
// a server that fails first ends it with its error. Once everything is up, the
// ready line goes to ready (nil for none).
func (s *service) runUntilStopped(ctx context.Context, cfg *Config, logger *slog.Logger, srv *http.Server, ln net.Listener, ready io.Writer) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if s.jobs != nil {
		// Started after the listener so that the simulated Wave, served by this same
		// process, answers the first scheduled sync.
		if err := s.jobs.Start(ctx); err != nil {
			_ = srv.Close()
			if ctx.Err() != nil {
				// Told to stop while the jobs were starting (the start-up reaper can
				// take a moment): a shutdown, not a failure.
				logger.Info("stopped while starting")
				return nil
			}
			return fmt.Errorf("starting background jobs: %w", err)
		}
	}
	if ready != nil {
		fmt.Fprintln(ready, readyLine(cfg, s.simulatedWave))
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down", "timeout", cfg.ShutdownTimeout)
	if err := s.shutdown(srv, cfg.ShutdownTimeout, logger); err != nil {
		return err
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	logger.Info("stopped")
	return nil
}

// newHandler composes the HTTP layer from one config: the shared Server (probes,
// /metrics, middleware, sessions), with the JSON API and the web UI mounted on it.
func newHandler(cfg fhttp.Config, st finhealth.Store) http.Handler {
	srv := fhttp.NewServer(cfg, st)
	api.Mount(srv)
	ui.Mount(srv)
	return srv.Handler()
}

// shutdown stops accepting and lets in-flight requests finish, while the jobs stop
// beside them under the same deadline: a request that outlasts it must not keep a
// running sync from recording where it stopped, nor leave it writing to a database
// that is about to be closed.
func (s *service) shutdown(srv *http.Server, timeout time.Duration, logger *slog.Logger) error {
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	jobsStopped := make(chan struct{})
	go func() {
		defer close(jobsStopped)
		if s.jobs == nil {
			return
		}
		// A running sync stops at a page boundary and is re-queued for the next start.
		if err := s.jobs.Stop(sctx); err != nil {
			logger.Warn("background jobs did not stop cleanly", "err", err)
		}
	}()
	err := srv.Shutdown(sctx)
	<-jobsStopped
	if err != nil {
		return fmt.Errorf("graceful shutdown: %w", err)
	}
	return nil
}
