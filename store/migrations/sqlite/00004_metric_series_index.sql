-- A covering index for the metric time series (MetricSeries). The postgres tree has
-- the same migration with PostgreSQL's INCLUDE; the two must keep the same meaning.
--
-- Each metric_values row carries its whole explanation (detail, about 1.5 KB), so a
-- series read through the primary key visits a table page for nearly every point: a
-- dashboard's quarter of eleven metrics touched about a thousand pages. The chart's
-- columns in the index let the series be read from the index alone. SQLite's planner
-- does not prefer it over the primary key without statistics, so MetricSeries names
-- it (INDEXED BY).

-- +goose Up
CREATE INDEX metric_values_series ON metric_values
    (organization_id, name, as_of, unit, status, value, money_minor, money_currency, money_exponent, band, points);

-- +goose Down
DROP INDEX metric_values_series;
