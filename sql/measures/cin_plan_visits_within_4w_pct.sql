-- measure: cin_plan_visits_within_4w_pct — Children on a CIN plan visited within 4 weeks (%)
-- sources: cin_plan, cin_visit
-- publishes: cin_plan_visits_within_4w_pct | percent | high | Children on a CIN plan visited within 4 weeks (%)
-- Definition: docs/definitions.md §1.2 S19 (council report "CIN on a plan visited within 4
--   weeks"); local standard, no national equivalent. A child counts when their latest CIN visit
--   on or before D with the child seen (cinv_cin_visit_seen not 'N') was no more than 28 days
--   before D.
-- Numerator: children with a CIN plan open at D so visited. Denominator: children with a CIN plan
--   open at D (view cin_plan_last_seen). Time basis: snapshot at each month end and financial
--   year end. value: percent.
SELECT 'cin_plan_visits_within_4w_pct' AS measure_id,
       p.period_type,
       p.period_start,
       p.period_end,
       count(CASE WHEN v.visited >= v.period_end - INTERVAL '28 days' THEN 1 END) AS numerator,
       count(v.cinp_person_id) AS denominator,
       CASE WHEN count(v.cinp_person_id) > 0
            THEN 100.0 * count(CASE WHEN v.visited >= v.period_end - INTERVAL '28 days' THEN 1 END) / count(v.cinp_person_id) END AS value
FROM dim_period p
LEFT JOIN cin_plan_last_seen v ON v.period_type = p.period_type AND v.period_start = p.period_start
WHERE p.period_type <> 'rolling_12_months'
GROUP BY p.period_type, p.period_start, p.period_end
