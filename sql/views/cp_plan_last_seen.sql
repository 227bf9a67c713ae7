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
),
-- The latest visit on or before each period end is a running maximum over each child's visits
-- and period ends in date order (a visit on the day itself counts, so visits sort first), not a
-- join of every period end to every earlier visit.
timeline AS (
    SELECT DISTINCT cppl_person_id AS person_id, period_end AS day, 1 AS is_end, CAST(NULL AS DATE) AS visit_date
    FROM on_plan
    UNION ALL
    SELECT cppv_person_id, cppv_cp_visit_date, 0, cppv_cp_visit_date AS visit_date
    FROM cp_visit
    WHERE coalesce(cppv_cp_visit_seen, 'Y') <> 'N'
      AND cppv_cp_visit_date IS NOT NULL
      AND cppv_person_id IN (SELECT cppl_person_id FROM on_plan)
),
running AS (
    SELECT person_id, day, is_end,
           max(visit_date) OVER (PARTITION BY person_id ORDER BY day, is_end ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS visited
    FROM timeline
)
SELECT o.period_type, o.period_start, o.period_end, o.cppl_person_id, r.visited
FROM on_plan o
JOIN running r ON r.person_id = o.cppl_person_id AND r.day = o.period_end AND r.is_end = 1
