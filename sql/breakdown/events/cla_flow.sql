-- breakdown: cla_started, cla_ceased
-- Children who started or ceased to be looked after in the period (as
-- sql/measures/cla_started.sql, cla_ceased.sql, which count distinct children): one row per
-- child per period, judged on the first such date in the period.
WITH started AS (
    SELECT d.period_type, d.period_start, e.clae_person_id AS person_id, min(e.clae_cla_episode_start_date) AS on_date
    FROM cla_episode_in_care e
    JOIN day_period d ON d.day = e.clae_cla_episode_start_date
    WHERE d.period_type <> 'rolling_12_months' AND e.clae_cla_episode_start_reason = 'S' AND e.clae_person_id IS NOT NULL
    GROUP BY d.period_type, d.period_start, e.clae_person_id
),
ceased AS (
    SELECT d.period_type, d.period_start, e.clae_person_id AS person_id, min(e.clae_cla_episode_ceased_date) AS on_date
    FROM cla_episode_in_care e
    JOIN day_period d ON d.day = e.clae_cla_episode_ceased_date
    WHERE d.period_type <> 'rolling_12_months' AND coalesce(e.clae_cla_episode_ceased_reason, '') <> 'X1' AND e.clae_person_id IS NOT NULL
    GROUP BY d.period_type, d.period_start, e.clae_person_id
)
SELECT 'cla_started' AS measure_id,
       period_type,
       period_start,
       person_id,
       on_date,
       CAST(1 AS BIGINT) AS num,
       CAST(NULL AS BIGINT) AS den,
       CAST(NULL AS VARCHAR) AS event_team,
       CAST(NULL AS VARCHAR) AS event_worker,
       CAST(NULL AS VARCHAR) AS source,
       CAST(NULL AS VARCHAR) AS abuse_category,
       CAST(NULL AS VARCHAR) AS placement_type,
       CAST(NULL AS VARCHAR) AS placement_provider,
       CAST(NULL AS VARCHAR) AS legal_status
FROM started
UNION ALL
SELECT 'cla_ceased', period_type, period_start, person_id, on_date, CAST(1 AS BIGINT), CAST(NULL AS BIGINT),
       CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR),
       CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR)
FROM ceased
