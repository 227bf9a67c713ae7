-- measure: s47_enquiries — Number of section 47 enquiries started
-- sources: s47_enquiry
-- publishes: s47_enquiries | count | neutral | Number of section 47 enquiries started
-- Definition: S47 enquiries by S47ActualStartDate (N00148) (docs/definitions.md §1.2 S9).
--   National equivalent: DfE CIN table C4 Section47.
-- Numerator: ssd_s47_enquiry rows whose s47e_s47_start_date falls in the period. Each enquiry
--   counts separately, not children (LG Inform 3217; §0.6).
-- Denominator: none. value = numerator.
-- Time basis: flow; months and financial years up to the as-at date.
-- Exclusions: enquiries with no readable start date (recorded in the quality issues table).
SELECT 's47_enquiries' AS measure_id,
       p.period_type,
       p.period_start,
       p.period_end,
       count(s.s47e_s47_enquiry_id) AS numerator,
       CAST(NULL AS BIGINT) AS denominator,
       CAST(count(s.s47e_s47_enquiry_id) AS DOUBLE) AS value
FROM dim_period p
LEFT JOIN day_period d ON d.period_type = p.period_type AND d.period_start = p.period_start
LEFT JOIN s47_enquiry s ON s.s47e_s47_start_date = d.day
GROUP BY p.period_type, p.period_start, p.period_end
