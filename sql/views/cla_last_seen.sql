-- cla_last_seen: each child looked after at each month and financial year end D (an episode of
-- cla_episode_in_care, so short breaks excluded, started on or before D and not ceased by D:
-- ceased null or > D), with their latest CLA visit on or before D on which they were seen
-- (clav_cla_visit_seen not 'N'); visited is null when the child was never seen. Rolling 12-month
-- periods are left out (no snapshot there). Read by the snapshot measures
-- cla_visits_within_timescale_pct and cla_visit_recency_bands. It reads dim_period, so it is
-- registered with the run's periods (model::PERIOD_VIEWS) and a file the year-to-date pass
-- reruns must not read it.
WITH in_care AS (
    SELECT DISTINCT p.period_type, p.period_start, p.period_end, e.clae_person_id
    FROM dim_period p
    JOIN cla_episode_in_care e
      ON e.clae_cla_episode_start_date <= p.period_end
     AND (e.clae_cla_episode_ceased_date IS NULL OR e.clae_cla_episode_ceased_date > p.period_end)
    WHERE p.period_type <> 'rolling_12_months'
),
-- The latest visit on or before each period end is a running maximum over each child's visits
-- and period ends in date order (a visit on the day itself counts, so visits sort first), not a
-- join of every period end to every earlier visit.
timeline AS (
    SELECT DISTINCT clae_person_id AS person_id, period_end AS day, 1 AS is_end, CAST(NULL AS DATE) AS visit_date
    FROM in_care
    UNION ALL
    SELECT clav_person_id, clav_cla_visit_date, 0, clav_cla_visit_date AS visit_date
    FROM cla_visit
    WHERE coalesce(clav_cla_visit_seen, 'Y') <> 'N'
      AND clav_cla_visit_date IS NOT NULL
      AND clav_person_id IN (SELECT clae_person_id FROM in_care)
),
running AS (
    SELECT person_id, day, is_end,
           max(visit_date) OVER (PARTITION BY person_id ORDER BY day, is_end ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS visited
    FROM timeline
)
SELECT o.period_type, o.period_start, o.period_end, o.clae_person_id, r.visited
FROM in_care o
JOIN running r ON r.person_id = o.clae_person_id AND r.day = o.period_end AND r.is_end = 1
