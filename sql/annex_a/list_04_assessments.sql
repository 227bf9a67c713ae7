-- Annex A list 4: Assessments (standards §1.3). Assessments open at any time in the six months up
-- to the as-at date: started on or before it and authorised on or after as_at - 6 months, or not
-- yet authorised (the SSD Annex A rule; interpretation: open in the window, not only started in
-- it). "Was the child assessed as requiring LA children's social care support?" is the inverse of
-- the assessment's NFA flag, blank until it is authorised; an authorisation after the as-at date
-- is not known yet and is blank. Team and worker: the involvement open at the as-at date (at the
-- authorisation when earlier), else the assessment's own; `_allocation_source` says which.
WITH listed AS (
    SELECT a.*, CASE WHEN a.cina_assessment_auth_date <= params.as_at THEN a.cina_assessment_auth_date ELSE params.as_at END AS allocation_day
    FROM assessment a
    CROSS JOIN params
    WHERE a.cina_assessment_start_date <= params.as_at
      AND (a.cina_assessment_auth_date IS NULL OR a.cina_assessment_auth_date >= params.as_at - INTERVAL '6 months')
),
allocation AS (
    SELECT a.cina_assessment_id, v.team, v.worker,
           row_number() OVER (PARTITION BY a.cina_assessment_id ORDER BY v.start_date DESC, v.involvement_id DESC) AS latest
    FROM listed a
    JOIN annex_a_involvement v ON v.person_id = a.cina_person_id AND v.start_date <= a.allocation_day
                              AND (v.end_date IS NULL OR v.end_date >= a.allocation_day)
)
SELECT a.cina_person_id AS "Child Unique ID",
       p.gender AS "Gender",
       p.ethnicity AS "Ethnicity",
       p.date_of_birth AS "Date of Birth",
       p.age AS "Age of Child (Years)",
       coalesce(p.disability, 'c) Unknown') AS "Does the Child have a Disability",
       a.cina_assessment_start_date AS "Continuous Assessment Start Date",
       coalesce(s.value, 'c) Unknown') AS "Child Seen During Continuous Assessment",
       CASE WHEN a.cina_assessment_auth_date <= params.as_at THEN a.cina_assessment_auth_date END AS "Continuous Assessment Date of Authorisation",
       CASE WHEN a.cina_assessment_auth_date IS NULL OR a.cina_assessment_auth_date > params.as_at THEN NULL
            WHEN a.cina_assessment_outcome_nfa = 'Y' THEN 'b) No'
            WHEN a.cina_assessment_outcome_nfa = 'N' THEN 'a) Yes' END
           AS "Was the child assessed as requiring LA children's social care support?",
       CASE WHEN al.cina_assessment_id IS NOT NULL THEN al.team ELSE a.cina_assessment_team END AS "Allocated Team",
       CASE WHEN al.cina_assessment_id IS NOT NULL THEN al.worker ELSE coalesce(w.worker_name, a.cina_assessment_worker_id) END AS "Allocated Worker",
       CASE WHEN al.cina_assessment_id IS NOT NULL THEN 'involvement'
            WHEN a.cina_assessment_team IS NOT NULL OR a.cina_assessment_worker_id IS NOT NULL THEN 'assessment' END AS "_allocation_source"
FROM listed a
CROSS JOIN params
LEFT JOIN annex_a_person p ON p.person_id = a.cina_person_id
LEFT JOIN ref_annex_a_value s ON s.domain = 'yes_no_unknown' AND s.code = a.cina_assessment_child_seen
LEFT JOIN annex_a_worker w ON w.worker_id = a.cina_assessment_worker_id
LEFT JOIN allocation al ON al.cina_assessment_id = a.cina_assessment_id AND al.latest = 1
ORDER BY "Continuous Assessment Start Date", "Child Unique ID", a.cina_assessment_id
