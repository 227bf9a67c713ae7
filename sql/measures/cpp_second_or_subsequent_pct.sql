-- measure: cpp_second_or_subsequent_pct — CP plans starting that were second or subsequent (%)
-- sources: cp_plan
-- publishes: cpp_second_or_subsequent_pct | percent | low | CP plans starting that were a second or subsequent plan (%)
-- publishes: cpp_second_within_2y_pct | percent | low | CP plans starting within 2 years of a previous plan (%)
-- Definition: DfE D3 (docs/definitions.md §1.3): plans starting in the period for a child who had
--   an earlier plan (started before this one), ever; and, as the "within 2 years" variant, whose
--   earlier plan ended no more than 2 years (24 calendar months) before this one started.
--   Earlier plans count only if they are in the extract (SSD keeps six years).
-- Numerator: plans starting in the period that are second or subsequent (ever / within 2 years).
-- Denominator: plans starting in the period. Time basis: flow by plan start. value: percent.
WITH flagged AS (
    SELECT c.cppl_cp_plan_id,
           c.cppl_cp_plan_start_date,
           max(CASE WHEN e.cppl_cp_plan_id IS NULL THEN 0 ELSE 1 END) AS is_subsequent,
           max(CASE WHEN e.cppl_cp_plan_end_date IS NOT NULL
                     AND e.cppl_cp_plan_end_date <= c.cppl_cp_plan_start_date
                     AND e.cppl_cp_plan_end_date >= c.cppl_cp_plan_start_date - INTERVAL '24 months' THEN 1 ELSE 0 END) AS is_within_2y
    FROM cp_plan c
    LEFT JOIN cp_plan e
           ON e.cppl_person_id = c.cppl_person_id
          AND e.cppl_cp_plan_start_date < c.cppl_cp_plan_start_date
    GROUP BY c.cppl_cp_plan_id, c.cppl_cp_plan_start_date
),
variants (variant, measure_id) AS (
    VALUES ('ever', 'cpp_second_or_subsequent_pct'), ('within_2y', 'cpp_second_within_2y_pct')
)
SELECT v.measure_id,
       p.period_type,
       p.period_start,
       p.period_end,
       coalesce(sum(CASE WHEN v.variant = 'ever' THEN f.is_subsequent ELSE f.is_within_2y END), 0) AS numerator,
       count(f.cppl_cp_plan_id) AS denominator,
       CASE WHEN count(f.cppl_cp_plan_id) > 0
            THEN 100.0 * sum(CASE WHEN v.variant = 'ever' THEN f.is_subsequent ELSE f.is_within_2y END) / count(f.cppl_cp_plan_id) END AS value
FROM dim_period p
CROSS JOIN variants v
LEFT JOIN day_period d ON d.period_type = p.period_type AND d.period_start = p.period_start
LEFT JOIN flagged f ON f.cppl_cp_plan_start_date = d.day
GROUP BY v.measure_id, p.period_type, p.period_start, p.period_end
