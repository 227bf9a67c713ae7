-- measure: assessment_duration_bands — Completed assessments by duration band (%)
-- sources: assessment
-- publishes: assessments_wd_same_day | percent | neutral | Assessments completed the same day (%)
-- publishes: assessments_wd_1_10 | percent | neutral | Assessments completed in 1-10 working days (%)
-- publishes: assessments_wd_11_20 | percent | neutral | Assessments completed in 11-20 working days (%)
-- publishes: assessments_wd_21_30 | percent | neutral | Assessments completed in 21-30 working days (%)
-- publishes: assessments_wd_31_40 | percent | neutral | Assessments completed in 31-40 working days (%)
-- publishes: assessments_wd_41_45 | percent | neutral | Assessments completed in 41-45 working days (%)
-- publishes: assessments_wd_46_50 | percent | low | Assessments completed in 46-50 working days (%)
-- publishes: assessments_wd_51_60 | percent | low | Assessments completed in 51-60 working days (%)
-- publishes: assessments_wd_61_plus | percent | low | Assessments completed in 61 or more working days (%)
-- Definition: DfE C2 duration bands (docs/definitions.md §2.2): started and finished the same
--   day, 1-10, 11-20, 21-30, 31-40, 41-45, 46-50, 51-60, 61+ working days (elapsed).
-- Numerator: assessments completed in the period in the band. Denominator: all assessments
--   completed in the period. Time basis: flow by authorisation date. value: percent (0-100).
WITH bands (band, measure_id) AS (
    VALUES ('same_day', 'assessments_wd_same_day'), ('1_10', 'assessments_wd_1_10'), ('11_20', 'assessments_wd_11_20'),
           ('21_30', 'assessments_wd_21_30'), ('31_40', 'assessments_wd_31_40'), ('41_45', 'assessments_wd_41_45'),
           ('46_50', 'assessments_wd_46_50'), ('51_60', 'assessments_wd_51_60'), ('61_plus', 'assessments_wd_61_plus')
),
-- Each period's assessments counted by band once; the bands are joined to the counts, not to
-- every assessment.
counted AS (
    SELECT p.period_type, p.period_start, a.duration_band, count(a.cina_assessment_id) AS assessments
    FROM dim_period p
    JOIN day_period d ON d.period_type = p.period_type AND d.period_start = p.period_start
    JOIN assessment_duration a ON a.cina_assessment_auth_date = d.day
    GROUP BY p.period_type, p.period_start, a.duration_band
),
totals AS (
    SELECT period_type, period_start, sum(assessments) AS assessments
    FROM counted
    GROUP BY period_type, period_start
)
SELECT b.measure_id,
       p.period_type,
       p.period_start,
       p.period_end,
       coalesce(c.assessments, 0) AS numerator,
       coalesce(t.assessments, 0) AS denominator,
       CASE WHEN t.assessments > 0 THEN 100.0 * coalesce(c.assessments, 0) / t.assessments END AS value
FROM dim_period p
CROSS JOIN bands b
LEFT JOIN totals t ON t.period_type = p.period_type AND t.period_start = p.period_start
LEFT JOIN counted c ON c.period_type = p.period_type AND c.period_start = p.period_start AND c.duration_band = b.band
