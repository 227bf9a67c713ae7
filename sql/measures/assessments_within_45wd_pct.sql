-- measure: assessments_within_45wd_pct — Assessments completed within 45 working days (%)
-- sources: assessment
-- publishes: assessments_within_45wd_pct | percent | high | Assessments completed within 45 working days (%)
-- Definition: docs/definitions.md §1.2 S4; statutory maximum 45 working days (Working Together).
--   Duration from assessment start (N00159) to authorisation (N00160) in elapsed working days,
--   England and Wales bank holidays excluded, as DfE's C2 bands count it: "within" = the bands
--   same day + 1-10 + ... + 41-45, i.e. duration_wd <= 45 (view assessment_duration).
-- Numerator: assessments completed in the period with 0 <= duration_wd <= 45. Denominator: all
--   assessments completed in the period. Time basis: flow by authorisation date.
-- value: percent (0-100). Assessments with no start date count in the denominator only.
SELECT 'assessments_within_45wd_pct' AS measure_id,
       p.period_type,
       p.period_start,
       p.period_end,
       count(CASE WHEN a.duration_wd BETWEEN 0 AND 45 THEN 1 END) AS numerator,
       count(a.cina_assessment_id) AS denominator,
       CASE WHEN count(a.cina_assessment_id) > 0
            THEN 100.0 * count(CASE WHEN a.duration_wd BETWEEN 0 AND 45 THEN 1 END) / count(a.cina_assessment_id) END AS value
FROM dim_period p
LEFT JOIN day_period d ON d.period_type = p.period_type AND d.period_start = p.period_start
LEFT JOIN assessment_duration a ON a.cina_assessment_auth_date = d.day
GROUP BY p.period_type, p.period_start, p.period_end
