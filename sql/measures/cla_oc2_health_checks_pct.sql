-- measure: cla_oc2_health_checks_pct — Annual health and dental checks for the OC2 cohort (%)
-- sources: cla_episode, cla_health
-- publishes: cla_oc2_health_assessment_pct | percent | high | Children looked after 12 months+ with an annual health assessment (%)
-- publishes: cla_oc2_dental_check_pct | percent | high | Children looked after 12 months+ with a dental check (%)
-- Definition: docs/definitions.md §1.2 S28, §1.3 C16; DfE CLA health outcomes (OC2 cohort:
--   children looked after continuously for 12 months or more at 31 March). Cohort here: children
--   looked after at D (short breaks excluded) whose current spell began on or before D - 12
--   months (clae_entered_care_date, or the earliest start of their episodes in the spell).
--   A health assessment (check type containing HEALTH, not the initial one) or dental check
--   (type containing DENTAL or TEETH) dated in the 12 months up to D counts. Southampton 2025:
--   88% / 90%. Financial years only (OC2 is a 31 March measure).
-- Numerator: cohort children with the check. Denominator: the cohort. value: percent (0-100).
WITH cohort AS (
    SELECT DISTINCT p.period_type, p.period_start, p.period_end, e.clae_person_id
    FROM dim_period p
    JOIN cla_episode_in_care e
      ON e.clae_cla_episode_start_date <= p.period_end
     AND (e.clae_cla_episode_ceased_date IS NULL OR e.clae_cla_episode_ceased_date > p.period_end)
    JOIN cla_spell_start s ON s.clae_person_id = e.clae_person_id AND s.entered <= p.period_end - INTERVAL '12 months'
    WHERE p.period_type = 'financial_year'
),
checks (kind, measure_id) AS (
    VALUES ('health', 'cla_oc2_health_assessment_pct'), ('dental', 'cla_oc2_dental_check_pct')
),
judged AS (
    SELECT k.measure_id, c.period_type, c.period_start, c.clae_person_id,
           max(CASE WHEN h.clah_health_check_id IS NULL THEN 0
                    WHEN k.kind = 'health' AND upper(h.clah_health_check_type) LIKE '%HEALTH%' AND upper(h.clah_health_check_type) NOT LIKE 'INITIAL%' AND upper(h.clah_health_check_type) <> 'IHA' THEN 1
                    WHEN k.kind = 'dental' AND (upper(h.clah_health_check_type) LIKE '%DENTAL%' OR upper(h.clah_health_check_type) LIKE '%TEETH%') THEN 1
                    ELSE 0 END) AS done
    FROM cohort c
    CROSS JOIN checks k
    LEFT JOIN cla_health h
           ON h.clah_person_id = c.clae_person_id
          AND h.clah_health_check_date <= c.period_end
          AND h.clah_health_check_date > c.period_end - INTERVAL '12 months'
    GROUP BY k.measure_id, c.period_type, c.period_start, c.clae_person_id
)
SELECT k.measure_id,
       p.period_type,
       p.period_start,
       p.period_end,
       coalesce(sum(j.done), 0) AS numerator,
       count(j.clae_person_id) AS denominator,
       CASE WHEN count(j.clae_person_id) > 0 THEN 100.0 * sum(j.done) / count(j.clae_person_id) END AS value
FROM dim_period p
CROSS JOIN checks k
LEFT JOIN judged j ON j.period_type = p.period_type AND j.period_start = p.period_start AND j.measure_id = k.measure_id
WHERE p.period_type = 'financial_year'
GROUP BY k.measure_id, p.period_type, p.period_start, p.period_end
