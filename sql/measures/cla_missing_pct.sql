-- measure: cla_missing_pct — Children looked after who had a missing episode (%)
-- sources: cla_episode, missing
-- publishes: cla_missing_pct | percent | low | Children looked after who had a missing episode (%)
-- Definition: docs/definitions.md §1.2 S26 (council report; whether DfE's figure is flow or
--   snapshot is UNKNOWN, §5). Here, as DfE's "missing from care" tables are framed: children
--   looked after at any time in the period (short breaks excluded) who had a missing episode
--   (miss_missing_episode_type M / Missing; "away without authorisation" A is not counted)
--   starting in the period.
-- Numerator: those children with a missing episode. Denominator: children looked after at any
--   time in the period. Time basis: flow. value: percent (0-100).
WITH in_care AS (
    SELECT DISTINCT p.period_type, p.period_start, e.clae_person_id
    FROM dim_period p
    JOIN cla_episode_in_care e
      ON e.clae_cla_episode_start_date <= p.period_end
     AND (e.clae_cla_episode_ceased_date IS NULL OR e.clae_cla_episode_ceased_date >= p.period_start)
),
went_missing AS (
    SELECT DISTINCT p.period_type, p.period_start, m.miss_person_id
    FROM dim_period p
    JOIN day_period d ON d.period_type = p.period_type AND d.period_start = p.period_start
    JOIN missing m ON m.miss_missing_episode_start_date = d.day
    WHERE upper(coalesce(m.miss_missing_episode_type, 'M')) IN ('M', 'MISSING')
)
SELECT 'cla_missing_pct' AS measure_id,
       p.period_type,
       p.period_start,
       p.period_end,
       count(w.miss_person_id) AS numerator,
       count(c.clae_person_id) AS denominator,
       CASE WHEN count(c.clae_person_id) > 0 THEN 100.0 * count(w.miss_person_id) / count(c.clae_person_id) END AS value
FROM dim_period p
LEFT JOIN in_care c ON c.period_type = p.period_type AND c.period_start = p.period_start
LEFT JOIN went_missing w ON w.period_type = c.period_type AND w.period_start = c.period_start AND w.miss_person_id = c.clae_person_id
GROUP BY p.period_type, p.period_start, p.period_end
