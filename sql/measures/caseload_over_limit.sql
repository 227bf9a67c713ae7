-- measure: caseload_over_limit — Workers with a caseload above the council's limit
-- sources: involvement
-- percent of: workers holding cases at the period end
-- publishes: caseload_workers_over_limit | count | low | Workers holding more cases than the council's caseload limit
-- publishes: caseload_workers_over_limit_pct | percent | low | Workers holding more cases than the council's caseload limit (%)
-- Definition: docs/definitions.md §1.4 P10 and §1.2 S39 (SEED-002 L1777 average caseload;
--   L6096 "ASYE caseload analysis ... from routinely being over limit ... to now rarely being over
--   the limit"). A worker's caseload at D is the number of distinct children with an involvement
--   (ssd_involvements) with that worker open at D (start <= D, end null or after D), as
--   caseload_per_worker_avg counts it; over the limit is more children than the pipeline file's
--   `[measure_settings] caseload_limit` (local; DfE sets no limit).
-- Numerator: workers whose caseload is above the limit. Denominator (percent): workers with at
--   least one child. Time basis: snapshot at each month end and financial year end.
WITH caseloads AS (
    SELECT p.period_type, p.period_start, i.invo_professional_id, count(DISTINCT i.invo_person_id) AS children
    FROM dim_period p
    JOIN involvement i
      ON i.invo_involvement_start_date <= p.period_end
     AND (i.invo_involvement_end_date IS NULL OR i.invo_involvement_end_date > p.period_end)
    WHERE p.period_type <> 'rolling_12_months' AND i.invo_professional_id IS NOT NULL
    GROUP BY p.period_type, p.period_start, i.invo_professional_id
)
SELECT p.period_type, p.period_start, p.period_end,
       count(CASE WHEN c.children > s.caseload_limit THEN 1 END) AS numerator,
       count(c.invo_professional_id) AS denominator
FROM dim_period p
CROSS JOIN measure_settings s
LEFT JOIN caseloads c ON c.period_type = p.period_type AND c.period_start = p.period_start
WHERE p.period_type <> 'rolling_12_months'
GROUP BY p.period_type, p.period_start, p.period_end
