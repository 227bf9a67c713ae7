-- cp_plan_last_seen: each child on a CP plan at each month and financial year end D, with their
-- latest CP visit on or before D on which they were seen. A plan is open at D when it started
-- on or before D and has not ended by D (end null or > D); a visit counts unless
-- cppv_cp_visit_seen is 'N'; visited is null when the child was never seen. Rolling 12-month
-- periods are left out (no snapshot there). Read by the snapshot measures cp_visits_within_wd_pct
-- and cp_visit_recency_bands. It reads dim_period, so it is registered with the run's periods
-- (model::PERIOD_VIEWS) and a file the year-to-date pass reruns must not read it.
WITH on_plan AS (
    SELECT DISTINCT p.period_type, p.period_start, p.period_end, c.cppl_person_id
    FROM dim_period p
    JOIN cp_plan c
      ON c.cppl_cp_plan_start_date <= p.period_end
     AND (c.cppl_cp_plan_end_date IS NULL OR c.cppl_cp_plan_end_date > p.period_end)
    WHERE p.period_type <> 'rolling_12_months'
)
SELECT o.period_type, o.period_start, o.period_end, o.cppl_person_id, max(v.cppv_cp_visit_date) AS visited
FROM on_plan o
LEFT JOIN cp_visit v
       ON v.cppv_person_id = o.cppl_person_id
      AND v.cppv_cp_visit_date <= o.period_end
      AND coalesce(v.cppv_cp_visit_seen, 'Y') <> 'N'
GROUP BY o.period_type, o.period_start, o.period_end, o.cppl_person_id
