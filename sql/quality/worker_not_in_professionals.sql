-- rule: worker_not_in_professionals
-- Every worker allocated to a child is in the professionals table (SSD ssd_involvements links to
-- ssd_professionals): an involvement whose professional id is not there, so its team and
-- caseload cannot be known.
SELECT 'involvement' AS table_name, i._source_file AS file, i._source_row AS row_number, 'invo_professional_id' AS column_name
FROM involvement i
WHERE i.invo_professional_id IS NOT NULL
  AND EXISTS (SELECT 1 FROM professional)
  AND NOT EXISTS (SELECT 1 FROM professional p WHERE p.prof_professional_id = i.invo_professional_id)
