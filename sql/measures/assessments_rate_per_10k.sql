-- measure: assessments_rate_per_10k — Single assessments completed per 10,000 children aged 0-17
-- depends: assessments_completed
-- publishes: assessments_rate_per_10k | rate_per_10k | neutral | Single assessments completed per 10,000 children aged 0-17
-- Definition: docs/definitions.md §1.2 S3 (the council shows it as a year-to-date rate).
-- Numerator: assessments completed in the period. Denominator: ONS mid-year 0-17 estimate for
--   the mid-year before the financial year ends (period_population). value: per 10,000.
SELECT 'assessments_rate_per_10k' AS measure_id,
       m.period_type,
       m.period_start,
       m.period_end,
       m.numerator,
       pp.population_0_17 AS denominator,
       m.numerator * 10000.0 / pp.population_0_17 AS value
FROM m_assessments_completed m
LEFT JOIN period_population pp ON pp.period_type = m.period_type AND pp.period_start = m.period_start
