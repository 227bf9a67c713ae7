-- marts/fact_measure_breakdown: every broken-down measure by every dimension that applies to it,
-- aggregated once over `breakdown_events` (the events/*.sql files stacked; see README.md).
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
-- Counts of 1-5 (numerator or denominator) are flagged `suppressed`, never dropped, so each
-- dimension's rows still add up to the LA total.
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
),
-- Every dimension's totals in one aggregation: one grouping set per dimension, so each row is
-- the total of one value of one dimension (the other dimensions' columns are null there).
grouped AS (
    SELECT measure_id, period_type, period_start,
           team, worker, service, age_band, sex, ethnicity, disability,
           source, abuse_category, placement_type, placement_provider, legal_status,
           grouping(team) AS g_team, grouping(worker) AS g_worker, grouping(service) AS g_service,
           grouping(age_band) AS g_age_band, grouping(sex) AS g_sex, grouping(ethnicity) AS g_ethnicity,
           grouping(disability) AS g_disability, grouping(source) AS g_source,
           grouping(abuse_category) AS g_abuse_category, grouping(placement_type) AS g_placement_type,
           grouping(placement_provider) AS g_placement_provider,
           sum(num) AS numerator,
           sum(den) AS denominator
    FROM described
    GROUP BY GROUPING SETS (
        (measure_id, period_type, period_start, team),
        (measure_id, period_type, period_start, worker),
        (measure_id, period_type, period_start, service),
        (measure_id, period_type, period_start, age_band),
        (measure_id, period_type, period_start, sex),
        (measure_id, period_type, period_start, ethnicity),
        (measure_id, period_type, period_start, disability),
        (measure_id, period_type, period_start, source),
        (measure_id, period_type, period_start, abuse_category),
        (measure_id, period_type, period_start, placement_type),
        (measure_id, period_type, period_start, placement_provider),
        (measure_id, period_type, period_start, legal_status)
    )
),
long AS (
    SELECT measure_id, period_type, period_start,
           CASE 0
               WHEN g_team THEN 'team' WHEN g_worker THEN 'worker' WHEN g_service THEN 'service'
               WHEN g_age_band THEN 'age_band' WHEN g_sex THEN 'sex' WHEN g_ethnicity THEN 'ethnicity'
               WHEN g_disability THEN 'disability' WHEN g_source THEN 'source'
               WHEN g_abuse_category THEN 'abuse_category' WHEN g_placement_type THEN 'placement_type'
               WHEN g_placement_provider THEN 'placement_provider'
               ELSE 'legal_status'
           END AS dimension,
           coalesce(team, worker, service, age_band, sex, ethnicity, disability, source, abuse_category,
                    placement_type, placement_provider, legal_status) AS dimension_value,
           numerator,
           denominator
    FROM grouped
),
summed AS (
    -- A null in a measure dimension means it does not apply to that measure.
    SELECT * FROM long WHERE dimension_value IS NOT NULL
),
valued AS (
    SELECT s.measure_id,
           s.period_type,
           s.period_start,
           p.period_end,
           s.dimension,
           s.dimension_value,
           s.numerator,
           s.denominator,
           CASE WHEN u.unit = 'percent' THEN CASE WHEN s.denominator > 0 THEN 100.0 * s.numerator / s.denominator END
                ELSE CAST(s.numerator AS DOUBLE) END AS value,
           (s.numerator BETWEEN 1 AND 5) OR coalesce(s.denominator BETWEEN 1 AND 5, false) AS suppressed,
           p.period_key,
           p.financial_year
    FROM summed s
    JOIN dim_period p ON p.period_type = s.period_type AND p.period_start = s.period_start
    LEFT JOIN measure_unit u ON u.measure_id = s.measure_id
)
-- `params` (one row) is the cross join's left side, the one DataFusion holds: with the rows on the
-- left it emitted one batch per row (111,150 one-row batches for six years of Southampton), which
-- the sort then held, and the run's peak memory rose by about 300 MB here.
SELECT v.measure_id,
       v.period_type,
       v.period_start,
       v.period_end,
       params.la_code,
       v.dimension,
       v.dimension_value,
       v.numerator,
       v.denominator,
       v.value,
       v.suppressed,
       v.period_key,
       v.financial_year
FROM params
CROSS JOIN valued v
ORDER BY v.measure_id, v.period_type, v.period_start, v.dimension, v.dimension_value
