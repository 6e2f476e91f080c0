-- The mail log is also the outbox: a message is stored in the transaction of what
-- caused it (an invitation), and a River job sends it. The bodies are kept only
-- until the message is sent, since they may hold a secret link (the invitation
-- token is stored nowhere else in clear); captured messages (development, no SMTP)
-- keep them for the development page. The other tree has the same migration.

-- +goose Up
CREATE TABLE mail_log (
    id         TEXT PRIMARY KEY,
    recipient  TEXT NOT NULL,
    subject    TEXT NOT NULL,
    template   TEXT NOT NULL,
    body_text  TEXT NOT NULL DEFAULT '',
    body_html  TEXT NOT NULL DEFAULT '',
    status     TEXT NOT NULL CHECK (status IN ('queued', 'retrying', 'sent', 'captured', 'failed')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    sent_at    timestamptz
);
CREATE INDEX mail_log_recent ON mail_log (created_at, id);
CREATE INDEX mail_log_unsent ON mail_log (updated_at) WHERE status IN ('queued', 'retrying');

-- +goose Down
DROP TABLE mail_log;
