package store

import (
	"context"
	"database/sql"
	"fmt"
)

// OpenSQLiteSingle opens a second, single-connection handle on the SQLite database
// named by dsn, with the same pragmas as Open. River's SQLite driver needs a handle
// of its own limited to one connection: it deadlocks when a transaction is held open
// while another query waits for a pooled connection.
func OpenSQLiteSingle(ctx context.Context, dsn string) (*sql.DB, error) {
	source, err := sqliteSource(dsn)
	if err != nil {
		return nil, err
	}
	h, err := sql.Open("sqlite", source)
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite: %w", err)
	}
	h.SetMaxOpenConns(1)
	h.SetMaxIdleConns(1)
	h.SetConnMaxIdleTime(0)
	if err := h.PingContext(ctx); err != nil {
		_ = h.Close()
		return nil, fmt.Errorf("store: connect to sqlite: %w", err)
	}
	return h, nil
}
