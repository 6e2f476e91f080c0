-- The Wave connection, OAuth states, sync runs and watermarks, and the financial data
-- warehouse: current state (accounts, invoices, customers, upserted by Wave id),
-- append-only history (balance and receivables snapshots, metric time series, health
-- scores) and the account-mapping overrides. The postgres tree has the same migration
-- with PostgreSQL's types; the two must keep the same meaning.
--
-- Every tenant row carries organization_id and goes with its organization. Wave ids are
-- opaque text stored verbatim. Money is integer minor units with its currency and
-- exponent. As in 00001: STRICT tables, timestamps as fixed-width UTC text, booleans
-- as INTEGER 0/1, JSON as TEXT; ciphertexts are BLOB.

-- +goose Up
CREATE TABLE wave_connections (
    organization_id   TEXT PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    status            TEXT NOT NULL CHECK (status IN ('pending_business', 'active', 'needs_reconnect', 'disconnected')),
    status_reason     TEXT NOT NULL DEFAULT '',
    wave_user_id      TEXT NOT NULL,
    wave_user_email   TEXT NOT NULL DEFAULT '',
    business_id       TEXT,
    business_name     TEXT NOT NULL DEFAULT '',
    currency          TEXT NOT NULL DEFAULT '',
    currency_exponent INTEGER NOT NULL DEFAULT 0,
    business          TEXT,
    scopes            TEXT NOT NULL DEFAULT '',
    connected_by      TEXT REFERENCES users (id) ON DELETE SET NULL,
    connected_at      TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    last_sync_at      TEXT,
    last_full_sync_at TEXT
) STRICT;

-- The scheduler's question: active connections, least recently synced first.
CREATE INDEX wave_connections_due ON wave_connections (last_sync_at) WHERE status = 'active';

-- Tokens live apart from the connection so that disconnecting deletes them outright
-- and no query of the connection can carry them by accident. Both secrets are
-- AES-256-GCM ciphertexts bound to the organization (see store/crypto.go).
CREATE TABLE wave_tokens (
    organization_id TEXT PRIMARY KEY REFERENCES wave_connections (organization_id) ON DELETE CASCADE,
    access_token    BLOB NOT NULL,
    refresh_token   BLOB NOT NULL,
    token_type      TEXT NOT NULL DEFAULT '',
    expires_at      TEXT,
    scope           TEXT NOT NULL DEFAULT '',
    updated_at      TEXT NOT NULL
) STRICT;

CREATE TABLE oauth_states (
    state_hash      TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_verifier   BLOB NOT NULL,
    redirect_after  TEXT NOT NULL DEFAULT '',
    expires_at      TEXT NOT NULL,
    used_at         TEXT,
    created_at      TEXT NOT NULL
) STRICT;

CREATE INDEX oauth_states_expires_at ON oauth_states (expires_at);

CREATE TABLE sync_runs (
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
    updated_at         TEXT NOT NULL
) STRICT;

-- At most one queued or running sync per organization, enforced by the database so
-- that two requests racing past any check still cannot both start one.
CREATE UNIQUE INDEX sync_runs_one_active ON sync_runs (organization_id)
    WHERE status IN ('queued', 'running');
CREATE INDEX sync_runs_organization_id_id ON sync_runs (organization_id, id);

-- business_id scopes a watermark to the business it was read from, so that choosing
-- another business starts with a full read.
CREATE TABLE sync_watermarks (
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    entity          TEXT NOT NULL CHECK (entity IN ('accounts', 'invoices', 'customers')),
    business_id     TEXT NOT NULL,
    modified_at     TEXT NOT NULL,
    run_id          TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (organization_id, entity)
) STRICT;

-- Current state. seen_at is when a sync last wrote the row: rows a complete full read
-- did not write are records deleted in Wave (PruneUnseen).
CREATE TABLE ledger_accounts (
    organization_id          TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    wave_id                  TEXT NOT NULL,
    business_wave_id         TEXT NOT NULL,
    name                     TEXT NOT NULL,
    description              TEXT NOT NULL,
    display_id               TEXT NOT NULL,
    type                     TEXT NOT NULL,
    subtype                  TEXT NOT NULL,
    subtype_name             TEXT NOT NULL,
    normal_balance           TEXT NOT NULL,
    currency                 TEXT NOT NULL,
    balance_minor            INTEGER NOT NULL,
    balance_currency         TEXT NOT NULL,
    balance_exponent         INTEGER NOT NULL,
    account_balance_minor    INTEGER NOT NULL,
    account_balance_currency TEXT NOT NULL,
    account_balance_exponent INTEGER NOT NULL,
    is_archived              INTEGER NOT NULL CHECK (is_archived IN (0, 1)),
    sequence                 INTEGER NOT NULL,
    seen_at                  TEXT NOT NULL,
    PRIMARY KEY (organization_id, wave_id)
) STRICT;

-- An invoice's four amounts share one currency (the invoice's), stored once.
CREATE TABLE invoices (
    organization_id   TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    wave_id           TEXT NOT NULL,
    business_wave_id  TEXT NOT NULL,
    number            TEXT NOT NULL,
    title             TEXT NOT NULL,
    customer_wave_id  TEXT NOT NULL,
    customer_name     TEXT NOT NULL,
    status            TEXT NOT NULL,
    currency          TEXT NOT NULL,
    exchange_rate     TEXT NOT NULL,
    money_currency    TEXT NOT NULL,
    money_exponent    INTEGER NOT NULL,
    total_minor       INTEGER NOT NULL,
    amount_due_minor  INTEGER NOT NULL,
    amount_paid_minor INTEGER NOT NULL,
    tax_total_minor   INTEGER NOT NULL,
    invoice_date      TEXT,
    due_date          TEXT,
    created_at        TEXT,
    modified_at       TEXT,
    last_sent_at      TEXT,
    last_sent_via     TEXT NOT NULL,
    last_viewed_at    TEXT,
    seen_at           TEXT NOT NULL,
    PRIMARY KEY (organization_id, wave_id)
) STRICT;

CREATE TABLE customers (
    organization_id   TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    wave_id           TEXT NOT NULL,
    business_wave_id  TEXT NOT NULL,
    name              TEXT NOT NULL,
    email             TEXT NOT NULL,
    currency          TEXT NOT NULL,
    money_currency    TEXT NOT NULL,
    money_exponent    INTEGER NOT NULL,
    outstanding_minor INTEGER NOT NULL,
    overdue_minor     INTEGER NOT NULL,
    is_archived       INTEGER NOT NULL CHECK (is_archived IN (0, 1)),
    created_at        TEXT,
    modified_at       TEXT,
    seen_at           TEXT NOT NULL,
    PRIMARY KEY (organization_id, wave_id)
) STRICT;

-- History: append-only. One snapshot per organization and instant; business_wave_id
-- records which business it was read from, so that history never mixes businesses.
CREATE TABLE balance_snapshots (
    organization_id   TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    as_of             TEXT NOT NULL,
    business_wave_id  TEXT,
    currency          TEXT NOT NULL,
    currency_exponent INTEGER NOT NULL,
    balances          TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    PRIMARY KEY (organization_id, as_of)
) STRICT;

CREATE TABLE receivables_snapshots (
    organization_id   TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    as_of             TEXT NOT NULL,
    business_wave_id  TEXT,
    currency          TEXT NOT NULL,
    currency_exponent INTEGER NOT NULL,
    total_minor       INTEGER NOT NULL,
    overdue_minor     INTEGER NOT NULL,
    current_minor     INTEGER NOT NULL,
    days_1_30_minor   INTEGER NOT NULL,
    days_31_60_minor  INTEGER NOT NULL,
    days_61_90_minor  INTEGER NOT NULL,
    over_90_minor     INTEGER NOT NULL,
    open_invoices     INTEGER NOT NULL,
    overdue_invoices  INTEGER NOT NULL,
    created_at        TEXT NOT NULL,
    PRIMARY KEY (organization_id, as_of)
) STRICT;

-- The metric time series. The chart columns are kept apart from detail (the whole
-- explained MetricValue) so that a series is read without decoding explanations;
-- position keeps the order the metrics were computed in, which is the order shown.
CREATE TABLE metric_values (
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    as_of           TEXT NOT NULL,
    unit            TEXT NOT NULL,
    status          TEXT NOT NULL,
    value           REAL,
    money_minor     INTEGER,
    money_currency  TEXT,
    money_exponent  INTEGER,
    band            TEXT NOT NULL DEFAULT '',
    points          INTEGER,
    position        INTEGER NOT NULL,
    detail          TEXT NOT NULL,
    PRIMARY KEY (organization_id, name, as_of)
) STRICT;

-- Serves the newest computation (LatestMetrics) and date-range reads across names.
CREATE INDEX metric_values_organization_id_as_of ON metric_values (organization_id, as_of);

CREATE TABLE health_scores (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    as_of           TEXT NOT NULL,
    status          TEXT NOT NULL,
    score           REAL,
    tier            TEXT NOT NULL DEFAULT '',
    method_version  TEXT NOT NULL,
    detail          TEXT NOT NULL,
    created_at      TEXT NOT NULL
) STRICT;

CREATE INDEX health_scores_organization_id_as_of ON health_scores (organization_id, as_of, id);

-- No foreign key to the account: an override outlives an account deleted in Wave, so
-- that nobody's decision disappears without a trace.
CREATE TABLE account_overrides (
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    account_wave_id TEXT NOT NULL,
    class           TEXT NOT NULL,
    set_by          TEXT NOT NULL,
    set_at          TEXT NOT NULL,
    note            TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (organization_id, account_wave_id)
) STRICT;

-- +goose Down
DROP TABLE account_overrides;
DROP TABLE health_scores;
DROP TABLE metric_values;
DROP TABLE receivables_snapshots;
DROP TABLE balance_snapshots;
DROP TABLE customers;
DROP TABLE invoices;
DROP TABLE ledger_accounts;
DROP TABLE sync_watermarks;
DROP TABLE sync_runs;
DROP TABLE oauth_states;
DROP TABLE wave_tokens;
DROP TABLE wave_connections;
