-- measure: cla_at_date — Children looked after at the period end
-- sources: cla_episode
-- publishes: cla_at_date | count | neutral | Children looked after at the period end
-- publishes: cla_uasc_at_date | count | neutral | Unaccompanied asylum-seeking children looked after at the period end
-- Definition: docs/definitions.md §1.2 S24, §1.3 C15; DfE "children looked after on 31 March".
--   Children looked after only under an agreed series of short breaks (legal status V3/V4) are
--   excluded; unaccompanied asylum-seeking children are included, and also counted on their own
--   as cla_uasc_at_date (view cla_episode_in_care).
-- Numerator: distinct children with an episode where start <= D and (ceased is null or
--   ceased > D), D = period end. Denominator: none. value = numerator.
-- Time basis: snapshot at each month end and financial year end.
WITH variants (variant, measure_id) AS (
    VALUES ('all', 'cla_at_date'), ('uasc', 'cla_uasc_at_date')
)
SELECT v.measure_id,
       p.period_type,
       p.period_start,
       p.period_end,
       count(DISTINCT CASE WHEN v.variant = 'all' OR e.is_uasc = 1 THEN e.clae_person_id END) AS numerator,
       CAST(NULL AS BIGINT) AS denominator,
       CAST(count(DISTINCT CASE WHEN v.variant = 'all' OR e.is_uasc = 1 THEN e.clae_person_id END) AS DOUBLE) AS value
FROM dim_period p
CROSS JOIN variants v
LEFT JOIN cla_episode_in_care e
       ON e.clae_cla_episode_start_date <= p.period_end
      AND (e.clae_cla_episode_ceased_date IS NULL OR e.clae_cla_episode_ceased_date > p.period_end)
WHERE p.period_type <> 'rolling_12_months'
GROUP BY v.measure_id, p.period_type, p.period_start, p.period_end
