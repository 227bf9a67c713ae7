-- rule: care_leaver_never_looked_after
-- A care leaver was looked after (Children (Leaving Care) Act 2000; DfE SSDA903 OC3 covers
-- former relevant children): a care leaver with no episode of care in the extract.
-- A relevant or former relevant child was looked after on or after their 16th birthday, so their
-- last episode ceased then or later (or is open). The extract holds the episodes that ceased from
-- its earliest ceased episode on, so only a young person whose 16th birthday is on or after that
-- date must have an episode in it; an older one may have left care before the extract reaches.
SELECT 'care_leaver' AS table_name, c._source_file AS file, c._source_row AS row_number, 'clea_person_id' AS column_name
FROM care_leaver c
JOIN person p ON p.pers_person_id = c.clea_person_id
WHERE p.pers_dob + INTERVAL '16 years' >= (SELECT min(clae_cla_episode_ceased_date) FROM cla_episode)
  AND NOT EXISTS (SELECT 1 FROM cla_episode e WHERE e.clae_person_id = c.clea_person_id)
