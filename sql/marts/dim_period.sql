-- dim_period: the run's reporting periods (built by the model stage, src/model/mod.rs Periods):
-- every calendar month, financial year (1 April - 31 March) and rolling 12-month window from the
-- first month of data to the as-at date. The period containing the as-at date ends on it and is
-- not complete. Join to fact_measure on period_key (one column, for Power BI relationships) or
-- on (period_type, period_start); measure_rag and benchmarks on (period_type, period_start).
SELECT period_key,
       period_type,
       period_start,
       period_end,
       financial_year,
       period_label AS label,
       is_complete,
       population_year
FROM dim_period
ORDER BY period_type, period_start
