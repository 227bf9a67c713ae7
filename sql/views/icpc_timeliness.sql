-- icpc_timeliness: every initial child protection conference with the working days from the
-- actual start of the S47 enquiry it followed (N00148) to the conference (N00110), elapsed as
-- DfE's C4 table counts them (docs/definitions.md §1.2 S11, §2.2). duration_band: C4 bands
-- 0_10, 11_15, 16_20, 21_plus; 'no_s47' when the conference has no linked S47 start date and
-- 'before_s47' when it is dated before the S47 started — both are excluded from the duration
-- split but stay in the ICPC total (LG Inform 3217).
SELECT i.icpc_icpc_id,
       i.icpc_person_id,
       i.icpc_icpc_date,
       s.s47e_s47_start_date,
       working_days(s.s47e_s47_start_date, i.icpc_icpc_date) AS duration_wd,
       CASE
           WHEN s.s47e_s47_start_date IS NULL THEN 'no_s47'
           WHEN i.icpc_icpc_date < s.s47e_s47_start_date THEN 'before_s47'
           WHEN working_days(s.s47e_s47_start_date, i.icpc_icpc_date) <= 10 THEN '0_10'
           WHEN working_days(s.s47e_s47_start_date, i.icpc_icpc_date) <= 15 THEN '11_15'
           WHEN working_days(s.s47e_s47_start_date, i.icpc_icpc_date) <= 20 THEN '16_20'
           ELSE '21_plus'
       END AS duration_band
FROM icpc i
LEFT JOIN s47_enquiry s ON s.s47e_s47_enquiry_id = i.icpc_s47_enquiry_id
WHERE i.icpc_icpc_date IS NOT NULL
