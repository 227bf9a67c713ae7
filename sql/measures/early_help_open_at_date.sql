-- measure: early_help_open_at_date — Children open to early help at the period end
-- sources: early_help_episode
-- publishes: eh_open_at_date | count | neutral | Children open to early help at the period end
-- Definition: docs/definitions.md §1.4 P3 (local measure; Ofsted Annex A list 2). A child is open
--   to early help at D when an episode of ssd_early_help_episodes started on or before D and has
--   not ended by D (end null or after D), as cin_at_date treats CIN episodes.
-- Numerator: distinct children. Denominator: none. value = numerator.
-- Time basis: snapshot at each month end and financial year end.
SELECT 'eh_open_at_date' AS measure_id,
       p.period_type,
       p.period_start,
       p.period_end,
       count(DISTINCT e.earl_person_id) AS numerator,
       CAST(NULL AS BIGINT) AS denominator,
       CAST(count(DISTINCT e.earl_person_id) AS DOUBLE) AS value
FROM dim_period p
LEFT JOIN early_help_episode e
       ON e.earl_episode_start_date <= p.period_end
      AND (e.earl_episode_end_date IS NULL OR e.earl_episode_end_date > p.period_end)
WHERE p.period_type <> 'rolling_12_months'
GROUP BY p.period_type, p.period_start, p.period_end
