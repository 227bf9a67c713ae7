-- measure: early_help_episodes — Early help episodes started and closed
-- sources: early_help_episode
-- publishes: eh_episodes_started | count | neutral | Early help episodes started
-- publishes: eh_episodes_closed | count | neutral | Early help episodes closed
-- Definition: docs/definitions.md §1.4 P3 (local measure; Ofsted Annex A list 2, early help;
--   SEED-002 L5631, L5990 "we do not have reliable data to indicate if there has been an increase
--   in open cases to Early Help"). Episodes of ssd_early_help_episodes, not children: a child
--   with two episodes starting in the period counts twice.
-- Numerator: episodes whose earl_episode_start_date (started) or earl_episode_end_date (closed)
--   falls in the period. Denominator: none. value = numerator. Time basis: flow.
WITH events (measure_id, day, episode_id) AS (
    -- Each episode is one event on its start date and one on its end date, joined to the days by
    -- equality (an OR of the two conditions in one join compares every episode with every day).
    SELECT 'eh_episodes_started', earl_episode_start_date, earl_episode_id FROM early_help_episode
    UNION ALL
    SELECT 'eh_episodes_closed', earl_episode_end_date, earl_episode_id FROM early_help_episode
),
variants (measure_id) AS (
    VALUES ('eh_episodes_started'), ('eh_episodes_closed')
)
SELECT v.measure_id,
       p.period_type,
       p.period_start,
       p.period_end,
       count(e.episode_id) AS numerator,
       CAST(NULL AS BIGINT) AS denominator,
       CAST(count(e.episode_id) AS DOUBLE) AS value
FROM dim_period p
CROSS JOIN variants v
LEFT JOIN day_period d ON d.period_type = p.period_type AND d.period_start = p.period_start
LEFT JOIN events e ON e.measure_id = v.measure_id AND e.day = d.day
GROUP BY v.measure_id, p.period_type, p.period_start, p.period_end
