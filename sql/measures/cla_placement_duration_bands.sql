-- measure: cla_placement_duration_bands — Children looked after by how long they have been in their current placement (%)
-- sources: cla_episode, cla_placement
-- distribution: children looked after at D
-- publishes: cla_placement_length_under_6m_pct | percent | neutral | Children looked after in their current placement under 6 months (%)
-- publishes: cla_placement_length_6m_1y_pct | percent | neutral | Children looked after in their current placement 6 months to 1 year (%)
-- publishes: cla_placement_length_1y_2y_pct | percent | neutral | Children looked after in their current placement 1 to 2 years (%)
-- publishes: cla_placement_length_2y_plus_pct | percent | high | Children looked after in their current placement 2 years or more (%)
-- publishes: cla_placement_length_none_pct | percent | low | Children looked after with no current placement recorded (%)
-- Definition: local measure, the distribution behind DfE's long-term stability measure (children
--   in care 2.5 years or more and in the same placement 2 years or more: cla_long_term_stability_pct,
--   docs/definitions.md §1.2 S35). Cohort: children looked after at D (short breaks excluded). The
--   current placement is the one open at D (start <= D, end null or > D; the latest start when
--   records overlap); its length = D - placement start in calendar months: under 6 months (start >
--   D - 6 months); 6 months, under a year (> D - 12 months); 1 year, under 2 (> D - 24 months); 2
--   years or more. A child in care with no placement open at D is its own band (a recording gap).
-- Numerator: cohort children in the band. Denominator: cohort children. value: percent; the five
--   bands add up to 100. Time basis: snapshot at month and financial year ends.
WITH in_care AS (
    SELECT DISTINCT p.period_type, p.period_start, p.period_end, e.clae_person_id
    FROM dim_period p
    JOIN cla_episode_in_care e
      ON e.clae_cla_episode_start_date <= p.period_end
     AND (e.clae_cla_episode_ceased_date IS NULL OR e.clae_cla_episode_ceased_date > p.period_end)
    WHERE p.period_type <> 'rolling_12_months'
),
current_start AS (
    SELECT c.period_type, c.period_start, c.period_end, c.clae_person_id, max(pl.clap_cla_placement_start_date) AS placed
    FROM in_care c
    LEFT JOIN cla_placement pl
           ON pl.clap_person_id = c.clae_person_id
          AND pl.clap_cla_placement_start_date <= c.period_end
          AND (pl.clap_cla_placement_end_date IS NULL OR pl.clap_cla_placement_end_date > c.period_end)
    GROUP BY c.period_type, c.period_start, c.period_end, c.clae_person_id
),
banded AS (
    SELECT period_type, period_start, clae_person_id,
           CASE WHEN placed IS NULL THEN 'cla_placement_length_none_pct'
                WHEN placed > period_end - INTERVAL '6 months' THEN 'cla_placement_length_under_6m_pct'
                WHEN placed > period_end - INTERVAL '12 months' THEN 'cla_placement_length_6m_1y_pct'
                WHEN placed > period_end - INTERVAL '24 months' THEN 'cla_placement_length_1y_2y_pct'
                ELSE 'cla_placement_length_2y_plus_pct' END AS band
    FROM current_start
)
SELECT p.period_type, p.period_start, p.period_end, x.band
FROM dim_period p
LEFT JOIN banded x ON x.period_type = p.period_type AND x.period_start = p.period_start
WHERE p.period_type <> 'rolling_12_months'
