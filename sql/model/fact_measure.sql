-- The long fact table: every measure's rows, with the LA code and the financial year the period
-- belongs to (the partition column), in a stable order so identical inputs give identical files.
-- period_key (`month:2022-04-01`) joins to dim_period in BI tools that relate on one column.
SELECT r.measure_id,
       r.period_type,
       r.period_start,
       r.period_end,
       params.la_code,
       r.numerator,
       r.denominator,
       r.value,
       p.period_key,
       p.financial_year
FROM measure_results r
JOIN dim_period p ON p.period_type = r.period_type AND p.period_start = r.period_start
CROSS JOIN params
ORDER BY r.measure_id, r.period_type, r.period_start
