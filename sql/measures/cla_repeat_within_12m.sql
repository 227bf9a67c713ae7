-- measure: cla_repeat_within_12m — Children returning to care within 12 months of leaving
-- sources: cla_episode
-- percent of: children starting to be looked after in the period
-- publishes: cla_repeat_within_12m | count | low | Children starting to be looked after again within 12 months of leaving care
-- publishes: cla_repeat_within_12m_pct | percent | low | Children starting to be looked after who had left care in the previous 12 months (%)
-- Definition: docs/definitions.md §1.4 P12 (local: a second period in care within 12 months;
--   DfE publishes no LA figure). A child starting to be looked after in the period (an episode
--   with reason for new episode S, short breaks excluded, as cla_started counts) whose previous
--   period of care ended (an episode ceased with a reason other than X1) on or before this start
--   and no more than 12 calendar months before it (ceased >= start - 12 months).
-- Numerator: distinct children with such a start in the period. Denominator (percent): distinct
--   children starting to be looked after in the period (measure cla_started). Time basis: flow
--   by the new episode's start date.
WITH starts AS (
    SELECT p.period_type, p.period_start, p.period_end, s.clae_person_id,
           max(CASE WHEN prior.clae_cla_episode_id IS NULL THEN 0 ELSE 1 END) AS repeat_start
    FROM dim_period p
    JOIN day_period d ON d.period_type = p.period_type AND d.period_start = p.period_start
    JOIN cla_episode_in_care s ON s.clae_cla_episode_start_date = d.day AND s.clae_cla_episode_start_reason = 'S'
    LEFT JOIN cla_episode_in_care prior
           ON prior.clae_person_id = s.clae_person_id
          AND coalesce(prior.clae_cla_episode_ceased_reason, '') <> 'X1'
          AND prior.clae_cla_episode_ceased_date <= s.clae_cla_episode_start_date
          AND prior.clae_cla_episode_ceased_date >= CAST(s.clae_cla_episode_start_date - INTERVAL '12 months' AS DATE)
    GROUP BY p.period_type, p.period_start, p.period_end, s.clae_person_id
)
SELECT p.period_type, p.period_start, p.period_end,
       count(CASE WHEN s.repeat_start = 1 THEN 1 END) AS numerator,
       count(s.clae_person_id) AS denominator
FROM dim_period p
LEFT JOIN starts s ON s.period_type = p.period_type AND s.period_start = p.period_start
GROUP BY p.period_type, p.period_start, p.period_end
