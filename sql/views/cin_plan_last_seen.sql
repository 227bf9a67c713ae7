-- cin_plan_last_seen: each child on a CIN plan at each month and financial year end D, with
-- their latest CIN visit on or before D on which they were seen. A plan is open at D when it
-- started on or before D and has not ended by D (end null or > D); a visit counts unless
-- cinv_cin_visit_seen is 'N'; visited is null when the child was never seen. Rolling 12-month
-- periods are left out (no snapshot there). Read by the snapshot measures
-- cin_plan_visits_within_4w_pct and cin_visit_recency_bands. It reads dim_period, so it is
-- registered with the run's periods (model::PERIOD_VIEWS) and a file the year-to-date pass
-- reruns must not read it.
WITH on_plan AS (
    SELECT DISTINCT p.period_type, p.period_start, p.period_end, c.cinp_person_id
    FROM dim_period p
    JOIN cin_plan c
      ON c.cinp_cin_plan_start_date <= p.period_end
     AND (c.cinp_cin_plan_end_date IS NULL OR c.cinp_cin_plan_end_date > p.period_end)
    WHERE p.period_type <> 'rolling_12_months'
)
SELECT o.period_type, o.period_start, o.period_end, o.cinp_person_id, max(v.cinv_cin_visit_date) AS visited
FROM on_plan o
LEFT JOIN cin_visit v
       ON v.cinv_person_id = o.cinp_person_id
      AND v.cinv_cin_visit_date <= o.period_end
      AND coalesce(v.cinv_cin_visit_seen, 'Y') <> 'N'
GROUP BY o.period_type, o.period_start, o.period_end, o.cinp_person_id
