-- measure: cla_started — Children who started to be looked after
-- sources: cla_episode
-- publishes: cla_started | count | neutral | Children who started to be looked after
-- Definition: docs/definitions.md §1.3 C15: children starting to be looked after in the period,
--   first occasion only — a child starting twice in a period counts once. An episode starts a
--   period of care when its reason for new episode is S (started to be looked after); short
--   breaks excluded.
-- Numerator: distinct children with an episode with reason S starting in the period.
-- Denominator: none. value = numerator. Time basis: flow by episode start date.
SELECT 'cla_started' AS measure_id,
       p.period_type,
       p.period_start,
       p.period_end,
       count(DISTINCT e.clae_person_id) AS numerator,
       CAST(NULL AS BIGINT) AS denominator,
       CAST(count(DISTINCT e.clae_person_id) AS DOUBLE) AS value
FROM dim_period p
LEFT JOIN day_period d ON d.period_type = p.period_type AND d.period_start = p.period_start
LEFT JOIN cla_episode_in_care e ON e.clae_cla_episode_start_date = d.day AND e.clae_cla_episode_start_reason = 'S'
GROUP BY p.period_type, p.period_start, p.period_end
