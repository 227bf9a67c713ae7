-- cla_spell_start: when each child's time in care began, for "looked after continuously for"
-- cohorts (OC2, long-term stability): the recorded date the child entered care
-- (clae_entered_care_date) or, where the extract has none, the child's earliest episode start;
-- short breaks excluded.
SELECT e.clae_person_id,
       min(coalesce(x.clae_entered_care_date, e.clae_cla_episode_start_date)) AS entered
FROM cla_episode_in_care e
JOIN cla_episode x ON x.clae_cla_episode_id = e.clae_cla_episode_id
GROUP BY e.clae_person_id
