-- rule: visit_outside_plan
-- A child protection visit belongs to an open plan (Working Together; Ofsted Annex A list 7
-- counts visits during the plan): a CP visit on a day no CP plan of the child was open.
SELECT 'cp_visit' AS table_name, v._source_file AS file, v._source_row AS row_number, 'cppv_cp_visit_date' AS column_name
FROM cp_visit v
WHERE v.cppv_cp_visit_date IS NOT NULL
  AND v.cppv_cp_visit_date >= (SELECT min(cppl_cp_plan_start_date) FROM cp_plan)
  AND NOT EXISTS (
    SELECT 1 FROM cp_plan p
    WHERE p.cppl_person_id = v.cppv_person_id
      AND p.cppl_cp_plan_start_date <= v.cppv_cp_visit_date
      AND coalesce(p.cppl_cp_plan_end_date, DATE '9999-12-31') >= v.cppv_cp_visit_date)
