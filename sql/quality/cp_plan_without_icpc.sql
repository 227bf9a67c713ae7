-- rule: cp_plan_without_icpc
-- A child protection plan starts at an initial child protection conference (DfE CIN census
-- validator rules 2884/2885: the CP plan start date is the ICPC date): a plan with no ICPC of the
-- child on or before its start is missing its conference (or is a transfer-in, which should be
-- recorded as one). Like every relational rule, it looks only where the extract's history of the
-- other table reaches: a plan older than the first ICPC in the extract is not flagged.
SELECT 'cp_plan' AS table_name, p._source_file AS file, p._source_row AS row_number, 'cppl_cp_plan_start_date' AS column_name
FROM cp_plan p
WHERE p.cppl_cp_plan_start_date IS NOT NULL
  -- Plans that started before the extract's first ICPC may have had theirs before it too.
  AND p.cppl_cp_plan_start_date >= (SELECT min(icpc_icpc_date) FROM icpc)
  AND NOT EXISTS (SELECT 1 FROM icpc i WHERE i.icpc_person_id = p.cppl_person_id AND i.icpc_icpc_date <= p.cppl_cp_plan_start_date)
