-- Accounts, organizations and their members, refresh tokens, questionnaires,
-- assessments and the audit log. The postgres tree has the same migration with
-- PostgreSQL's types; the two must keep the same meaning.
--
-- Tables are STRICT so that SQLite rejects values of the wrong type as PostgreSQL
-- would. Timestamps are TEXT in one fixed-width UTC form
-- (2006-01-02T15:04:05.000000Z, written by the store) so that text comparison and
-- ordering are time comparison and ordering. Booleans are INTEGER 0/1; JSON is TEXT.

-- +goose Up
CREATE TABLE organizations (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    industry     TEXT NOT NULL DEFAULT '',
    company_size TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
) STRICT;

CREATE TABLE users (
    id                      TEXT PRIMARY KEY,
    email                   TEXT NOT NULL UNIQUE,
    name                    TEXT NOT NULL,
    password_hash           TEXT NOT NULL,
    role                    TEXT NOT NULL CHECK (role IN ('admin', 'user')),
    active                  INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    default_organization_id TEXT REFERENCES organizations (id) ON DELETE SET NULL,
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL
) STRICT;

-- The last-admin guard reads exactly these rows.
CREATE INDEX users_active_admins ON users (id) WHERE role = 'admin' AND active;

CREATE TABLE memberships (
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role            TEXT NOT NULL CHECK (role IN ('owner', 'advisor', 'viewer')),
    created_at      TEXT NOT NULL,
    PRIMARY KEY (organization_id, user_id)
) STRICT;

CREATE INDEX memberships_user_id ON memberships (user_id);

CREATE TABLE invitations (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    email           TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('owner', 'advisor', 'viewer')),
    token_hash      TEXT NOT NULL UNIQUE,
    invited_by      TEXT NOT NULL REFERENCES users (id),
    expires_at      TEXT NOT NULL,
    accepted_at     TEXT,
    created_at      TEXT NOT NULL
) STRICT;

-- At most one pending invitation per address and organization: a new one replaces
-- it (INSERT ... ON CONFLICT against this index).
CREATE UNIQUE INDEX invitations_pending ON invitations (organization_id, email)
    WHERE accepted_at IS NULL;

CREATE TABLE refresh_tokens (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family_id  TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    expires_at TEXT NOT NULL,
    used_at    TEXT,
    revoked_at TEXT,
    created_at TEXT NOT NULL
) STRICT;

CREATE INDEX refresh_tokens_family_id ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_id ON refresh_tokens (user_id);

CREATE TABLE questionnaires (
    id           TEXT NOT NULL,
    version      INTEGER NOT NULL,
    title        TEXT NOT NULL,
    definition   TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (id, version)
) STRICT;

CREATE TABLE assessments (
    id                    TEXT PRIMARY KEY,
    organization_id       TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id               TEXT NOT NULL REFERENCES users (id),
    questionnaire_id      TEXT NOT NULL,
    questionnaire_version INTEGER NOT NULL,
    algorithm_version     TEXT NOT NULL,
    score                 REAL NOT NULL,
    tier                  TEXT NOT NULL,
    categories            TEXT NOT NULL,
    recommendations       TEXT NOT NULL,
    answers               TEXT NOT NULL,
    created_at            TEXT NOT NULL,
    FOREIGN KEY (questionnaire_id, questionnaire_version) REFERENCES questionnaires (id, version)
) STRICT;

-- Serves the latest assessment (a backward scan of one organization's entries) and
-- the newest-first listing.
CREATE INDEX assessments_organization_id_id ON assessments (organization_id, id);

-- The audit log has no foreign keys on purpose: it must outlive what it describes.
CREATE TABLE audit_log (
    id              TEXT PRIMARY KEY,
    at              TEXT NOT NULL,
    actor_id        TEXT,
    actor_email     TEXT,
    organization_id TEXT,
    action          TEXT NOT NULL,
    target_type     TEXT,
    target_id       TEXT,
    ip              TEXT,
    details         TEXT
) STRICT;

CREATE INDEX audit_log_organization_id_id ON audit_log (organization_id, id DESC);
CREATE INDEX audit_log_action_id ON audit_log (action, id DESC);

-- +goose Down
DROP TABLE audit_log;
DROP TABLE assessments;
DROP TABLE questionnaires;
DROP TABLE refresh_tokens;
DROP TABLE invitations;
DROP TABLE memberships;
DROP TABLE users;
DROP TABLE organizations;
