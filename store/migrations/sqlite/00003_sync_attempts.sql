-- Sync attempts and Wave grant generations. The postgres tree has the same migration
-- with PostgreSQL's types; the two must keep the same meaning.
--
-- sync_runs.attempt is the River attempt that last failed and will be retried (0 when
-- none has); the run's error says why it failed while the run is still running.
--
-- wave_tokens.grant_id identifies the authorization the tokens came from: every
-- SaveWaveConnection writes a new one, and a refresh saves its token only while the
-- grant it refreshed is still the stored one, so that a sync of a replaced grant cannot
-- overwrite the tokens of the new one. Rows from before this migration share '' until
-- the owner connects again.

-- +goose Up
ALTER TABLE sync_runs ADD COLUMN attempt INTEGER NOT NULL DEFAULT 0;
ALTER TABLE wave_tokens ADD COLUMN grant_id TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE wave_tokens DROP COLUMN grant_id;
ALTER TABLE sync_runs DROP COLUMN attempt;
