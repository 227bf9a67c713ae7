-- list: care_leaver_not_in_touch | Care leavers not in touch
-- sources: care_leaver
-- Care leavers recorded as not in touch (NO), or whose latest contact was more than 8 weeks
-- before the as-at date. Rule: Care Leavers (England) Regulations 2010 and the Children Act 1989
-- guidance volume 3: the local authority keeps in touch with each care leaver, the personal
-- adviser at least every 8 weeks. Calendar days; the due date is 8 weeks after the latest
-- contact (none, and no days overdue, when the in-touch answer says NO and no contact date is
-- recorded). Team and worker: the allocation, else the care-leaver record's team and worker.
WITH leavers AS (
    SELECT c.clea_person_id AS person_id,
           max(c.clea_care_leaver_latest_contact) AS contact,
           max(CASE WHEN upper(trim(c.clea_care_leaver_in_touch)) IN ('NO', 'N') THEN 1 ELSE 0 END) AS said_no,
           max(c.clea_care_leaver_allocated_team) AS team,
           max(CAST(c.clea_care_leaver_worker_id AS VARCHAR)) AS worker
    FROM care_leaver c
    WHERE c.clea_person_id IS NOT NULL
    GROUP BY c.clea_person_id
),
due AS (
    SELECT l.person_id,
           l.contact,
           l.said_no,
           l.team,
           l.worker,
           CAST(l.contact + INTERVAL '56 days' AS DATE) AS due_date
    FROM leavers l CROSS JOIN params
)
SELECT params.la_code,
       d.person_id,
       trim(concat_ws(' ', p.pers_forename, p.pers_surname)) AS name,
       coalesce(ap.allocated_team, d.team, 'not allocated') AS team,
       coalesce(ap.allocated_worker, d.worker, 'not allocated') AS worker,
       'care_leaver_not_in_touch' AS list,
       CASE WHEN d.contact IS NULL THEN 'recorded as not in touch' ELSE 'latest contact' END AS event,
       d.contact AS event_date,
       d.due_date,
       days_between(d.due_date, params.as_at) AS days_overdue,
       'in touch with the care leaver at least every 8 weeks (Care Leavers (England) Regulations 2010; days)' AS rule
FROM due d
CROSS JOIN params
LEFT JOIN person p ON p.pers_person_id = d.person_id
LEFT JOIN annex_a_person ap ON ap.person_id = d.person_id
WHERE (d.said_no = 1 AND d.contact IS NULL) OR d.due_date < params.as_at
