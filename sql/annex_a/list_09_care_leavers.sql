-- Annex A list 9: Care leavers (standards §1.3). Everyone eligible for leaving-care services at
-- the as-at date (every row of ssd_care_leavers: the table holds the position when it was
-- extracted, which the workbook's Notes sheet states); no look-back window. UASC: an immigration
-- status UASC recorded at any time (formerly UASC counts); blank when the export has no
-- immigration statuses at all. Eligibility, accommodation (the OC3 letter; suitability is its own
-- column) and activity carry Ofsted's labels; a code outside them is shown as received. Dates
-- after the as-at date are not known yet and are blank. Team and worker: the involvement open at
-- the as-at date, else the care-leaver record's own; `_allocation_source` says which. Workers
-- are shown by name only when the pipeline file allows it (view annex_a_worker); otherwise by
-- id, and the personal adviser, whom the SSD holds by name only, is blank
-- (`_workers_shown_by` tells the Notes which).
WITH uasc AS (
    SELECT DISTINCT immi_person_id FROM immigration_status WHERE upper(immi_immigration_status) = 'UASC'
),
immigration_supplied AS (
    SELECT count(*) > 0 AS supplied FROM immigration_status
),
allocation AS (
    SELECT c.clea_table_id, v.team, v.worker,
           row_number() OVER (PARTITION BY c.clea_table_id ORDER BY v.start_date DESC, v.involvement_id DESC) AS latest
    FROM care_leaver c
    CROSS JOIN params
    JOIN annex_a_involvement v ON v.person_id = c.clea_person_id AND v.start_date <= params.as_at
                              AND (v.end_date IS NULL OR v.end_date >= params.as_at)
)
SELECT c.clea_person_id AS "Child Unique ID",
       p.gender AS "Gender",
       p.ethnicity AS "Ethnicity",
       p.date_of_birth AS "Date of Birth",
       p.age AS "Age of Child (Years)",
       CASE WHEN NOT im.supplied THEN NULL WHEN u.immi_person_id IS NULL THEN 'b) No' ELSE 'a) Yes' END
           AS "Unaccompanied Asylum Seeking Child (UASC), or formerly UASC if 18 or over (Y/N)",
       coalesce(p.disability, 'c) Unknown') AS "Does the Child have a Disability",
       CASE WHEN al.clea_table_id IS NOT NULL THEN al.team ELSE c.clea_care_leaver_allocated_team END AS "Allocated Team",
       CASE WHEN al.clea_table_id IS NOT NULL THEN al.worker ELSE coalesce(w.worker_name, c.clea_care_leaver_worker_id) END AS "Allocated Worker",
       CASE WHEN params.annex_a_worker_names THEN c.clea_care_leaver_personal_advisor END AS "Allocated Personal Advisor",
       coalesce(el.value, c.clea_care_leaver_eligibility) AS "Eligibility Category",
       CASE WHEN c.clea_pathway_plan_review_date <= params.as_at THEN c.clea_pathway_plan_review_date END AS "Latest Pathway Plan Review Date",
       coalesce(t.value, c.clea_care_leaver_in_touch) AS "LA in Touch",
       CASE WHEN c.clea_care_leaver_latest_contact <= params.as_at THEN c.clea_care_leaver_latest_contact END AS "Latest Date of Contact",
       coalesce(ac.value, c.clea_care_leaver_accommodation) AS "Type of Accommodation",
       coalesce(s.value, c.clea_care_leaver_accom_suitable) AS "Suitability of Accommodation",
       coalesce(av.value, c.clea_care_leaver_activity) AS "Activity Status",
       CASE WHEN al.clea_table_id IS NOT NULL THEN 'involvement'
            WHEN c.clea_care_leaver_allocated_team IS NOT NULL OR c.clea_care_leaver_worker_id IS NOT NULL THEN 'care leaver record' END AS "_allocation_source",
       CASE WHEN params.annex_a_worker_names THEN 'name' ELSE 'id' END AS "_workers_shown_by"
FROM care_leaver c
CROSS JOIN params
CROSS JOIN immigration_supplied im
LEFT JOIN annex_a_person p ON p.person_id = c.clea_person_id
LEFT JOIN ref_annex_a_value t ON t.domain = 'in_touch' AND t.code = upper(trim(c.clea_care_leaver_in_touch))
LEFT JOIN ref_annex_a_value s ON s.domain = 'suitability' AND s.code = upper(trim(c.clea_care_leaver_accom_suitable))
LEFT JOIN ref_annex_a_value el ON el.domain = 'eligibility' AND el.code = upper(trim(c.clea_care_leaver_eligibility))
LEFT JOIN ref_annex_a_value ac ON ac.domain = 'accommodation' AND ac.code = upper(substr(trim(c.clea_care_leaver_accommodation), 1, 1))
LEFT JOIN ref_annex_a_value av ON av.domain = 'activity' AND av.code = upper(trim(c.clea_care_leaver_activity))
LEFT JOIN annex_a_worker w ON w.worker_id = c.clea_care_leaver_worker_id
LEFT JOIN uasc u ON u.immi_person_id = c.clea_person_id
LEFT JOIN allocation al ON al.clea_table_id = c.clea_table_id AND al.latest = 1
ORDER BY "Child Unique ID", c.clea_table_id
