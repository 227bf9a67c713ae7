-- measure: icpc_duration_bands — ICPCs by working days from the S47 start (%)
-- sources: s47_enquiry, icpc
-- publishes: icpc_wd_0_10 | percent | neutral | ICPCs held within 10 working days of the S47 start (%)
-- publishes: icpc_wd_11_15 | percent | neutral | ICPCs held 11-15 working days after the S47 start (%)
-- publishes: icpc_wd_16_20 | percent | low | ICPCs held 16-20 working days after the S47 start (%)
-- publishes: icpc_wd_21_plus | percent | low | ICPCs held 21 or more working days after the S47 start (%)
-- Definition: DfE C4 duration bands 0-10, 11-15, 16-20, 21+ working days (docs/definitions.md
--   §2.2), elapsed counting, from the S47 actual start date to the ICPC date.
-- Numerator: ICPCs in the period in the band. Denominator: all ICPCs in the period (those
--   before their S47 or without one are in no band). value: percent (0-100).
WITH bands (band, measure_id) AS (
    VALUES ('0_10', 'icpc_wd_0_10'), ('11_15', 'icpc_wd_11_15'), ('16_20', 'icpc_wd_16_20'), ('21_plus', 'icpc_wd_21_plus')
)
SELECT b.measure_id,
       p.period_type,
       p.period_start,
       p.period_end,
       count(CASE WHEN i.duration_band = b.band THEN 1 END) AS numerator,
       count(i.icpc_icpc_id) AS denominator,
       CASE WHEN count(i.icpc_icpc_id) > 0
            THEN 100.0 * count(CASE WHEN i.duration_band = b.band THEN 1 END) / count(i.icpc_icpc_id) END AS value
FROM dim_period p
CROSS JOIN bands b
LEFT JOIN day_period d ON d.period_type = p.period_type AND d.period_start = p.period_start
LEFT JOIN icpc_timeliness i ON i.icpc_icpc_date = d.day
GROUP BY b.measure_id, p.period_type, p.period_start, p.period_end
