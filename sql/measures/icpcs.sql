-- measure: icpcs — Initial child protection conferences held
-- sources: icpc
-- publishes: icpcs | count | neutral | Initial child protection conferences held
-- Definition: ICPCs by DateOfInitialCPC (N00110) (docs/definitions.md §1.2 S10-S11); DfE C4
--   ICPC count. Each conference counts, not children.
-- Numerator: ICPCs whose icpc_icpc_date falls in the period. Denominator: none.
-- value = numerator. Time basis: flow by conference date.
SELECT 'icpcs' AS measure_id,
       p.period_type,
       p.period_start,
       p.period_end,
       count(i.icpc_icpc_id) AS numerator,
       CAST(NULL AS BIGINT) AS denominator,
       CAST(count(i.icpc_icpc_id) AS DOUBLE) AS value
FROM dim_period p
LEFT JOIN day_period d ON d.period_type = p.period_type AND d.period_start = p.period_start
LEFT JOIN icpc i ON i.icpc_icpc_date = d.day
GROUP BY p.period_type, p.period_start, p.period_end
