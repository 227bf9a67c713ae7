-- rule: permanence_plan_missing
-- requires: cla_episode_in_care, cla_permanence_plan
-- A child looked after for 4 months or more has a permanence plan: it is set by the second
-- statutory review (Care Planning, Placement and Case Review (England) Regulations 2010 reg 33:
-- the first review within 20 working days of becoming looked after, the second within 3 months of
-- it), and Ofsted Annex A list 8 asks for it (docs/definitions.md §1.2 S41; the seeds' "not
-- recorded for 50%"). Flagged, as at the run's date: a child looked after then (short breaks
-- excluded) whose current period of care began on or before that date less 4 months, and whose
-- care plan in force then (ssd_cla_care_plan, the latest started) ticks no permanence plan, at
-- the plan's lacp_cla_care_plan_json; or who has no care plan in force, at the child's current
-- (latest started) episode. The cohort, the plan in force and what counts as ticked are those
-- of the measure cla_permanence_plan_pct at the as-at date. An extract with no care plans at
-- all flags no one.
WITH open_episodes AS (
    SELECT e.clae_person_id, e.clae_cla_episode_id, e.clae_cla_episode_start_date, x._source_file, x._source_row,
           coalesce(x.clae_entered_care_date, max(s.clae_cla_episode_start_date), e.clae_cla_episode_start_date) AS entered
    FROM cla_episode_in_care e
    CROSS JOIN params
    JOIN cla_episode x ON x.clae_cla_episode_id = e.clae_cla_episode_id
    LEFT JOIN cla_episode_in_care s
      ON s.clae_person_id = e.clae_person_id AND s.clae_cla_episode_start_reason = 'S'
     AND s.clae_cla_episode_start_date <= e.clae_cla_episode_start_date
    WHERE e.clae_cla_episode_start_date <= params.as_at
      AND (e.clae_cla_episode_ceased_date IS NULL OR e.clae_cla_episode_ceased_date > params.as_at)
    GROUP BY e.clae_person_id, e.clae_cla_episode_id, e.clae_cla_episode_start_date, x._source_file, x._source_row,
             x.clae_entered_care_date
),
cohort AS (
    SELECT clae_person_id, _source_file, _source_row,
           row_number() OVER (PARTITION BY clae_person_id ORDER BY clae_cla_episode_start_date DESC, clae_cla_episode_id DESC) AS latest
    FROM open_episodes
    WHERE clae_person_id IN (SELECT o.clae_person_id FROM open_episodes o CROSS JOIN params WHERE o.entered <= params.as_at - INTERVAL '4 months')
),
plan_in_force AS (
    SELECT cp.lacp_person_id, cp.lacp_table_id, cp._source_file, cp._source_row,
           row_number() OVER (PARTITION BY cp.lacp_person_id ORDER BY cp.lacp_cla_care_plan_start_date DESC, cp.lacp_table_id DESC) AS latest
    FROM cla_care_plan cp
    CROSS JOIN params
    WHERE cp.lacp_cla_care_plan_start_date <= params.as_at
      AND (cp.lacp_cla_care_plan_end_date IS NULL OR cp.lacp_cla_care_plan_end_date >= params.as_at)
)
SELECT 'cla_care_plan' AS table_name, f._source_file AS file, f._source_row AS row_number, 'lacp_cla_care_plan_json' AS column_name
FROM cohort c
JOIN plan_in_force f ON f.lacp_person_id = c.clae_person_id AND f.latest = 1
WHERE c.latest = 1
  AND NOT EXISTS (SELECT 1 FROM cla_permanence_plan pp WHERE pp.care_plan_id = f.lacp_table_id)
UNION ALL
SELECT 'cla_episode' AS table_name, c._source_file AS file, c._source_row AS row_number, 'clae_cla_episode_start_date' AS column_name
FROM cohort c
WHERE c.latest = 1
  AND EXISTS (SELECT 1 FROM cla_care_plan)
  AND NOT EXISTS (SELECT 1 FROM plan_in_force f WHERE f.lacp_person_id = c.clae_person_id)
