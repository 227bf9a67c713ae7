-- list: cla_visit_overdue | Children looked after not visited within the statutory timescale
-- sources: cla_episode, cla_visit
-- Children looked after at the as-at date (view cla_episode_in_care) not visited in time in
-- their current placement (the placement open at the as-at date, else the episode start).
-- Rule: Care Planning, Placement and Case Review (England) Regulations 2010, regulation 28:
-- within 1 week of the start of the placement; then at intervals of no more than 6 weeks in its
-- first year; after the first year no more than 3 months (this list treats a placement that has
-- lasted a year as the long-term placement the 3-month interval is for). Calendar days.
WITH in_care AS (
    SELECT e.clae_person_id AS person_id, max(e.clae_cla_episode_start_date) AS episode_start
    FROM cla_episode_in_care e CROSS JOIN params
    WHERE e.clae_cla_episode_start_date <= params.as_at
      AND (e.clae_cla_episode_ceased_date IS NULL OR e.clae_cla_episode_ceased_date > params.as_at)
    GROUP BY e.clae_person_id
),
placed AS (
    SELECT c.person_id, coalesce(max(pl.clap_cla_placement_start_date), c.episode_start) AS placed
    FROM in_care c CROSS JOIN params
    LEFT JOIN cla_placement pl
           ON pl.clap_person_id = c.person_id
          AND pl.clap_cla_placement_start_date <= params.as_at
          AND (pl.clap_cla_placement_end_date IS NULL OR pl.clap_cla_placement_end_date > params.as_at)
    GROUP BY c.person_id, c.episode_start
),
last_visit AS (
    SELECT c.person_id, c.placed, max(v.clav_cla_visit_date) AS visited
    FROM placed c CROSS JOIN params
    LEFT JOIN cla_visit v
           ON v.clav_person_id = c.person_id
          AND v.clav_cla_visit_date >= c.placed
          AND v.clav_cla_visit_date <= params.as_at
    GROUP BY c.person_id, c.placed
),
due AS (
    SELECT person_id,
           CASE WHEN visited IS NULL THEN 'placement started' ELSE 'last visit' END AS event,
           coalesce(visited, placed) AS event_date,
           CASE WHEN visited IS NULL THEN placed + INTERVAL '7 days'
                WHEN visited < placed + INTERVAL '1 year' THEN visited + INTERVAL '42 days'
                ELSE visited + INTERVAL '3 months' END AS due_date,
           CASE WHEN visited IS NULL THEN 'CLA visit within 1 week of the placement starting'
                WHEN visited < placed + INTERVAL '1 year' THEN 'CLA visit at least every 6 weeks in the placement''s first year'
                ELSE 'CLA visit at least every 3 months after the placement''s first year' END AS timescale
    FROM last_visit
)
SELECT params.la_code,
       d.person_id,
       trim(concat_ws(' ', p.pers_forename, p.pers_surname)) AS name,
       coalesce(ap.allocated_team, 'not allocated') AS team,
       coalesce(ap.allocated_worker, 'not allocated') AS worker,
       'cla_visit_overdue' AS list,
       d.event,
       d.event_date,
       CAST(d.due_date AS DATE) AS due_date,
       days_between(CAST(d.due_date AS DATE), params.as_at) AS days_overdue,
       concat(d.timescale, ' (Care Planning, Placement and Case Review (England) Regulations 2010, reg. 28; days)') AS rule
FROM due d
CROSS JOIN params
LEFT JOIN person p ON p.pers_person_id = d.person_id
LEFT JOIN annex_a_person ap ON ap.person_id = d.person_id
WHERE CAST(d.due_date AS DATE) < params.as_at
