-- measure: cpp_ended_duration_bands — Child protection plans ended in the period by how long they lasted (%)
-- sources: cp_plan
-- distribution: CP plans ended in the period
-- publishes: cpp_ended_3m_or_less_pct | percent | neutral | CP plans ended that lasted 3 months or less (%)
-- publishes: cpp_ended_3m_6m_pct | percent | neutral | CP plans ended that lasted 3 to 6 months (%)
-- publishes: cpp_ended_6m_1y_pct | percent | neutral | CP plans ended that lasted 6 months to 1 year (%)
-- publishes: cpp_ended_1y_2y_pct | percent | neutral | CP plans ended that lasted 1 to 2 years (%)
-- publishes: cpp_ended_2y_plus_pct | percent | low | Child protection plans ended that lasted 2 years or more (%)
-- Definition: DfE D7 (former NI 64; docs/definitions.md §0.7, §1.3, §2.1): plans that ended in
--   the period by duration = plan end - plan start, in calendar months (the start date plus N
--   months, as §2.1 advises), in D7's bands: 3 months or less (end <= start + 3 months); more than
--   3 months, up to 6 (end <= start + 6 months); more than 6 months, under a year (end < start + 12
--   months); 1 year, under 2 (end < start + 24 months); 2 years or more (end >= start + 24 months).
--   cpp_ended_2y_plus_pct is D7's headline (England 2024/25: 4.4%); the open-plan (D5) bands are
--   cpp_duration_bands.
-- Numerator: plans ended in the period in the band. Denominator: plans ended in the period.
-- Time basis: flow by plan end date. value: percent (0-100); the five bands add up to 100.
SELECT p.period_type,
       p.period_start,
       p.period_end,
       c.cppl_cp_plan_id,
       CASE
           WHEN c.cppl_cp_plan_id IS NULL THEN NULL
           WHEN c.cppl_cp_plan_end_date <= c.cppl_cp_plan_start_date + INTERVAL '3 months' THEN 'cpp_ended_3m_or_less_pct'
           WHEN c.cppl_cp_plan_end_date <= c.cppl_cp_plan_start_date + INTERVAL '6 months' THEN 'cpp_ended_3m_6m_pct'
           WHEN c.cppl_cp_plan_end_date < c.cppl_cp_plan_start_date + INTERVAL '12 months' THEN 'cpp_ended_6m_1y_pct'
           WHEN c.cppl_cp_plan_end_date < c.cppl_cp_plan_start_date + INTERVAL '24 months' THEN 'cpp_ended_1y_2y_pct'
           ELSE 'cpp_ended_2y_plus_pct'
       END AS band
FROM dim_period p
LEFT JOIN day_period d ON d.period_type = p.period_type AND d.period_start = p.period_start
LEFT JOIN cp_plan c ON c.cppl_cp_plan_end_date = d.day
