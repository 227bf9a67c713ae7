-- Annex A list 5: Section 47 enquiries and ICPCs (standards §1.3). Every S47 enquiry started in
-- the six months up to the as-at date, plus earlier ones still open; one row per enquiry.
-- "ICPC deemed unnecessary" is the S47's NFA flag once the enquiry has ended; the ICPC is the one
-- linked to the enquiry; the 12-month counts are the child's S47s (less the current one) and
-- ICPCs in the 12 months up to the as-at date. Team and worker: the involvement open at the as-at
-- date (at the enquiry's end when earlier), else the enquiry's own; `_allocation_source` says which.
WITH listed AS (
    SELECT s.*, CASE WHEN s.s47e_s47_end_date <= params.as_at THEN s.s47e_s47_end_date ELSE params.as_at END AS allocation_day
    FROM s47_enquiry s
    CROSS JOIN params
    WHERE s.s47e_s47_start_date <= params.as_at
      AND (s.s47e_s47_start_date >= params.as_at - INTERVAL '6 months'
           OR s.s47e_s47_end_date IS NULL OR s.s47e_s47_end_date > params.as_at)
),
allocation AS (
    SELECT s.s47e_s47_enquiry_id, v.team, v.worker,
           row_number() OVER (PARTITION BY s.s47e_s47_enquiry_id ORDER BY v.start_date DESC, v.involvement_id DESC) AS latest
    FROM listed s
    JOIN annex_a_involvement v ON v.person_id = s.s47e_person_id AND v.start_date <= s.allocation_day
                              AND (v.end_date IS NULL OR v.end_date >= s.allocation_day)
), s47_12m AS (
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
       CASE WHEN al.s47e_s47_enquiry_id IS NOT NULL THEN al.team ELSE s.s47e_s47_completed_by_team END AS "Allocated Team",
       CASE WHEN al.s47e_s47_enquiry_id IS NOT NULL THEN al.worker ELSE coalesce(w.worker_name, s.s47e_s47_completed_by_worker_id) END AS "Allocated Worker",
       CASE WHEN al.s47e_s47_enquiry_id IS NOT NULL THEN 'involvement'
            WHEN s.s47e_s47_completed_by_team IS NOT NULL OR s.s47e_s47_completed_by_worker_id IS NOT NULL THEN 's47 enquiry' END AS "_allocation_source"
FROM listed s
CROSS JOIN params
LEFT JOIN annex_a_person p ON p.person_id = s.s47e_person_id
LEFT JOIN linked_icpc i ON i.icpc_s47_enquiry_id = s.s47e_s47_enquiry_id
LEFT JOIN s47_12m a ON a.s47e_person_id = s.s47e_person_id
LEFT JOIN icpc_12m b ON b.icpc_person_id = s.s47e_person_id
LEFT JOIN annex_a_worker w ON w.worker_id = s.s47e_s47_completed_by_worker_id
LEFT JOIN allocation al ON al.s47e_s47_enquiry_id = s.s47e_s47_enquiry_id AND al.latest = 1
ORDER BY "Strategy discussion initiating Section 47 Enquiry Start Date", "Child Unique ID", s.s47e_s47_enquiry_id
