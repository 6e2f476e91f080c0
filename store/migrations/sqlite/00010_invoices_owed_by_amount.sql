-- Open invoices by amount due, largest first, for the hundred largest of an aging
-- bucket that holds most of a business's open invoices (store/warehouse_summary.go):
-- read in this order, the query stops after about two hundred entries instead of
-- sorting all of them. The postgres tree has the same migration with PostgreSQL's
-- INCLUDE; the two must keep the same meaning. As in migration 00007, the index holds
-- every column its query reads and repeats its partial WHERE word for word.

-- +goose Up
CREATE INDEX invoices_owed_by_amount ON invoices
    (organization_id, business_wave_id, amount_due_minor DESC, wave_id, due_date, money_currency, money_exponent, currency, status)
    WHERE amount_due_minor > 0 AND status IN ('UNPAID', 'SENT', 'VIEWED', 'PARTIAL', 'OVERDUE');

-- +goose Down
DROP INDEX invoices_owed_by_amount;
