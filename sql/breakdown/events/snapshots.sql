-- breakdown: cin_at_date, cpp_at_date, cla_at_date, cla_uasc_at_date
-- Children at each month and financial-year end D (as sql/measures/cin_at_date.sql,
-- cpp_at_date.sql, cla_at_date.sql): one row per child per period, judged on D (on_date = D).
-- A child with two plans or episodes open on D is one row: the CP category is the lowest code
-- of the open plans' latest (else initial) categories; the placement and legal status those
-- open on D (the lowest code when two are).
WITH cin AS (
    SELECT p.period_type, p.period_start, p.period_end, r.cine_person_id AS person_id,
           max(r.cine_referral_team) AS event_team,
           max(CAST(r.cine_referral_worker_id AS VARCHAR)) AS event_worker
    FROM dim_period p
    JOIN referral r
      ON r.cine_referral_date <= p.period_end
     AND (r.cine_close_date IS NULL OR r.cine_close_date > p.period_end)
     AND coalesce(r.cine_referral_nfa, 'N') <> 'Y'
    WHERE p.period_type <> 'rolling_12_months' AND r.cine_person_id IS NOT NULL
    GROUP BY p.period_type, p.period_start, p.period_end, r.cine_person_id
),
cpp AS (
    SELECT p.period_type, p.period_start, p.period_end, c.cppl_person_id AS person_id,
           min(upper(trim(coalesce(c.cppl_cp_plan_latest_category, c.cppl_cp_plan_initial_category)))) AS category
    FROM dim_period p
    JOIN cp_plan c
      ON c.cppl_cp_plan_start_date <= p.period_end
     AND (c.cppl_cp_plan_end_date IS NULL OR c.cppl_cp_plan_end_date > p.period_end)
    WHERE p.period_type <> 'rolling_12_months' AND c.cppl_person_id IS NOT NULL
    GROUP BY p.period_type, p.period_start, p.period_end, c.cppl_person_id
),
cla AS (
    SELECT p.period_type, p.period_start, p.period_end, e.clae_person_id AS person_id, max(e.is_uasc) AS is_uasc
    FROM dim_period p
    JOIN cla_episode_in_care e
      ON e.clae_cla_episode_start_date <= p.period_end
     AND (e.clae_cla_episode_ceased_date IS NULL OR e.clae_cla_episode_ceased_date > p.period_end)
    WHERE p.period_type <> 'rolling_12_months' AND e.clae_person_id IS NOT NULL
    GROUP BY p.period_type, p.period_start, p.period_end, e.clae_person_id
),
placed AS (
    SELECT c.period_type, c.period_start, c.person_id,
           min(upper(trim(pl.clap_cla_placement_type))) AS placement_type,
           min(upper(trim(pl.clap_cla_placement_provider))) AS placement_provider
    FROM cla c
    JOIN cla_placement pl
      ON pl.clap_person_id = c.person_id
     AND pl.clap_cla_placement_start_date <= c.period_end
     AND (pl.clap_cla_placement_end_date IS NULL OR pl.clap_cla_placement_end_date > c.period_end)
    GROUP BY c.period_type, c.period_start, c.person_id
),
legal AS (
    SELECT c.period_type, c.period_start, c.person_id, min(upper(trim(l.lega_legal_status))) AS legal_status
    FROM cla c
    JOIN legal_status l
      ON l.lega_person_id = c.person_id
     AND l.lega_legal_status_start_date <= c.period_end
     AND (l.lega_legal_status_end_date IS NULL OR l.lega_legal_status_end_date > c.period_end)
    GROUP BY c.period_type, c.period_start, c.person_id
),
cla_variants (variant, measure_id) AS (
    VALUES ('all', 'cla_at_date'), ('uasc', 'cla_uasc_at_date')
)
SELECT 'cin_at_date' AS measure_id,
       period_type,
       period_start,
       person_id,
       period_end AS on_date,
       CAST(1 AS BIGINT) AS num,
       CAST(NULL AS BIGINT) AS den,
       event_team,
       event_worker,
       CAST(NULL AS VARCHAR) AS source,
       CAST(NULL AS VARCHAR) AS abuse_category,
       CAST(NULL AS VARCHAR) AS placement_type,
       CAST(NULL AS VARCHAR) AS placement_provider,
       CAST(NULL AS VARCHAR) AS legal_status
FROM cin
UNION ALL
SELECT 'cpp_at_date',
       period_type,
       period_start,
       person_id,
       period_end,
       CAST(1 AS BIGINT),
       CAST(NULL AS BIGINT),
       CAST(NULL AS VARCHAR),
       CAST(NULL AS VARCHAR),
       CAST(NULL AS VARCHAR),
       coalesce(nullif(category, ''), 'not recorded'),
       CAST(NULL AS VARCHAR),
       CAST(NULL AS VARCHAR),
       CAST(NULL AS VARCHAR)
FROM cpp
UNION ALL
SELECT v.measure_id,
       c.period_type,
       c.period_start,
       c.person_id,
       c.period_end,
       CAST(1 AS BIGINT),
       CAST(NULL AS BIGINT),
       CAST(NULL AS VARCHAR),
       CAST(NULL AS VARCHAR),
       CAST(NULL AS VARCHAR),
       CAST(NULL AS VARCHAR),
       coalesce(nullif(pl.placement_type, ''), 'not recorded'),
       coalesce(nullif(pl.placement_provider, ''), 'not recorded'),
       coalesce(nullif(l.legal_status, ''), 'not recorded')
FROM cla c
CROSS JOIN cla_variants v
LEFT JOIN placed pl ON pl.period_type = c.period_type AND pl.period_start = c.period_start AND pl.person_id = c.person_id
LEFT JOIN legal l ON l.period_type = c.period_type AND l.period_start = c.period_start AND l.person_id = c.person_id
WHERE v.variant = 'all' OR c.is_uasc = 1
