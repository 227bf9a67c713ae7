-- measure: cla_iha_within_20wd_pct — Initial health assessments within 20 working days of entering care (%)
-- sources: cla_episode, cla_health
-- publishes: cla_iha_within_20wd_pct | percent | high | Initial health assessments within 20 working days of entering care (%)
-- Definition: docs/definitions.md §1.2 S27 (council: 40%); statutory guidance "Promoting the
--   health and well-being of looked-after children" (2015). Children who started to be looked
--   after in the period (reason S, short breaks excluded) whose initial health assessment
--   (cla_health check type IHA / "Initial Health Assessment") is dated no more than 20 working
--   days (elapsed) after the episode start. No national publication.
-- Numerator: such children with an IHA in time. Denominator: children starting to be looked
--   after in the period. Time basis: flow by episode start date. value: percent (0-100).
WITH starters AS (
    SELECT DISTINCT e.clae_person_id, e.clae_cla_episode_start_date AS started
    FROM cla_episode_in_care e
    WHERE e.clae_cla_episode_start_reason = 'S'
),
judged AS (
    SELECT s.clae_person_id,
           s.started,
           max(CASE WHEN h.clah_health_check_id IS NOT NULL AND working_days(s.started, h.clah_health_check_date) BETWEEN 0 AND 20 THEN 1 ELSE 0 END) AS in_time
    FROM starters s
    LEFT JOIN cla_health h
           ON h.clah_person_id = s.clae_person_id
          AND (upper(h.clah_health_check_type) IN ('IHA', 'INITIAL HEALTH ASSESSMENT') OR upper(h.clah_health_check_type) LIKE 'INITIAL%')
    GROUP BY s.clae_person_id, s.started
)
SELECT 'cla_iha_within_20wd_pct' AS measure_id,
       p.period_type,
       p.period_start,
       p.period_end,
       coalesce(sum(j.in_time), 0) AS numerator,
       count(j.clae_person_id) AS denominator,
       CASE WHEN count(j.clae_person_id) > 0 THEN 100.0 * sum(j.in_time) / count(j.clae_person_id) END AS value
FROM dim_period p
LEFT JOIN day_period d ON d.period_type = p.period_type AND d.period_start = p.period_start
LEFT JOIN judged j ON j.started = d.day
GROUP BY p.period_type, p.period_start, p.period_end
