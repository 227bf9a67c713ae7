-- measure: cla_adopted — Children adopted, and their share of children ceasing care
-- sources: cla_episode
-- percent of: children who ceased to be looked after in the period
-- publishes: cla_adopted | count | neutral | Children who ceased to be looked after because they were adopted
-- publishes: cla_adopted_pct | percent | neutral | Children ceasing to be looked after who were adopted (%)
-- Definition: docs/definitions.md §1.4 P8; DfE CLA release "children who ceased to be looked
--   after ... adopted" (SSDA903 reason episode ceased E11 adopted, application unopposed, and E12
--   adopted, consent dispensed with). Ceasing as cla_ceased counts it: an episode ending with a
--   reason other than X1, short breaks excluded, each child once.
-- Numerator: distinct children with an episode ceasing in the period with reason E11 or E12.
--   Denominator (percent): distinct children ceasing to be looked after in the period
--   (measure cla_ceased). Time basis: flow by the episode's ceased date.
SELECT p.period_type, p.period_start, p.period_end,
       count(DISTINCT CASE WHEN e.clae_cla_episode_ceased_reason IN ('E11', 'E12') THEN e.clae_person_id END) AS numerator,
       count(DISTINCT e.clae_person_id) AS denominator
FROM dim_period p
LEFT JOIN day_period d ON d.period_type = p.period_type AND d.period_start = p.period_start
LEFT JOIN cla_episode_in_care e
       ON e.clae_cla_episode_ceased_date = d.day
      AND coalesce(e.clae_cla_episode_ceased_reason, '') <> 'X1'
GROUP BY p.period_type, p.period_start, p.period_end
