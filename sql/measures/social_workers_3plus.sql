-- measure: social_workers_3plus — Children with 3 or more social workers in 12 months
-- sources: involvement, cla_episode
-- publishes: cla_3plus_social_workers_pct | percent | low | Children looked after with 3 or more social workers in the last 12 months (%), DfE basis
-- publishes: children_3plus_social_workers_pct | percent | low | Children with an allocated worker who had 3 or more workers in the last 12 months (%), local basis
-- Definition: docs/definitions.md §1.4 P11. DfE basis: the CLA release's children looked after at
--   31 March by the number of social workers they had in the year (la_cla_swcount): children
--   looked after at D (view cla_episode_in_care), with 3 or more distinct workers allocated to
--   them (ssd_involvements, invo_professional_id) at any time in the 12 months to D (an
--   involvement starting on or before D and not ended before D - 12 months + 1 day). Local basis
--   (all open cases): children with an involvement open at D, over the same 12 months. The SSD
--   records the worker's role as a local code (invo_professional_role_id), so every allocated
--   worker is counted.
-- Numerator: those children with 3+ workers. Denominator: children looked after at D / children
--   with an involvement open at D. Time basis: snapshot at each month end and financial year end
--   (the 12 months to it). value: percent (0-100).
WITH allocated AS (
    -- One row per (period, child, worker), then counted: the same as count(DISTINCT worker) per
    -- (period, child), which keeps a set of strings per group and took over 1 GB here.
    SELECT p.period_type, p.period_start, p.period_end, i.invo_person_id, i.invo_professional_id,
           max(CASE WHEN i.invo_involvement_end_date IS NULL OR i.invo_involvement_end_date > p.period_end THEN 1 ELSE 0 END) AS open_at_end
    FROM dim_period p
    JOIN involvement i
      ON i.invo_involvement_start_date <= p.period_end
     AND (i.invo_involvement_end_date IS NULL OR i.invo_involvement_end_date >= CAST(p.period_end - INTERVAL '12 months' + INTERVAL '1 day' AS DATE))
    WHERE p.period_type <> 'rolling_12_months' AND i.invo_professional_id IS NOT NULL
    GROUP BY p.period_type, p.period_start, p.period_end, i.invo_person_id, i.invo_professional_id
),
workers AS (
    SELECT period_type, period_start, period_end, invo_person_id, count(*) AS workers, max(open_at_end) AS open_at_end
    FROM allocated
    GROUP BY period_type, period_start, period_end, invo_person_id
),
in_care AS (
    SELECT DISTINCT p.period_type, p.period_start, e.clae_person_id
    FROM dim_period p
    JOIN cla_episode_in_care e
      ON e.clae_cla_episode_start_date <= p.period_end
     AND (e.clae_cla_episode_ceased_date IS NULL OR e.clae_cla_episode_ceased_date > p.period_end)
    WHERE p.period_type <> 'rolling_12_months'
),
-- Both cohorts are counted in one pass over `workers` (a CTE read twice is computed twice):
-- children in care at D (with or without an allocation), and children with an allocation open at D.
counted AS (
    SELECT coalesce(w.period_type, c.period_type) AS period_type,
           coalesce(w.period_start, c.period_start) AS period_start,
           count(CASE WHEN c.clae_person_id IS NOT NULL AND w.workers >= 3 THEN 1 END) AS cla_numerator,
           count(c.clae_person_id) AS cla_denominator,
           count(CASE WHEN w.open_at_end = 1 AND w.workers >= 3 THEN 1 END) AS open_numerator,
           count(CASE WHEN w.open_at_end = 1 THEN 1 END) AS open_denominator
    -- The children in care first: a hash join holds its left side, and they are far fewer than
    -- the (period, child) rows of workers (144 thousand against 2.3 million for Hampshire, whose
    -- join held 191 MB the memory pool cannot spill with workers on the left).
    FROM in_care c
    FULL JOIN workers w ON c.period_type = w.period_type AND c.period_start = w.period_start AND c.clae_person_id = w.invo_person_id
    GROUP BY coalesce(w.period_type, c.period_type), coalesce(w.period_start, c.period_start)
),
cohorts (cohort, measure_id) AS (
    VALUES ('cla', 'cla_3plus_social_workers_pct'), ('open', 'children_3plus_social_workers_pct')
),
by_cohort AS (
    SELECT k.measure_id, p.period_type, p.period_start, p.period_end,
           coalesce(CASE k.cohort WHEN 'cla' THEN c.cla_numerator ELSE c.open_numerator END, 0) AS numerator,
           coalesce(CASE k.cohort WHEN 'cla' THEN c.cla_denominator ELSE c.open_denominator END, 0) AS denominator
    FROM dim_period p
    CROSS JOIN cohorts k
    LEFT JOIN counted c ON c.period_type = p.period_type AND c.period_start = p.period_start
    WHERE p.period_type <> 'rolling_12_months'
)
SELECT measure_id, period_type, period_start, period_end, numerator, denominator,
       CASE WHEN denominator > 0 THEN 100.0 * numerator / denominator END AS value
FROM by_cohort
