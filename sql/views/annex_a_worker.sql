-- annex_a_worker: how the Annex A lists show a worker (Allocated Worker): by name from the
-- professionals table when the pipeline file allows names in the restricted workbook
-- (`[annex_a] worker_names = true`, the default; run parameter params.annex_a_worker_names),
-- else not at all, so a list falls back to the worker's id.
SELECT w.prof_professional_id AS worker_id,
       CASE WHEN params.annex_a_worker_names THEN w.prof_professional_name END AS worker_name
FROM professional w
CROSS JOIN params
