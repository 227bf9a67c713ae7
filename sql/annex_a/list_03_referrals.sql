-- Annex A list 3: Referrals (standards §1.3). Every referral received in the six months up to the
-- as-at date; a child can appear several times. "Number of Referrals in Last 12 Months" counts the
-- child's referrals in the 12 months up to the as-at date less one (the current one), as the SSD
-- Annex A SQL does. Team and worker are the referral's.
WITH last_12m AS (
    SELECT r.cine_person_id, count(*) AS referrals
    FROM referral r
    CROSS JOIN params
    WHERE r.cine_referral_date >= params.as_at - INTERVAL '12 months' AND r.cine_referral_date <= params.as_at
    GROUP BY r.cine_person_id
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
       r.cine_referral_team AS "Allocated Team",
       coalesce(w.prof_professional_name, r.cine_referral_worker_id) AS "Allocated Worker"
FROM referral r
CROSS JOIN params
LEFT JOIN annex_a_person p ON p.person_id = r.cine_person_id
LEFT JOIN ref_annex_a_value s ON s.domain = 'source' AND s.code = r.cine_referral_source_code
LEFT JOIN ref_annex_a_value n ON n.domain = 'yes_no' AND n.code = r.cine_referral_nfa
LEFT JOIN last_12m l ON l.cine_person_id = r.cine_person_id
LEFT JOIN professional w ON w.prof_professional_id = r.cine_referral_worker_id
WHERE r.cine_referral_date >= params.as_at - INTERVAL '6 months'
  AND r.cine_referral_date <= params.as_at
ORDER BY "Date of referral", "Child Unique ID", r.cine_referral_id
