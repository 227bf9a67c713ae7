-- rule: care_leaver_never_looked_after
-- A care leaver was looked after (Children (Leaving Care) Act 2000; DfE SSDA903 OC3 covers
-- former relevant children): a care leaver with no episode of care in the extract.
-- Only where the extract's episodes go back to before the young person's 16th birthday, so their
-- time in care would be in it.
SELECT 'care_leaver' AS table_name, c._source_file AS file, c._source_row AS row_number, 'clea_person_id' AS column_name
FROM care_leaver c
JOIN person p ON p.pers_person_id = c.clea_person_id
WHERE (SELECT min(clae_cla_episode_start_date) FROM cla_episode) <= p.pers_dob + INTERVAL '16 years'
  AND NOT EXISTS (SELECT 1 FROM cla_episode e WHERE e.clae_person_id = c.clea_person_id)
