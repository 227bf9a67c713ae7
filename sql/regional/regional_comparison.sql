-- marts/regional_comparison: every hub LA's value of every measure and period beside the
-- region's, from `regional_fact` (the LAs' published marts/fact_measure rows, stacked) and the
-- measure catalogue (`dim_measure`, for the direction of good).
--
-- Per measure and period (measure_id, period_type, period_start, period_end), over the LAs
-- with a value (a null value, i.e. no data, is left out of every statistic and gets no rank):
--   la_count         LAs with a value.
--   rank             1 = the lowest value, as benchmarks.national_rank; ties share the lowest
--                    rank (SQL rank()). Read it with `good`: for `low`, rank 1 is the best.
--   regional_mean    unweighted mean of the LAs' values (each LA counts once, as DfE and LAIT
--                    average LAs).
--   regional_median  median of the LAs' values (the mean of the middle two for an even count).
--   regional_sd      population standard deviation of the LAs' values: the hub's LAs are the
--                    whole region, not a sample of it.
--   z_score          (value - regional_mean) / regional_sd: how many standard deviations the
--                    LA is from the regional mean; null without a value, or when regional_sd
--                    is 0 or null (one LA with a value, or every value equal).
-- `suppressed` is true when the LA's numerator or denominator is 1-5, as in
-- fact_measure_breakdown: hide that value in anything shown outside the hub.
WITH stats AS (
    SELECT measure_id, period_type, period_start, period_end,
           count(value) AS la_count,
           avg(value) AS regional_mean,
           median(value) AS regional_median,
           stddev_pop(value) AS regional_sd
    FROM regional_fact
    WHERE value IS NOT NULL
    GROUP BY measure_id, period_type, period_start, period_end
),
ranked AS (
    SELECT f.*,
           rank() OVER (PARTITION BY f.measure_id, f.period_type, f.period_start, f.period_end
                        ORDER BY f.value ASC NULLS LAST) AS value_rank
    FROM regional_fact f
)
SELECT r.measure_id,
       r.period_type,
       r.period_start,
       r.period_end,
       r.period_key,
       r.la_code,
       r.numerator,
       r.denominator,
       r.value,
       r.no_data_reason,
       coalesce(r.numerator BETWEEN 1 AND 5, false) OR coalesce(r.denominator BETWEEN 1 AND 5, false) AS suppressed,
       CASE WHEN r.value IS NOT NULL THEN r.value_rank END AS rank,
       coalesce(s.la_count, 0) AS la_count,
       s.regional_mean,
       s.regional_median,
       s.regional_sd,
       CASE WHEN r.value IS NOT NULL AND s.regional_sd > 0 THEN (r.value - s.regional_mean) / s.regional_sd END AS z_score,
       m.good,
       r.financial_year
FROM ranked r
LEFT JOIN stats s
  ON s.measure_id = r.measure_id AND s.period_type = r.period_type
 AND s.period_start = r.period_start AND s.period_end = r.period_end
LEFT JOIN dim_measure m ON m.measure_id = r.measure_id
ORDER BY r.measure_id, r.period_type, r.period_start, r.period_end, r.la_code
