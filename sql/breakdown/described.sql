-- breakdown_described: each breakdown event (`breakdown_events`, the events/*.sql files stacked;
-- see README.md) with the value of every dimension it is broken down by, worked out once and kept
-- for the pivot (sql/breakdown/fact_measure_breakdown.sql), which totals it by each dimension.
--
-- Person dimensions, judged on each event's on_date (the event date for flow measures, the
-- period end for snapshots):
--   team, worker, service  the involvement open on on_date (started on or before it, not ended on
--                          or before it; the latest started when several are), the worker's
--                          department as the service; when none is open, the team and worker
--                          recorded on the event itself (referral, assessment, S47, ICPC);
--                          else 'not allocated' (service 'not recorded'). A child who moves
--                          team mid-period counts under the team holding the case on on_date.
--   age_band               DfE bands: unborn (no date of birth but an expected one, or born
--                          after on_date), under 1, 1-4, 5-9, 10-15, 16+; 'not recorded'.
--   sex                    male, female, indeterminate; 'not recorded' (U or missing).
--   ethnicity              DfE major groups of the CIN census / SSDA903 codes.
--   disability             yes (any code but NONE), no (only NONE), 'not recorded'.
-- Measure dimensions (source, abuse_category, placement_type, placement_provider, legal_status)
-- come from the event rows; a null there means the dimension does not apply to that measure.
WITH event_days AS (
    SELECT DISTINCT person_id, on_date FROM breakdown_events WHERE person_id IS NOT NULL
),
allocation AS (
    -- The involvement that started last (the latest id among those starting the same day).
    SELECT d.person_id,
           d.on_date,
           first_value(nullif(trim(i.invo_professional_team), '') ORDER BY i.invo_involvement_start_date DESC, i.invo_involvements_id DESC) AS team,
           first_value(nullif(trim(CAST(i.invo_professional_id AS VARCHAR)), '') ORDER BY i.invo_involvement_start_date DESC, i.invo_involvements_id DESC) AS worker,
           first_value(nullif(trim(w.prof_professional_department), '') ORDER BY i.invo_involvement_start_date DESC, i.invo_involvements_id DESC) AS service
    FROM event_days d
    JOIN involvement i
      ON i.invo_person_id = d.person_id
     AND i.invo_involvement_start_date <= d.on_date
     AND (i.invo_involvement_end_date IS NULL OR i.invo_involvement_end_date > d.on_date)
    LEFT JOIN professional w ON w.prof_professional_id = i.invo_professional_id
    GROUP BY d.person_id, d.on_date
),
disability_flag AS (
    SELECT disa_person_id,
           max(CASE WHEN upper(trim(disa_disability_code)) <> 'NONE' THEN 1 ELSE 0 END) AS has_disability
    FROM disability
    WHERE disa_disability_code IS NOT NULL AND trim(disa_disability_code) <> ''
    GROUP BY disa_person_id
),
-- What does not change from event to event is worked out once per child.
person_dims AS (
    SELECT pers_person_id,
           pers_dob,
           pers_expected_dob,
           CASE upper(trim(pers_sex))
               WHEN 'M' THEN 'male' WHEN 'F' THEN 'female' WHEN 'I' THEN 'indeterminate'
               ELSE 'not recorded'
           END AS sex,
           CASE
               WHEN upper(trim(pers_ethnicity)) IN ('WBRI', 'WIRI', 'WIRT', 'WOTH', 'WROM') THEN 'White'
               WHEN upper(trim(pers_ethnicity)) IN ('MWBC', 'MWBA', 'MWAS', 'MOTH') THEN 'Mixed or Multiple ethnic groups'
               WHEN upper(trim(pers_ethnicity)) IN ('AIND', 'APKN', 'ABAN', 'AOTH') THEN 'Asian or Asian British'
               WHEN upper(trim(pers_ethnicity)) IN ('BCRB', 'BAFR', 'BOTH') THEN 'Black, African, Caribbean or Black British'
               WHEN upper(trim(pers_ethnicity)) IN ('CHNE', 'OOTH') THEN 'Other ethnic group'
               WHEN upper(trim(pers_ethnicity)) IN ('REFU', 'NOBT') THEN 'Refused or information not yet obtained'
               ELSE 'not recorded'
           END AS ethnicity
    FROM person
),
joined AS (
    SELECT e.measure_id,
           e.period_type,
           e.period_start,
           e.num,
           e.den,
           coalesce(a.team, nullif(trim(e.event_team), ''), 'not allocated') AS team,
           coalesce(a.worker, nullif(trim(e.event_worker), ''), 'not allocated') AS worker,
           coalesce(a.service, CASE WHEN a.person_id IS NULL THEN nullif(trim(ew.prof_professional_department), '') END, 'not recorded') AS service,
           CASE
               WHEN p.pers_dob IS NULL AND p.pers_expected_dob IS NOT NULL THEN 'unborn'
               WHEN p.pers_dob IS NULL THEN 'not recorded'
               WHEN p.pers_dob > e.on_date THEN 'unborn'
           END AS age_unknown,
           CASE WHEN p.pers_dob <= e.on_date THEN age_at(p.pers_dob, e.on_date) END AS age,
           coalesce(p.sex, 'not recorded') AS sex,
           coalesce(p.ethnicity, 'not recorded') AS ethnicity,
           CASE df.has_disability WHEN 1 THEN 'yes' WHEN 0 THEN 'no' ELSE 'not recorded' END AS disability,
           e.source,
           e.abuse_category,
           e.placement_type,
           e.placement_provider,
           e.legal_status
    FROM breakdown_events e
    LEFT JOIN allocation a ON a.person_id = e.person_id AND a.on_date = e.on_date
    LEFT JOIN professional ew ON ew.prof_professional_id = e.event_worker
    LEFT JOIN person_dims p ON p.pers_person_id = e.person_id
    LEFT JOIN disability_flag df ON df.disa_person_id = e.person_id
),
described AS (
    SELECT measure_id, period_type, period_start, num, den, team, worker, service,
           coalesce(age_unknown,
                    CASE WHEN age < 1 THEN 'under 1'
                         WHEN age <= 4 THEN '1-4'
                         WHEN age <= 9 THEN '5-9'
                         WHEN age <= 15 THEN '10-15'
                         ELSE '16+' END) AS age_band,
           sex, ethnicity, disability, source, abuse_category, placement_type, placement_provider, legal_status
    FROM joined
)
SELECT * FROM described
