-- list: cp_visit_overdue | Children on a CP plan not seen within 10 working days
-- sources: cp_plan, cp_visit
-- Children on a CP plan open at the as-at date whose last CP visit with the child seen (or the
-- plan start, when no visit since) was more than 10 working days ago. Rule: this project's
-- default local standard of a visit every 10 working days (Southampton: SEED-002; there is no
-- national statutory CP visit frequency, Working Together 2023 leaves it to the plan).
WITH open_plan AS (
    SELECT c.cppl_person_id AS person_id, max(c.cppl_cp_plan_start_date) AS started
    FROM cp_plan c CROSS JOIN params
    WHERE c.cppl_cp_plan_start_date <= params.as_at
      AND (c.cppl_cp_plan_end_date IS NULL OR c.cppl_cp_plan_end_date > params.as_at)
    GROUP BY c.cppl_person_id
),
last_seen AS (
    SELECT o.person_id, o.started, max(v.cppv_cp_visit_date) AS visited
    FROM open_plan o CROSS JOIN params
    LEFT JOIN cp_visit v
           ON v.cppv_person_id = o.person_id
          AND v.cppv_cp_visit_date >= o.started
          AND v.cppv_cp_visit_date <= params.as_at
          AND coalesce(upper(v.cppv_cp_visit_seen), 'Y') NOT IN ('N', 'NO', 'FALSE', '0')
    GROUP BY o.person_id, o.started
),
due AS (
    SELECT person_id,
           CASE WHEN visited IS NULL THEN 'CP plan started' ELSE 'last CP visit, child seen' END AS event,
           coalesce(visited, started) AS event_date,
           add_working_days(coalesce(visited, started), 10) AS due_date
    FROM last_seen
)
SELECT params.la_code,
       d.person_id,
       trim(concat_ws(' ', p.pers_forename, p.pers_surname)) AS name,
       coalesce(ap.allocated_team, 'not allocated') AS team,
       coalesce(ap.allocated_worker, 'not allocated') AS worker,
       'cp_visit_overdue' AS list,
       d.event,
       d.event_date,
       d.due_date,
       working_days(d.due_date, params.as_at) AS days_overdue,
       'CP visit every 10 working days (local standard; no national frequency)' AS rule
FROM due d
CROSS JOIN params
LEFT JOIN person p ON p.pers_person_id = d.person_id
LEFT JOIN annex_a_person ap ON ap.person_id = d.person_id
WHERE working_days(d.due_date, params.as_at) > 0
