-- measure: missing_return_interviews — Missing episodes and return home interviews offered and accepted
-- sources: missing
-- publishes: missing_episodes | count | neutral | Missing episodes of children looked after
-- publishes: missing_rhi_offered_pct | percent | high | Missing episodes with a return home interview offered (%)
-- publishes: missing_rhi_accepted_pct | percent | high | Return home interviews offered that were accepted (%)
-- Definition: docs/definitions.md §1.4 P13; SSDA903 missing table (MISSING, MIS_START, and since
--   2018 the return home interview items "RHI offered" and "RHI accepted"), ssd_missing.
--   Statutory guidance on children who run away or go missing (DfE 2014) requires a return
--   interview to be offered for every episode of being missing, not for "away from placement"
--   (type A), so only missing episodes (type M / Missing; a type not recorded counts as missing,
--   as in cla_missing_pct) are counted. Offered / accepted: Y or YES.
-- missing_episodes: episodes starting in the period. missing_rhi_offered_pct: those with an
--   interview offered / those episodes. missing_rhi_accepted_pct: those with the interview
--   accepted / those offered (DfE's reading: acceptance of an offer). Time basis: flow by the
--   episode's start date.
WITH variants (variant, measure_id) AS (
    VALUES ('episodes', 'missing_episodes'), ('offered', 'missing_rhi_offered_pct'), ('accepted', 'missing_rhi_accepted_pct')
),
episodes AS (
    SELECT p.period_type, p.period_start, p.period_end,
           count(m.miss_table_id) AS episodes,
           count(CASE WHEN upper(trim(m.miss_missing_rhi_offered)) IN ('Y', 'YES') THEN 1 END) AS offered,
           count(CASE WHEN upper(trim(m.miss_missing_rhi_offered)) IN ('Y', 'YES')
                       AND upper(trim(m.miss_missing_rhi_accepted)) IN ('Y', 'YES') THEN 1 END) AS accepted
    FROM dim_period p
    LEFT JOIN day_period d ON d.period_type = p.period_type AND d.period_start = p.period_start
    LEFT JOIN missing m
           ON m.miss_missing_episode_start_date = d.day
          AND upper(coalesce(trim(m.miss_missing_episode_type), 'M')) IN ('M', 'MISSING')
    GROUP BY p.period_type, p.period_start, p.period_end
)
SELECT v.measure_id,
       e.period_type,
       e.period_start,
       e.period_end,
       CASE v.variant WHEN 'episodes' THEN e.episodes WHEN 'offered' THEN e.offered ELSE e.accepted END AS numerator,
       CASE v.variant WHEN 'offered' THEN e.episodes WHEN 'accepted' THEN e.offered END AS denominator,
       CASE WHEN v.variant = 'episodes' THEN CAST(e.episodes AS DOUBLE)
            WHEN v.variant = 'offered' AND e.episodes > 0 THEN 100.0 * e.offered / e.episodes
            WHEN v.variant = 'accepted' AND e.offered > 0 THEN 100.0 * e.accepted / e.offered END AS value
FROM episodes e
CROSS JOIN variants v
