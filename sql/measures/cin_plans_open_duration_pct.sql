-- measure: cin_plans_open_duration_pct — Open CIN plans open more than 12 and 24 months (%)
-- sources: cin_plan
-- publishes: cin_plans_open_over_12m_pct | percent | low | Open CIN plans open more than 12 months (%)
-- publishes: cin_plans_open_over_24m_pct | percent | low | Open CIN plans open more than 24 months (%)
-- Definition: docs/definitions.md §1.2 S15 (council report: 42% / 27%); local measure. CIN plan
--   dates are collected from the 2022 census.
-- Numerator: CIN plans open at D (start <= D, end null or > D) that started more than 12 (24)
--   calendar months before D. Denominator: CIN plans open at D. value: percent (0-100).
-- Time basis: snapshot at each month end and financial year end.
WITH thresholds (months, measure_id) AS (
    VALUES (12, 'cin_plans_open_over_12m_pct'), (24, 'cin_plans_open_over_24m_pct')
)
SELECT t.measure_id,
       p.period_type,
       p.period_start,
       p.period_end,
       count(CASE WHEN (t.months = 12 AND c.cinp_cin_plan_start_date < p.period_end - INTERVAL '12 months')
                    OR (t.months = 24 AND c.cinp_cin_plan_start_date < p.period_end - INTERVAL '24 months') THEN 1 END) AS numerator,
       count(c.cinp_cin_plan_id) AS denominator,
       CASE WHEN count(c.cinp_cin_plan_id) > 0
            THEN 100.0 * count(CASE WHEN (t.months = 12 AND c.cinp_cin_plan_start_date < p.period_end - INTERVAL '12 months')
                                      OR (t.months = 24 AND c.cinp_cin_plan_start_date < p.period_end - INTERVAL '24 months') THEN 1 END)
                 / count(c.cinp_cin_plan_id) END AS value
FROM dim_period p
CROSS JOIN thresholds t
LEFT JOIN cin_plan c
       ON c.cinp_cin_plan_start_date <= p.period_end
      AND (c.cinp_cin_plan_end_date IS NULL OR c.cinp_cin_plan_end_date > p.period_end)
WHERE p.period_type <> 'rolling_12_months'
GROUP BY t.measure_id, p.period_type, p.period_start, p.period_end
