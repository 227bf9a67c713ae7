-- cla_permanence_plan: the permanence plans each looked-after child's care plan records
-- (ssd_cla_care_plan; docs/definitions.md §1.3 "Permanence plan recorded"). The SSD holds them in
-- lacp_cla_care_plan_json, an object of ten keys (REMAINSUP, RETURN1M, RETURN6M, RETURNEV,
-- LTRELFR, LTFOST18, RESPLMT, SUPPLIV, ADOPTION, OTHERPLN) with a value against each plan being
-- pursued (more than one under parallel planning) and every key present, empty, otherwise. A key
-- is ticked when its value is not empty, N, No, 0, false or null. One row per care plan and
-- ticked key, with Ofsted's Annex A value for the key (reference/annex_a/lettered_values.csv,
-- domain permanence_plan) and its letter for ordering; a care plan with no key ticked has no row.
SELECT c.lacp_table_id AS care_plan_id,
       c.lacp_person_id AS person_id,
       c.lacp_cla_care_plan_start_date AS start_date,
       c.lacp_cla_care_plan_end_date AS end_date,
       v.code AS plan_key,
       v.value AS plan
FROM cla_care_plan c
JOIN ref_annex_a_value v ON v.domain = 'permanence_plan'
WHERE upper(trim(coalesce(
          regexp_match(c.lacp_cla_care_plan_json, concat('(?i)(?:^|[{,\s"])', v.code, '"?\s*:\s*"?([^",}]*)'))[1], ''
      ))) NOT IN ('', 'N', 'NO', '0', 'FALSE', 'NULL')
