-- annex_a_involvement: who held each child's case and when, for the Annex A lists' Allocated Team
-- and Allocated Worker: every involvement with a start date, the worker shown by name when the
-- professionals table has one and the pipeline file allows names (view annex_a_worker), else by id. A list takes the involvement open on the day it asks
-- about (the as-at date, or the day its record ended), the latest started first.
SELECT i.invo_person_id AS person_id,
       i.invo_involvements_id AS involvement_id,
       i.invo_professional_team AS team,
       coalesce(w.worker_name, i.invo_professional_id) AS worker,
       i.invo_involvement_start_date AS start_date,
       i.invo_involvement_end_date AS end_date
FROM involvement i
LEFT JOIN annex_a_worker w ON w.worker_id = i.invo_professional_id
WHERE i.invo_involvement_start_date IS NOT NULL
