-- Annex A list 8: Children in care (standards §1.3). Children looked after at the as-at date or
-- who ceased to be looked after in the six months before it (short breaks excluded); one row per
-- child, for their latest episode. Counters use the 12 months up to the as-at date: placements
-- overlapping it, missing (M) and absent (A) episodes starting in it, a previous period of care
-- ending in it (second or subsequent period), UASC status. No false zeros: the missing and absent
-- counts are blank when the export has no missing episodes at all, the placement count when it
-- has no placements, UASC when it has no immigration statuses. Placement Location (a) In / b) Out)
-- and LA of Placement come from the placement postcode and the LA's own code
-- (reference/postcodes, ONS Postcode Directory). The permanence plan is the one recorded by the
-- child's care plan in force on the as-at date (on the episode's end when it ceased before; the
-- latest started wins; sql/views/cla_permanence_plan.sql); under parallel planning, the first of
-- its plans in Ofsted's order. Blank when the care plan records none, or the export has no care
-- plans (the Notes say which). Dates after the as-at date (IRO contact) are not known yet and are blank. Team
-- and worker: the involvement open at the as-at date (at the episode's end when it ceased
-- before), else the team and worker of the episode's referral; `_allocation_source` says which.
WITH latest_episode AS (
    SELECT e.*,
           row_number() OVER (PARTITION BY e.clae_person_id ORDER BY e.clae_cla_episode_start_date DESC, e.clae_cla_episode_id DESC) AS latest
    FROM cla_episode_in_care e CROSS JOIN params
    WHERE e.clae_cla_episode_start_date <= params.as_at
      AND (e.clae_cla_episode_ceased_date IS NULL OR e.clae_cla_episode_ceased_date >= params.as_at - INTERVAL '6 months')
),
episodes AS (
    SELECT l.*, x.clae_cla_primary_need_code, x.clae_entered_care_date, x.clae_cla_last_iro_contact_date, x.clae_referral_id,
           CASE WHEN l.clae_cla_episode_ceased_date <= params.as_at THEN l.clae_cla_episode_ceased_date ELSE params.as_at END AS allocation_day
    FROM latest_episode l
    CROSS JOIN params
    JOIN cla_episode x ON x.clae_cla_episode_id = l.clae_cla_episode_id
    WHERE l.latest = 1
),
period_start AS (
    SELECT e.clae_person_id,
           coalesce(max(e.clae_entered_care_date), max(s.clae_cla_episode_start_date)) AS started
    FROM episodes e
    LEFT JOIN cla_episode_in_care s ON s.clae_person_id = e.clae_person_id AND s.clae_cla_episode_start_reason = 'S'
         AND s.clae_cla_episode_start_date <= e.clae_cla_episode_start_date
    GROUP BY e.clae_person_id
),
repeat_period AS (
    SELECT DISTINCT s.clae_person_id
    FROM period_start s CROSS JOIN params
    JOIN cla_episode_in_care o ON o.clae_person_id = s.clae_person_id
     AND o.clae_cla_episode_ceased_date < s.started
     AND o.clae_cla_episode_ceased_date >= params.as_at - INTERVAL '12 months'
     AND coalesce(o.clae_cla_episode_ceased_reason, '') <> 'X1'
),
legal AS (
    SELECT l.lega_person_id, l.lega_legal_status, l.lega_legal_status_start_date,
           row_number() OVER (PARTITION BY l.lega_person_id ORDER BY l.lega_legal_status_start_date DESC, l.lega_legal_status_id DESC) AS latest
    FROM legal_status l CROSS JOIN params
    WHERE l.lega_legal_status_start_date <= params.as_at
),
placements AS (
    SELECT pl.*,
           row_number() OVER (PARTITION BY pl.clap_person_id ORDER BY pl.clap_cla_placement_start_date DESC, pl.clap_cla_placement_id DESC) AS latest
    FROM cla_placement pl CROSS JOIN params
    WHERE pl.clap_cla_placement_start_date <= params.as_at
),
placements_12m AS (
    SELECT pl.clap_person_id, count(DISTINCT pl.clap_cla_placement_id) AS n
    FROM cla_placement pl CROSS JOIN params
    WHERE pl.clap_cla_placement_start_date <= params.as_at
      AND (pl.clap_cla_placement_end_date IS NULL OR pl.clap_cla_placement_end_date >= params.as_at - INTERVAL '12 months')
    GROUP BY pl.clap_person_id
),
missing_12m AS (
    SELECT m.miss_person_id,
           count(CASE WHEN upper(m.miss_missing_episode_type) IN ('M', 'MISSING') THEN 1 END) AS missing,
           count(CASE WHEN upper(m.miss_missing_episode_type) IN ('A', 'ABSENT', 'AWAY') THEN 1 END) AS absent
    FROM missing m CROSS JOIN params
    WHERE m.miss_missing_episode_start_date >= params.as_at - INTERVAL '12 months' AND m.miss_missing_episode_start_date <= params.as_at
    GROUP BY m.miss_person_id
),
last_missing AS (
    SELECT m.miss_person_id, m.miss_missing_rhi_offered, m.miss_missing_rhi_accepted,
           row_number() OVER (PARTITION BY m.miss_person_id ORDER BY m.miss_missing_episode_start_date DESC, m.miss_table_id DESC) AS latest
    FROM missing m CROSS JOIN params
    WHERE m.miss_missing_episode_start_date <= params.as_at AND upper(coalesce(m.miss_missing_episode_type, 'M')) IN ('M', 'MISSING')
),
uasc_12m AS (
    SELECT DISTINCT i.immi_person_id
    FROM immigration_status i CROSS JOIN params
    WHERE upper(i.immi_immigration_status) = 'UASC'
      AND coalesce(i.immi_immigration_status_start_date, params.as_at) <= params.as_at
      AND (i.immi_immigration_status_end_date IS NULL OR i.immi_immigration_status_end_date >= params.as_at - INTERVAL '12 months')
),
health AS (
    SELECT h.clah_person_id,
           max(CASE WHEN upper(h.clah_health_check_type) LIKE '%HEALTH%' THEN h.clah_health_check_date END) AS health_date,
           max(CASE WHEN upper(h.clah_health_check_type) LIKE '%DENTAL%' OR upper(h.clah_health_check_type) LIKE '%TEETH%' THEN h.clah_health_check_date END) AS dental_date
    FROM cla_health h CROSS JOIN params
    WHERE h.clah_health_check_date <= params.as_at
    GROUP BY h.clah_person_id
),
reviews AS (
    SELECT e.clae_person_id, max(r.clar_cla_review_date) AS review_date
    FROM episodes e CROSS JOIN params
    JOIN cla_episode x ON x.clae_person_id = e.clae_person_id
    JOIN cla_review r ON r.clar_cla_id = x.clae_cla_id AND r.clar_cla_review_date <= params.as_at AND coalesce(r.clar_cla_review_cancelled, 'N') <> 'Y'
    GROUP BY e.clae_person_id
),
supplied AS (
    SELECT (SELECT count(*) FROM missing) > 0 AS missing,
           (SELECT count(*) FROM cla_placement) > 0 AS placements,
           (SELECT count(*) FROM immigration_status) > 0 AS immigration
),
allocation AS (
    SELECT e.clae_person_id, v.team, v.worker,
           row_number() OVER (PARTITION BY e.clae_person_id ORDER BY v.start_date DESC, v.involvement_id DESC) AS latest
    FROM episodes e
    JOIN annex_a_involvement v ON v.person_id = e.clae_person_id AND v.start_date <= e.allocation_day
                              AND (v.end_date IS NULL OR v.end_date >= e.allocation_day)
),
care_plan AS (
    SELECT e.clae_person_id, c.lacp_table_id AS care_plan_id,
           row_number() OVER (PARTITION BY e.clae_person_id ORDER BY c.lacp_cla_care_plan_start_date DESC, c.lacp_table_id DESC) AS latest
    FROM episodes e
    JOIN cla_care_plan c ON c.lacp_person_id = e.clae_person_id AND c.lacp_cla_care_plan_start_date <= e.allocation_day
                        AND (c.lacp_cla_care_plan_end_date IS NULL OR c.lacp_cla_care_plan_end_date >= e.allocation_day)
),
permanence_plan AS (
    SELECT c.clae_person_id, min(pp.plan) AS plan
    FROM care_plan c
    JOIN cla_permanence_plan pp ON pp.care_plan_id = c.care_plan_id
    WHERE c.latest = 1
    GROUP BY c.clae_person_id
),
visits AS (
    SELECT v.clav_person_id, max(v.clav_cla_visit_date) AS visit_date
    FROM cla_visit v CROSS JOIN params
    WHERE v.clav_cla_visit_date <= params.as_at
    GROUP BY v.clav_person_id
)
SELECT e.clae_person_id AS "Child Unique ID",
       p.gender AS "Gender",
       p.ethnicity AS "Ethnicity",
       p.date_of_birth AS "Date of Birth",
       p.age AS "Age of Child (Years)",
       CASE WHEN NOT sp.immigration THEN NULL WHEN u.immi_person_id IS NULL THEN 'b) No' ELSE 'a) Yes' END AS "Unaccompanied Asylum Seeking Child (UASC) within the Last 12 Months (Y/N)",
       coalesce(p.disability, 'c) Unknown') AS "Does the Child have a Disability",
       ps.started AS "Date Started to be Looked After",
       coalesce(n.value, e.clae_cla_primary_need_code) AS "Child's Category of Need",
       CASE WHEN rp.clae_person_id IS NULL THEN 'b) No' ELSE 'a) Yes' END
           AS "Is this a second or subsequent period of being a Looked After Child within the last 12 months (Y/N)",
       lg.lega_legal_status_start_date AS "Start date of current legal status",
       coalesce(ls.value, lg.lega_legal_status) AS "Child's Legal Status",
       rv.review_date AS "Date of Latest Statutory Review",
       vi.visit_date AS "Date of Last Social Work Visit",
       pp.plan AS "What is the permanence plan for this child?",
       CASE WHEN e.clae_cla_last_iro_contact_date <= params.as_at THEN e.clae_cla_last_iro_contact_date END AS "Date of Last IRO Visit / Contact to the Child",
       h.health_date AS "Date of Last Health Assessment",
       h.dental_date AS "Date of Last Dental Check",
       CAST(CASE WHEN sp.placements THEN coalesce(p12.n, 1) END AS BIGINT) AS "Number of Placements in the Last 12 months",
       CASE WHEN e.clae_cla_episode_ceased_date <= params.as_at THEN e.clae_cla_episode_ceased_date END AS "Date Ceased to be Looked After",
       CASE WHEN e.clae_cla_episode_ceased_date <= params.as_at THEN coalesce(rc.value, e.clae_cla_episode_ceased_reason) END AS "Reason Ceased to be Looked After",
       pl.clap_cla_placement_start_date AS "Start Date of Most Recent Placement",
       coalesce(pt.value, pl.clap_cla_placement_type) AS "Placement Type",
       coalesce(pv.value, pl.clap_cla_placement_provider) AS "Placement Provider",
       pl.clap_cla_placement_postcode AS "Placement postcode",
       pl.clap_cla_placement_urn AS "URN of Placement",
       coalesce(lo.value, placement_location(pl.clap_cla_placement_postcode, params.la_code)) AS "Placement Location",
       placement_la_name(pl.clap_cla_placement_postcode) AS "LA of Placement",
       CAST(CASE WHEN sp.missing THEN coalesce(m.missing, 0) END AS BIGINT) AS "Number of Episodes the Child has been 'Missing' from their Placement in the last 12 months",
       CAST(CASE WHEN sp.missing THEN coalesce(m.absent, 0) END AS BIGINT) AS "Number of Episodes the Child has been 'Absent' from their Placement in the last 12 months",
       CASE WHEN lm.miss_person_id IS NULL THEN NULL
            WHEN upper(lm.miss_missing_rhi_offered) IN ('Y', 'YES', 'TRUE', '1') THEN 'a) Yes' ELSE 'b) No' END
           AS "Was the child offered a Return Interview after their last missing episode (Y/N)?",
       CASE WHEN lm.miss_person_id IS NULL THEN NULL
            WHEN upper(lm.miss_missing_rhi_accepted) IN ('Y', 'YES', 'TRUE', '1') THEN 'a) Yes' ELSE 'b) No' END
           AS "Did the child accept a Return Interview after their last missing episode (Y/N)?",
       CASE WHEN al.clae_person_id IS NOT NULL THEN al.team ELSE rf.cine_referral_team END AS "Allocated Team",
       CASE WHEN al.clae_person_id IS NOT NULL THEN al.worker ELSE coalesce(w.worker_name, rf.cine_referral_worker_id) END AS "Allocated Worker",
       CASE WHEN al.clae_person_id IS NOT NULL THEN 'involvement'
            WHEN rf.cine_referral_team IS NOT NULL OR rf.cine_referral_worker_id IS NOT NULL THEN 'referral' END AS "_allocation_source"
FROM episodes e
CROSS JOIN params
CROSS JOIN supplied sp
LEFT JOIN annex_a_person p ON p.person_id = e.clae_person_id
LEFT JOIN period_start ps ON ps.clae_person_id = e.clae_person_id
LEFT JOIN repeat_period rp ON rp.clae_person_id = e.clae_person_id
LEFT JOIN uasc_12m u ON u.immi_person_id = e.clae_person_id
LEFT JOIN legal lg ON lg.lega_person_id = e.clae_person_id AND lg.latest = 1
LEFT JOIN placements pl ON pl.clap_person_id = e.clae_person_id AND pl.latest = 1
LEFT JOIN placements_12m p12 ON p12.clap_person_id = e.clae_person_id
LEFT JOIN missing_12m m ON m.miss_person_id = e.clae_person_id
LEFT JOIN last_missing lm ON lm.miss_person_id = e.clae_person_id AND lm.latest = 1
LEFT JOIN health h ON h.clah_person_id = e.clae_person_id
LEFT JOIN reviews rv ON rv.clae_person_id = e.clae_person_id
LEFT JOIN visits vi ON vi.clav_person_id = e.clae_person_id
LEFT JOIN permanence_plan pp ON pp.clae_person_id = e.clae_person_id
LEFT JOIN ref_annex_a_value n ON n.domain = 'primary_need' AND n.code = e.clae_cla_primary_need_code
LEFT JOIN ref_annex_a_value ls ON ls.domain = 'legal_status' AND ls.code = lg.lega_legal_status
LEFT JOIN ref_annex_a_value rc ON rc.domain = 'reason_ceased' AND rc.code = e.clae_cla_episode_ceased_reason
LEFT JOIN ref_annex_a_value pt ON pt.domain = 'placement_type' AND pt.code = pl.clap_cla_placement_type
LEFT JOIN ref_annex_a_value pv ON pv.domain = 'placement_provider' AND pv.code = pl.clap_cla_placement_provider
LEFT JOIN ref_annex_a_value lo ON lo.domain = 'placement_location' AND lo.code = placement_location(pl.clap_cla_placement_postcode, params.la_code)
LEFT JOIN allocation al ON al.clae_person_id = e.clae_person_id AND al.latest = 1
LEFT JOIN referral rf ON rf.cine_referral_id = e.clae_referral_id
LEFT JOIN annex_a_worker w ON w.worker_id = rf.cine_referral_worker_id
ORDER BY "Date Started to be Looked After", "Child Unique ID"
