-- The long fact table: every measure's rows, with the LA code and the financial year the period
-- belongs to (the partition column), in a stable order so identical inputs give identical files.
-- period_key (`month:2022-04-01`, `ytd:2022-06-30`) joins to dim_period in BI tools that relate
-- on one column. Year-to-date rows (period_type ytd, model::run_ytd) share their period_start (1
-- April) across the year's months, so periods are matched on their end too.
-- Never a false number: a value that cannot be computed is null, and no_data_reason says why:
--   source_table_missing  a core table the measure needs (its `-- sources:`, or those of the
--                         measures it depends on) has no rows in the export, so numerator,
--                         denominator and value are all null, never 0;
--   population_missing    a rate whose ONS population is not available for the period;
--   empty_denominator     nothing to divide by (no children on a plan, no assessments ...);
--   not_computable        any other null value (e.g. an average of no events).
SELECT r.measure_id,
       r.period_type,
       r.period_start,
       r.period_end,
       params.la_code,
       CASE WHEN s.measure_id IS NULL THEN r.numerator END AS numerator,
       CASE WHEN s.measure_id IS NULL THEN r.denominator END AS denominator,
       CASE WHEN s.measure_id IS NULL THEN r.value END AS value,
       CASE WHEN s.measure_id IS NOT NULL THEN 'source_table_missing'
            WHEN r.value IS NOT NULL THEN NULL
            WHEN u.unit = 'rate_per_10k' AND r.denominator IS NULL THEN 'population_missing'
            WHEN r.denominator = 0 THEN 'empty_denominator'
            ELSE 'not_computable' END AS no_data_reason,
       p.period_key,
       p.financial_year
FROM measure_results r
JOIN (
    SELECT period_type, period_start, period_end, period_key, financial_year FROM dim_period
    UNION ALL
    SELECT period_type, period_start, period_end, period_key, financial_year FROM ytd_period
) p ON p.period_type = r.period_type AND p.period_start = r.period_start AND p.period_end = r.period_end
LEFT JOIN measure_source_missing s ON s.measure_id = r.measure_id
LEFT JOIN measure_unit u ON u.measure_id = r.measure_id
CROSS JOIN params
ORDER BY r.measure_id, r.period_type, r.period_start, r.period_end
