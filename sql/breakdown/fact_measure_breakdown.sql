-- marts/fact_measure_breakdown: every broken-down measure by every dimension that applies to it,
-- totalled once per dimension over `breakdown_described` (sql/breakdown/described.sql: each
-- event with the value of every dimension, whose header says how each is judged). A null in a
-- measure dimension means it does not apply to that measure. Counts of 1-5 (numerator or
-- denominator) are flagged `suppressed`, never dropped, so each dimension's rows still add up to
-- the LA total.
WITH summed AS (
    SELECT measure_id, period_type, period_start, 'team' AS dimension, team AS dimension_value, sum(num) AS numerator, sum(den) AS denominator
    FROM breakdown_described WHERE team IS NOT NULL GROUP BY measure_id, period_type, period_start, team
    UNION ALL
    SELECT measure_id, period_type, period_start, 'worker' AS dimension, worker AS dimension_value, sum(num) AS numerator, sum(den) AS denominator
    FROM breakdown_described WHERE worker IS NOT NULL GROUP BY measure_id, period_type, period_start, worker
    UNION ALL
    SELECT measure_id, period_type, period_start, 'service' AS dimension, service AS dimension_value, sum(num) AS numerator, sum(den) AS denominator
    FROM breakdown_described WHERE service IS NOT NULL GROUP BY measure_id, period_type, period_start, service
    UNION ALL
    SELECT measure_id, period_type, period_start, 'age_band' AS dimension, age_band AS dimension_value, sum(num) AS numerator, sum(den) AS denominator
    FROM breakdown_described WHERE age_band IS NOT NULL GROUP BY measure_id, period_type, period_start, age_band
    UNION ALL
    SELECT measure_id, period_type, period_start, 'sex' AS dimension, sex AS dimension_value, sum(num) AS numerator, sum(den) AS denominator
    FROM breakdown_described WHERE sex IS NOT NULL GROUP BY measure_id, period_type, period_start, sex
    UNION ALL
    SELECT measure_id, period_type, period_start, 'ethnicity' AS dimension, ethnicity AS dimension_value, sum(num) AS numerator, sum(den) AS denominator
    FROM breakdown_described WHERE ethnicity IS NOT NULL GROUP BY measure_id, period_type, period_start, ethnicity
    UNION ALL
    SELECT measure_id, period_type, period_start, 'disability' AS dimension, disability AS dimension_value, sum(num) AS numerator, sum(den) AS denominator
    FROM breakdown_described WHERE disability IS NOT NULL GROUP BY measure_id, period_type, period_start, disability
    UNION ALL
    SELECT measure_id, period_type, period_start, 'source' AS dimension, source AS dimension_value, sum(num) AS numerator, sum(den) AS denominator
    FROM breakdown_described WHERE source IS NOT NULL GROUP BY measure_id, period_type, period_start, source
    UNION ALL
    SELECT measure_id, period_type, period_start, 'abuse_category' AS dimension, abuse_category AS dimension_value, sum(num) AS numerator, sum(den) AS denominator
    FROM breakdown_described WHERE abuse_category IS NOT NULL GROUP BY measure_id, period_type, period_start, abuse_category
    UNION ALL
    SELECT measure_id, period_type, period_start, 'placement_type' AS dimension, placement_type AS dimension_value, sum(num) AS numerator, sum(den) AS denominator
    FROM breakdown_described WHERE placement_type IS NOT NULL GROUP BY measure_id, period_type, period_start, placement_type
    UNION ALL
    SELECT measure_id, period_type, period_start, 'placement_provider' AS dimension, placement_provider AS dimension_value, sum(num) AS numerator, sum(den) AS denominator
    FROM breakdown_described WHERE placement_provider IS NOT NULL GROUP BY measure_id, period_type, period_start, placement_provider
    UNION ALL
    SELECT measure_id, period_type, period_start, 'legal_status' AS dimension, legal_status AS dimension_value, sum(num) AS numerator, sum(den) AS denominator
    FROM breakdown_described WHERE legal_status IS NOT NULL GROUP BY measure_id, period_type, period_start, legal_status
),
valued AS (
    SELECT s.measure_id,
           s.period_type,
           s.period_start,
           p.period_end,
           s.dimension,
           s.dimension_value,
           s.numerator,
           s.denominator,
           CASE WHEN u.unit = 'percent' THEN CASE WHEN s.denominator > 0 THEN 100.0 * s.numerator / s.denominator END
                ELSE CAST(s.numerator AS DOUBLE) END AS value,
           (s.numerator BETWEEN 1 AND 5) OR coalesce(s.denominator BETWEEN 1 AND 5, false) AS suppressed,
           p.period_key,
           p.financial_year
    FROM summed s
    JOIN dim_period p ON p.period_type = s.period_type AND p.period_start = s.period_start
    LEFT JOIN measure_unit u ON u.measure_id = s.measure_id
)
-- `params` (one row) is the cross join's left side, the one DataFusion holds: with the rows on the
-- left it emitted one batch per row (111,150 one-row batches for six years of Southampton), which
-- the sort then held, and the run's peak memory rose by about 300 MB here.
SELECT v.measure_id,
       v.period_type,
       v.period_start,
       v.period_end,
       params.la_code,
       v.dimension,
       v.dimension_value,
       v.numerator,
       v.denominator,
       v.value,
       v.suppressed,
       v.period_key,
       v.financial_year
FROM params
CROSS JOIN valued v
ORDER BY v.measure_id, v.period_type, v.period_start, v.dimension, v.dimension_value
