-- list: cp_review_overdue | Children whose CP review is overdue
-- sources: cp_plan, cp_review
-- Children on a CP plan open at the as-at date whose review conference is overdue. Rule: Working
-- Together to Safeguard Children 2023: the first review conference within 3 months of the
-- initial conference (the plan start), then at intervals of no more than 6 months. Calendar
-- days. Reviews are those held (a review date) on or after the plan start.
WITH open_plan AS (
    SELECT c.cppl_person_id AS person_id, max(c.cppl_cp_plan_start_date) AS started
    FROM cp_plan c CROSS JOIN params
    WHERE c.cppl_cp_plan_start_date <= params.as_at
      AND (c.cppl_cp_plan_end_date IS NULL OR c.cppl_cp_plan_end_date > params.as_at)
    GROUP BY c.cppl_person_id
),
last_review AS (
    SELECT o.person_id, o.started, max(r.cppr_cp_review_date) AS reviewed
    FROM open_plan o CROSS JOIN params
    LEFT JOIN cp_review r
           ON r.cppr_person_id = o.person_id
          AND r.cppr_cp_review_date >= o.started
          AND r.cppr_cp_review_date <= params.as_at
    GROUP BY o.person_id, o.started
),
due AS (
    SELECT person_id,
           CASE WHEN reviewed IS NULL THEN 'CP plan started (initial conference)' ELSE 'last review conference' END AS event,
           coalesce(reviewed, started) AS event_date,
           CAST(CASE WHEN reviewed IS NULL THEN started + INTERVAL '3 months' ELSE reviewed + INTERVAL '6 months' END AS DATE) AS due_date,
           CASE WHEN reviewed IS NULL THEN 'first CP review within 3 months of the initial conference'
                ELSE 'CP review at least every 6 months' END AS timescale
    FROM last_review
)
SELECT params.la_code,
       d.person_id,
       trim(concat_ws(' ', p.pers_forename, p.pers_surname)) AS name,
       coalesce(ap.allocated_team, 'not allocated') AS team,
       coalesce(ap.allocated_worker, 'not allocated') AS worker,
       'cp_review_overdue' AS list,
       d.event,
       d.event_date,
       d.due_date,
       days_between(d.due_date, params.as_at) AS days_overdue,
       concat(d.timescale, ' (Working Together to Safeguard Children 2023; days)') AS rule
FROM due d
CROSS JOIN params
LEFT JOIN person p ON p.pers_person_id = d.person_id
LEFT JOIN annex_a_person ap ON ap.person_id = d.person_id
WHERE d.due_date < params.as_at
