-- measure: cpp_ended_2y_plus_pct — Child protection plans ended that lasted 2 years or more (%)
-- sources: cp_plan
-- publishes: cpp_ended_2y_plus_pct | percent | low | Child protection plans ended that lasted 2 years or more (%)
-- Definition: DfE D7 (former NI 64; docs/definitions.md §0.7, §1.3): plans that ended in the
--   period and had lasted 2 years or more, duration = plan end - plan start in calendar months
--   (end >= start + 24 months). England 2024/25: 4.4%.
-- Numerator: plans ended in the period lasting 2 years or more. Denominator: plans ended in the
--   period. Time basis: flow by plan end date. value: percent (0-100).
SELECT 'cpp_ended_2y_plus_pct' AS measure_id,
       p.period_type,
       p.period_start,
       p.period_end,
       count(CASE WHEN c.cppl_cp_plan_end_date >= c.cppl_cp_plan_start_date + INTERVAL '24 months' THEN 1 END) AS numerator,
       count(c.cppl_cp_plan_id) AS denominator,
       CASE WHEN count(c.cppl_cp_plan_id) > 0
            THEN 100.0 * count(CASE WHEN c.cppl_cp_plan_end_date >= c.cppl_cp_plan_start_date + INTERVAL '24 months' THEN 1 END) / count(c.cppl_cp_plan_id) END AS value
FROM dim_period p
LEFT JOIN day_period d ON d.period_type = p.period_type AND d.period_start = p.period_start
LEFT JOIN cp_plan c ON c.cppl_cp_plan_end_date = d.day
GROUP BY p.period_type, p.period_start, p.period_end
