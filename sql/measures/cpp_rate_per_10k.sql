-- measure: cpp_rate_per_10k — Children on a child protection plan per 10,000 children aged 0-17
-- depends: cpp_at_date
-- publishes: cpp_rate_per_10k | rate_per_10k | neutral | Children on a child protection plan per 10,000 children aged 0-17
-- Definition: docs/definitions.md §1.2 S14 and §1.3; DfE D5 CPP_At31 / ONS mid-year 0-17 x
--   10,000 (England 2020/21 = 42.4).
-- Numerator: children on a plan at the period end (unborn included). Denominator: ONS mid-year
--   0-17 estimate for the mid-year before the financial year ends. value: per 10,000.
SELECT 'cpp_rate_per_10k' AS measure_id,
       m.period_type,
       m.period_start,
       m.period_end,
       m.numerator,
       pp.population_0_17 AS denominator,
       m.numerator * 10000.0 / pp.population_0_17 AS value
FROM m_cpp_at_date m
LEFT JOIN period_population pp ON pp.period_type = m.period_type AND pp.period_start = m.period_start
