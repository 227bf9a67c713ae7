-- A count published beside the same count as a percent of a whole (a measure file with a
-- `-- percent of:` header line; see sql/measures/README.md). `counts` is the file's result: one
-- row per period with numerator (the count) and denominator (the whole); `ids` holds the file's
-- two ids with their units. The count: numerator, no denominator, value the count. The percent:
-- numerator, denominator, value 100 * numerator / denominator (null when the whole is 0).
SELECT i.measure_id,
       c.period_type,
       c.period_start,
       c.period_end,
       c.numerator,
       CASE WHEN i.unit = 'percent' THEN c.denominator END AS denominator,
       CASE WHEN i.unit = 'count' THEN CAST(c.numerator AS DOUBLE)
            WHEN c.denominator > 0 THEN 100.0 * c.numerator / c.denominator END AS value
FROM counts c
CROSS JOIN ids i
