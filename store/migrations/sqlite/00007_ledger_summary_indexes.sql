-- Indexes for LedgerSummary, which sums a business's invoices and customers in the
-- database instead of reading every one of them for the metrics. The postgres tree
-- has the same migration with PostgreSQL's INCLUDE; the two must keep the same
-- meaning.
--
-- Each index holds every column its query reads, in the order the query groups or
-- sorts by, so that the query reads the index alone: issued invoices by invoice date
-- (invoiced sales); owed invoices (amount due above zero) by due date (aging, and the
-- largest of each bucket) and by customer (who owes most past due); customers with a balance by currency. They are partial
-- indexes of what their queries count: a paid invoice, most of a business's, is only
-- in the first, and a draft in none. Two more, normally empty, find the rare invoices
-- whose status finhealth does not know (only counted) and those with amounts beyond
-- 2^40 minor units (which are not summed by the database: the invoices are listed
-- instead). SQLite's planner does not choose these indexes without statistics, so the
-- queries name them (INDEXED BY), and the WHERE of a partial index is repeated word
-- for word in its queries (SQLite then skips checking it row by row).

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

CREATE INDEX invoices_large_amounts ON invoices (organization_id, business_wave_id)
    WHERE total_minor NOT BETWEEN -1099511627776 AND 1099511627776
        OR amount_due_minor NOT BETWEEN -1099511627776 AND 1099511627776;

CREATE INDEX customers_balances ON customers
    (organization_id, business_wave_id, money_currency, money_exponent, outstanding_minor, overdue_minor)
    WHERE NOT (outstanding_minor = 0 AND overdue_minor = 0);

-- +goose Down
DROP INDEX customers_balances;
DROP INDEX invoices_large_amounts;
DROP INDEX invoices_unknown_status;
DROP INDEX invoices_owed_by_customer;
DROP INDEX invoices_owed_by_due;
DROP INDEX invoices_issued;
