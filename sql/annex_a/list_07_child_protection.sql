-- Annex A list 7: Child protection (standards §1.3). CP plans open at the as-at date or ended in
-- the six months before it. Last statutory visit and "seen alone" come from the latest CP visit
-- within the plan; the latest review conference from the plan's reviews; the EPO / police
-- protection flag from legal statuses L1 or L2 in force at any time in the last six months; the
-- number of previous plans counts the child's plans that started before this one (as far back as
-- the extract goes). The EPO flag is blank when the export has no legal statuses at all (not "No").
-- Team and worker: the involvement open at the as-at date (at the plan's end when it ended
-- before), else the team and worker of the plan's referral; `_allocation_source` says which.
WITH plans AS (
    SELECT c.*, CASE WHEN c.cppl_cp_plan_end_date <= params.as_at THEN c.cppl_cp_plan_end_date ELSE params.as_at END AS allocation_day
    FROM cp_plan c CROSS JOIN params
    WHERE c.cppl_cp_plan_start_date <= params.as_at
      AND (c.cppl_cp_plan_end_date IS NULL OR c.cppl_cp_plan_end_date >= params.as_at - INTERVAL '6 months')
),
last_visit AS (
    SELECT c.cppl_cp_plan_id, v.cppv_cp_visit_date AS visit_date, v.cppv_cp_visit_seen_alone AS seen_alone,
           row_number() OVER (PARTITION BY c.cppl_cp_plan_id ORDER BY v.cppv_cp_visit_date DESC, v.cppv_cp_visit_id DESC) AS latest
    FROM plans c CROSS JOIN params
    JOIN cp_visit v ON v.cppv_person_id = c.cppl_person_id
                   AND v.cppv_cp_visit_date >= c.cppl_cp_plan_start_date
                   AND v.cppv_cp_visit_date <= coalesce(c.cppl_cp_plan_end_date, params.as_at)
                   AND v.cppv_cp_visit_date <= params.as_at
),
last_review AS (
    SELECT c.cppl_cp_plan_id, max(r.cppr_cp_review_date) AS review_date
    FROM plans c CROSS JOIN params
    JOIN cp_review r ON r.cppr_person_id = c.cppl_person_id
                    AND r.cppr_cp_review_date >= c.cppl_cp_plan_start_date
                    AND r.cppr_cp_review_date <= params.as_at
    GROUP BY c.cppl_cp_plan_id
),
emergency AS (
    SELECT DISTINCT l.lega_person_id
    FROM legal_status l CROSS JOIN params
    WHERE l.lega_legal_status IN ('L1', 'L2')
      AND l.lega_legal_status_start_date <= params.as_at
      AND (l.lega_legal_status_end_date IS NULL OR l.lega_legal_status_end_date >= params.as_at - INTERVAL '6 months')
),
legal_supplied AS (
    SELECT count(*) > 0 AS supplied FROM legal_status
),
allocation AS (
    SELECT c.cppl_cp_plan_id, v.team, v.worker,
           row_number() OVER (PARTITION BY c.cppl_cp_plan_id ORDER BY v.start_date DESC, v.involvement_id DESC) AS latest
    FROM plans c
    JOIN annex_a_involvement v ON v.person_id = c.cppl_person_id AND v.start_date <= c.allocation_day
                              AND (v.end_date IS NULL OR v.end_date >= c.allocation_day)
),
previous AS (
    SELECT c.cppl_cp_plan_id, count(e.cppl_cp_plan_id) AS n
    FROM plans c
    LEFT JOIN cp_plan e ON e.cppl_person_id = c.cppl_person_id AND e.cppl_cp_plan_start_date < c.cppl_cp_plan_start_date
    GROUP BY c.cppl_cp_plan_id
)
SELECT c.cppl_person_id AS "Child Unique ID",
       p.gender AS "Gender",
       p.ethnicity AS "Ethnicity",
       p.date_of_birth AS "Date of Birth",
       p.age AS "Age of Child (Years)",
       coalesce(p.disability, 'c) Unknown') AS "Does the Child have a Disability",
       c.cppl_cp_plan_start_date AS "Child Protection Plan Start Date",
       coalesce(i.value, c.cppl_cp_plan_initial_category) AS "Initial Category of Abuse",
       coalesce(l.value, c.cppl_cp_plan_latest_category, i.value, c.cppl_cp_plan_initial_category) AS "Latest Category of Abuse",
       v.visit_date AS "Date of the Last Statutory Visit",
       CASE WHEN v.visit_date IS NULL THEN NULL ELSE coalesce(a.value, 'c) Unknown') END AS "Was the Child Seen Alone?",
       r.review_date AS "Date of latest review conference",
       CASE WHEN c.cppl_cp_plan_end_date <= params.as_at THEN c.cppl_cp_plan_end_date END AS "Child Protection Plan End Date",
       CASE WHEN NOT ls.supplied THEN NULL WHEN em.lega_person_id IS NULL THEN 'b) No' ELSE 'a) Yes' END
           AS "Subject to Emergency Protection Order or Protected Under Police Powers in Last Six Months (Y/N)",
       CAST(coalesce(pr.n, 0) AS BIGINT) AS "Number of Previous Child Protection Plans",
       CASE WHEN al.cppl_cp_plan_id IS NOT NULL THEN al.team ELSE rf.cine_referral_team END AS "Allocated Team",
       CASE WHEN al.cppl_cp_plan_id IS NOT NULL THEN al.worker ELSE coalesce(w.worker_name, rf.cine_referral_worker_id) END AS "Allocated Worker",
       CASE WHEN al.cppl_cp_plan_id IS NOT NULL THEN 'involvement'
            WHEN rf.cine_referral_team IS NOT NULL OR rf.cine_referral_worker_id IS NOT NULL THEN 'referral' END AS "_allocation_source"
FROM plans c
CROSS JOIN params
CROSS JOIN legal_supplied ls
LEFT JOIN annex_a_person p ON p.person_id = c.cppl_person_id
LEFT JOIN ref_annex_a_value i ON i.domain = 'category_of_abuse' AND i.code = c.cppl_cp_plan_initial_category
LEFT JOIN ref_annex_a_value l ON l.domain = 'category_of_abuse' AND l.code = c.cppl_cp_plan_latest_category
LEFT JOIN last_visit v ON v.cppl_cp_plan_id = c.cppl_cp_plan_id AND v.latest = 1
LEFT JOIN ref_annex_a_value a ON a.domain = 'yes_no_unknown' AND a.code = v.seen_alone
LEFT JOIN last_review r ON r.cppl_cp_plan_id = c.cppl_cp_plan_id
LEFT JOIN emergency em ON em.lega_person_id = c.cppl_person_id
LEFT JOIN previous pr ON pr.cppl_cp_plan_id = c.cppl_cp_plan_id
LEFT JOIN allocation al ON al.cppl_cp_plan_id = c.cppl_cp_plan_id AND al.latest = 1
LEFT JOIN referral rf ON rf.cine_referral_id = c.cppl_referral_id
LEFT JOIN annex_a_worker w ON w.worker_id = rf.cine_referral_worker_id
ORDER BY "Child Protection Plan Start Date", "Child Unique ID", c.cppl_cp_plan_id
