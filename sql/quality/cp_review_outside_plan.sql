-- rule: visit_outside_plan
-- A child protection review conference reviews an open plan: a CP review on a day no CP plan of
-- the child was open (a review held on the day the plan ends is inside it).
SELECT 'cp_review' AS table_name, r._source_file AS file, r._source_row AS row_number, 'cppr_cp_review_date' AS column_name
FROM cp_review r
WHERE r.cppr_cp_review_date IS NOT NULL
  AND r.cppr_cp_review_date >= (SELECT min(cppl_cp_plan_start_date) FROM cp_plan)
  AND NOT EXISTS (
    SELECT 1 FROM cp_plan p
    WHERE p.cppl_person_id = r.cppr_person_id
      AND p.cppl_cp_plan_start_date <= r.cppr_cp_review_date
      AND coalesce(p.cppl_cp_plan_end_date, DATE '9999-12-31') >= r.cppr_cp_review_date)
