-- rule: visit_outside_plan
-- A looked-after child's statutory visit happens while the child is looked after (Care Planning
-- Regulations 2010, reg. 28): a CLA visit on a day no episode of care of the child was open. An
-- episode's period of care runs from the date the child entered care (clae_entered_care_date), so
-- a visit between that date and the episode's start is in care even when the extract does not
-- hold the period's earlier episodes.
SELECT 'cla_visit' AS table_name, v._source_file AS file, v._source_row AS row_number, 'clav_cla_visit_date' AS column_name
FROM cla_visit v
WHERE v.clav_cla_visit_date IS NOT NULL
  AND v.clav_cla_visit_date >= (
    SELECT min(CASE WHEN clae_entered_care_date < clae_cla_episode_start_date THEN clae_entered_care_date
                    ELSE clae_cla_episode_start_date END)
    FROM cla_episode)
  AND NOT EXISTS (
    SELECT 1 FROM cla_episode e
    WHERE e.clae_person_id = v.clav_person_id
      AND CASE WHEN e.clae_entered_care_date < e.clae_cla_episode_start_date THEN e.clae_entered_care_date
               ELSE e.clae_cla_episode_start_date END <= v.clav_cla_visit_date
      AND coalesce(e.clae_cla_episode_ceased_date, DATE '9999-12-31') >= v.clav_cla_visit_date)
