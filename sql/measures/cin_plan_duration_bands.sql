-- measure: cin_plan_duration_bands — Child in need plans open at the period end by how long they have been open (%)
-- sources: cin_plan
-- distribution: CIN plans open at D
-- publishes: cin_plan_duration_3m_or_less_pct | percent | neutral | Open CIN plans open 3 months or less (%)
-- publishes: cin_plan_duration_3m_6m_pct | percent | neutral | Open CIN plans open 3 to 6 months (%)
-- publishes: cin_plan_duration_6m_1y_pct | percent | neutral | Open CIN plans open 6 months to 1 year (%)
-- publishes: cin_plan_duration_1y_2y_pct | percent | neutral | Open CIN plans open 1 to 2 years (%)
-- publishes: cin_plan_duration_2y_plus_pct | percent | low | Open CIN plans open 2 years or more (%)
-- Definition: local measure (docs/definitions.md §1.2 S15, §2.3): DfE publishes CIN by duration of
--   the open case (from the referral), not of the plan, and its CIN band labels are UNKNOWN, so
--   this uses the CP plan bands of §2.1 on CIN plans open at D (start <= D, end null or > D),
--   duration = D - plan start in calendar months: 3 months or less (start >= D - 3 months); more
--   than 3, up to 6 (>= D - 6 months); more than 6 months, under a year (> D - 12 months); 1 year,
--   under 2 (> D - 24 months); 2 years or more. cin_plans_open_duration_pct gives the council's
--   cumulative "open more than 12 / 24 months" shares.
-- Numerator: CIN plans open at D in the band. Denominator: CIN plans open at D. value: percent
--   (0-100); the five bands add up to 100. Time basis: snapshot at month and financial year ends.
SELECT p.period_type,
       p.period_start,
       p.period_end,
       c.cinp_cin_plan_id,
       CASE
           WHEN c.cinp_cin_plan_id IS NULL THEN NULL
           WHEN c.cinp_cin_plan_start_date >= p.period_end - INTERVAL '3 months' THEN 'cin_plan_duration_3m_or_less_pct'
           WHEN c.cinp_cin_plan_start_date >= p.period_end - INTERVAL '6 months' THEN 'cin_plan_duration_3m_6m_pct'
           WHEN c.cinp_cin_plan_start_date > p.period_end - INTERVAL '12 months' THEN 'cin_plan_duration_6m_1y_pct'
           WHEN c.cinp_cin_plan_start_date > p.period_end - INTERVAL '24 months' THEN 'cin_plan_duration_1y_2y_pct'
           ELSE 'cin_plan_duration_2y_plus_pct'
       END AS band
FROM dim_period p
LEFT JOIN cin_plan c
       ON c.cinp_cin_plan_start_date <= p.period_end
      AND (c.cinp_cin_plan_end_date IS NULL OR c.cinp_cin_plan_end_date > p.period_end)
WHERE p.period_type <> 'rolling_12_months'
