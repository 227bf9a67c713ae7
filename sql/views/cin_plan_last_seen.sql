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
),
-- The latest visit on or before each period end is a running maximum over each child's visits
-- and period ends in date order (a visit on the day itself counts, so visits sort first), not a
-- join of every period end to every earlier visit.
timeline AS (
    SELECT DISTINCT cinp_person_id AS person_id, period_end AS day, 1 AS is_end, CAST(NULL AS DATE) AS visit_date
    FROM on_plan
    UNION ALL
    SELECT cinv_person_id, cinv_cin_visit_date, 0, cinv_cin_visit_date AS visit_date
    FROM cin_visit
    WHERE coalesce(cinv_cin_visit_seen, 'Y') <> 'N'
      AND cinv_cin_visit_date IS NOT NULL
      AND cinv_person_id IN (SELECT cinp_person_id FROM on_plan)
),
running AS (
    SELECT person_id, day, is_end,
           max(visit_date) OVER (PARTITION BY person_id ORDER BY day, is_end ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS visited
    FROM timeline
)
SELECT o.period_type, o.period_start, o.period_end, o.cinp_person_id, r.visited
FROM on_plan o
JOIN running r ON r.person_id = o.cinp_person_id AND r.day = o.period_end AND r.is_end = 1
