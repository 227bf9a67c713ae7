-- breakdown: caseload_workers_over_limit, caseload_workers_over_limit_pct
-- Workers holding cases at each month and financial-year end D (as sql/measures/
-- caseload_over_limit.sql): one row per worker per period, judged on D; num = 1 when the worker
-- holds more children than `[measure_settings] caseload_limit` (den = 1 for the percentage). The
-- row is a worker's, not a child's (person_id null), so the team is the worker's own: the team of
-- the worker's involvement open on D that started last (the latest id on a tie); the worker is
-- the worker and the service their department; the child dimensions are `not recorded`.
WITH open_cases AS (
    SELECT p.period_type, p.period_start, p.period_end, i.invo_professional_id, i.invo_person_id, i.invo_professional_team,
           i.invo_involvement_start_date, i.invo_involvements_id
    FROM dim_period p
    JOIN involvement i
      ON i.invo_involvement_start_date <= p.period_end
     AND (i.invo_involvement_end_date IS NULL OR i.invo_involvement_end_date > p.period_end)
    WHERE p.period_type <> 'rolling_12_months' AND i.invo_professional_id IS NOT NULL
),
cases AS (
    -- One row per (period, worker, child), then counted: the same as count(DISTINCT child) per
    -- (period, worker), which keeps a set of strings per group (400 MB for six years here). Each
    -- keeps its latest involvement (started last, the latest id on a tie), so the worker's team
    -- is the latest of those. Aggregations, not a window: a window sorts every open case, and
    -- under a small memory limit that sort could not finish (BENCHMARKS.md, 7 December 2026).
    SELECT period_type, period_start, period_end, invo_professional_id, invo_person_id,
           max(invo_involvement_start_date) AS started,
           first_value(invo_involvements_id ORDER BY invo_involvement_start_date DESC, invo_involvements_id DESC) AS involvement_id,
           first_value(invo_professional_team ORDER BY invo_involvement_start_date DESC, invo_involvements_id DESC) AS team
    FROM open_cases
    GROUP BY period_type, period_start, period_end, invo_professional_id, invo_person_id
),
workers AS (
    SELECT period_type, period_start, period_end, invo_professional_id,
           count(invo_person_id) AS children,
           first_value(team ORDER BY started DESC, involvement_id DESC) AS team
    FROM cases
    GROUP BY period_type, period_start, period_end, invo_professional_id
),
judged AS (
    SELECT w.period_type, w.period_start, w.period_end, w.invo_professional_id, w.team,
           CAST(CASE WHEN w.children > s.caseload_limit THEN 1 ELSE 0 END AS BIGINT) AS over_limit
    FROM workers w
    CROSS JOIN measure_settings s
)
SELECT 'caseload_workers_over_limit' AS measure_id,
       j.period_type,
       j.period_start,
       CAST(NULL AS VARCHAR) AS person_id,
       j.period_end AS on_date,
       j.over_limit AS num,
       CAST(NULL AS BIGINT) AS den,
       j.team AS event_team,
       CAST(j.invo_professional_id AS VARCHAR) AS event_worker,
       CAST(NULL AS VARCHAR) AS source,
       CAST(NULL AS VARCHAR) AS abuse_category,
       CAST(NULL AS VARCHAR) AS placement_type,
       CAST(NULL AS VARCHAR) AS placement_provider,
       CAST(NULL AS VARCHAR) AS legal_status
FROM judged j
UNION ALL
SELECT 'caseload_workers_over_limit_pct',
       j.period_type,
       j.period_start,
       CAST(NULL AS VARCHAR),
       j.period_end,
       j.over_limit,
       CAST(1 AS BIGINT),
       j.team,
       CAST(j.invo_professional_id AS VARCHAR),
       CAST(NULL AS VARCHAR),
       CAST(NULL AS VARCHAR),
       CAST(NULL AS VARCHAR),
       CAST(NULL AS VARCHAR),
       CAST(NULL AS VARCHAR)
FROM judged j
