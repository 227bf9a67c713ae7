-- measure: cpp_at_date — Children subject of a child protection plan at the period end
-- sources: cp_plan
-- publishes: cpp_at_date | count | neutral | Children subject of a child protection plan at the period end
-- Definition: docs/definitions.md §1.2 S14 (children with an open CP plan at month end); DfE D5
--   CPP_At31 for 31 March. Unborn children are included (§0.3).
-- Numerator: distinct children (cppl_person_id) with a plan where start <= D and (end is null or
--   end > D), D = period_end: the month end, 31 March for a financial year, or the as-at date
--   for the period containing it. A plan ending on D is no longer open on D.
-- Denominator: none. value = numerator.
-- Time basis: snapshot at each month end and financial year end (not for rolling periods).
-- Exclusions: plans with no readable start date (recorded in the quality issues table).
SELECT 'cpp_at_date' AS measure_id,
       p.period_type,
       p.period_start,
       p.period_end,
       count(DISTINCT c.cppl_person_id) AS numerator,
       CAST(NULL AS BIGINT) AS denominator,
       CAST(count(DISTINCT c.cppl_person_id) AS DOUBLE) AS value
FROM dim_period p
LEFT JOIN cp_plan c
       ON c.cppl_cp_plan_start_date <= p.period_end
      AND (c.cppl_cp_plan_end_date IS NULL OR c.cppl_cp_plan_end_date > p.period_end)
WHERE p.period_type <> 'rolling_12_months'
GROUP BY p.period_type, p.period_start, p.period_end
