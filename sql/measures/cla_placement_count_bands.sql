-- measure: cla_placement_count_bands — Children looked after by number of placements in the year (%)
-- sources: cla_episode, cla_placement
-- distribution: children looked after at the period end
-- publishes: cla_placements_none_pct | percent | low | Children looked after with no placement recorded in the year (%)
-- publishes: cla_placements_1_pct | percent | high | Children looked after with 1 placement in the year (%)
-- publishes: cla_placements_2_pct | percent | neutral | Children looked after with 2 placements in the year (%)
-- publishes: cla_3plus_placements_pct | percent | low | Children looked after with 3 or more placements in the year (%)
-- Definition: docs/definitions.md §1.2 S34, §1.3 C10; DfE placement stability "number of
--   placements during the year: 1, 2, 3 or more" (Southampton 2024, 3 or more: 18%). Cohort:
--   children looked after at the period end (short breaks excluded). A placement counts when it
--   overlaps the period (start <= period end and end null or >= period start). DfE's exact
--   placement-counting rules are UNKNOWN (§5); here each distinct placement record counts. A
--   child in care with no placement record in the period is its own band (a recording gap),
--   never dropped.
-- Numerator: cohort children in the band. Denominator: cohort children. value: percent; the four
--   bands add up to 100. Periods: financial years and rolling 12 months (a 12-month window).
WITH cohort AS (
    SELECT DISTINCT q.period_type, q.period_start, e.clae_person_id
    FROM dim_period q
    JOIN cla_episode_in_care e
      ON e.clae_cla_episode_start_date <= q.period_end
     AND (e.clae_cla_episode_ceased_date IS NULL OR e.clae_cla_episode_ceased_date > q.period_end)
    WHERE q.period_type IN ('financial_year', 'rolling_12_months')
),
placements AS (
    SELECT q.period_type, q.period_start, pl.clap_person_id, count(DISTINCT pl.clap_cla_placement_id) AS placements
    FROM dim_period q
    JOIN cla_placement pl
      ON pl.clap_cla_placement_start_date <= q.period_end
     AND (pl.clap_cla_placement_end_date IS NULL OR pl.clap_cla_placement_end_date >= q.period_start)
    WHERE q.period_type IN ('financial_year', 'rolling_12_months')
    GROUP BY q.period_type, q.period_start, pl.clap_person_id
),
banded AS (
    SELECT c.period_type, c.period_start, c.clae_person_id,
           CASE coalesce(pl.placements, 0)
                WHEN 0 THEN 'cla_placements_none_pct'
                WHEN 1 THEN 'cla_placements_1_pct'
                WHEN 2 THEN 'cla_placements_2_pct'
                ELSE 'cla_3plus_placements_pct' END AS band
    FROM cohort c
    LEFT JOIN placements pl ON pl.period_type = c.period_type AND pl.period_start = c.period_start AND pl.clap_person_id = c.clae_person_id
)
SELECT p.period_type, p.period_start, p.period_end, x.band
FROM dim_period p
LEFT JOIN banded x ON x.period_type = p.period_type AND x.period_start = p.period_start
WHERE p.period_type IN ('financial_year', 'rolling_12_months')
