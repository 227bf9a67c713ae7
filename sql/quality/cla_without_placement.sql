-- rule: cla_without_placement
-- A looked-after child is placed somewhere (DfE SSDA903 episode field PLACE): an episode of care
-- with no placement of the child open at any time during it.
SELECT 'cla_episode' AS table_name, e._source_file AS file, e._source_row AS row_number, 'clae_cla_episode_start_date' AS column_name
FROM cla_episode e
WHERE e.clae_cla_episode_start_date IS NOT NULL
  AND e.clae_cla_episode_start_date >= (SELECT min(clap_cla_placement_start_date) FROM cla_placement)
  AND NOT EXISTS (
    SELECT 1 FROM cla_placement p
    WHERE p.clap_person_id = e.clae_person_id
      AND p.clap_cla_placement_start_date <= coalesce(e.clae_cla_episode_ceased_date, DATE '9999-12-31')
      AND coalesce(p.clap_cla_placement_end_date, DATE '9999-12-31') >= e.clae_cla_episode_start_date)
