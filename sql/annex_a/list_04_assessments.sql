-- Annex A list 4: Assessments (standards §1.3). Assessments open at any time in the six months up
-- to the as-at date: started on or before it and authorised on or after as_at - 6 months, or not
-- yet authorised (the SSD Annex A rule). "Was the child assessed as requiring LA children's social
-- care support?" is the inverse of the assessment's NFA flag, blank until it is authorised.
SELECT a.cina_person_id AS "Child Unique ID",
       p.gender AS "Gender",
       p.ethnicity AS "Ethnicity",
       p.date_of_birth AS "Date of Birth",
       p.age AS "Age of Child (Years)",
       coalesce(p.disability, 'c) Unknown') AS "Does the Child have a Disability",
       a.cina_assessment_start_date AS "Continuous Assessment Start Date",
       coalesce(s.value, 'c) Unknown') AS "Child Seen During Continuous Assessment",
       a.cina_assessment_auth_date AS "Continuous Assessment Date of Authorisation",
       CASE WHEN a.cina_assessment_auth_date IS NULL OR a.cina_assessment_auth_date > params.as_at THEN NULL
            WHEN a.cina_assessment_outcome_nfa = 'Y' THEN 'b) No'
            WHEN a.cina_assessment_outcome_nfa = 'N' THEN 'a) Yes' END
           AS "Was the child assessed as requiring LA children's social care support?",
       a.cina_assessment_team AS "Allocated Team",
       coalesce(w.prof_professional_name, a.cina_assessment_worker_id) AS "Allocated Worker"
FROM assessment a
CROSS JOIN params
LEFT JOIN annex_a_person p ON p.person_id = a.cina_person_id
LEFT JOIN ref_annex_a_value s ON s.domain = 'yes_no_unknown' AND s.code = a.cina_assessment_child_seen
LEFT JOIN professional w ON w.prof_professional_id = a.cina_assessment_worker_id
WHERE a.cina_assessment_start_date <= params.as_at
  AND (a.cina_assessment_auth_date IS NULL OR a.cina_assessment_auth_date >= params.as_at - INTERVAL '6 months')
ORDER BY "Continuous Assessment Start Date", "Child Unique ID", a.cina_assessment_id
