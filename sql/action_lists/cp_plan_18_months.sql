-- list: cp_plan_18_months | Children on a CP plan for more than 18 months
-- sources: cp_plan
-- Children whose CP plan open at the as-at date started more than 18 months before it. Rule:
-- local practice standard (a plan over 18 months is escalated for senior review; DfE publishes
-- plans lasting 2 years or more, CIN census D5). Calendar days.
WITH open_plan AS (
    SELECT c.cppl_person_id AS person_id, min(c.cppl_cp_plan_start_date) AS started
    FROM cp_plan c CROSS JOIN params
    WHERE c.cppl_cp_plan_start_date <= params.as_at
      AND (c.cppl_cp_plan_end_date IS NULL OR c.cppl_cp_plan_end_date > params.as_at)
    GROUP BY c.cppl_person_id
)
SELECT params.la_code,
       o.person_id,
       trim(concat_ws(' ', p.pers_forename, p.pers_surname)) AS name,
       coalesce(ap.allocated_team, 'not allocated') AS team,
       coalesce(ap.allocated_worker, 'not allocated') AS worker,
       'cp_plan_18_months' AS list,
       'CP plan started' AS event,
       o.started AS event_date,
       CAST(o.started + INTERVAL '18 months' AS DATE) AS due_date,
       days_between(CAST(o.started + INTERVAL '18 months' AS DATE), params.as_at) AS days_overdue,
       'CP plan open over 18 months: senior review (local standard; days)' AS rule
FROM open_plan o
CROSS JOIN params
LEFT JOIN person p ON p.pers_person_id = o.person_id
LEFT JOIN annex_a_person ap ON ap.person_id = o.person_id
WHERE CAST(o.started + INTERVAL '18 months' AS DATE) < params.as_at
