-- A covering index for the metric time series (MetricSeries). The sqlite tree has the
-- same migration with SQLite's syntax; the two must keep the same meaning.
--
-- Each metric_values row carries its whole explanation (detail, about 1.5 KB), so a
-- series read through the primary key visits a heap page for nearly every point: a
-- dashboard's quarter of eleven metrics touched about a thousand pages. The chart's
-- columns in the index allow index-only scans.

-- +goose Up
CREATE INDEX metric_values_series ON metric_values (organization_id, name, as_of)
    INCLUDE (unit, status, value, money_minor, money_currency, money_exponent, band, points);

-- +goose Down
DROP INDEX metric_values_series;
