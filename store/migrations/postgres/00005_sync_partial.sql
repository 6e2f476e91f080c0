-- Partial syncs and long waits. The sqlite tree has the same migration with SQLite's
-- syntax; the two must keep the same meaning.
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

-- +goose Up
ALTER TABLE sync_runs DROP CONSTRAINT sync_runs_status_check;
ALTER TABLE sync_runs ADD CONSTRAINT sync_runs_status_check
    CHECK (status IN ('queued', 'running', 'succeeded', 'partial', 'failed'));
ALTER TABLE sync_runs ADD COLUMN warnings jsonb NOT NULL DEFAULT '[]';
ALTER TABLE sync_runs ADD COLUMN retry_at timestamptz;
ALTER TABLE wave_connections ADD COLUMN full_sync_due boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE wave_connections DROP COLUMN full_sync_due;
ALTER TABLE sync_runs DROP COLUMN retry_at;
ALTER TABLE sync_runs DROP COLUMN warnings;
UPDATE sync_runs SET status = 'succeeded' WHERE status = 'partial';
ALTER TABLE sync_runs DROP CONSTRAINT sync_runs_status_check;
ALTER TABLE sync_runs ADD CONSTRAINT sync_runs_status_check
    CHECK (status IN ('queued', 'running', 'succeeded', 'failed'));
