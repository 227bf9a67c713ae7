-- measure: icpc_rate_per_10k — Initial child protection conferences per 10,000 children aged 0-17
-- depends: icpcs
-- publishes: icpc_rate_per_10k | rate_per_10k | neutral | Initial child protection conferences per 10,000 children aged 0-17
-- Definition: DfE C4 ICPCs / ONS mid-year 0-17 population x 10,000 (docs/definitions.md §1.1).
-- Numerator: ICPCs in the period. Denominator: ONS mid-year 0-17 estimate for the mid-year
--   before the financial year ends (period_population). value: per 10,000.
SELECT 'icpc_rate_per_10k' AS measure_id,
       m.period_type,
       m.period_start,
       m.period_end,
       m.numerator,
       pp.population_0_17 AS denominator,
       m.numerator * 10000.0 / pp.population_0_17 AS value
FROM m_icpcs m
LEFT JOIN period_population pp ON pp.period_type = m.period_type AND pp.period_start = m.period_start
