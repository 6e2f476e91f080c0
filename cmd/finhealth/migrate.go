package main

import (
	"context"
	"fmt"
	"io"
)

func migrate(ctx context.Context, cfg *Config, args []string, stdout io.Writer) error {
	action := "up"
	if len(args) > 0 {
		action = args[0]
	}
	if len(args) > 1 || (action != "up" && action != "status") {
		return usageError("usage: finhealth migrate [up|status]")
	}
	d, err := openDatabasesRaw(ctx, cfg)
	if err != nil {
		return err
	}
	defer d.Close()
	if action == "up" {
		if err := d.migrate(ctx, newLogger(cfg, io.Discard)); err != nil {
			return err
		}
	}
	cur, latest, riverPending, err := d.schemaState(ctx)
	if err != nil {
		return err
	}
	state := "up to date"
	if cur < latest {
		state = fmt.Sprintf("%d migration(s) pending", latest-cur)
	}
	queue := "up to date"
	if riverPending {
		queue = "migrations pending"
	}
	fmt.Fprintf(stdout, "%s database schema at version %d of %d: %s; job queue schema: %s\n", d.db.Dialect(), cur, latest, state, queue)
	return nil
}
