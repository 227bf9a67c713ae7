-- measure: agency_workers_pct — Agency workers among allocated workers
-- sources: professional, involvement
-- publishes: agency_workers_pct | percent | low | Workers holding cases who are agency workers (%)
-- Definition: docs/definitions.md §1.4 P9 and §1.2 S39 (SEED-002 L1717-L1745 "agency staff",
--   L6090 "agency approvals and exits"). Workers holding cases at D: distinct professionals
--   (ssd_professionals) with an involvement (ssd_involvements) open at D; agency: their
--   prof_agency_worker_flag is Y. Headcount, local basis: DfE's children's social work workforce
--   agency rate (CSWW, at 30 September) divides agency FTE by all FTE and counts every children's
--   social worker in post, which the SSD, recording only workers who hold cases, cannot
--   reproduce.
-- Numerator: agency workers holding cases. Denominator: workers holding cases. The SSD
--   professionals table holds the current flag only, so this is computed for the periods that
--   end on the as-at date (the latest month and financial year). value: percent (0-100).
WITH holding AS (
    SELECT DISTINCT p.period_type, p.period_start, i.invo_professional_id,
           CASE WHEN w.prof_agency_worker_flag = 'Y' THEN 1 ELSE 0 END AS agency
    FROM dim_period p
    CROSS JOIN params
    JOIN involvement i
      ON i.invo_involvement_start_date <= p.period_end
     AND (i.invo_involvement_end_date IS NULL OR i.invo_involvement_end_date > p.period_end)
    JOIN professional w ON w.prof_professional_id = i.invo_professional_id
    WHERE p.period_end = params.as_at AND p.period_type <> 'rolling_12_months'
)
SELECT 'agency_workers_pct' AS measure_id,
       p.period_type,
       p.period_start,
       p.period_end,
       coalesce(sum(h.agency), 0) AS numerator,
       count(h.invo_professional_id) AS denominator,
       CASE WHEN count(h.invo_professional_id) > 0 THEN 100.0 * sum(h.agency) / count(h.invo_professional_id) END AS value
FROM dim_period p
CROSS JOIN params
LEFT JOIN holding h ON h.period_type = p.period_type AND h.period_start = p.period_start
WHERE p.period_end = params.as_at AND p.period_type <> 'rolling_12_months'
GROUP BY p.period_type, p.period_start, p.period_end
