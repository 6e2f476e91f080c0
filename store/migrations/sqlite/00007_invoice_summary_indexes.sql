-- Indexes for LedgerSummary, which sums a business's invoices in the database instead
-- of reading every one of them for the metrics. The postgres tree has the same
-- migration with PostgreSQL's INCLUDE; the two must keep the same meaning.
--
-- Each index holds every column its query reads, so that the query reads the index
-- alone, in the order it groups by: issued invoices by invoice date (invoiced sales);
-- owed invoices (amount due above zero) by due date (aging, and the largest in each
-- bucket) and by customer (who owes the most past due); and the rare invoices whose
-- status finhealth does not know, which are only counted. They are partial indexes of
-- the invoices their queries count: a paid invoice, most of a business's, is only in
-- the first, and a draft in none. SQLite's planner does not choose them without
-- statistics, so the queries name them (INDEXED BY), and the WHERE of a partial
-- index is repeated word for word in its queries (SQLite then skips checking it).

-- +goose Up
CREATE INDEX invoices_issued ON invoices
    (organization_id, business_wave_id, invoice_date, money_currency, money_exponent, currency, total_minor, amount_due_minor)
    WHERE status IN ('UNPAID', 'SENT', 'VIEWED', 'PARTIAL', 'OVERDUE', 'PAID', 'OVERPAID');

CREATE INDEX invoices_owed_by_due ON invoices
    (organization_id, business_wave_id, due_date, money_currency, money_exponent, currency, amount_due_minor, wave_id)
    WHERE amount_due_minor > 0 AND status IN ('UNPAID', 'SENT', 'VIEWED', 'PARTIAL', 'OVERDUE');

CREATE INDEX invoices_owed_by_customer ON invoices
    (organization_id, business_wave_id, customer_wave_id, due_date, money_currency, money_exponent, currency, amount_due_minor)
    WHERE amount_due_minor > 0 AND status IN ('UNPAID', 'SENT', 'VIEWED', 'PARTIAL', 'OVERDUE');

CREATE INDEX invoices_unknown_status ON invoices (organization_id, business_wave_id)
    WHERE status NOT IN ('DRAFT', 'SAVED', 'UNPAID', 'SENT', 'VIEWED', 'PARTIAL', 'OVERDUE', 'PAID', 'OVERPAID');

-- +goose Down
DROP INDEX invoices_unknown_status;
DROP INDEX invoices_owed_by_customer;
DROP INDEX invoices_owed_by_due;
DROP INDEX invoices_issued;
