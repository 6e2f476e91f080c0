-- Invoices summed per day, kept by triggers on every write to invoices, so that a
-- health read adds up a few hundred days instead of stepping through every issued
-- and open invoice of a business (see docs/benchmarks.md). The sqlite tree has the
-- same migration with row triggers; the two must keep the same meaning.
--
-- kind 'issued': invoices LedgerSummary counts as sales (a known status other than
-- DRAFT and SAVED), summed by total per invoice date. kind 'owed': invoices it counts
-- as open (amount due above zero, a receivable status), summed by amount due per due
-- date. day is the invoice's timestamp exactly as stored, so a group is the group of
-- the former GROUP BY. Undated invoices (no day) and amounts beyond 2^40 minor units
-- are left out: the first are read from the invoices' indexes, the second make the
-- store list the invoices instead of summing them (store/warehouse_summary.go), and
-- leaving them out keeps every sum within a bigint. A group's row goes when its last
-- invoice does.
--
-- The table is derived, so backups leave it out: a restore's inserts rebuild it.
-- Triggers fire on every write path (the sync's upserts, pruning, a change of
-- business, an organization's cascade), so none of them has to know about it. They
-- are statement-level: a sync's upsert of a page of invoices applies one change per
-- day touched rather than one per invoice, and a resync that changes nothing writes
-- nothing. A delete only ever decrements rows an insert made, never inserts: in an
-- organization's cascade, the day's row may already be gone.

-- +goose Up
CREATE TABLE invoice_day_sums (
    organization_id  text NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    business_wave_id text NOT NULL,
    kind             text NOT NULL CHECK (kind IN ('issued', 'owed')),
    day              timestamptz NOT NULL,
    money_currency   text NOT NULL,
    currency         text NOT NULL,
    money_exponent   integer NOT NULL,
    amount_minor     bigint NOT NULL,
    invoices         bigint NOT NULL,
    PRIMARY KEY (organization_id, business_wave_id, kind, day, money_currency, currency, money_exponent)
);

-- What each invoice adds to the sums: none, one or two (kind, day, amount) rows.
-- +goose StatementBegin
CREATE FUNCTION invoice_day_sum_parts(inv invoices) RETURNS TABLE (kind text, day timestamptz, amount bigint)
LANGUAGE sql IMMUTABLE AS $$
    SELECT 'issued', inv.invoice_date, inv.total_minor
    WHERE inv.invoice_date IS NOT NULL AND inv.total_minor BETWEEN -1099511627776 AND 1099511627776
        AND inv.status IN ('UNPAID', 'SENT', 'VIEWED', 'PARTIAL', 'OVERDUE', 'PAID', 'OVERPAID')
    UNION ALL
    SELECT 'owed', inv.due_date, inv.amount_due_minor
    WHERE inv.due_date IS NOT NULL AND inv.amount_due_minor BETWEEN 1 AND 1099511627776
        AND inv.status IN ('UNPAID', 'SENT', 'VIEWED', 'PARTIAL', 'OVERDUE')
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION invoice_day_sums_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO invoice_day_sums
        SELECT n.organization_id, n.business_wave_id, p.kind, p.day, n.money_currency, n.currency, n.money_exponent,
            SUM(p.amount), COUNT(*)
        FROM new_rows n, invoice_day_sum_parts(n) p
        GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7
        ON CONFLICT (organization_id, business_wave_id, kind, day, money_currency, currency, money_exponent)
        DO UPDATE SET amount_minor = invoice_day_sums.amount_minor + excluded.amount_minor,
            invoices = invoice_day_sums.invoices + excluded.invoices;
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        -- The net change per day: a resync's unchanged invoices cancel out.
        INSERT INTO invoice_day_sums
        SELECT organization_id, business_wave_id, kind, day, money_currency, currency, money_exponent,
            SUM(amount), SUM(n)
        FROM (
            SELECT n.organization_id, n.business_wave_id, p.kind, p.day, n.money_currency, n.currency, n.money_exponent,
                p.amount, 1 AS n
            FROM new_rows n, invoice_day_sum_parts(n) p
            UNION ALL
            SELECT o.organization_id, o.business_wave_id, p.kind, p.day, o.money_currency, o.currency, o.money_exponent,
                -p.amount, -1
            FROM old_rows o, invoice_day_sum_parts(o) p
        ) c
        GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING SUM(amount) <> 0 OR SUM(n) <> 0 ORDER BY 1, 2, 3, 4, 5, 6, 7
        ON CONFLICT (organization_id, business_wave_id, kind, day, money_currency, currency, money_exponent)
        DO UPDATE SET amount_minor = invoice_day_sums.amount_minor + excluded.amount_minor,
            invoices = invoice_day_sums.invoices + excluded.invoices;
    ELSE
        UPDATE invoice_day_sums s SET amount_minor = s.amount_minor - d.amount, invoices = s.invoices - d.n
        FROM (
            SELECT o.organization_id, o.business_wave_id, p.kind, p.day, o.money_currency, o.currency, o.money_exponent,
                SUM(p.amount) AS amount, COUNT(*) AS n
            FROM old_rows o, invoice_day_sum_parts(o) p
            GROUP BY 1, 2, 3, 4, 5, 6, 7
        ) d
        WHERE (s.organization_id, s.business_wave_id, s.kind, s.day, s.money_currency, s.currency, s.money_exponent)
            = (d.organization_id, d.business_wave_id, d.kind, d.day, d.money_currency, d.currency, d.money_exponent);
    END IF;
    DELETE FROM invoice_day_sums s
    USING old_rows o, invoice_day_sum_parts(o) p
    WHERE (s.organization_id, s.business_wave_id, s.kind, s.day, s.money_currency, s.currency, s.money_exponent)
            = (o.organization_id, o.business_wave_id, p.kind, p.day, o.money_currency, o.currency, o.money_exponent)
        AND s.invoices = 0;
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER invoices_day_sums_insert AFTER INSERT ON invoices
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION invoice_day_sums_apply();
CREATE TRIGGER invoices_day_sums_update AFTER UPDATE ON invoices
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION invoice_day_sums_apply();
CREATE TRIGGER invoices_day_sums_delete AFTER DELETE ON invoices
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION invoice_day_sums_apply();

-- The books already stored.
INSERT INTO invoice_day_sums
SELECT i.organization_id, i.business_wave_id, p.kind, p.day, i.money_currency, i.currency, i.money_exponent,
    SUM(p.amount), COUNT(*)
FROM invoices i, invoice_day_sum_parts(i) p
GROUP BY 1, 2, 3, 4, 5, 6, 7;

-- +goose Down
DROP TRIGGER invoices_day_sums_delete ON invoices;
DROP TRIGGER invoices_day_sums_update ON invoices;
DROP TRIGGER invoices_day_sums_insert ON invoices;
DROP FUNCTION invoice_day_sums_apply();
DROP FUNCTION invoice_day_sum_parts(invoices);
DROP TABLE invoice_day_sums;
