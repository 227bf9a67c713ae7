-- list: cin_visit_overdue | Children on a CIN plan not seen within the local timescale
-- sources: cin_plan, cin_visit
-- Children on a CIN plan open at the as-at date whose last CIN visit with the child seen (or the
-- plan start, when no visit since) was more than N working days ago, N the LA's local
-- timescale: `[action_lists] cin_visit_working_days` in the pipeline file (default 20). There is
-- no national CIN visit frequency (Working Together 2023 leaves it to the plan).
WITH open_plan AS (
    SELECT c.cinp_person_id AS person_id, max(c.cinp_cin_plan_start_date) AS started
    FROM cin_plan c CROSS JOIN params
    WHERE c.cinp_cin_plan_start_date <= params.as_at
      AND (c.cinp_cin_plan_end_date IS NULL OR c.cinp_cin_plan_end_date > params.as_at)
    GROUP BY c.cinp_person_id
),
last_seen AS (
    SELECT o.person_id, o.started, max(v.cinv_cin_visit_date) AS visited
    FROM open_plan o CROSS JOIN params
    LEFT JOIN cin_visit v
           ON v.cinv_person_id = o.person_id
          AND v.cinv_cin_visit_date >= o.started
          AND v.cinv_cin_visit_date <= params.as_at
          AND coalesce(upper(v.cinv_cin_visit_seen), 'Y') NOT IN ('N', 'NO', 'FALSE', '0')
    GROUP BY o.person_id, o.started
),
due AS (
    SELECT l.person_id,
           CASE WHEN l.visited IS NULL THEN 'CIN plan started' ELSE 'last CIN visit, child seen' END AS event,
           coalesce(l.visited, l.started) AS event_date,
           add_working_days(coalesce(l.visited, l.started), s.cin_visit_wd) AS due_date,
           s.cin_visit_wd
    FROM last_seen l CROSS JOIN action_list_settings s
)
SELECT params.la_code,
       d.person_id,
       trim(concat_ws(' ', p.pers_forename, p.pers_surname)) AS name,
       coalesce(ap.allocated_team, 'not allocated') AS team,
       coalesce(ap.allocated_worker, 'not allocated') AS worker,
       'cin_visit_overdue' AS list,
       d.event,
       d.event_date,
       d.due_date,
       working_days(d.due_date, params.as_at) AS days_overdue,
       concat('CIN visit every ', CAST(d.cin_visit_wd AS VARCHAR), ' working days (local timescale in the pipeline file)') AS rule
FROM due d
CROSS JOIN params
LEFT JOIN person p ON p.pers_person_id = d.person_id
LEFT JOIN annex_a_person ap ON ap.person_id = d.person_id
WHERE working_days(d.due_date, params.as_at) > 0
