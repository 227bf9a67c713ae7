-- measure: cpp_duration_bands — Child protection plans open at the period end by duration (%)
-- sources: cp_plan
-- distribution: CP plans open at D
-- publishes: cpp_duration_3m_or_less_pct | percent | neutral | Open CP plans open 3 months or less (%)
-- publishes: cpp_duration_3m_6m_pct | percent | neutral | Open CP plans open 3 to 6 months (%)
-- publishes: cpp_duration_6m_1y_pct | percent | neutral | Open CP plans open 6 months to 1 year (%)
-- publishes: cpp_duration_1y_2y_pct | percent | neutral | Open CP plans open 1 to 2 years (%)
-- publishes: cpp_duration_2y_plus_pct | percent | low | Open CP plans open 2 years or more (%)
-- Definition: DfE D5 (docs/definitions.md §1.2 S12-S13, §2.1): duration = D - plan start, in
--   calendar months (the boundary convention is UNKNOWN in DfE's text; calendar months as §2.1
--   advises): 3 months or less; more than 3 months but <= 6; more than 6 months but < 1 year;
--   1 year but < 2 years; 2 years or more. A plan exactly 2 years old at D is "2 years or more".
--   cpp_duration_2y_plus_pct is the D5-style "CP plans open > 2 years" (the D7 style, plans
--   ended lasting 2+ years, is cpp_ended_2y_plus_pct).
-- Numerator: plans open at D in the band. Denominator: plans open at D. value: percent (0-100).
-- Time basis: snapshot at each month end and financial year end.
SELECT p.period_type,
       p.period_start,
       p.period_end,
       c.cppl_cp_plan_id,
       CASE
           WHEN c.cppl_cp_plan_id IS NULL THEN NULL
           WHEN c.cppl_cp_plan_start_date >= p.period_end - INTERVAL '3 months' THEN 'cpp_duration_3m_or_less_pct'
           WHEN c.cppl_cp_plan_start_date >= p.period_end - INTERVAL '6 months' THEN 'cpp_duration_3m_6m_pct'
           WHEN c.cppl_cp_plan_start_date > p.period_end - INTERVAL '12 months' THEN 'cpp_duration_6m_1y_pct'
           WHEN c.cppl_cp_plan_start_date > p.period_end - INTERVAL '24 months' THEN 'cpp_duration_1y_2y_pct'
           ELSE 'cpp_duration_2y_plus_pct'
       END AS band
FROM dim_period p
LEFT JOIN cp_plan c
       ON c.cppl_cp_plan_start_date <= p.period_end
      AND (c.cppl_cp_plan_end_date IS NULL OR c.cppl_cp_plan_end_date > p.period_end)
WHERE p.period_type <> 'rolling_12_months'
