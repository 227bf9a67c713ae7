-- list: s47_no_icpc_15wd | S47 enquiries open with no ICPC past 15 working days
-- sources: s47_enquiry
-- S47 enquiries started on or before the as-at date, not ended by it, with no initial child
-- protection conference held for them by it, started more than 15 working days ago. Rule:
-- Working Together to Safeguard Children 2023: the ICPC within 15 working days of the strategy
-- discussion (this list counts from the S47 start, as the DfE measure does). One row per child
-- (the oldest enquiry).
WITH held AS (
    SELECT DISTINCT i.icpc_s47_enquiry_id
    FROM icpc i CROSS JOIN params
    WHERE i.icpc_icpc_date <= params.as_at AND i.icpc_s47_enquiry_id IS NOT NULL
),
open_s47 AS (
    SELECT s.s47e_person_id AS person_id, min(s.s47e_s47_start_date) AS started
    FROM s47_enquiry s
    CROSS JOIN params
    LEFT JOIN held h ON h.icpc_s47_enquiry_id = s.s47e_s47_enquiry_id
    WHERE s.s47e_s47_start_date <= params.as_at
      AND (s.s47e_s47_end_date IS NULL OR s.s47e_s47_end_date > params.as_at)
      AND h.icpc_s47_enquiry_id IS NULL
    GROUP BY s.s47e_person_id
)
SELECT params.la_code,
       o.person_id,
       trim(concat_ws(' ', p.pers_forename, p.pers_surname)) AS name,
       coalesce(ap.allocated_team, 'not allocated') AS team,
       coalesce(ap.allocated_worker, 'not allocated') AS worker,
       's47_no_icpc_15wd' AS list,
       'S47 enquiry started' AS event,
       o.started AS event_date,
       add_working_days(o.started, 15) AS due_date,
       working_days(add_working_days(o.started, 15), params.as_at) AS days_overdue,
       'ICPC within 15 working days of the S47 start (Working Together to Safeguard Children 2023; working days)' AS rule
FROM open_s47 o
CROSS JOIN params
LEFT JOIN person p ON p.pers_person_id = o.person_id
LEFT JOIN annex_a_person ap ON ap.person_id = o.person_id
WHERE working_days(add_working_days(o.started, 15), params.as_at) > 0
