-- measure: pre_proceedings — Pre-proceedings under the Public Law Outline: started, open, ended, outcome and duration
-- sources: pre_proceedings
-- publishes: plo_started | count | neutral | Children entering pre-proceedings (Public Law Outline)
-- publishes: plo_open_at_date | count | neutral | Children in pre-proceedings at the period end
-- publishes: plo_ended | count | neutral | Children whose pre-proceedings ended
-- publishes: plo_ended_issued_pct | percent | neutral | Pre-proceedings that ended by issuing care proceedings (%)
-- publishes: plo_ended_within_16w_pct | percent | high | Pre-proceedings that ended within 16 weeks (%)
-- publishes: plo_duration_avg_days | days | low | Average days in pre-proceedings, of those ended in the period
-- Definition: docs/definitions.md §1.3 C22. Pre-proceedings (the Public Law Outline 2014, Practice
--   Direction 12A; ssd_pre_proceedings via the view care_proceedings) run from the legal meeting
--   that agreed to start them (PREP003A) to the meeting that agreed to step down or issue care
--   proceedings (PREP006A, with an outcome PREP005A). Counting unit: children (one row per child
--   and period of pre-proceedings). No DfE or Cafcass publication; the 16 weeks is the Public Law
--   Working Group's best-practice guidance (March 2021) that pre-proceedings ordinarily end
--   within 16 weeks: ended within 16 weeks = end <= start + 112 days.
-- plo_started: flow by start date. plo_open_at_date: snapshot at D (start <= D, not ended on or
--   before D). plo_ended: flow by end date; plo_ended_issued_pct and plo_ended_within_16w_pct:
--   numerator those issuing / ended within 16 weeks, denominator plo_ended.
--   plo_duration_avg_days: numerator total days (end - start), denominator plo_ended.
-- Exclusions: rows with no start date (proceedings issued without pre-proceedings).
WITH plo AS (
    SELECT * FROM care_proceedings WHERE plo_start IS NOT NULL
),
started AS (
    SELECT p.period_type, p.period_start, p.period_end, count(c.prep_table_id) AS n
    FROM dim_period p
    LEFT JOIN day_period d ON d.period_type = p.period_type AND d.period_start = p.period_start
    LEFT JOIN plo c ON c.plo_start = d.day
    GROUP BY p.period_type, p.period_start, p.period_end
),
open_at AS (
    SELECT p.period_type, p.period_start, p.period_end, count(c.prep_table_id) AS n
    FROM dim_period p
    LEFT JOIN plo c ON c.plo_start <= p.period_end AND (c.plo_end IS NULL OR c.plo_end > p.period_end)
    WHERE p.period_type <> 'rolling_12_months'
    GROUP BY p.period_type, p.period_start, p.period_end
),
ended AS (
    SELECT p.period_type, p.period_start, p.period_end,
           count(c.prep_table_id) AS n,
           count(CASE WHEN c.plo_outcome = 'issued' THEN 1 END) AS issued,
           count(CASE WHEN days_between(c.plo_start, c.plo_end) <= 112 THEN 1 END) AS within_16w,
           sum(days_between(c.plo_start, c.plo_end)) AS days
    FROM dim_period p
    LEFT JOIN day_period d ON d.period_type = p.period_type AND d.period_start = p.period_start
    LEFT JOIN plo c ON c.plo_end = d.day
    GROUP BY p.period_type, p.period_start, p.period_end
)
SELECT 'plo_started' AS measure_id, period_type, period_start, period_end, n AS numerator, CAST(NULL AS BIGINT) AS denominator, CAST(n AS DOUBLE) AS value
FROM started
UNION ALL
SELECT 'plo_open_at_date', period_type, period_start, period_end, n, CAST(NULL AS BIGINT), CAST(n AS DOUBLE)
FROM open_at
UNION ALL
SELECT 'plo_ended', period_type, period_start, period_end, n, CAST(NULL AS BIGINT), CAST(n AS DOUBLE)
FROM ended
UNION ALL
SELECT 'plo_ended_issued_pct', period_type, period_start, period_end, issued, n, CASE WHEN n > 0 THEN 100.0 * issued / n END
FROM ended
UNION ALL
SELECT 'plo_ended_within_16w_pct', period_type, period_start, period_end, within_16w, n, CASE WHEN n > 0 THEN 100.0 * within_16w / n END
FROM ended
UNION ALL
SELECT 'plo_duration_avg_days', period_type, period_start, period_end, coalesce(days, 0), n, CASE WHEN n > 0 THEN CAST(days AS DOUBLE) / n END
FROM ended
