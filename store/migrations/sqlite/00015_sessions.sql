-- A session is one login: the refresh-token family it started, with where it began
-- and when it was last renewed, so that a user can see and end their sessions. Every
-- access token names its session (the sid claim), and the per-request access query
-- refuses one whose session was ended, so logging out takes effect at once rather
-- than when the 15-minute token expires. Live families are carried over, so that
-- existing refresh tokens keep working; ended ones have nothing left to protect.

-- +goose Up
CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    user_agent   TEXT NOT NULL DEFAULT '',
    ip           TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    last_used_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    revoked_at   TEXT
) STRICT;

CREATE INDEX sessions_user_id ON sessions (user_id);

INSERT INTO sessions (id, user_id, created_at, last_used_at, expires_at)
SELECT family_id, MIN(user_id), MIN(created_at), MAX(created_at), MAX(expires_at)
FROM refresh_tokens WHERE revoked_at IS NULL GROUP BY family_id;

-- +goose Down
DROP TABLE sessions;
