-- Partial syncs and long waits. The postgres tree has the same migration with
-- PostgreSQL's types; the two must keep the same meaning.
--
-- A run is 'partial' when it kept everything it read but could not prove it read
-- every record Wave has (a short page, a count that changed during the walk, records
-- Wave could not serve): nothing is removed on the evidence of such a run, and
-- warnings (a JSON array of sentences) say what was wrong.
--
-- retry_at is when a running run waiting for Wave (a long Retry-After) tries again:
-- until then plus the scheduler's grace it is alive, not abandoned.
--
-- wave_connections.full_sync_due asks the next sync of the connection to read
-- everything: set by a partial run, cleared by a full run that succeeds.
--
-- SQLite cannot change a CHECK constraint, so sync_runs is rebuilt (no table refers
-- to it), keeping its column order with the new columns last, as in PostgreSQL.

-- +goose Up
CREATE TABLE sync_runs_new (
    id                 TEXT PRIMARY KEY,
    organization_id    TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    kind               TEXT NOT NULL CHECK (kind IN ('full', 'incremental')),
    triggered_by       TEXT NOT NULL CHECK (triggered_by IN ('connect', 'manual', 'scheduled')),
    status             TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'partial', 'failed')),
    requested_by       TEXT,
    accounts_seen      INTEGER NOT NULL DEFAULT 0,
    accounts_upserted  INTEGER NOT NULL DEFAULT 0,
    invoices_seen      INTEGER NOT NULL DEFAULT 0,
    invoices_upserted  INTEGER NOT NULL DEFAULT 0,
    customers_seen     INTEGER NOT NULL DEFAULT 0,
    customers_upserted INTEGER NOT NULL DEFAULT 0,
    pages              INTEGER NOT NULL DEFAULT 0,
    error              TEXT NOT NULL DEFAULT '',
    queued_at          TEXT NOT NULL,
    started_at         TEXT,
    finished_at        TEXT,
    updated_at         TEXT NOT NULL,
    attempt            INTEGER NOT NULL DEFAULT 0,
    warnings           TEXT NOT NULL DEFAULT '[]',
    retry_at           TEXT
) STRICT;
INSERT INTO sync_runs_new (id, organization_id, kind, triggered_by, status, requested_by,
        accounts_seen, accounts_upserted, invoices_seen, invoices_upserted, customers_seen, customers_upserted,
        pages, error, queued_at, started_at, finished_at, updated_at, attempt)
    SELECT id, organization_id, kind, triggered_by, status, requested_by,
        accounts_seen, accounts_upserted, invoices_seen, invoices_upserted, customers_seen, customers_upserted,
        pages, error, queued_at, started_at, finished_at, updated_at, attempt
    FROM sync_runs;
DROP TABLE sync_runs;
ALTER TABLE sync_runs_new RENAME TO sync_runs;
CREATE UNIQUE INDEX sync_runs_one_active ON sync_runs (organization_id)
    WHERE status IN ('queued', 'running');
CREATE INDEX sync_runs_organization_id_id ON sync_runs (organization_id, id);
ALTER TABLE wave_connections ADD COLUMN full_sync_due INTEGER NOT NULL DEFAULT 0 CHECK (full_sync_due IN (0, 1));

-- +goose Down
ALTER TABLE wave_connections DROP COLUMN full_sync_due;
CREATE TABLE sync_runs_old (
    id                 TEXT PRIMARY KEY,
    organization_id    TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    kind               TEXT NOT NULL CHECK (kind IN ('full', 'incremental')),
    triggered_by       TEXT NOT NULL CHECK (triggered_by IN ('connect', 'manual', 'scheduled')),
    status             TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    requested_by       TEXT,
    accounts_seen      INTEGER NOT NULL DEFAULT 0,
    accounts_upserted  INTEGER NOT NULL DEFAULT 0,
    invoices_seen      INTEGER NOT NULL DEFAULT 0,
    invoices_upserted  INTEGER NOT NULL DEFAULT 0,
    customers_seen     INTEGER NOT NULL DEFAULT 0,
    customers_upserted INTEGER NOT NULL DEFAULT 0,
    pages              INTEGER NOT NULL DEFAULT 0,
    error              TEXT NOT NULL DEFAULT '',
    queued_at          TEXT NOT NULL,
    started_at         TEXT,
    finished_at        TEXT,
    updated_at         TEXT NOT NULL,
    attempt            INTEGER NOT NULL DEFAULT 0
) STRICT;
INSERT INTO sync_runs_old SELECT id, organization_id, kind, triggered_by,
        CASE status WHEN 'partial' THEN 'succeeded' ELSE status END, requested_by,
        accounts_seen, accounts_upserted, invoices_seen, invoices_upserted, customers_seen, customers_upserted,
        pages, error, queued_at, started_at, finished_at, updated_at, attempt
    FROM sync_runs;
DROP TABLE sync_runs;
ALTER TABLE sync_runs_old RENAME TO sync_runs;
CREATE UNIQUE INDEX sync_runs_one_active ON sync_runs (organization_id)
    WHERE status IN ('queued', 'running');
CREATE INDEX sync_runs_organization_id_id ON sync_runs (organization_id, id);
