-- measure: assessments_completed — Single (child and family) assessments completed
-- sources: assessment
-- publishes: assessments_completed | count | neutral | Single (child and family) assessments completed
-- Definition: docs/definitions.md §1.2 S3; DfE C2 Assessments_completed. An assessment is
--   completed when it is authorised (AssessmentAuthorisationDate, N00160).
-- Numerator: assessments whose cina_assessment_auth_date falls in the period (assessments, not
--   children). Denominator: none. value = numerator. Time basis: flow by authorisation date.
SELECT 'assessments_completed' AS measure_id,
       p.period_type,
       p.period_start,
       p.period_end,
       count(a.cina_assessment_id) AS numerator,
       CAST(NULL AS BIGINT) AS denominator,
       CAST(count(a.cina_assessment_id) AS DOUBLE) AS value
FROM dim_period p
LEFT JOIN day_period d ON d.period_type = p.period_type AND d.period_start = p.period_start
LEFT JOIN assessment a ON a.cina_assessment_auth_date = d.day
GROUP BY p.period_type, p.period_start, p.period_end
