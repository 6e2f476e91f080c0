-- Sync heartbeats and resumable walks. The postgres tree has the same migration with
-- PostgreSQL's types; the two must keep the same meaning.
--
-- heartbeat_at is the last sign of life from the process working a running run, and
-- worker_id that process's instance id: a running run whose heartbeat is older than
-- the worker's heartbeat timeout (and that is not waiting for a retry, retry_at) lost
-- its process, and one instance takes it over with a single conditional UPDATE.
--
-- walk_entity and walk_pages are how far the run's walk has committed: every entity
-- before walk_entity (accounts, invoices, customers, in that order) and the first
-- walk_pages pages of walk_entity are stored. resumed_from names the run a resumed run
-- continues from that position.

-- +goose Up
ALTER TABLE sync_runs ADD COLUMN heartbeat_at TEXT;
ALTER TABLE sync_runs ADD COLUMN worker_id TEXT NOT NULL DEFAULT '';
ALTER TABLE sync_runs ADD COLUMN walk_entity TEXT NOT NULL DEFAULT '';
ALTER TABLE sync_runs ADD COLUMN walk_pages INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_runs ADD COLUMN resumed_from TEXT NOT NULL DEFAULT '';
CREATE INDEX sync_runs_running_heartbeat ON sync_runs (heartbeat_at) WHERE status = 'running';

-- +goose Down
DROP INDEX sync_runs_running_heartbeat;
ALTER TABLE sync_runs DROP COLUMN resumed_from;
ALTER TABLE sync_runs DROP COLUMN walk_pages;
ALTER TABLE sync_runs DROP COLUMN walk_entity;
ALTER TABLE sync_runs DROP COLUMN worker_id;
ALTER TABLE sync_runs DROP COLUMN heartbeat_at;
