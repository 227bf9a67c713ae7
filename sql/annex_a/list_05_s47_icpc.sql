-- Annex A list 5: Section 47 enquiries and ICPCs (standards §1.3). Every S47 enquiry started in
-- the six months up to the as-at date, plus earlier ones still open; one row per enquiry.
-- "ICPC deemed unnecessary" is the S47's NFA flag once the enquiry has ended; the ICPC is the one
-- linked to the enquiry; the 12-month counts are the child's S47s (less the current one) and
-- ICPCs in the 12 months up to the as-at date.
WITH s47_12m AS (
    SELECT s.s47e_person_id, count(*) AS n
    FROM s47_enquiry s CROSS JOIN params
    WHERE s.s47e_s47_start_date >= params.as_at - INTERVAL '12 months' AND s.s47e_s47_start_date <= params.as_at
    GROUP BY s.s47e_person_id
),
icpc_12m AS (
    SELECT i.icpc_person_id, count(*) AS n
    FROM icpc i CROSS JOIN params
    WHERE i.icpc_icpc_date >= params.as_at - INTERVAL '12 months' AND i.icpc_icpc_date <= params.as_at
    GROUP BY i.icpc_person_id
),
linked_icpc AS (
    SELECT icpc_s47_enquiry_id, min(icpc_icpc_date) AS icpc_date, max(icpc_icpc_outcome_cp_flag) AS cp_flag
    FROM icpc CROSS JOIN params
    WHERE icpc_icpc_date <= params.as_at
    GROUP BY icpc_s47_enquiry_id
)
SELECT s.s47e_person_id AS "Child Unique ID",
       p.gender AS "Gender",
       p.ethnicity AS "Ethnicity",
       p.date_of_birth AS "Date of Birth",
       p.age AS "Age of Child (Years)",
       coalesce(p.disability, 'c) Unknown') AS "Does the Child have a Disability",
       s.s47e_s47_start_date AS "Strategy discussion initiating Section 47 Enquiry Start Date",
       CASE WHEN s.s47e_s47_end_date IS NULL OR s.s47e_s47_end_date > params.as_at THEN NULL
            WHEN s.s47e_s47_nfa = 'Y' THEN 'a) Yes'
            WHEN s.s47e_s47_nfa = 'N' THEN 'b) No' END AS "Was an Initial Child Protection Conference deemed unnecessary?",
       i.icpc_date AS "Date of Initial Child Protection Conference",
       CASE WHEN i.icpc_date IS NULL THEN NULL
            WHEN i.cp_flag = 'Y' THEN 'a) Yes' WHEN i.cp_flag = 'N' THEN 'b) No' ELSE 'c) Unknown' END
           AS "Did the Initial Child Protection Conference Result in a Child Protection Plan",
       CAST(greatest(coalesce(a.n, 1) - 1, 0) AS BIGINT) AS "Number of Section 47 Enquiries in the last 12 months",
       CAST(coalesce(b.n, 0) AS BIGINT) AS "Number of ICPCs in the last 12 months",
       s.s47e_s47_completed_by_team AS "Allocated Team",
       coalesce(w.prof_professional_name, s.s47e_s47_completed_by_worker_id) AS "Allocated Worker"
FROM s47_enquiry s
CROSS JOIN params
LEFT JOIN annex_a_person p ON p.person_id = s.s47e_person_id
LEFT JOIN linked_icpc i ON i.icpc_s47_enquiry_id = s.s47e_s47_enquiry_id
LEFT JOIN s47_12m a ON a.s47e_person_id = s.s47e_person_id
LEFT JOIN icpc_12m b ON b.icpc_person_id = s.s47e_person_id
LEFT JOIN professional w ON w.prof_professional_id = s.s47e_s47_completed_by_worker_id
WHERE s.s47e_s47_start_date <= params.as_at
  AND (s.s47e_s47_start_date >= params.as_at - INTERVAL '6 months'
       OR s.s47e_s47_end_date IS NULL OR s.s47e_s47_end_date > params.as_at)
ORDER BY "Strategy discussion initiating Section 47 Enquiry Start Date", "Child Unique ID", s.s47e_s47_enquiry_id
