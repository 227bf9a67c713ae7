-- list: missing_no_rhi | Children back from a missing episode with no return interview offered in 72 hours
-- sources: missing
-- Missing episodes that ended in the 3 months up to the as-at date with no return home
-- interview recorded as offered, more than 3 days (72 hours; dates only) after the return.
-- Rule: Statutory guidance on children who run away or go missing from home or care (DfE 2014):
-- an independent return interview offered within 72 hours of the child's return. Calendar
-- days. One row per child (the latest such return).
WITH returned AS (
    SELECT m.miss_person_id AS person_id, max(m.miss_missing_episode_end_date) AS back
    FROM missing m CROSS JOIN params
    WHERE m.miss_missing_episode_end_date <= params.as_at
      AND m.miss_missing_episode_end_date > CAST(params.as_at - INTERVAL '3 months' AS DATE)
      AND coalesce(upper(trim(m.miss_missing_rhi_offered)), '') NOT IN ('Y', 'YES', 'TRUE', '1')
    GROUP BY m.miss_person_id
)
SELECT params.la_code,
       r.person_id,
       trim(concat_ws(' ', p.pers_forename, p.pers_surname)) AS name,
       coalesce(ap.allocated_team, 'not allocated') AS team,
       coalesce(ap.allocated_worker, 'not allocated') AS worker,
       'missing_no_rhi' AS list,
       'returned from a missing episode' AS event,
       r.back AS event_date,
       CAST(r.back + INTERVAL '3 days' AS DATE) AS due_date,
       days_between(CAST(r.back + INTERVAL '3 days' AS DATE), params.as_at) AS days_overdue,
       'return interview offered within 72 hours of return (DfE statutory guidance 2014; days)' AS rule
FROM returned r
CROSS JOIN params
LEFT JOIN person p ON p.pers_person_id = r.person_id
LEFT JOIN annex_a_person ap ON ap.person_id = r.person_id
WHERE CAST(r.back + INTERVAL '3 days' AS DATE) < params.as_at
