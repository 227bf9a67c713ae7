-- breakdown: assessments_completed, assessments_within_45wd_pct
-- Assessments by authorisation date (as sql/measures/assessments_completed.sql): one row per
-- assessment; within 45 working days (as assessments_within_45wd_pct.sql, view
-- assessment_duration): num = 1 when it took 0-45 working days.
SELECT 'assessments_completed' AS measure_id,
       d.period_type,
       d.period_start,
       a.cina_person_id AS person_id,
       a.cina_assessment_auth_date AS on_date,
       CAST(1 AS BIGINT) AS num,
       CAST(NULL AS BIGINT) AS den,
       a.cina_assessment_team AS event_team,
       CAST(a.cina_assessment_worker_id AS VARCHAR) AS event_worker,
       CAST(NULL AS VARCHAR) AS source,
       CAST(NULL AS VARCHAR) AS abuse_category,
       CAST(NULL AS VARCHAR) AS placement_type,
       CAST(NULL AS VARCHAR) AS placement_provider,
       CAST(NULL AS VARCHAR) AS legal_status
FROM assessment a
JOIN day_period d ON d.day = a.cina_assessment_auth_date
WHERE d.period_type <> 'rolling_12_months' AND a.cina_assessment_id IS NOT NULL
UNION ALL
SELECT 'assessments_within_45wd_pct',
       d.period_type,
       d.period_start,
       t.cina_person_id,
       t.cina_assessment_auth_date,
       CAST(CASE WHEN t.duration_wd BETWEEN 0 AND 45 THEN 1 ELSE 0 END AS BIGINT),
       CAST(1 AS BIGINT),
       a.cina_assessment_team,
       CAST(a.cina_assessment_worker_id AS VARCHAR),
       CAST(NULL AS VARCHAR),
       CAST(NULL AS VARCHAR),
       CAST(NULL AS VARCHAR),
       CAST(NULL AS VARCHAR),
       CAST(NULL AS VARCHAR)
FROM assessment_duration t
JOIN assessment a ON a.cina_assessment_id = t.cina_assessment_id
JOIN day_period d ON d.day = t.cina_assessment_auth_date
WHERE d.period_type <> 'rolling_12_months' AND t.cina_assessment_id IS NOT NULL
