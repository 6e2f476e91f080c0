-- A session is one login: the refresh-token family it started, with where it began
-- and when it was last renewed, so that a user can see and end their sessions. Every
-- access token names its session (the sid claim), and the per-request access query
-- refuses one whose session was ended, so logging out takes effect at once rather
-- than when the 15-minute token expires. Live families are carried over, so that
-- existing refresh tokens keep working; ended ones have nothing left to protect.

-- +goose Up
CREATE TABLE sessions (
    id           text PRIMARY KEY,
    user_id      text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    user_agent   text NOT NULL DEFAULT '',
    ip           text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz
);

CREATE INDEX sessions_user_id ON sessions (user_id);

INSERT INTO sessions (id, user_id, created_at, last_used_at, expires_at)
SELECT family_id, MIN(user_id), MIN(created_at), MAX(created_at), MAX(expires_at)
FROM refresh_tokens WHERE revoked_at IS NULL GROUP BY family_id;

-- +goose Down
DROP TABLE sessions;
