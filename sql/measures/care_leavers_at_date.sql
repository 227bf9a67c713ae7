-- measure: care_leavers_at_date — Number of care leavers, in all and by age band
-- sources: care_leaver
-- publishes: care_leavers | count | neutral | Number of care leavers
-- publishes: care_leavers_under_17 | count | neutral | Care leavers aged under 17
-- publishes: care_leavers_17_18 | count | neutral | Care leavers aged 17-18
-- publishes: care_leavers_19_21 | count | neutral | Care leavers aged 19-21
-- publishes: care_leavers_22_25 | count | neutral | Care leavers aged 22-25
-- Definition: docs/definitions.md §1.2 S33 and §1.4 (council: "Number of care leavers",
--   SEED-002 L5915; local, no DfE count). Care leavers recorded in ssd_care_leavers (eligible,
--   relevant and former relevant young people the LA supports), excluding those who have died
--   (in touch DIED). The age bands 17-18 and 19-21 are DfE's care-leaver cohorts (§1.3 C13);
--   under 17 (eligible children) and 22-25 (support to 25) are local bands. Age at the period end
--   (age_at, DfE's convention); a care leaver without a date of birth is counted in
--   care_leavers only.
-- Numerator: distinct care leavers (in the band). Denominator: none. value = numerator.
-- Time basis: snapshot. The SSD care-leaver table holds the current position only, so these
--   are computed for the periods that end on the as-at date (the latest month and financial year).
WITH bands (band, measure_id) AS (
    VALUES ('all', 'care_leavers'), ('under_17', 'care_leavers_under_17'), ('17_18', 'care_leavers_17_18'),
           ('19_21', 'care_leavers_19_21'), ('22_25', 'care_leavers_22_25')
),
cohort AS (
    SELECT p.period_type, p.period_start, c.clea_person_id,
           CASE WHEN age_at(pe.pers_dob, p.period_end) < 17 THEN 'under_17'
                WHEN age_at(pe.pers_dob, p.period_end) BETWEEN 17 AND 18 THEN '17_18'
                WHEN age_at(pe.pers_dob, p.period_end) BETWEEN 19 AND 21 THEN '19_21'
                WHEN age_at(pe.pers_dob, p.period_end) BETWEEN 22 AND 25 THEN '22_25' END AS band
    FROM dim_period p
    CROSS JOIN params
    JOIN care_leaver c ON upper(coalesce(trim(c.clea_care_leaver_in_touch), '')) <> 'DIED'
    LEFT JOIN person pe ON pe.pers_person_id = c.clea_person_id
    WHERE p.period_end = params.as_at AND p.period_type <> 'rolling_12_months'
)
SELECT b.measure_id,
       p.period_type,
       p.period_start,
       p.period_end,
       count(DISTINCT c.clea_person_id) AS numerator,
       CAST(NULL AS BIGINT) AS denominator,
       CAST(count(DISTINCT c.clea_person_id) AS DOUBLE) AS value
FROM dim_period p
CROSS JOIN params
CROSS JOIN bands b
LEFT JOIN cohort c ON c.period_type = p.period_type AND c.period_start = p.period_start AND (b.band = 'all' OR c.band = b.band)
WHERE p.period_end = params.as_at AND p.period_type <> 'rolling_12_months'
GROUP BY b.measure_id, p.period_type, p.period_start, p.period_end
