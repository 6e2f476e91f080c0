-- Wave's account-subtype reference list (accountSubtypes: which type and normal
-- balance each subtype has), kept so that every reader of the books (a page, the
-- API, the worker after a restart) maps accounts from the same list. Wave documents
-- no fixed table, so the list is what the last sync read. It is reference data of
-- Wave's, not of a tenant. The postgres tree has the same migration with
-- PostgreSQL's types; the two must keep the same meaning.

-- +goose Up
CREATE TABLE wave_account_subtypes (
    value          TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    type           TEXT NOT NULL,
    normal_balance TEXT NOT NULL DEFAULT '',
    description    TEXT NOT NULL DEFAULT '',
    updated_at     TEXT NOT NULL
) STRICT;

-- +goose Down
DROP TABLE wave_account_subtypes;
