-- measure: cin_rate_per_10k — Children in need per 10,000 children aged 0-17
-- depends: cin_at_date
-- publishes: cin_rate_per_10k | rate_per_10k | neutral | Children in need per 10,000 children aged 0-17
-- Definition: docs/definitions.md §1.3 C1; DfE B1 CIN rate (England 2020/21 = 329.6).
-- Numerator: children in need at the period end. Denominator: ONS mid-year 0-17 estimate for
--   the mid-year before the financial year ends; the rate denominator stays 0-17 although
--   unborn and 18+ children are counted (§0.3). value: per 10,000 (DfE rounds to 1 d.p.).
SELECT 'cin_rate_per_10k' AS measure_id,
       m.period_type,
       m.period_start,
       m.period_end,
       m.numerator,
       pp.population_0_17 AS denominator,
       m.numerator * 10000.0 / pp.population_0_17 AS value
FROM m_cin_at_date m
LEFT JOIN period_population pp ON pp.period_type = m.period_type AND pp.period_start = m.period_start
