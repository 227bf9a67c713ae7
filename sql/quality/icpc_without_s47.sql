-- rule: icpc_without_s47
-- An initial child protection conference follows a section 47 enquiry (Working Together to
-- Safeguard Children 2023; the CIN census records the ICPC inside its Section47 module): an ICPC
-- with no S47 of the child starting on or before it.
SELECT 'icpc' AS table_name, i._source_file AS file, i._source_row AS row_number, 'icpc_icpc_date' AS column_name
FROM icpc i
WHERE i.icpc_icpc_date IS NOT NULL
  AND i.icpc_icpc_date >= (SELECT min(s47e_s47_start_date) FROM s47_enquiry)
  AND NOT EXISTS (SELECT 1 FROM s47_enquiry s WHERE s.s47e_person_id = i.icpc_person_id AND s.s47e_s47_start_date <= i.icpc_icpc_date)
