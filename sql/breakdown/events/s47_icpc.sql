-- breakdown: s47_enquiries, icpcs, icpc_within_15wd_pct
-- S47 enquiries by start date and ICPCs by conference date (as sql/measures/s47_enquiries.sql,
-- icpcs.sql): one row each; ICPCs within 15 working days of the S47 start (as
-- icpc_within_15wd_pct.sql, view icpc_timeliness): num = 1 in bands 0-10 and 11-15.
SELECT 's47_enquiries' AS measure_id,
       d.period_type,
       d.period_start,
       s.s47e_person_id AS person_id,
       s.s47e_s47_start_date AS on_date,
       CAST(1 AS BIGINT) AS num,
       CAST(NULL AS BIGINT) AS den,
       s.s47e_s47_completed_by_team AS event_team,
       CAST(s.s47e_s47_completed_by_worker_id AS VARCHAR) AS event_worker,
       CAST(NULL AS VARCHAR) AS source,
       CAST(NULL AS VARCHAR) AS abuse_category,
       CAST(NULL AS VARCHAR) AS placement_type,
       CAST(NULL AS VARCHAR) AS placement_provider,
       CAST(NULL AS VARCHAR) AS legal_status
FROM s47_enquiry s
JOIN day_period d ON d.day = s.s47e_s47_start_date
WHERE d.period_type <> 'rolling_12_months' AND s.s47e_s47_enquiry_id IS NOT NULL
UNION ALL
SELECT 'icpcs',
       d.period_type,
       d.period_start,
       i.icpc_person_id,
       i.icpc_icpc_date,
       CAST(1 AS BIGINT),
       CAST(NULL AS BIGINT),
       i.icpc_icpc_team,
       CAST(i.icpc_icpc_worker_id AS VARCHAR),
       CAST(NULL AS VARCHAR),
       CAST(NULL AS VARCHAR),
       CAST(NULL AS VARCHAR),
       CAST(NULL AS VARCHAR),
       CAST(NULL AS VARCHAR)
FROM icpc i
JOIN day_period d ON d.day = i.icpc_icpc_date
WHERE d.period_type <> 'rolling_12_months' AND i.icpc_icpc_id IS NOT NULL
UNION ALL
SELECT 'icpc_within_15wd_pct',
       d.period_type,
       d.period_start,
       t.icpc_person_id,
       t.icpc_icpc_date,
       CAST(CASE WHEN t.duration_band IN ('0_10', '11_15') THEN 1 ELSE 0 END AS BIGINT),
       CAST(1 AS BIGINT),
       i.icpc_icpc_team,
       CAST(i.icpc_icpc_worker_id AS VARCHAR),
       CAST(NULL AS VARCHAR),
       CAST(NULL AS VARCHAR),
       CAST(NULL AS VARCHAR),
       CAST(NULL AS VARCHAR),
       CAST(NULL AS VARCHAR)
FROM icpc_timeliness t
JOIN icpc i ON i.icpc_icpc_id = t.icpc_icpc_id
JOIN day_period d ON d.day = t.icpc_icpc_date
WHERE d.period_type <> 'rolling_12_months' AND t.icpc_icpc_id IS NOT NULL
