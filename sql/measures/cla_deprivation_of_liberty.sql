-- measure: cla_deprivation_of_liberty — Looked-after children deprived of their liberty
-- sources: cla_episode, deprivation_of_liberty
-- publishes: cla_dol_at_date | count | neutral | Looked-after children subject to a deprivation of liberty order or authorisation at the period end
-- snapshot: cla_dol_at_date
-- publishes: cla_dol_started | count | neutral | Looked-after children whose deprivation of liberty order or authorisation started in the period
-- Definition: the SSDA903 DoLo file (from the 2026/27 collection, DfE validator rules 700-710):
--   orders or authorisations depriving a looked-after child of their liberty (DOLO_START,
--   DOLO_END). Children counted are looked after at the same time (view cla_episode_in_care:
--   short breaks excluded, UASC included).
-- Numerator: cla_dol_at_date: distinct children with an order where start <= D and (end is null
--   or end > D) and an episode where start <= D and (ceased is null or ceased > D), D = period
--   end. cla_dol_started: distinct children with an order starting in the period on a day they
--   were looked after (episode start <= that day, ceased null or after it).
-- Denominator: none. value = numerator. Time basis: snapshot at each month and financial year
--   end (at_date); flow by order start date (started).
SELECT 'cla_dol_at_date' AS measure_id,
       p.period_type,
       p.period_start,
       p.period_end,
       count(DISTINCT e.clae_person_id) AS numerator,
       CAST(NULL AS BIGINT) AS denominator,
       CAST(count(DISTINCT e.clae_person_id) AS DOUBLE) AS value
FROM dim_period p
LEFT JOIN deprivation_of_liberty o
       ON o.dolo_start_date <= p.period_end
      AND (o.dolo_end_date IS NULL OR o.dolo_end_date > p.period_end)
LEFT JOIN cla_episode_in_care e
       ON e.clae_person_id = o.dolo_person_id
      AND e.clae_cla_episode_start_date <= p.period_end
      AND (e.clae_cla_episode_ceased_date IS NULL OR e.clae_cla_episode_ceased_date > p.period_end)
WHERE p.period_type <> 'rolling_12_months'
GROUP BY p.period_type, p.period_start, p.period_end
UNION ALL
SELECT 'cla_dol_started' AS measure_id,
       p.period_type,
       p.period_start,
       p.period_end,
       count(DISTINCT e.clae_person_id) AS numerator,
       CAST(NULL AS BIGINT) AS denominator,
       CAST(count(DISTINCT e.clae_person_id) AS DOUBLE) AS value
FROM dim_period p
LEFT JOIN day_period d ON d.period_type = p.period_type AND d.period_start = p.period_start
LEFT JOIN deprivation_of_liberty o ON o.dolo_start_date = d.day
LEFT JOIN cla_episode_in_care e
       ON e.clae_person_id = o.dolo_person_id
      AND e.clae_cla_episode_start_date <= o.dolo_start_date
      AND (e.clae_cla_episode_ceased_date IS NULL OR e.clae_cla_episode_ceased_date > o.dolo_start_date)
GROUP BY p.period_type, p.period_start, p.period_end
