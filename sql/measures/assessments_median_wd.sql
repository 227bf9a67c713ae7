-- measure: assessments_median_wd — Median working days to complete an assessment
-- sources: assessment
-- publishes: assessments_median_wd | days | low | Median working days to complete an assessment
-- Definition: DfE C2 median duration (docs/definitions.md §2.2), elapsed working days from
--   start to authorisation. With an even number of assessments the median is the mean of the
--   two middle values. Assessments with no start date or authorised before they started are
--   left out.
-- Numerator: number of assessments the median is taken over. Denominator: none.
-- value: median working days. Time basis: flow by authorisation date.
SELECT 'assessments_median_wd' AS measure_id,
       p.period_type,
       p.period_start,
       p.period_end,
       count(a.duration_wd) AS numerator,
       CAST(NULL AS BIGINT) AS denominator,
       median(CAST(a.duration_wd AS DOUBLE)) AS value
FROM dim_period p
LEFT JOIN day_period d ON d.period_type = p.period_type AND d.period_start = p.period_start
LEFT JOIN assessment_duration a ON a.cina_assessment_auth_date = d.day AND a.duration_wd >= 0
GROUP BY p.period_type, p.period_start, p.period_end
