-- measure: cla_permanence_plan_pct — Children looked after 4+ months with a permanence plan recorded (%)
-- sources: cla_episode, cla_care_plan
-- publishes: cla_permanence_plan_pct | percent | high | Children looked after 4+ months with a permanence plan recorded (%)
-- Definition: docs/definitions.md §1.2 S41 (seed 002 L1416: "Permanence plans either not in place
--   or not recorded for 50% CiC"); no DfE statistic. A child's permanence plan is due by their
--   second statutory review, about four months after they came into care (Care Planning,
--   Placement and Case Review (England) Regulations 2010 reg 33: first review within 20 working
--   days, second within three months of it). Cohort: children looked after at D (an episode with
--   start <= D and ceased null or > D; short breaks excluded, view cla_episode_in_care) whose
--   current period of care began on or before D - 4 months (the episode's recorded entered-care
--   date, else the start of the latest episode starting a period (reason S) on or before it,
--   else the episode's start). Recorded: the child's care plan in force at D (ssd_cla_care_plan:
--   start <= D and end null or >= D; the latest started) ticks at least one permanence plan in
--   lacp_cla_care_plan_json (view cla_permanence_plan). A child with no care plan in force, or
--   one that ticks none, counts as not recorded.
-- Numerator: cohort children with a permanence plan recorded. Denominator: the cohort.
-- Time basis: snapshot at each month end and financial year end. value: percent (0-100).
WITH in_care AS (
    SELECT p.period_type, p.period_start, p.period_end, e.clae_person_id,
           coalesce(x.clae_entered_care_date, max(s.clae_cla_episode_start_date), e.clae_cla_episode_start_date) AS entered
    FROM dim_period p
    JOIN cla_episode_in_care e
      ON e.clae_cla_episode_start_date <= p.period_end
     AND (e.clae_cla_episode_ceased_date IS NULL OR e.clae_cla_episode_ceased_date > p.period_end)
    JOIN cla_episode x ON x.clae_cla_episode_id = e.clae_cla_episode_id
    LEFT JOIN cla_episode_in_care s
      ON s.clae_person_id = e.clae_person_id AND s.clae_cla_episode_start_reason = 'S'
     AND s.clae_cla_episode_start_date <= e.clae_cla_episode_start_date
    WHERE p.period_type <> 'rolling_12_months'
    GROUP BY p.period_type, p.period_start, p.period_end, e.clae_person_id, e.clae_cla_episode_id, x.clae_entered_care_date,
             e.clae_cla_episode_start_date
),
cohort AS (
    SELECT DISTINCT period_type, period_start, period_end, clae_person_id
    FROM in_care
    WHERE entered <= period_end - INTERVAL '4 months'
),
plan_in_force AS (
    SELECT c.period_type, c.period_start, c.clae_person_id, cp.lacp_table_id,
           row_number() OVER (PARTITION BY c.period_type, c.period_start, c.clae_person_id
                              ORDER BY cp.lacp_cla_care_plan_start_date DESC, cp.lacp_table_id DESC) AS latest
    FROM cohort c
    JOIN cla_care_plan cp
      ON cp.lacp_person_id = c.clae_person_id
     AND cp.lacp_cla_care_plan_start_date <= c.period_end
     AND (cp.lacp_cla_care_plan_end_date IS NULL OR cp.lacp_cla_care_plan_end_date >= c.period_end)
),
recorded AS (
    SELECT DISTINCT f.period_type, f.period_start, f.clae_person_id
    FROM plan_in_force f
    JOIN cla_permanence_plan pp ON pp.care_plan_id = f.lacp_table_id
    WHERE f.latest = 1
)
SELECT 'cla_permanence_plan_pct' AS measure_id,
       p.period_type,
       p.period_start,
       p.period_end,
       count(r.clae_person_id) AS numerator,
       count(c.clae_person_id) AS denominator,
       CASE WHEN count(c.clae_person_id) > 0 THEN 100.0 * count(r.clae_person_id) / count(c.clae_person_id) END AS value
FROM dim_period p
LEFT JOIN cohort c ON c.period_type = p.period_type AND c.period_start = p.period_start
LEFT JOIN recorded r ON r.period_type = c.period_type AND r.period_start = c.period_start AND r.clae_person_id = c.clae_person_id
WHERE p.period_type <> 'rolling_12_months'
GROUP BY p.period_type, p.period_start, p.period_end
