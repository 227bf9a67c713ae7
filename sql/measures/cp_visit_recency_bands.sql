-- measure: cp_visit_recency_bands — Children on a CP plan by working days since they were last seen on a visit (%)
-- sources: cp_plan, cp_visit
-- distribution: children on a CP plan at D
-- publishes: cp_last_seen_0_10wd_pct | percent | high | Children on a CP plan last seen on a visit 0-10 working days ago (%)
-- publishes: cp_last_seen_11_20wd_pct | percent | neutral | Children on a CP plan last seen on a visit 11-20 working days ago (%)
-- publishes: cp_last_seen_21wd_plus_pct | percent | low | Children on a CP plan last seen on a visit more than 20 working days ago (%)
-- publishes: cp_last_seen_never_pct | percent | low | Children on a CP plan with no visit on which they were seen (%)
-- Definition: the distribution behind cp_visits_within_wd_pct (docs/definitions.md §1.2 S17): for
--   each child on a CP plan at D (as cpp_at_date), the elapsed working days (England and Wales
--   bank holidays excluded) from their latest CP visit on or before D with the child seen
--   (cppv_cp_visit_seen not 'N'; view cp_plan_last_seen) to D, banded 0-10, 11-20, more than
--   20; or never seen.
-- Numerator: children on a plan at D in the band. Denominator: children on a plan at D.
-- Time basis: snapshot at each month end and financial year end. value: percent; the four bands
--   add up to 100.
WITH banded AS (
    SELECT period_type, period_start, cppl_person_id,
           CASE WHEN visited IS NULL THEN 'cp_last_seen_never_pct'
                WHEN working_days(visited, period_end) <= 10 THEN 'cp_last_seen_0_10wd_pct'
                WHEN working_days(visited, period_end) <= 20 THEN 'cp_last_seen_11_20wd_pct'
                ELSE 'cp_last_seen_21wd_plus_pct' END AS band
    FROM cp_plan_last_seen
)
SELECT p.period_type, p.period_start, p.period_end, x.band
FROM dim_period p
LEFT JOIN banded x ON x.period_type = p.period_type AND x.period_start = p.period_start
WHERE p.period_type <> 'rolling_12_months'
