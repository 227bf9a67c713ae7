-- measure: cla_3plus_placements_pct — Children looked after with 3 or more placements in the year (%)
-- sources: cla_episode, cla_placement
-- publishes: cla_3plus_placements_pct | percent | low | Children looked after with 3 or more placements in the year (%)
-- Definition: docs/definitions.md §1.2 S34, §1.3 C10; DfE placement stability "3 or more
--   placements during the year" (Southampton 2024: 18%). Cohort: children looked after at the
--   period end (short breaks excluded). A placement counts when it overlaps the period (start
--   <= period end and end null or >= period start). DfE's exact placement-counting rules are
--   UNKNOWN (§5); here each distinct placement record counts.
-- Numerator: cohort children with 3 or more placements overlapping the period. Denominator:
--   cohort children. Periods: financial years and rolling 12 months (a 12-month window).
SELECT 'cla_3plus_placements_pct' AS measure_id,
       p.period_type,
       p.period_start,
       p.period_end,
       count(CASE WHEN coalesce(pl.placements, 0) >= 3 THEN 1 END) AS numerator,
       count(c.clae_person_id) AS denominator,
       CASE WHEN count(c.clae_person_id) > 0 THEN 100.0 * count(CASE WHEN coalesce(pl.placements, 0) >= 3 THEN 1 END) / count(c.clae_person_id) END AS value
FROM dim_period p
LEFT JOIN (
    SELECT DISTINCT q.period_type, q.period_start, e.clae_person_id
    FROM dim_period q
    JOIN cla_episode_in_care e
      ON e.clae_cla_episode_start_date <= q.period_end
     AND (e.clae_cla_episode_ceased_date IS NULL OR e.clae_cla_episode_ceased_date > q.period_end)
) c ON c.period_type = p.period_type AND c.period_start = p.period_start
LEFT JOIN (
    SELECT q.period_type, q.period_start, pl.clap_person_id, count(DISTINCT pl.clap_cla_placement_id) AS placements
    FROM dim_period q
    JOIN cla_placement pl
      ON pl.clap_cla_placement_start_date <= q.period_end
     AND (pl.clap_cla_placement_end_date IS NULL OR pl.clap_cla_placement_end_date >= q.period_start)
    GROUP BY q.period_type, q.period_start, pl.clap_person_id
) pl ON pl.period_type = c.period_type AND pl.period_start = c.period_start AND pl.clap_person_id = c.clae_person_id
WHERE p.period_type IN ('financial_year', 'rolling_12_months')
GROUP BY p.period_type, p.period_start, p.period_end
