-- measure: cla_rate_per_10k — Children looked after per 10,000 children aged 0-17
-- depends: cla_at_date
-- publishes: cla_rate_per_10k | rate_per_10k | neutral | Children looked after per 10,000 children aged 0-17
-- Definition: docs/definitions.md §1.2 S25, §1.3 C15: CLA at the period end (short breaks
--   excluded, UASC included) / ONS mid-year 0-17 estimate for the mid-year before the financial
--   year ends x 10,000. DfE publishes CLA rates as whole numbers (Southampton 2022: 114).
-- value: per 10,000, unrounded.
SELECT 'cla_rate_per_10k' AS measure_id,
       m.period_type,
       m.period_start,
       m.period_end,
       m.numerator,
       pp.population_0_17 AS denominator,
       m.numerator * 10000.0 / pp.population_0_17 AS value
FROM m_cla_at_date m
LEFT JOIN period_population pp ON pp.period_type = m.period_type AND pp.period_start = m.period_start
WHERE m.measure_id = 'cla_at_date'
