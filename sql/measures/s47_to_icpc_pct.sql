-- measure: s47_to_icpc_pct — S47 enquiries progressing to an ICPC (%)
-- depends: s47_enquiries, icpcs
-- publishes: s47_to_icpc_pct | percent | neutral | S47 enquiries progressing to an ICPC (%)
-- Definition: docs/definitions.md §1.2 S10 (council target 37%). DfE's indicator is simply ICPCs
--   in the year / S47 enquiries in the year, not cohort-linked (CSC outcomes dashboard,
--   read_s47_to_ICPC_data).
-- Numerator: ICPCs in the period. Denominator: S47 enquiries started in the period.
-- Time basis: flow. value: percent (0-100); NULL when there were no S47 enquiries.
SELECT 's47_to_icpc_pct' AS measure_id,
       s.period_type,
       s.period_start,
       s.period_end,
       i.numerator,
       s.numerator AS denominator,
       CASE WHEN s.numerator > 0 THEN 100.0 * i.numerator / s.numerator END AS value
FROM m_s47_enquiries s
JOIN m_icpcs i ON i.period_type = s.period_type AND i.period_start = s.period_start
