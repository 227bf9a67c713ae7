-- list: assessment_open_45wd | Assessments open past 45 working days
-- sources: assessment
-- Assessments started on or before the as-at date and not authorised by it, started more than
-- 45 working days ago. Rule: Working Together to Safeguard Children 2023: an assessment is
-- completed within 45 working days of the referral (this list counts from the assessment
-- start, as the DfE CIN census timeliness measure does). One row per child (the oldest).
WITH open_assessment AS (
    SELECT a.cina_person_id AS person_id, min(a.cina_assessment_start_date) AS started
    FROM assessment a CROSS JOIN params
    WHERE a.cina_assessment_start_date <= params.as_at
      AND (a.cina_assessment_auth_date IS NULL OR a.cina_assessment_auth_date > params.as_at)
    GROUP BY a.cina_person_id
)
SELECT params.la_code,
       o.person_id,
       trim(concat_ws(' ', p.pers_forename, p.pers_surname)) AS name,
       coalesce(ap.allocated_team, 'not allocated') AS team,
       coalesce(ap.allocated_worker, 'not allocated') AS worker,
       'assessment_open_45wd' AS list,
       'assessment started' AS event,
       o.started AS event_date,
       add_working_days(o.started, 45) AS due_date,
       working_days(add_working_days(o.started, 45), params.as_at) AS days_overdue,
       'assessment completed within 45 working days (Working Together to Safeguard Children 2023; working days)' AS rule
FROM open_assessment o
CROSS JOIN params
LEFT JOIN person p ON p.pers_person_id = o.person_id
LEFT JOIN annex_a_person ap ON ap.person_id = o.person_id
WHERE working_days(add_working_days(o.started, 45), params.as_at) > 0
