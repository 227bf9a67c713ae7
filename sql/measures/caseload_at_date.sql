-- measure: caseload_at_date — Average caseload per worker and per team at the period end
-- sources: involvement
-- publishes: caseload_per_worker_avg | average | low | Average caseload per social worker
-- publishes: caseload_per_team_avg | average | low | Average caseload per team
-- Definition: docs/definitions.md §1.2 S39 (council: average caseload); workforce measure, DfE
--   publishes caseloads in the children's social work workforce release (not reproduced here).
--   A child is on a worker's caseload at D when an involvement (ssd_involvements) with that
--   worker is open at D (start <= D, end null or > D).
-- caseload_per_worker_avg: numerator = distinct (worker, child) pairs; denominator = workers
--   with at least one child; value = average children per worker.
-- caseload_per_team_avg: numerator = distinct (team, child) pairs; denominator = teams.
-- Time basis: snapshot at each month end and financial year end.
WITH open_cases AS (
    SELECT p.period_type, p.period_start, i.invo_professional_id, i.invo_professional_team, i.invo_person_id
    FROM dim_period p
    JOIN involvement i
      ON i.invo_involvement_start_date <= p.period_end
     AND (i.invo_involvement_end_date IS NULL OR i.invo_involvement_end_date > p.period_end)
    WHERE p.period_type <> 'rolling_12_months'
),
per_worker AS (
    SELECT period_type, period_start, count(DISTINCT invo_professional_id || '|' || invo_person_id) AS pairs, count(DISTINCT invo_professional_id) AS units
    FROM open_cases WHERE invo_professional_id IS NOT NULL
    GROUP BY period_type, period_start
),
per_team AS (
    SELECT period_type, period_start, count(DISTINCT invo_professional_team || '|' || invo_person_id) AS pairs, count(DISTINCT invo_professional_team) AS units
    FROM open_cases WHERE invo_professional_team IS NOT NULL
    GROUP BY period_type, period_start
)
SELECT 'caseload_per_worker_avg' AS measure_id, p.period_type, p.period_start, p.period_end,
       coalesce(w.pairs, 0) AS numerator, coalesce(w.units, 0) AS denominator,
       CASE WHEN w.units > 0 THEN CAST(w.pairs AS DOUBLE) / w.units END AS value
FROM dim_period p
LEFT JOIN per_worker w ON w.period_type = p.period_type AND w.period_start = p.period_start
WHERE p.period_type <> 'rolling_12_months'
UNION ALL
SELECT 'caseload_per_team_avg', p.period_type, p.period_start, p.period_end,
       coalesce(t.pairs, 0), coalesce(t.units, 0),
       CASE WHEN t.units > 0 THEN CAST(t.pairs AS DOUBLE) / t.units END
FROM dim_period p
LEFT JOIN per_team t ON t.period_type = p.period_type AND t.period_start = p.period_start
WHERE p.period_type <> 'rolling_12_months'
