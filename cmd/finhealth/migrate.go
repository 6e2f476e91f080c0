package main

import (
	"context"
	"fmt"
	"io"

	"finhealth/store"
)

func migrate(ctx context.Context, cfg *Config, args []string, stdout io.Writer) error {
	action := "up"
	if len(args) > 0 {
		action = args[0]
	}
	if len(args) > 1 || (action != "up" && action != "status") {
		return usageError("usage: finhealth migrate [up|status]")
	}
	db, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return fmt.Errorf("opening the database %s: %w", redactURL(cfg.DatabaseURL), err)
	}
	defer db.Close()
	if action == "up" {
		if err := db.Migrate(ctx); err != nil {
			return fmt.Errorf("migrating: %w", err)
		}
	}
	cur, latest, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	state := "up to date"
	if cur < latest {
		state = fmt.Sprintf("%d migration(s) pending", latest-cur)
	}
	fmt.Fprintf(stdout, "%s database schema at version %d of %d: %s\n", db.Dialect(), cur, latest, state)
	return nil
}
