-- annex_a_person: the child columns every Annex A list starts with (standards §1.2), one row per
-- person: Ofsted's lettered Gender and Ethnicity (reference/annex_a/lettered_values.csv; a code
-- with no lettered value is shown as received), date of birth, age at the as-at date (age at last
-- birthday), "Does the Child have a Disability": a) Yes when any disability code other than
-- NONE is recorded, b) No when only NONE is, c) Unknown when nothing is recorded; and the child's
-- allocated team and worker: the most recently started involvement open at the as-at date.
WITH allocation AS (
    SELECT i.invo_person_id,
           i.invo_professional_team AS team,
           coalesce(w.worker_name, i.invo_professional_id) AS worker,
           row_number() OVER (PARTITION BY i.invo_person_id ORDER BY i.invo_involvement_start_date DESC, i.invo_involvements_id DESC) AS latest
    FROM involvement i
    CROSS JOIN params
    LEFT JOIN annex_a_worker w ON w.worker_id = i.invo_professional_id
    WHERE i.invo_involvement_start_date <= params.as_at
      AND (i.invo_involvement_end_date IS NULL OR i.invo_involvement_end_date > params.as_at)
),
disability_flag AS (
    SELECT disa_person_id,
           max(CASE WHEN upper(disa_disability_code) <> 'NONE' THEN 1 ELSE 0 END) AS has_disability
    FROM disability
    GROUP BY disa_person_id
)
SELECT p.pers_person_id AS person_id,
       coalesce(g.value, p.pers_sex) AS gender,
       coalesce(e.value, p.pers_ethnicity) AS ethnicity,
       p.pers_dob AS date_of_birth,
       age_at(p.pers_dob, params.as_at) AS age,
       CASE d.has_disability WHEN 1 THEN 'a) Yes' WHEN 0 THEN 'b) No' ELSE 'c) Unknown' END AS disability,
       a.team AS allocated_team,
       a.worker AS allocated_worker
FROM person p
CROSS JOIN params
LEFT JOIN ref_annex_a_value g ON g.domain = 'gender' AND g.code = p.pers_sex
LEFT JOIN ref_annex_a_value e ON e.domain = 'ethnicity' AND e.code = p.pers_ethnicity
LEFT JOIN disability_flag d ON d.disa_person_id = p.pers_person_id
LEFT JOIN allocation a ON a.invo_person_id = p.pers_person_id AND a.latest = 1
