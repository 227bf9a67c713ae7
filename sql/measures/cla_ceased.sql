-- measure: cla_ceased — Children who ceased to be looked after
-- sources: cla_episode
-- publishes: cla_ceased | count | neutral | Children who ceased to be looked after
-- Definition: docs/definitions.md §1.3 C15: children ceasing to be looked after in the period,
--   last occasion only — counted once. An episode ends the period of care unless its reason
--   ceased is X1 (episode ends and a new one starts the same day); short breaks excluded.
-- Numerator: distinct children with an episode ceasing in the period with a reason other than
--   X1. Denominator: none. value = numerator. Time basis: flow by episode ceased date.
SELECT 'cla_ceased' AS measure_id,
       p.period_type,
       p.period_start,
       p.period_end,
       count(DISTINCT e.clae_person_id) AS numerator,
       CAST(NULL AS BIGINT) AS denominator,
       CAST(count(DISTINCT e.clae_person_id) AS DOUBLE) AS value
FROM dim_period p
LEFT JOIN day_period d ON d.period_type = p.period_type AND d.period_start = p.period_start
LEFT JOIN cla_episode_in_care e
       ON e.clae_cla_episode_ceased_date = d.day
      AND coalesce(e.clae_cla_episode_ceased_reason, '') <> 'X1'
GROUP BY p.period_type, p.period_start, p.period_end
