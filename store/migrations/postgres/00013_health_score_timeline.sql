-- The history page lists a year of scores with when their books were read and
-- whether answers were blended in. Those two facts lived only inside detail (the
-- whole explanation, tens of KB a score), so the page read and decoded about 13 MB
-- to draw 365 points. They become columns, filled from detail for stored scores, and
-- a covering index serves the page's list from the index alone. The sqlite tree has
-- the same migration without INCLUDE; the two must keep the same meaning.

-- +goose Up
ALTER TABLE health_scores ADD COLUMN ledger_as_of timestamptz;
ALTER TABLE health_scores ADD COLUMN assessment_id text NOT NULL DEFAULT '';
UPDATE health_scores SET ledger_as_of = (detail->>'ledger_as_of')::timestamptz,
    assessment_id = COALESCE(detail->>'assessment_id', '');
CREATE INDEX health_scores_timeline ON health_scores (organization_id, as_of, id)
    INCLUDE (status, score, tier, method_version, ledger_as_of, assessment_id);

-- +goose Down
DROP INDEX health_scores_timeline;
ALTER TABLE health_scores DROP COLUMN assessment_id;
ALTER TABLE health_scores DROP COLUMN ledger_as_of;
