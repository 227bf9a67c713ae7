-- measure: cla_visit_recency_bands — Children looked after by time since they were last seen on a visit (%)
-- sources: cla_episode, cla_visit
-- distribution: children looked after at D
-- publishes: cla_last_seen_6w_pct | percent | high | Children looked after last seen on a visit within 6 weeks (%)
-- publishes: cla_last_seen_6w_3m_pct | percent | neutral | Children looked after last seen on a visit 6 weeks to 3 months ago (%)
-- publishes: cla_last_seen_3m_plus_pct | percent | low | Children looked after last seen on a visit more than 3 months ago (%)
-- publishes: cla_last_seen_never_pct | percent | low | Children looked after with no visit on which they were seen (%)
-- Definition: the distribution behind cla_visits_within_timescale_pct (docs/definitions.md §1.2
--   S18), banded at the Care Planning Regulations 2010 reg 28 intervals: for each child looked
--   after at D (short breaks excluded), the days from their latest visit on or before D with the
--   child seen (clav_cla_visit_seen not 'N') to D: within 6 weeks (42 days or fewer); more than 6
--   weeks, up to 3 months (91 days); more than 3 months; or never seen.
-- Numerator: children looked after at D in the band. Denominator: children looked after at D.
-- Time basis: snapshot at each month end and financial year end. value: percent; the four bands
--   add up to 100.
WITH banded AS (
    SELECT period_type, period_start, clae_person_id,
           CASE WHEN visited IS NULL THEN 'cla_last_seen_never_pct'
                WHEN visited >= period_end - INTERVAL '42 days' THEN 'cla_last_seen_6w_pct'
                WHEN visited >= period_end - INTERVAL '91 days' THEN 'cla_last_seen_6w_3m_pct'
                ELSE 'cla_last_seen_3m_plus_pct' END AS band
    FROM cla_last_seen
)
SELECT p.period_type, p.period_start, p.period_end, x.band
FROM dim_period p
LEFT JOIN banded x ON x.period_type = p.period_type AND x.period_start = p.period_start
WHERE p.period_type <> 'rolling_12_months'
