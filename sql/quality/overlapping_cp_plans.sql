-- rule: overlapping_episodes
-- A child has one child protection plan at a time (DfE CIN census validator rules 4004/8935: one
-- open CP plan): the later of two plans of the same child that overlap is flagged. A plan that starts the day another ends
-- does not overlap. The flag rests on the earlier plan's end (via_*): an end date that could not be
-- read leaves the plan open, and is reported at its own cell instead.
SELECT DISTINCT 'cp_plan' AS table_name, b._source_file AS file, b._source_row AS row_number, 'cppl_cp_plan_start_date' AS column_name,
       a._source_file AS via_file, a._source_row AS via_row, 'cppl_cp_plan_end_date' AS via_column
FROM cp_plan a
JOIN cp_plan b ON a.cppl_person_id = b.cppl_person_id AND a.cppl_cp_plan_id <> b.cppl_cp_plan_id
WHERE a.cppl_cp_plan_start_date <= b.cppl_cp_plan_start_date
  AND b.cppl_cp_plan_start_date < coalesce(a.cppl_cp_plan_end_date, DATE '9999-12-31')
  AND (a.cppl_cp_plan_start_date < b.cppl_cp_plan_start_date OR a.cppl_cp_plan_id < b.cppl_cp_plan_id)
