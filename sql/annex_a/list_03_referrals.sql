-- Annex A list 3: Referrals (standards §1.3). Every referral received in the six months up to the
-- as-at date; a child can appear several times. "Number of Referrals in Last 12 Months" counts the
-- child's referrals in the 12 months up to the as-at date less one (the current one), as the SSD
-- Annex A SQL does. Team and worker: the involvement open at the as-at date (at the referral's
-- closure when it closed before), else the referral's own; `_allocation_source` (not a workbook
-- column) says which.
WITH last_12m AS (
    SELECT r.cine_person_id, count(*) AS referrals
    FROM referral r
    CROSS JOIN params
    WHERE r.cine_referral_date >= params.as_at - INTERVAL '12 months' AND r.cine_referral_date <= params.as_at
    GROUP BY r.cine_person_id
),
listed AS (
    SELECT r.*, CASE WHEN r.cine_close_date <= params.as_at THEN r.cine_close_date ELSE params.as_at END AS allocation_day
    FROM referral r
    CROSS JOIN params
    WHERE r.cine_referral_date >= params.as_at - INTERVAL '6 months'
      AND r.cine_referral_date <= params.as_at
),
allocation AS (
    SELECT r.cine_referral_id, v.team, v.worker,
           row_number() OVER (PARTITION BY r.cine_referral_id ORDER BY v.start_date DESC, v.involvement_id DESC) AS latest
    FROM listed r
    JOIN annex_a_involvement v ON v.person_id = r.cine_person_id AND v.start_date <= r.allocation_day
                              AND (v.end_date IS NULL OR v.end_date >= r.allocation_day)
)
SELECT r.cine_person_id AS "Child Unique ID",
       p.gender AS "Gender",
       p.ethnicity AS "Ethnicity",
       p.date_of_birth AS "Date of Birth",
       p.age AS "Age of Child (Years)",
       r.cine_referral_date AS "Date of referral",
       coalesce(s.value, r.cine_referral_source_code) AS "Referral Source",
       coalesce(n.value, r.cine_referral_nfa) AS "Referral NFA?",
       CAST(coalesce(l.referrals, 1) - 1 AS BIGINT) AS "Number of Referrals in Last 12 Months",
       CASE WHEN a.cine_referral_id IS NOT NULL THEN a.team ELSE r.cine_referral_team END AS "Allocated Team",
       CASE WHEN a.cine_referral_id IS NOT NULL THEN a.worker ELSE coalesce(w.worker_name, r.cine_referral_worker_id) END AS "Allocated Worker",
       CASE WHEN a.cine_referral_id IS NOT NULL THEN 'involvement'
            WHEN r.cine_referral_team IS NOT NULL OR r.cine_referral_worker_id IS NOT NULL THEN 'referral' END AS "_allocation_source"
FROM listed r
CROSS JOIN params
LEFT JOIN annex_a_person p ON p.person_id = r.cine_person_id
LEFT JOIN ref_annex_a_value s ON s.domain = 'source' AND s.code = r.cine_referral_source_code
LEFT JOIN ref_annex_a_value n ON n.domain = 'yes_no' AND n.code = r.cine_referral_nfa
LEFT JOIN last_12m l ON l.cine_person_id = r.cine_person_id
LEFT JOIN annex_a_worker w ON w.worker_id = r.cine_referral_worker_id
LEFT JOIN allocation a ON a.cine_referral_id = r.cine_referral_id AND a.latest = 1
ORDER BY "Date of referral", "Child Unique ID", r.cine_referral_id
