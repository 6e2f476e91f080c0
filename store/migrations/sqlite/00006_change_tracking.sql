-- Change tracking of the current-state tables (ledger_accounts, invoices, customers),
-- so that a sync counts the records it found new or changed rather than every record
-- it read. The postgres tree has the same migration with PostgreSQL's types; the two
-- must keep the same meaning.
--
-- changed_at is when a sync last wrote the row with a value different from the stored
-- one, or inserted it; the upsert compares the columns themselves (store/warehouse.go),
-- so no hash is stored. seen_at is still bumped on every write, changed or not, so
-- that PruneUnseen never deletes a row that was read.
--
-- Backfill: changed_at starts as seen_at, the last time finhealth knows it wrote the
-- row. Since the comparison needs nothing but the stored columns, the next sync counts
-- an existing row as changed only when Wave's record differs from it, on both
-- databases. SQLite's ADD COLUMN demands a default for a NOT NULL column: the UPDATE
-- replaces it in every row and every insert writes changed_at, so no row keeps it.

-- +goose Up
ALTER TABLE ledger_accounts ADD COLUMN changed_at TEXT NOT NULL DEFAULT '0001-01-01T00:00:00.000000Z';
UPDATE ledger_accounts SET changed_at = seen_at;

ALTER TABLE invoices ADD COLUMN changed_at TEXT NOT NULL DEFAULT '0001-01-01T00:00:00.000000Z';
UPDATE invoices SET changed_at = seen_at;

ALTER TABLE customers ADD COLUMN changed_at TEXT NOT NULL DEFAULT '0001-01-01T00:00:00.000000Z';
UPDATE customers SET changed_at = seen_at;

-- +goose Down
ALTER TABLE customers DROP COLUMN changed_at;
ALTER TABLE invoices DROP COLUMN changed_at;
ALTER TABLE ledger_accounts DROP COLUMN changed_at;
