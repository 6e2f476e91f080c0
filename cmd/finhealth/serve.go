package main

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	fhttp "finhealth/http"
	"finhealth/scoring"
	"finhealth/store"
)

// openStore opens the database and brings its schema up to date when allowed. A
// schema that is behind and may not be migrated automatically is refused: serving
// old code paths against a half-known schema corrupts data quietly.
func openStore(ctx context.Context, cfg *Config, logger *slog.Logger) (*store.DB, error) {
	key, err := tokenKey(cfg.SecretKey)
	if err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, cfg.DatabaseURL, store.WithTokenKey(key))
	if err != nil {
		return nil, fmt.Errorf("opening the database %s: %w", redactURL(cfg.DatabaseURL), err)
	}
	cur, latest, err := db.SchemaVersion(ctx)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("reading the schema version: %w", err)
	}
	if cur < latest {
		if !cfg.AutoMigrate {
			db.Close()
			return nil, fmt.Errorf("the database schema is at version %d but this build needs %d; run `finhealth migrate` (or set AUTO_MIGRATE=true)", cur, latest)
		}
		logger.Info("migrating the database", "from", cur, "to", latest)
		if err := db.Migrate(ctx); err != nil {
			db.Close()
			return nil, fmt.Errorf("migrating the database: %w", err)
		}
	}
	for _, q := range scoring.Questionnaires() {
		if err := db.EnsureQuestionnaire(ctx, q); err != nil {
			db.Close()
			return nil, fmt.Errorf("storing questionnaire %s v%d: %w", q.ID, q.Version, err)
		}
	}
	return db, nil
}

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

func serve(ctx context.Context, cfg *Config, logger *slog.Logger) error {
	logger.Info("starting finhealth", "version", version, "commit", commit, "config", cfg)
	if len(cfg.Generated) > 0 {
		logger.Warn("development mode: generated throwaway secrets; sessions end when the process restarts. Set them in .env to keep them",
			"generated", cfg.Generated)
	}
	db, err := openStore(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer db.Close()

	api := fhttp.NewServer(fhttp.Config{
		JWTSecret:   []byte(cfg.JWTSecretKey),
		BaseURL:     cfg.BaseURL,
		CORSOrigins: cfg.CORSOrigins,
		Development: cfg.Development(),
		TrustProxy:  cfg.TrustProxy,
		Logger:      logger,
	}, db)

	srv := &http.Server{
		Addr:    net.JoinHostPort("", strconv.Itoa(cfg.Port)),
		Handler: api.Handler(),
		// Every timeout is set so that slow or stalled clients cannot hold
		// connections (and goroutines) forever.
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", srv.Addr)
	if err != nil {
		return fmt.Errorf("listening on port %d: %w", cfg.Port, err)
	}
	logger.Info("listening", "addr", ln.Addr().String(), "url", cfg.BaseURL)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Stop accepting, let in-flight requests finish within the deadline.
	logger.Info("shutting down", "timeout", cfg.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("graceful shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	logger.Info("stopped")
	return nil
}
