-- measure: s47_rate_per_10k — Section 47 enquiries per 10,000 children aged 0-17
-- depends: s47_enquiries
-- publishes: s47_rate_per_10k | rate_per_10k | neutral | Section 47 enquiries per 10,000 children aged 0-17
-- Definition: docs/definitions.md §1.2 S9 (seed: 413 in 2019/20 and 320 in 2020/21 on
--   pre-revision populations); DfE C4 Section47 / ONS mid-year 0-17 x 10,000.
-- Numerator: S47 enquiries started in the period (measure `s47_enquiries`, episodes).
-- Denominator: ONS mid-year 0-17 estimate for the mid-year before the financial year ends
--   (period_population); months use their financial year's population (not annualised).
-- value = numerator / denominator x 10,000, unrounded.
SELECT 's47_rate_per_10k' AS measure_id,
       m.period_type,
       m.period_start,
       m.period_end,
       m.numerator,
       pp.population_0_17 AS denominator,
       m.numerator * 10000.0 / pp.population_0_17 AS value
FROM m_s47_enquiries m
LEFT JOIN period_population pp ON pp.period_type = m.period_type AND pp.period_start = m.period_start
