-- measure: care_proceedings — Care proceedings issued, and those still at court against the 26-week limit
-- sources: pre_proceedings
-- publishes: care_proceedings_issued | count | neutral | Children for whom care proceedings were issued
-- publishes: care_proceedings_open | count | neutral | Children in care proceedings at the as-at date
-- publishes: care_proceedings_open_over_26w_pct | percent | low | Children in care proceedings for more than 26 weeks at the as-at date (%)
-- publishes: care_proceedings_open_avg_days | days | low | Average days since care proceedings were issued, of children still at court
-- Definition: docs/definitions.md §1.3 C23. Care proceedings must be completed "within 26 weeks
--   beginning with the day on which the application was issued" (Children Act 1989 s32(1)(a)(ii),
--   inserted by the Children and Families Act 2014 s14). Issue date and conclusion as the view
--   care_proceedings reads them (ssd_pre_proceedings: the letter that proceedings are issued,
--   else the agreement to issue; concluded once a final care plan other than H is recorded).
--   The 26 weeks end on issue + 181 days, so a case is over 26 weeks at D when D >= issue + 182
--   days. Counting unit: children. The Cafcass / MoJ average duration (issue to final order, the
--   31-32 weeks the seeds quote) needs the final hearing date, which the SSD does not record: csc
--   reports the cases still at court instead (no DfE publication either way).
-- care_proceedings_issued: flow by issue date, every period.
-- care_proceedings_open, _open_over_26w_pct, _open_avg_days: snapshot at the as-at date only,
--   in the periods that end on it; the SSD holds only the current state of proceedings, not when
--   earlier ones concluded, so other periods are no data (not_computable), never 0.
--   _open_over_26w_pct: numerator open over 26 weeks, denominator open; _open_avg_days:
--   numerator total days from issue to the as-at date, denominator open.
WITH issued AS (
    SELECT p.period_type, p.period_start, p.period_end, count(c.prep_table_id) AS n
    FROM dim_period p
    LEFT JOIN day_period d ON d.period_type = p.period_type AND d.period_start = p.period_start
    LEFT JOIN care_proceedings c ON c.issued = d.day
    GROUP BY p.period_type, p.period_start, p.period_end
),
open_now AS (
    SELECT p.period_type, p.period_start, p.period_end,
           p.period_end = params.as_at AS known,
           count(c.prep_table_id) AS n,
           count(CASE WHEN days_between(c.issued, p.period_end) >= 182 THEN 1 END) AS over_26w,
           sum(days_between(c.issued, p.period_end)) AS days
    FROM dim_period p
    CROSS JOIN params
    LEFT JOIN care_proceedings c ON c.issued <= p.period_end AND NOT c.concluded
    WHERE p.period_type <> 'rolling_12_months'
    GROUP BY p.period_type, p.period_start, p.period_end, params.as_at
)
SELECT 'care_proceedings_issued' AS measure_id, period_type, period_start, period_end, n AS numerator, CAST(NULL AS BIGINT) AS denominator, CAST(n AS DOUBLE) AS value
FROM issued
UNION ALL
SELECT 'care_proceedings_open', period_type, period_start, period_end,
       CASE WHEN known THEN n END, CAST(NULL AS BIGINT), CASE WHEN known THEN CAST(n AS DOUBLE) END
FROM open_now
UNION ALL
SELECT 'care_proceedings_open_over_26w_pct', period_type, period_start, period_end,
       CASE WHEN known THEN over_26w END, CASE WHEN known THEN n END, CASE WHEN known AND n > 0 THEN 100.0 * over_26w / n END
FROM open_now
UNION ALL
SELECT 'care_proceedings_open_avg_days', period_type, period_start, period_end,
       CASE WHEN known THEN coalesce(days, 0) END, CASE WHEN known THEN n END, CASE WHEN known AND n > 0 THEN CAST(days AS DOUBLE) / n END
FROM open_now
