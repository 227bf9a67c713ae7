-- Annex A list 2: Early help (standards §1.3). Early help episodes open at the as-at date or
-- ended in the six months before it (the SSD Annex A rule: end date null or within 6 months). A
-- completion after the as-at date is not known yet and is blank.
SELECT e.earl_person_id AS "Child Unique ID",
       p.gender AS "Gender",
       p.ethnicity AS "Ethnicity",
       p.date_of_birth AS "Date of Birth",
       p.age AS "Age of Child (Years)",
       e.earl_episode_start_date AS "Assessment start date",
       CASE WHEN e.earl_episode_end_date <= params.as_at THEN e.earl_episode_end_date END AS "Assessment completion date",
       e.earl_episode_organisation AS "Organisation completing assessment"
FROM early_help_episode e
CROSS JOIN params
LEFT JOIN annex_a_person p ON p.person_id = e.earl_person_id
WHERE e.earl_episode_start_date <= params.as_at
  AND (e.earl_episode_end_date IS NULL OR e.earl_episode_end_date >= params.as_at - INTERVAL '6 months')
ORDER BY "Assessment start date", "Child Unique ID", e.earl_episode_id
