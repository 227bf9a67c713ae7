-- measure: cp_visits_within_wd_pct — Children on a CP plan visited within 10 and 20 working days (%)
-- sources: cp_plan, cp_visit
-- publishes: cp_visited_within_10wd_pct | percent | high | Children on a CP plan seen within the last 10 working days (%)
-- publishes: cp_visited_within_20wd_pct | percent | high | Children on a CP plan seen within the last 20 working days (%)
-- Definition: docs/definitions.md §1.2 S17; Southampton local standard (SEED-002 L5657-5659),
--   no national statutory CP visit frequency. A child counts when their latest visit on or
--   before D, with the child seen (cppv_cp_visit_seen not 'N'), was no more than 10 (20)
--   working days before D (elapsed working days, England and Wales bank holidays excluded).
-- Numerator: children on a plan at D so visited (view cp_plan_last_seen). Denominator: children
--   on a plan at D (as cpp_at_date). Time basis: snapshot at each month end and financial year end. value: percent.
WITH limits (wd, measure_id) AS (
    VALUES (10, 'cp_visited_within_10wd_pct'), (20, 'cp_visited_within_20wd_pct')
)
SELECT l.measure_id,
       p.period_type,
       p.period_start,
       p.period_end,
       count(CASE WHEN working_days(v.visited, v.period_end) <= l.wd THEN 1 END) AS numerator,
       count(v.cppl_person_id) AS denominator,
       CASE WHEN count(v.cppl_person_id) > 0
            THEN 100.0 * count(CASE WHEN working_days(v.visited, v.period_end) <= l.wd THEN 1 END) / count(v.cppl_person_id) END AS value
FROM dim_period p
CROSS JOIN limits l
LEFT JOIN cp_plan_last_seen v ON v.period_type = p.period_type AND v.period_start = p.period_start
WHERE p.period_type <> 'rolling_12_months'
GROUP BY l.measure_id, p.period_type, p.period_start, p.period_end
