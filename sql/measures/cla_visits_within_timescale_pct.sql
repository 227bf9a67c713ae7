-- measure: cla_visits_within_timescale_pct — Children looked after visited within statutory timescales (%)
-- sources: cla_episode, cla_visit
-- publishes: cla_visits_within_timescale_pct | percent | high | Children looked after visited within statutory timescales (%)
-- Definition: docs/definitions.md §1.2 S18; Care Planning Regulations 2010 reg 28: visits at
--   intervals of no more than 6 weeks in the first year of a placement; after that no more than
--   3 months where the placement is intended to last until the child is 18 (here: long-term
--   fostering, placement types U1 and U4), otherwise 6 weeks. A child counts when their latest
--   visit on or before D with the child seen was within the interval (42 days, or 91 days for a
--   long-term placement more than a year old). The first-week visit and the weekly visits of
--   reg 19/24 placements are not modelled. No national publication.
-- Numerator: children looked after at D (short breaks excluded) so visited. Denominator:
--   children looked after at D. Time basis: snapshot at month and financial year ends.
WITH current_placement AS (
    SELECT c.period_type, c.period_start, c.clae_person_id,
           max(CASE WHEN pl.clap_cla_placement_type IN ('U1', 'U4')
                     AND pl.clap_cla_placement_start_date <= c.period_end - INTERVAL '12 months' THEN 1 ELSE 0 END) AS long_term
    FROM cla_last_seen c
    LEFT JOIN cla_placement pl
           ON pl.clap_person_id = c.clae_person_id
          AND pl.clap_cla_placement_start_date <= c.period_end
          AND (pl.clap_cla_placement_end_date IS NULL OR pl.clap_cla_placement_end_date > c.period_end)
    GROUP BY c.period_type, c.period_start, c.clae_person_id
),
judged AS (
    SELECT v.period_type, v.period_start, v.clae_person_id,
           CASE WHEN v.visited >= v.period_end - CASE WHEN cp.long_term = 1 THEN INTERVAL '91 days' ELSE INTERVAL '42 days' END
                THEN 1 ELSE 0 END AS on_time
    FROM cla_last_seen v
    JOIN current_placement cp ON cp.period_type = v.period_type AND cp.period_start = v.period_start AND cp.clae_person_id = v.clae_person_id
)
SELECT 'cla_visits_within_timescale_pct' AS measure_id,
       p.period_type,
       p.period_start,
       p.period_end,
       coalesce(sum(j.on_time), 0) AS numerator,
       count(j.clae_person_id) AS denominator,
       CASE WHEN count(j.clae_person_id) > 0 THEN 100.0 * sum(j.on_time) / count(j.clae_person_id) END AS value
FROM dim_period p
LEFT JOIN judged j ON j.period_type = p.period_type AND j.period_start = p.period_start
WHERE p.period_type <> 'rolling_12_months'
GROUP BY p.period_type, p.period_start, p.period_end
