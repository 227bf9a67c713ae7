-- list: health_check_overdue | Children looked after overdue a health assessment or dental check
-- sources: cla_episode, cla_health
-- Children looked after at the as-at date (the care period as in cla_review_overdue) who are
-- overdue one of, in this order (one row per child, the first that applies):
--   initial health assessment: none since becoming looked after, 20 working days after it
--     (Promoting the health and wellbeing of looked-after children, DfE/DHSC 2015: the IHA in time
--     to inform the first review, within 20 working days);
--   review health assessment: the last assessment (initial or review) more than 6 months ago for
--     a child under 5, 12 months for a child of 5 or over (same guidance);
--   dental check: none in the 12 months before the as-at date for a child looked after 12
--     months or more (the SSDA903 OC2 measure; calendar days).
-- cla_health types: IHA or INITIAL... is an initial assessment; other types naming HEALTH are
-- reviews; types naming DENTAL or TEETH are dental checks (as sql/measures/cla_oc2_health_checks_pct.sql).
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
checks AS (
    SELECT c.person_id,
           c.entered,
           max(CASE WHEN upper(h.clah_health_check_type) = 'IHA' OR upper(h.clah_health_check_type) LIKE 'INITIAL%' THEN h.clah_health_check_date END) AS iha,
           max(CASE WHEN upper(h.clah_health_check_type) = 'IHA' OR upper(h.clah_health_check_type) LIKE 'INITIAL%' OR upper(h.clah_health_check_type) LIKE '%HEALTH%'
                    THEN h.clah_health_check_date END) AS assessed,
           max(CASE WHEN upper(h.clah_health_check_type) LIKE '%DENTAL%' OR upper(h.clah_health_check_type) LIKE '%TEETH%' THEN h.clah_health_check_date END) AS dental
    FROM in_care c CROSS JOIN params
    LEFT JOIN cla_health h
           ON h.clah_person_id = c.person_id
          AND h.clah_health_check_date >= c.entered
          AND h.clah_health_check_date <= params.as_at
    GROUP BY c.person_id, c.entered
),
judged AS (
    SELECT k.*,
           add_working_days(k.entered, 20) AS iha_due,
           CAST(CASE WHEN age_at(p.pers_dob, params.as_at) < 5 THEN k.assessed + INTERVAL '6 months' ELSE k.assessed + INTERVAL '12 months' END AS DATE) AS review_due,
           age_at(p.pers_dob, params.as_at) AS age,
           CAST(coalesce(k.dental, k.entered) + INTERVAL '12 months' AS DATE) AS dental_due
    FROM checks k
    CROSS JOIN params
    LEFT JOIN person p ON p.pers_person_id = k.person_id
),
due AS (
    SELECT j.person_id,
           CASE WHEN j.iha IS NULL THEN 'became looked after'
                WHEN j.review_due < params.as_at THEN 'last health assessment'
                ELSE coalesce(CASE WHEN j.dental IS NOT NULL THEN 'last dental check' END, 'became looked after') END AS event,
           CASE WHEN j.iha IS NULL THEN j.entered
                WHEN j.review_due < params.as_at THEN j.assessed
                ELSE coalesce(j.dental, j.entered) END AS event_date,
           CASE WHEN j.iha IS NULL THEN j.iha_due
                WHEN j.review_due < params.as_at THEN j.review_due
                ELSE j.dental_due END AS due_date,
           CASE WHEN j.iha IS NULL THEN 'iha' WHEN j.review_due < params.as_at THEN 'review' ELSE 'dental' END AS kind,
           j.age
    FROM judged j
    CROSS JOIN params
    WHERE (j.iha IS NULL AND working_days(j.iha_due, params.as_at) > 0)
       OR (j.iha IS NOT NULL AND j.review_due < params.as_at)
       OR (j.iha IS NOT NULL AND j.dental_due < params.as_at AND j.entered <= CAST(params.as_at - INTERVAL '12 months' AS DATE))
)
SELECT params.la_code,
       d.person_id,
       trim(concat_ws(' ', p.pers_forename, p.pers_surname)) AS name,
       coalesce(ap.allocated_team, 'not allocated') AS team,
       coalesce(ap.allocated_worker, 'not allocated') AS worker,
       'health_check_overdue' AS list,
       d.event,
       d.event_date,
       d.due_date,
       CASE WHEN d.kind = 'iha' THEN working_days(d.due_date, params.as_at) ELSE days_between(d.due_date, params.as_at) END AS days_overdue,
       CASE d.kind
           WHEN 'iha' THEN 'initial health assessment within 20 working days of becoming looked after (DfE/DHSC statutory guidance 2015; working days)'
           WHEN 'review' THEN CASE WHEN d.age < 5 THEN 'review health assessment every 6 months under 5 (DfE/DHSC statutory guidance 2015; days)'
                                   ELSE 'review health assessment every 12 months from age 5 (DfE/DHSC statutory guidance 2015; days)' END
           ELSE 'dental check every 12 months (SSDA903 OC2; days)'
       END AS rule
FROM due d
CROSS JOIN params
LEFT JOIN person p ON p.pers_person_id = d.person_id
LEFT JOIN annex_a_person ap ON ap.person_id = d.person_id
