-- list: cla_review_overdue | Children looked after whose review is overdue
-- sources: cla_episode, cla_review
-- Children looked after at the as-at date whose looked-after review is overdue. Rule: Care
-- Planning, Placement and Case Review (England) Regulations 2010, regulation 33: the first
-- review within 20 working days of the child becoming looked after, the second within 3 months
-- of the first, later ones at intervals of no more than 6 months. The care period starts on the
-- current episode's date entered care, else its start. Reviews are those held (not cancelled)
-- in the current period, found through the episodes' `cla_id`.
WITH in_care AS (
    SELECT e.clae_person_id AS person_id,
           min(coalesce(x.clae_entered_care_date, e.clae_cla_episode_start_date)) AS entered
    FROM cla_episode_in_care e
    JOIN cla_episode x ON x.clae_cla_episode_id = e.clae_cla_episode_id
    CROSS JOIN params
    WHERE e.clae_cla_episode_start_date <= params.as_at
      AND (e.clae_cla_episode_ceased_date IS NULL OR e.clae_cla_episode_ceased_date > params.as_at)
    GROUP BY e.clae_person_id
),
reviews AS (
    SELECT c.person_id, c.entered, count(DISTINCT r.clar_cla_review_id) AS held, max(r.clar_cla_review_date) AS reviewed
    FROM in_care c CROSS JOIN params
    LEFT JOIN cla_episode x ON x.clae_person_id = c.person_id
    LEFT JOIN cla_review r
           ON r.clar_cla_id = x.clae_cla_id
          AND r.clar_cla_review_date >= c.entered
          AND r.clar_cla_review_date <= params.as_at
          AND coalesce(upper(r.clar_cla_review_cancelled), 'N') NOT IN ('Y', 'YES', 'TRUE', '1')
    GROUP BY c.person_id, c.entered
),
due AS (
    SELECT person_id,
           held,
           CASE WHEN held = 0 THEN 'became looked after' ELSE 'last review' END AS event,
           CASE WHEN held = 0 THEN entered ELSE reviewed END AS event_date,
           CASE WHEN held = 0 THEN add_working_days(entered, 20)
                WHEN held = 1 THEN CAST(reviewed + INTERVAL '3 months' AS DATE)
                ELSE CAST(reviewed + INTERVAL '6 months' AS DATE) END AS due_date
    FROM reviews
)
SELECT params.la_code,
       d.person_id,
       trim(concat_ws(' ', p.pers_forename, p.pers_surname)) AS name,
       coalesce(ap.allocated_team, 'not allocated') AS team,
       coalesce(ap.allocated_worker, 'not allocated') AS worker,
       'cla_review_overdue' AS list,
       d.event,
       d.event_date,
       d.due_date,
       CASE WHEN d.held = 0 THEN working_days(d.due_date, params.as_at) ELSE days_between(d.due_date, params.as_at) END AS days_overdue,
       CASE WHEN d.held = 0 THEN 'first CLA review within 20 working days of becoming looked after (CPPCR Regulations 2010, reg. 33; working days)'
            WHEN d.held = 1 THEN 'second CLA review within 3 months of the first (CPPCR Regulations 2010, reg. 33; days)'
            ELSE 'CLA review at least every 6 months (CPPCR Regulations 2010, reg. 33; days)' END AS rule
FROM due d
CROSS JOIN params
LEFT JOIN person p ON p.pers_person_id = d.person_id
LEFT JOIN annex_a_person ap ON ap.person_id = d.person_id
WHERE CASE WHEN d.held = 0 THEN working_days(d.due_date, params.as_at) ELSE days_between(d.due_date, params.as_at) END > 0
