package store

import "context"

// Test access to internals that the external store_test package checks against real
// databases.
var (
	IsUniqueViolation     = isUniqueViolation
	IsForeignKeyViolation = isForeignKeyViolation
	MapError              = mapError
	EncodeCursor          = encodeCursor
	Classify              = classify
)

// RebindPostgres rebinds a query as for PostgreSQL.
func RebindPostgres(query string) string { return handle{pg: true}.rebind(query) }

// MigrateDownTo rolls the schema back to version (0 for empty).
func (db *DB) MigrateDownTo(ctx context.Context, version int64) error {
	p, err := db.provider()
	if err != nil {
		return err
	}
	_, err = p.DownTo(ctx, version)
	return err
}

// BetweenLedgerReads makes LedgerSnapshot call fn between the tables it reads.
func (db *DB) BetweenLedgerReads(fn func()) { db.hooks = &testHooks{betweenLedgerReads: fn} }
