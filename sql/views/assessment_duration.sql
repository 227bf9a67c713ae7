-- assessment_duration: completed (authorised) single assessments with their duration in
-- working days from assessment start (N00159) to authorisation (N00160), counted as DfE's C2
-- tables count: elapsed working days, same day = 0 (docs/definitions.md §1.2 S4, §2.2, §3.2).
-- duration_band uses the C2 bands. Assessments authorised before they started keep a negative
-- duration and band 'invalid' so they stay visible.
SELECT a.cina_assessment_id,
       a.cina_person_id,
       a.cina_assessment_start_date,
       a.cina_assessment_auth_date,
       working_days(a.cina_assessment_start_date, a.cina_assessment_auth_date) AS duration_wd,
       CASE
           WHEN a.cina_assessment_start_date IS NULL THEN 'unknown'
           WHEN working_days(a.cina_assessment_start_date, a.cina_assessment_auth_date) < 0 THEN 'invalid'
           WHEN working_days(a.cina_assessment_start_date, a.cina_assessment_auth_date) = 0 THEN 'same_day'
           WHEN working_days(a.cina_assessment_start_date, a.cina_assessment_auth_date) <= 10 THEN '1_10'
           WHEN working_days(a.cina_assessment_start_date, a.cina_assessment_auth_date) <= 20 THEN '11_20'
           WHEN working_days(a.cina_assessment_start_date, a.cina_assessment_auth_date) <= 30 THEN '21_30'
           WHEN working_days(a.cina_assessment_start_date, a.cina_assessment_auth_date) <= 40 THEN '31_40'
           WHEN working_days(a.cina_assessment_start_date, a.cina_assessment_auth_date) <= 45 THEN '41_45'
           WHEN working_days(a.cina_assessment_start_date, a.cina_assessment_auth_date) <= 50 THEN '46_50'
           WHEN working_days(a.cina_assessment_start_date, a.cina_assessment_auth_date) <= 60 THEN '51_60'
           ELSE '61_plus'
       END AS duration_band
FROM assessment a
WHERE a.cina_assessment_auth_date IS NOT NULL
