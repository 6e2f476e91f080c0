-- The Wave connection, OAuth states, sync runs and watermarks, and the financial data
-- warehouse: current state (accounts, invoices, customers, upserted by Wave id),
-- append-only history (balance and receivables snapshots, metric time series, health
-- scores) and the account-mapping overrides. The sqlite tree has the same migration
-- with SQLite's types; the two must keep the same meaning.
--
-- Every tenant row carries organization_id and goes with its organization. Wave ids are
-- opaque text stored verbatim. Money is bigint minor units with its currency and
-- exponent. Ids that cursors page over use the "C" collation (byte order is time order
-- for UUIDv7), and so do Wave ids: byte order is the same on both databases whatever
-- the cluster's locale, and the key comparisons of a 50,000-invoice upsert are cheaper.

-- +goose Up
CREATE TABLE wave_connections (
    organization_id   text PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    status            text NOT NULL CHECK (status IN ('pending_business', 'active', 'needs_reconnect', 'disconnected')),
    status_reason     text NOT NULL DEFAULT '',
    wave_user_id      text NOT NULL,
    wave_user_email   text NOT NULL DEFAULT '',
    business_id       text,
    business_name     text NOT NULL DEFAULT '',
    currency          text NOT NULL DEFAULT '',
    currency_exponent integer NOT NULL DEFAULT 0,
    business          jsonb,
    scopes            text NOT NULL DEFAULT '',
    connected_by      text REFERENCES users (id) ON DELETE SET NULL,
    connected_at      timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    last_sync_at      timestamptz,
    last_full_sync_at timestamptz
);

-- The scheduler's question: active connections, least recently synced first.
CREATE INDEX wave_connections_due ON wave_connections (last_sync_at) WHERE status = 'active';

-- Tokens live apart from the connection so that disconnecting deletes them outright
-- and no query of the connection can carry them by accident. Both secrets are
-- AES-256-GCM ciphertexts bound to the organization (see store/crypto.go).
CREATE TABLE wave_tokens (
    organization_id text PRIMARY KEY REFERENCES wave_connections (organization_id) ON DELETE CASCADE,
    access_token    bytea NOT NULL,
    refresh_token   bytea NOT NULL,
    token_type      text NOT NULL DEFAULT '',
    expires_at      timestamptz,
    scope           text NOT NULL DEFAULT '',
    updated_at      timestamptz NOT NULL
);

CREATE TABLE oauth_states (
    state_hash      text PRIMARY KEY,
    organization_id text NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id         text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_verifier   bytea NOT NULL,
    redirect_after  text NOT NULL DEFAULT '',
    expires_at      timestamptz NOT NULL,
    used_at         timestamptz,
    created_at      timestamptz NOT NULL
);

CREATE INDEX oauth_states_expires_at ON oauth_states (expires_at);

CREATE TABLE sync_runs (
    id                 text COLLATE "C" PRIMARY KEY,
    organization_id    text NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    kind               text NOT NULL CHECK (kind IN ('full', 'incremental')),
    triggered_by       text NOT NULL CHECK (triggered_by IN ('connect', 'manual', 'scheduled')),
    status             text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    requested_by       text,
    accounts_seen      integer NOT NULL DEFAULT 0,
    accounts_upserted  integer NOT NULL DEFAULT 0,
    invoices_seen      integer NOT NULL DEFAULT 0,
    invoices_upserted  integer NOT NULL DEFAULT 0,
    customers_seen     integer NOT NULL DEFAULT 0,
    customers_upserted integer NOT NULL DEFAULT 0,
    pages              integer NOT NULL DEFAULT 0,
    error              text NOT NULL DEFAULT '',
    queued_at          timestamptz NOT NULL,
    started_at         timestamptz,
    finished_at        timestamptz,
    updated_at         timestamptz NOT NULL
);

-- At most one queued or running sync per organization, enforced by the database so
-- that two requests racing past any check still cannot both start one.
CREATE UNIQUE INDEX sync_runs_one_active ON sync_runs (organization_id)
    WHERE status IN ('queued', 'running');
CREATE INDEX sync_runs_organization_id_id ON sync_runs (organization_id, id);

-- business_id scopes a watermark to the business it was read from, so that choosing
-- another business starts with a full read.
CREATE TABLE sync_watermarks (
    organization_id text NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    entity          text NOT NULL CHECK (entity IN ('accounts', 'invoices', 'customers')),
    business_id     text NOT NULL,
    modified_at     timestamptz NOT NULL,
    run_id          text NOT NULL,
    updated_at      timestamptz NOT NULL,
    PRIMARY KEY (organization_id, entity)
);

-- Current state. seen_at is when a sync last wrote the row: rows a complete full read
-- did not write are records deleted in Wave (PruneUnseen).
CREATE TABLE ledger_accounts (
    organization_id          text NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    wave_id                  text COLLATE "C" NOT NULL,
    business_wave_id         text NOT NULL,
    name                     text NOT NULL,
    description              text NOT NULL,
    display_id               text NOT NULL,
    type                     text NOT NULL,
    subtype                  text NOT NULL,
    subtype_name             text NOT NULL,
    normal_balance           text NOT NULL,
    currency                 text NOT NULL,
    balance_minor            bigint NOT NULL,
    balance_currency         text NOT NULL,
    balance_exponent         integer NOT NULL,
    account_balance_minor    bigint NOT NULL,
    account_balance_currency text NOT NULL,
    account_balance_exponent integer NOT NULL,
    is_archived              boolean NOT NULL,
    sequence                 bigint NOT NULL,
    seen_at                  timestamptz NOT NULL,
    PRIMARY KEY (organization_id, wave_id)
);

-- An invoice's four amounts share one currency (the invoice's), stored once.
CREATE TABLE invoices (
    organization_id   text NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    wave_id           text COLLATE "C" NOT NULL,
    business_wave_id  text NOT NULL,
    number            text NOT NULL,
    title             text NOT NULL,
    customer_wave_id  text NOT NULL,
    customer_name     text NOT NULL,
    status            text NOT NULL,
    currency          text NOT NULL,
    exchange_rate     text NOT NULL,
    money_currency    text NOT NULL,
    money_exponent    integer NOT NULL,
    total_minor       bigint NOT NULL,
    amount_due_minor  bigint NOT NULL,
    amount_paid_minor bigint NOT NULL,
    tax_total_minor   bigint NOT NULL,
    invoice_date      timestamptz,
    due_date          timestamptz,
    created_at        timestamptz,
    modified_at       timestamptz,
    last_sent_at      timestamptz,
    last_sent_via     text NOT NULL,
    last_viewed_at    timestamptz,
    seen_at           timestamptz NOT NULL,
    PRIMARY KEY (organization_id, wave_id)
);

CREATE TABLE customers (
    organization_id   text NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    wave_id           text COLLATE "C" NOT NULL,
    business_wave_id  text NOT NULL,
    name              text NOT NULL,
    email             text NOT NULL,
    currency          text NOT NULL,
    money_currency    text NOT NULL,
    money_exponent    integer NOT NULL,
    outstanding_minor bigint NOT NULL,
    overdue_minor     bigint NOT NULL,
    is_archived       boolean NOT NULL,
    created_at        timestamptz,
    modified_at       timestamptz,
    seen_at           timestamptz NOT NULL,
    PRIMARY KEY (organization_id, wave_id)
);

-- History: append-only. One snapshot per organization and instant; business_wave_id
-- records which business it was read from, so that history never mixes businesses.
CREATE TABLE balance_snapshots (
    organization_id   text NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    as_of             timestamptz NOT NULL,
    business_wave_id  text,
    currency          text NOT NULL,
    currency_exponent integer NOT NULL,
    balances          jsonb NOT NULL,
    created_at        timestamptz NOT NULL,
    PRIMARY KEY (organization_id, as_of)
);

CREATE TABLE receivables_snapshots (
    organization_id   text NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    as_of             timestamptz NOT NULL,
    business_wave_id  text,
    currency          text NOT NULL,
    currency_exponent integer NOT NULL,
    total_minor       bigint NOT NULL,
    overdue_minor     bigint NOT NULL,
    current_minor     bigint NOT NULL,
    days_1_30_minor   bigint NOT NULL,
    days_31_60_minor  bigint NOT NULL,
    days_61_90_minor  bigint NOT NULL,
    over_90_minor     bigint NOT NULL,
    open_invoices     integer NOT NULL,
    overdue_invoices  integer NOT NULL,
    created_at        timestamptz NOT NULL,
    PRIMARY KEY (organization_id, as_of)
);

-- The metric time series. The chart columns are kept apart from detail (the whole
-- explained MetricValue) so that a series is read without decoding explanations;
-- position keeps the order the metrics were computed in, which is the order shown.
CREATE TABLE metric_values (
    organization_id text NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name            text NOT NULL,
    as_of           timestamptz NOT NULL,
    unit            text NOT NULL,
    status          text NOT NULL,
    value           double precision,
    money_minor     bigint,
    money_currency  text,
    money_exponent  integer,
    band            text NOT NULL DEFAULT '',
    points          integer,
    position        integer NOT NULL,
    detail          jsonb NOT NULL,
    PRIMARY KEY (organization_id, name, as_of)
);

-- Serves the newest computation (LatestMetrics) and date-range reads across names.
CREATE INDEX metric_values_organization_id_as_of ON metric_values (organization_id, as_of);

CREATE TABLE health_scores (
    id              text COLLATE "C" PRIMARY KEY,
    organization_id text NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    as_of           timestamptz NOT NULL,
    status          text NOT NULL,
    score           double precision,
    tier            text NOT NULL DEFAULT '',
    method_version  text NOT NULL,
    detail          jsonb NOT NULL,
    created_at      timestamptz NOT NULL
);

CREATE INDEX health_scores_organization_id_as_of ON health_scores (organization_id, as_of, id);

-- No foreign key to the account: an override outlives an account deleted in Wave, so
-- that nobody's decision disappears without a trace.
CREATE TABLE account_overrides (
    organization_id text NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    account_wave_id text COLLATE "C" NOT NULL,
    class           text NOT NULL,
    set_by          text NOT NULL,
    set_at          timestamptz NOT NULL,
    note            text NOT NULL DEFAULT '',
    PRIMARY KEY (organization_id, account_wave_id)
);

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
