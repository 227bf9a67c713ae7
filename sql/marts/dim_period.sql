-- dim_period: the run's reporting periods (built by the model stage, src/model/mod.rs Periods):
-- every calendar month, financial year (1 April - 31 March) and rolling 12-month window from the
-- first month of data to the as-at date, and the year to date of every month (ytd: 1 April to
-- the month end; ytd_period). The period containing the as-at date ends on it and is not
-- complete. Join to fact_measure on period_key (one column, for Power BI relationships) or on
-- (period_type, period_start, period_end); measure_rag and benchmarks likewise.
SELECT period_key,
       period_type,
       period_start,
       period_end,
       financial_year,
       period_label AS label,
       is_complete,
       population_year
FROM dim_period
UNION ALL
SELECT period_key, period_type, period_start, period_end, financial_year, period_label, is_complete, population_year
FROM ytd_period
ORDER BY period_type, period_start, period_end
