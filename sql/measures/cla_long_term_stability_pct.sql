-- measure: cla_long_term_stability_pct — Long-term placement stability (%)
-- sources: cla_episode, cla_placement
-- publishes: cla_long_term_stability_pct | percent | high | Long-term placement stability (%)
-- Definition: docs/definitions.md §1.3 C12 (former NI 63; DfE stability measures): children
--   looked after at D aged under 16, looked after continuously for at least 2.5 years, who have
--   lived in the same placement for at least 2 years (current placement started on or before
--   D - 24 months). Southampton 2025: 63%. The adoption-placement special case of NI 63 is not
--   modelled. Financial years only.
-- Numerator: cohort children in the same placement 2+ years. Denominator: the cohort.
WITH cohort AS (
    SELECT DISTINCT p.period_type, p.period_start, p.period_end, e.clae_person_id
    FROM dim_period p
    JOIN cla_episode_in_care e
      ON e.clae_cla_episode_start_date <= p.period_end
     AND (e.clae_cla_episode_ceased_date IS NULL OR e.clae_cla_episode_ceased_date > p.period_end)
    JOIN cla_spell_start s ON s.clae_person_id = e.clae_person_id AND s.entered <= p.period_end - INTERVAL '30 months'
    JOIN person pe ON pe.pers_person_id = e.clae_person_id AND age_at(pe.pers_dob, p.period_end) < 16
    WHERE p.period_type = 'financial_year'
),
judged AS (
    SELECT c.period_type, c.period_start, c.clae_person_id,
           max(CASE WHEN pl.clap_cla_placement_start_date <= c.period_end - INTERVAL '24 months' THEN 1 ELSE 0 END) AS stable
    FROM cohort c
    LEFT JOIN cla_placement pl
           ON pl.clap_person_id = c.clae_person_id
          AND pl.clap_cla_placement_start_date <= c.period_end
          AND (pl.clap_cla_placement_end_date IS NULL OR pl.clap_cla_placement_end_date > c.period_end)
    GROUP BY c.period_type, c.period_start, c.clae_person_id
)
SELECT 'cla_long_term_stability_pct' AS measure_id,
       p.period_type,
       p.period_start,
       p.period_end,
       coalesce(sum(j.stable), 0) AS numerator,
       count(j.clae_person_id) AS denominator,
       CASE WHEN count(j.clae_person_id) > 0 THEN 100.0 * sum(j.stable) / count(j.clae_person_id) END AS value
FROM dim_period p
LEFT JOIN judged j ON j.period_type = p.period_type AND j.period_start = p.period_start
WHERE p.period_type = 'financial_year'
GROUP BY p.period_type, p.period_start, p.period_end
