-- Annex A list 6: Children in need (standards §1.3). CIN episodes (referrals not ending in NFA)
-- open at the as-at date or at any time in the six months before it. "Date Child Was Last Seen"
-- is the latest CIN, CP or CLA visit with the child seen, within the episode and on or before the
-- as-at date. "Case Status" follows the SSD Annex A precedence: closed episode > looked after
-- (short breaks excluded) > child protection plan > child in need plan > open assessment >
-- child in need plan (default). One row per episode (interpretation: a child with two episodes in
-- the window has two rows). Team and worker: who holds the case now, the involvement open at the
-- as-at date (at the episode's closure when it closed before), else the referral's own team and
-- worker; `_allocation_source` (not a workbook column) says which.
WITH episodes AS (
    SELECT r.*, CASE WHEN r.cine_close_date <= params.as_at THEN r.cine_close_date ELSE params.as_at END AS allocation_day
    FROM referral r CROSS JOIN params
    WHERE coalesce(r.cine_referral_nfa, 'N') <> 'Y'
      AND r.cine_referral_date <= params.as_at
      AND (r.cine_close_date IS NULL OR r.cine_close_date >= params.as_at - INTERVAL '6 months')
),
visits AS (
    SELECT cinv_person_id AS person_id, cinv_cin_visit_date AS visit_date FROM cin_visit WHERE coalesce(cinv_cin_visit_seen, 'Y') <> 'N'
    UNION ALL
    SELECT cppv_person_id, cppv_cp_visit_date FROM cp_visit WHERE coalesce(cppv_cp_visit_seen, 'Y') <> 'N'
    UNION ALL
    SELECT clav_person_id, clav_cla_visit_date FROM cla_visit WHERE coalesce(clav_cla_visit_seen, 'Y') <> 'N'
),
last_seen AS (
    SELECT e.cine_referral_id, max(v.visit_date) AS seen
    FROM episodes e CROSS JOIN params
    JOIN visits v ON v.person_id = e.cine_person_id
                 AND v.visit_date >= e.cine_referral_date
                 AND v.visit_date <= coalesce(e.cine_close_date, params.as_at)
                 AND v.visit_date <= params.as_at
    GROUP BY e.cine_referral_id
),
looked_after_now AS (
    SELECT DISTINCT c.clae_person_id AS person_id
    FROM cla_episode_in_care c CROSS JOIN params
    WHERE c.clae_cla_episode_start_date <= params.as_at
      AND (c.clae_cla_episode_ceased_date IS NULL OR c.clae_cla_episode_ceased_date > params.as_at)
),
cp_plan_now AS (
    SELECT DISTINCT c.cppl_person_id AS person_id
    FROM cp_plan c CROSS JOIN params
    WHERE c.cppl_cp_plan_start_date <= params.as_at
      AND (c.cppl_cp_plan_end_date IS NULL OR c.cppl_cp_plan_end_date > params.as_at)
),
cin_plan_now AS (
    SELECT DISTINCT c.cinp_person_id AS person_id
    FROM cin_plan c CROSS JOIN params
    WHERE c.cinp_cin_plan_start_date <= params.as_at
      AND (c.cinp_cin_plan_end_date IS NULL OR c.cinp_cin_plan_end_date > params.as_at)
),
assessment_now AS (
    SELECT DISTINCT a.cina_person_id AS person_id
    FROM assessment a CROSS JOIN params
    WHERE a.cina_assessment_start_date <= params.as_at
      AND (a.cina_assessment_auth_date IS NULL OR a.cina_assessment_auth_date > params.as_at)
),
allocation AS (
    SELECT e.cine_referral_id, v.team, v.worker,
           row_number() OVER (PARTITION BY e.cine_referral_id ORDER BY v.start_date DESC, v.involvement_id DESC) AS latest
    FROM episodes e
    JOIN annex_a_involvement v ON v.person_id = e.cine_person_id AND v.start_date <= e.allocation_day
                              AND (v.end_date IS NULL OR v.end_date >= e.allocation_day)
),
status AS (
    SELECT e.cine_referral_id,
           CASE
               WHEN e.cine_close_date IS NOT NULL AND e.cine_close_date <= params.as_at THEN 'e) Closed episode'
               WHEN la.person_id IS NOT NULL THEN 'a) Looked after child'
               WHEN cp.person_id IS NOT NULL THEN 'b) Child Protection plan'
               WHEN cin.person_id IS NOT NULL THEN 'c) Child in need plan'
               WHEN asm.person_id IS NOT NULL THEN 'd) Open assessment'
               ELSE 'c) Child in need plan'
           END AS case_status
    FROM episodes e
    CROSS JOIN params
    LEFT JOIN looked_after_now la ON la.person_id = e.cine_person_id
    LEFT JOIN cp_plan_now cp ON cp.person_id = e.cine_person_id
    LEFT JOIN cin_plan_now cin ON cin.person_id = e.cine_person_id
    LEFT JOIN assessment_now asm ON asm.person_id = e.cine_person_id
)
SELECT e.cine_person_id AS "Child Unique ID",
       p.gender AS "Gender",
       p.ethnicity AS "Ethnicity",
       p.date_of_birth AS "Date of Birth",
       p.age AS "Age of Child (Years)",
       coalesce(p.disability, 'c) Unknown') AS "Does the Child have a Disability",
       e.cine_referral_date AS "CIN Start Date",
       coalesce(n.value, e.cine_cin_primary_need_code) AS "Primary Need Code",
       l.seen AS "Date Child Was Last Seen",
       CASE WHEN e.cine_close_date <= params.as_at THEN e.cine_close_date END AS "CIN Closure Date",
       CASE WHEN e.cine_close_date <= params.as_at THEN coalesce(c.value, e.cine_close_reason) END AS "Reason for Closure",
       s.case_status AS "Case Status",
       CASE WHEN al.cine_referral_id IS NOT NULL THEN al.team ELSE e.cine_referral_team END AS "Allocated Team",
       CASE WHEN al.cine_referral_id IS NOT NULL THEN al.worker ELSE coalesce(w.worker_name, e.cine_referral_worker_id) END AS "Allocated Worker",
       CASE WHEN al.cine_referral_id IS NOT NULL THEN 'involvement'
            WHEN e.cine_referral_team IS NOT NULL OR e.cine_referral_worker_id IS NOT NULL THEN 'referral' END AS "_allocation_source"
FROM episodes e
CROSS JOIN params
JOIN status s ON s.cine_referral_id = e.cine_referral_id
LEFT JOIN annex_a_person p ON p.person_id = e.cine_person_id
LEFT JOIN last_seen l ON l.cine_referral_id = e.cine_referral_id
LEFT JOIN ref_annex_a_value n ON n.domain = 'primary_need' AND n.code = e.cine_cin_primary_need_code
LEFT JOIN ref_annex_a_value c ON c.domain = 'closure_reason' AND c.code = e.cine_close_reason
LEFT JOIN annex_a_worker w ON w.worker_id = e.cine_referral_worker_id
LEFT JOIN allocation al ON al.cine_referral_id = e.cine_referral_id AND al.latest = 1
ORDER BY "CIN Start Date", "Child Unique ID", e.cine_referral_id
