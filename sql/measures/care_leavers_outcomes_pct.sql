-- measure: care_leavers_outcomes_pct — Care leavers aged 17-18 and 19-21: in touch, EET, suitable accommodation (%)
-- sources: care_leaver
-- publishes: care_leavers_17_18_in_touch_pct | percent | high | Care leavers aged 17-18 in touch (%)
-- publishes: care_leavers_17_18_eet_pct | percent | high | Care leavers aged 17-18 in education, employment or training (%)
-- publishes: care_leavers_17_18_suitable_accommodation_pct | percent | high | Care leavers aged 17-18 in suitable accommodation (%)
-- publishes: care_leavers_19_21_in_touch_pct | percent | high | Care leavers aged 19-21 in touch (%)
-- publishes: care_leavers_19_21_eet_pct | percent | high | Care leavers aged 19-21 in education, employment or training (%)
-- publishes: care_leavers_19_21_suitable_accommodation_pct | percent | high | Care leavers aged 19-21 in suitable accommodation (%)
-- Definition: docs/definitions.md §1.2 S30-S32, §1.3 C13-C14; DfE care leavers (SSDA903 OC3).
--   Cohort: care leavers (ssd_care_leavers) by age at D, 17-18 or 19-21, excluding those who
--   died (in touch DIED) or returned home for 6+ months (RHOM), as DfE excludes them.
--   In touch: YES. EET: activity F1/P1 (higher education), F2/P2 (other education), F4/P4
--   (apprenticeship), F5/P5 (training or employment), and the pre-2021/22 F3/P3. Suitable
--   accommodation: suitability 1 / Y / Suitable, over those with a suitability recorded
--   (DfE's "suitability total"). Southampton 2025: EET 60% / 55%, suitable 84% / 80%.
--   The SSD care-leaver table holds the current position only, so these are computed for the
--   periods that end on the as-at date (the latest month and financial year).
-- Numerator / denominator: cohort members meeting the condition / cohort (with suitability
--   recorded, for accommodation). value: percent (0-100).
WITH measures (age_band, outcome, measure_id) AS (
    VALUES ('17_18', 'in_touch', 'care_leavers_17_18_in_touch_pct'), ('17_18', 'eet', 'care_leavers_17_18_eet_pct'),
           ('17_18', 'accommodation', 'care_leavers_17_18_suitable_accommodation_pct'),
           ('19_21', 'in_touch', 'care_leavers_19_21_in_touch_pct'), ('19_21', 'eet', 'care_leavers_19_21_eet_pct'),
           ('19_21', 'accommodation', 'care_leavers_19_21_suitable_accommodation_pct')
),
cohort AS (
    SELECT p.period_type, p.period_start, p.period_end, c.clea_person_id,
           CASE WHEN age_at(pe.pers_dob, p.period_end) BETWEEN 17 AND 18 THEN '17_18'
                WHEN age_at(pe.pers_dob, p.period_end) BETWEEN 19 AND 21 THEN '19_21' END AS age_band,
           CASE WHEN upper(trim(c.clea_care_leaver_in_touch)) IN ('YES', 'Y') THEN 1 ELSE 0 END AS in_touch,
           CASE WHEN upper(trim(c.clea_care_leaver_activity)) IN ('F1', 'P1', 'F2', 'P2', 'F3', 'P3', 'F4', 'P4', 'F5', 'P5') THEN 1 ELSE 0 END AS eet,
           CASE WHEN upper(trim(c.clea_care_leaver_accom_suitable)) IN ('1', 'Y', 'YES', 'SUITABLE') THEN 1
                WHEN upper(trim(c.clea_care_leaver_accom_suitable)) IN ('2', 'N', 'NO', 'UNSUITABLE') THEN 0 END AS suitable
    FROM dim_period p
    CROSS JOIN params
    JOIN care_leaver c ON upper(coalesce(trim(c.clea_care_leaver_in_touch), '')) NOT IN ('DIED', 'RHOM')
    JOIN person pe ON pe.pers_person_id = c.clea_person_id
    WHERE p.period_end = params.as_at AND p.period_type <> 'rolling_12_months'
)
SELECT m.measure_id,
       p.period_type,
       p.period_start,
       p.period_end,
       count(CASE WHEN (m.outcome = 'in_touch' AND c.in_touch = 1) OR (m.outcome = 'eet' AND c.eet = 1) OR (m.outcome = 'accommodation' AND c.suitable = 1) THEN 1 END) AS numerator,
       count(CASE WHEN m.outcome <> 'accommodation' OR c.suitable IS NOT NULL THEN c.clea_person_id END) AS denominator,
       CASE WHEN count(CASE WHEN m.outcome <> 'accommodation' OR c.suitable IS NOT NULL THEN c.clea_person_id END) > 0
            THEN 100.0 * count(CASE WHEN (m.outcome = 'in_touch' AND c.in_touch = 1) OR (m.outcome = 'eet' AND c.eet = 1) OR (m.outcome = 'accommodation' AND c.suitable = 1) THEN 1 END)
                 / count(CASE WHEN m.outcome <> 'accommodation' OR c.suitable IS NOT NULL THEN c.clea_person_id END) END AS value
FROM dim_period p
CROSS JOIN params
CROSS JOIN measures m
LEFT JOIN cohort c ON c.period_type = p.period_type AND c.period_start = p.period_start AND c.age_band = m.age_band
WHERE p.period_end = params.as_at AND p.period_type <> 'rolling_12_months'
GROUP BY m.measure_id, p.period_type, p.period_start, p.period_end
