-- Wave's account-subtype reference list (accountSubtypes: which type and normal
-- balance each subtype has), kept so that every reader of the books (a page, the
-- API, the worker after a restart) maps accounts from the same list. Wave documents
-- no fixed table, so the list is what the last sync read. It is reference data of
-- Wave's, not of a tenant. The sqlite tree has the same migration with SQLite's
-- syntax; the two must keep the same meaning.

-- +goose Up
CREATE TABLE wave_account_subtypes (
    value          text COLLATE "C" PRIMARY KEY,
    name           text NOT NULL,
    type           text NOT NULL,
    normal_balance text NOT NULL DEFAULT '',
    description    text NOT NULL DEFAULT '',
    updated_at     timestamptz NOT NULL
);

-- +goose Down
DROP TABLE wave_account_subtypes;
