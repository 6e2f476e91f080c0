-- One row that /readyz rewrites to prove the database takes writes (store.Ping):
-- a probe that only reads stays green on a full disk or a read-only server.

-- +goose Up
CREATE TABLE readiness (
    id         INTEGER PRIMARY KEY,
    checked_at TEXT NOT NULL
);
INSERT INTO readiness (id, checked_at) VALUES (1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

-- +goose Down
DROP TABLE readiness;
