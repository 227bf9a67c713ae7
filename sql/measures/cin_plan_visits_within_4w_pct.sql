-- measure: cin_plan_visits_within_4w_pct — Children on a CIN plan visited within 4 weeks (%)
-- sources: cin_plan, cin_visit
-- publishes: cin_plan_visits_within_4w_pct | percent | high | Children on a CIN plan visited within 4 weeks (%)
-- Definition: docs/definitions.md §1.2 S19 (council report "CIN on a plan visited within 4
--   weeks"); local standard, no national equivalent. A child counts when their latest CIN visit
--   on or before D with the child seen (cinv_cin_visit_seen not 'N') was no more than 28 days
--   before D.
-- Numerator: children with a CIN plan open at D so visited. Denominator: children with a CIN plan
--   open at D. Time basis: snapshot at each month end and financial year end. value: percent.
WITH on_plan AS (
    SELECT DISTINCT p.period_type, p.period_start, p.period_end, c.cinp_person_id
    FROM dim_period p
    JOIN cin_plan c
      ON c.cinp_cin_plan_start_date <= p.period_end
     AND (c.cinp_cin_plan_end_date IS NULL OR c.cinp_cin_plan_end_date > p.period_end)
    WHERE p.period_type <> 'rolling_12_months'
),
last_visit AS (
    SELECT o.period_type, o.period_start, o.period_end, o.cinp_person_id, max(v.cinv_cin_visit_date) AS visited
    FROM on_plan o
    LEFT JOIN cin_visit v
           ON v.cinv_person_id = o.cinp_person_id
          AND v.cinv_cin_visit_date <= o.period_end
          AND coalesce(v.cinv_cin_visit_seen, 'Y') <> 'N'
    GROUP BY o.period_type, o.period_start, o.period_end, o.cinp_person_id
)
SELECT 'cin_plan_visits_within_4w_pct' AS measure_id,
       p.period_type,
       p.period_start,
       p.period_end,
       count(CASE WHEN v.visited >= v.period_end - INTERVAL '28 days' THEN 1 END) AS numerator,
       count(v.cinp_person_id) AS denominator,
       CASE WHEN count(v.cinp_person_id) > 0
            THEN 100.0 * count(CASE WHEN v.visited >= v.period_end - INTERVAL '28 days' THEN 1 END) / count(v.cinp_person_id) END AS value
FROM dim_period p
LEFT JOIN last_visit v ON v.period_type = p.period_type AND v.period_start = p.period_start
WHERE p.period_type <> 'rolling_12_months'
GROUP BY p.period_type, p.period_start, p.period_end
