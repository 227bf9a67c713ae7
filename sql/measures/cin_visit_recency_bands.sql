-- measure: cin_visit_recency_bands — Children on a CIN plan by time since they were last seen on a visit (%)
-- sources: cin_plan, cin_visit
-- distribution: children on a CIN plan at D
-- publishes: cin_last_seen_timescale_pct | percent | high | Children on a CIN plan last seen on a visit within the local timescale (%)
-- publishes: cin_last_seen_timescale_6w_pct | percent | low | Children on a CIN plan last seen on a visit beyond the local timescale, up to 6 weeks ago (%)
-- publishes: cin_last_seen_6w_12w_pct | percent | low | Children on a CIN plan last seen on a visit 6 to 12 weeks ago (%)
-- publishes: cin_last_seen_12w_plus_pct | percent | low | Children on a CIN plan last seen on a visit more than 12 weeks ago (%)
-- publishes: cin_last_seen_never_pct | percent | low | Children on a CIN plan with no visit on which they were seen (%)
-- Definition: the distribution behind cin_plan_visits_within_4w_pct (docs/definitions.md §1.2
--   S19; local, no national CIN visit frequency), banded at the LA's own CIN visit timescale: N
--   working days, `[action_lists] cin_visit_working_days` in the pipeline file (default 20, about
--   4 weeks; the same N as the action list cin_visit_overdue). For each child with a CIN plan open
--   at D (start <= D, end null or > D), their latest CIN visit on or before D with the child seen
--   (cinv_cin_visit_seen not 'N'; view cin_plan_last_seen): within the timescale (N or fewer
--   elapsed working days before D, England and Wales bank holidays excluded); beyond it but no
--   more than 6 weeks (42 days) before D; more than 6 weeks, up to 12 weeks (84 days); more than
--   12 weeks; or never seen. A timescale of 6 weeks or longer leaves the second band empty.
-- Numerator: children on a CIN plan at D in the band. Denominator: children on a CIN plan at D.
-- Time basis: snapshot at each month end and financial year end. value: percent; the five bands
--   add up to 100.
WITH banded AS (
    SELECT l.period_type, l.period_start, l.cinp_person_id,
           CASE WHEN l.visited IS NULL THEN 'cin_last_seen_never_pct'
                WHEN working_days(l.visited, l.period_end) <= s.cin_visit_wd THEN 'cin_last_seen_timescale_pct'
                WHEN l.visited >= l.period_end - INTERVAL '42 days' THEN 'cin_last_seen_timescale_6w_pct'
                WHEN l.visited >= l.period_end - INTERVAL '84 days' THEN 'cin_last_seen_6w_12w_pct'
                ELSE 'cin_last_seen_12w_plus_pct' END AS band
    FROM cin_plan_last_seen l
    CROSS JOIN measure_settings s
)
SELECT p.period_type, p.period_start, p.period_end, x.band
FROM dim_period p
LEFT JOIN banded x ON x.period_type = p.period_type AND x.period_start = p.period_start
WHERE p.period_type <> 'rolling_12_months'
