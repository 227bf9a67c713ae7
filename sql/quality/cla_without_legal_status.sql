-- rule: cla_without_legal_status
-- Every episode of care has a legal status (DfE SSDA903 episode field LS): an episode with no
-- legal status of the child in force on the day it started.
SELECT 'cla_episode' AS table_name, e._source_file AS file, e._source_row AS row_number, 'clae_cla_episode_start_date' AS column_name
FROM cla_episode e
WHERE e.clae_cla_episode_start_date IS NOT NULL
  AND e.clae_cla_episode_start_date >= (SELECT min(lega_legal_status_start_date) FROM legal_status)
  AND NOT EXISTS (
    SELECT 1 FROM legal_status l
    WHERE l.lega_person_id = e.clae_person_id
      AND l.lega_legal_status_start_date <= e.clae_cla_episode_start_date
      AND coalesce(l.lega_legal_status_end_date, DATE '9999-12-31') >= e.clae_cla_episode_start_date)
