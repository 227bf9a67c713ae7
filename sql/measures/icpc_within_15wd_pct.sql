-- measure: icpc_within_15wd_pct — ICPCs held within 15 working days of the S47 start (%)
-- sources: s47_enquiry, icpc
-- publishes: icpc_within_15wd_pct | percent | high | ICPCs held within 15 working days of the S47 start (%)
-- Definition: docs/definitions.md §1.2 S11; DfE C4 buckets 0-10 + 11-15 over all ICPCs. Duration
--   from the actual start of the S47 enquiry to the ICPC in elapsed working days (England and
--   Wales bank holidays excluded; view icpc_timeliness). ICPCs dated before their S47, or with
--   no linked S47, are not within 15 days but stay in the denominator, as DfE counts them.
--   Reproduces Southampton 2019/20: (76 + 314) / 703 = 55.5%.
-- Numerator: ICPCs in the period in bands 0_10 or 11_15. Denominator: all ICPCs in the period.
-- Time basis: flow by conference date. value: percent (0-100).
SELECT 'icpc_within_15wd_pct' AS measure_id,
       p.period_type,
       p.period_start,
       p.period_end,
       count(CASE WHEN i.duration_band IN ('0_10', '11_15') THEN 1 END) AS numerator,
       count(i.icpc_icpc_id) AS denominator,
       CASE WHEN count(i.icpc_icpc_id) > 0
            THEN 100.0 * count(CASE WHEN i.duration_band IN ('0_10', '11_15') THEN 1 END) / count(i.icpc_icpc_id) END AS value
FROM dim_period p
LEFT JOIN day_period d ON d.period_type = p.period_type AND d.period_start = p.period_start
LEFT JOIN icpc_timeliness i ON i.icpc_icpc_date = d.day
GROUP BY p.period_type, p.period_start, p.period_end
