-- Annex A list 9: Care leavers (standards §1.3). Everyone eligible for leaving-care services at
-- the as-at date (every row of ssd_care_leavers: the table holds the current position); no
-- look-back window. UASC: an immigration status UASC recorded at any time (formerly UASC counts).
WITH uasc AS (
    SELECT DISTINCT immi_person_id FROM immigration_status WHERE upper(immi_immigration_status) = 'UASC'
)
SELECT c.clea_person_id AS "Child Unique ID",
       p.gender AS "Gender",
       p.ethnicity AS "Ethnicity",
       p.date_of_birth AS "Date of Birth",
       p.age AS "Age of Child (Years)",
       CASE WHEN u.immi_person_id IS NULL THEN 'b) No' ELSE 'a) Yes' END AS "Unaccompanied Asylum Seeking Child (UASC), or formerly UASC if 18 or over (Y/N)",
       coalesce(p.disability, 'c) Unknown') AS "Does the Child have a Disability",
       c.clea_care_leaver_allocated_team AS "Allocated Team",
       coalesce(w.prof_professional_name, c.clea_care_leaver_worker_id) AS "Allocated Worker",
       c.clea_care_leaver_personal_advisor AS "Allocated Personal Advisor",
       c.clea_care_leaver_eligibility AS "Eligibility Category",
       c.clea_pathway_plan_review_date AS "Latest Pathway Plan Review Date",
       coalesce(t.value, c.clea_care_leaver_in_touch) AS "LA in Touch",
       c.clea_care_leaver_latest_contact AS "Latest Date of Contact",
       c.clea_care_leaver_accommodation AS "Type of Accommodation",
       coalesce(s.value, c.clea_care_leaver_accom_suitable) AS "Suitability of Accommodation",
       c.clea_care_leaver_activity AS "Activity Status"
FROM care_leaver c
LEFT JOIN annex_a_person p ON p.person_id = c.clea_person_id
LEFT JOIN ref_annex_a_value t ON t.domain = 'in_touch' AND t.code = upper(trim(c.clea_care_leaver_in_touch))
LEFT JOIN ref_annex_a_value s ON s.domain = 'suitability' AND s.code = upper(trim(c.clea_care_leaver_accom_suitable))
LEFT JOIN professional w ON w.prof_professional_id = c.clea_care_leaver_worker_id
LEFT JOIN uasc u ON u.immi_person_id = c.clea_person_id
ORDER BY "Child Unique ID"
