-- rule: overlapping_episodes
-- A child has one episode of care at a time (SSDA903 episodes follow one another; LIIA's episode
-- repair rules 4 and 5 exist to undo overlaps): the later of two episodes of the same child that
-- overlap is flagged. An episode starting the day
-- the previous one ceased does not overlap. The flag rests on the earlier episode's ceased date
-- (via_*): one that could not be read leaves the episode open, and is reported at its own cell.
SELECT DISTINCT 'cla_episode' AS table_name, b._source_file AS file, b._source_row AS row_number, 'clae_cla_episode_start_date' AS column_name,
       a._source_file AS via_file, a._source_row AS via_row, 'clae_cla_episode_ceased_date' AS via_column
FROM cla_episode a
JOIN cla_episode b ON a.clae_person_id = b.clae_person_id AND a.clae_cla_episode_id <> b.clae_cla_episode_id
WHERE a.clae_cla_episode_start_date <= b.clae_cla_episode_start_date
  AND b.clae_cla_episode_start_date < coalesce(a.clae_cla_episode_ceased_date, DATE '9999-12-31')
  AND (a.clae_cla_episode_start_date < b.clae_cla_episode_start_date OR a.clae_cla_episode_id < b.clae_cla_episode_id)
