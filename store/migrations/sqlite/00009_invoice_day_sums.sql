-- Invoices summed per day, kept by triggers on every write to invoices, so that a
-- health read adds up a few hundred days instead of stepping through every issued
-- and open invoice of a business (see docs/benchmarks.md). The postgres tree has the
-- same migration with statement-level triggers; the two must keep the same meaning.
--
-- kind 'issued': invoices LedgerSummary counts as sales (a known status other than
-- DRAFT and SAVED), summed by total per invoice date. kind 'owed': invoices it counts
-- as open (amount due above zero, a receivable status), summed by amount due per due
-- date. day is the invoice's timestamp exactly as stored, so a group is the group of
-- the former GROUP BY. Undated invoices (no day) and amounts beyond 2^40 minor units
-- are left out: the first are read from the invoices' indexes, the second make the
-- store list the invoices instead of summing them (store/warehouse_summary.go), and
-- leaving them out keeps every sum within an int64. A group's row goes when its last
-- invoice does.
--
-- The table is derived, so backups leave it out: a restore's inserts rebuild it.
-- Triggers fire on every write path (the sync's upserts, pruning, a change of
-- business, an organization's cascade), so none of them has to know about it. What an
-- invoice adds is said once, by the view invoice_day_sum_parts, which the triggers
-- read by primary key: SQLite's triggers cannot share code, and a view cannot see OLD
-- or NEW, so a row leaves the sums before it changes or goes (BEFORE triggers) and
-- enters them after it is written (AFTER triggers). A delete only ever decrements
-- rows an insert made, never inserts: in an organization's cascade, the day's row may
-- already be gone.

-- +goose Up
CREATE TABLE invoice_day_sums (
    organization_id  TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    business_wave_id TEXT NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('issued', 'owed')),
    day              TEXT NOT NULL,
    money_currency   TEXT NOT NULL,
    currency         TEXT NOT NULL,
    money_exponent   INTEGER NOT NULL,
    amount_minor     INTEGER NOT NULL,
    invoices         INTEGER NOT NULL,
    PRIMARY KEY (organization_id, business_wave_id, kind, day, money_currency, currency, money_exponent)
) STRICT, WITHOUT ROWID;

-- What each invoice adds to the sums: none, one or two rows.
CREATE VIEW invoice_day_sum_parts AS
SELECT organization_id, wave_id, business_wave_id, 'issued' AS kind, invoice_date AS day, money_currency, currency,
    money_exponent, total_minor AS amount
FROM invoices
WHERE invoice_date IS NOT NULL AND total_minor BETWEEN -1099511627776 AND 1099511627776
    AND status IN ('UNPAID', 'SENT', 'VIEWED', 'PARTIAL', 'OVERDUE', 'PAID', 'OVERPAID')
UNION ALL
SELECT organization_id, wave_id, business_wave_id, 'owed', due_date, money_currency, currency,
    money_exponent, amount_due_minor
FROM invoices
WHERE due_date IS NOT NULL AND amount_due_minor BETWEEN 1 AND 1099511627776
    AND status IN ('UNPAID', 'SENT', 'VIEWED', 'PARTIAL', 'OVERDUE');

-- +goose StatementBegin
CREATE TRIGGER invoices_day_sums_insert AFTER INSERT ON invoices BEGIN
    INSERT INTO invoice_day_sums
    SELECT organization_id, business_wave_id, kind, day, money_currency, currency, money_exponent, amount, 1
    FROM invoice_day_sum_parts WHERE organization_id = NEW.organization_id AND wave_id = NEW.wave_id
    ON CONFLICT DO UPDATE SET amount_minor = amount_minor + excluded.amount_minor, invoices = invoices + 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER invoices_day_sums_delete BEFORE DELETE ON invoices BEGIN
    UPDATE invoice_day_sums SET amount_minor = amount_minor - p.amount, invoices = invoices - 1
    FROM invoice_day_sum_parts AS p
    WHERE p.organization_id = OLD.organization_id AND p.wave_id = OLD.wave_id
        AND (invoice_day_sums.organization_id, invoice_day_sums.business_wave_id, invoice_day_sums.kind, invoice_day_sums.day,
            invoice_day_sums.money_currency, invoice_day_sums.currency, invoice_day_sums.money_exponent)
            = (p.organization_id, p.business_wave_id, p.kind, p.day, p.money_currency, p.currency, p.money_exponent);
    DELETE FROM invoice_day_sums
    WHERE organization_id = OLD.organization_id AND business_wave_id = OLD.business_wave_id
        AND kind IN ('issued', 'owed') AND day IN (OLD.invoice_date, OLD.due_date) AND invoices = 0;
END;
-- +goose StatementEnd

-- An update leaves the sums as the old row and enters them as the new one; an upsert
-- that changes none of the summed columns (most of a resync's) does neither.
-- +goose StatementBegin
CREATE TRIGGER invoices_day_sums_update_old BEFORE UPDATE ON invoices
WHEN OLD.invoice_date IS NOT NEW.invoice_date OR OLD.due_date IS NOT NEW.due_date
    OR (OLD.business_wave_id, OLD.status, OLD.money_currency, OLD.currency, OLD.money_exponent, OLD.total_minor, OLD.amount_due_minor)
        <> (NEW.business_wave_id, NEW.status, NEW.money_currency, NEW.currency, NEW.money_exponent, NEW.total_minor, NEW.amount_due_minor)
BEGIN
    UPDATE invoice_day_sums SET amount_minor = amount_minor - p.amount, invoices = invoices - 1
    FROM invoice_day_sum_parts AS p
    WHERE p.organization_id = OLD.organization_id AND p.wave_id = OLD.wave_id
        AND (invoice_day_sums.organization_id, invoice_day_sums.business_wave_id, invoice_day_sums.kind, invoice_day_sums.day,
            invoice_day_sums.money_currency, invoice_day_sums.currency, invoice_day_sums.money_exponent)
            = (p.organization_id, p.business_wave_id, p.kind, p.day, p.money_currency, p.currency, p.money_exponent);
    DELETE FROM invoice_day_sums
    WHERE organization_id = OLD.organization_id AND business_wave_id = OLD.business_wave_id
        AND kind IN ('issued', 'owed') AND day IN (OLD.invoice_date, OLD.due_date) AND invoices = 0;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER invoices_day_sums_update_new AFTER UPDATE ON invoices
WHEN OLD.invoice_date IS NOT NEW.invoice_date OR OLD.due_date IS NOT NEW.due_date
    OR (OLD.business_wave_id, OLD.status, OLD.money_currency, OLD.currency, OLD.money_exponent, OLD.total_minor, OLD.amount_due_minor)
        <> (NEW.business_wave_id, NEW.status, NEW.money_currency, NEW.currency, NEW.money_exponent, NEW.total_minor, NEW.amount_due_minor)
BEGIN
    INSERT INTO invoice_day_sums
    SELECT organization_id, business_wave_id, kind, day, money_currency, currency, money_exponent, amount, 1
    FROM invoice_day_sum_parts WHERE organization_id = NEW.organization_id AND wave_id = NEW.wave_id
    ON CONFLICT DO UPDATE SET amount_minor = amount_minor + excluded.amount_minor, invoices = invoices + 1;
END;
-- +goose StatementEnd

-- The books already stored.
INSERT INTO invoice_day_sums
SELECT organization_id, business_wave_id, kind, day, money_currency, currency, money_exponent, SUM(amount), COUNT(*)
FROM invoice_day_sum_parts
GROUP BY organization_id, business_wave_id, kind, day, money_currency, currency, money_exponent;

-- +goose Down
DROP TRIGGER invoices_day_sums_update_new;
DROP TRIGGER invoices_day_sums_update_old;
DROP TRIGGER invoices_day_sums_delete;
DROP TRIGGER invoices_day_sums_insert;
DROP VIEW invoice_day_sum_parts;
DROP TABLE invoice_day_sums;
