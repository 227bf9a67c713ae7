-- benchmarks: for every measure with a DfE published equivalent (ref_published) and every year
-- DfE published it for England, the run's LA beside its statistical neighbours, its region and
-- England, with its national rank.
-- la_value: the run's own value (fact_measure, period_type financial_year, complete years only;
--   a part year is not comparable with a published full year).
-- published_value: DfE's figure for the LA from ref_published (rates recomputed from the
--   published count and the ONS mid-year before the year end; see ref_published.sql).
-- Statistical neighbours: the ten LAs DfE lists for the run's LA in the model chosen in the
--   pipeline file ([benchmarks] sn_model = "2021" (default) or "2025"; reference/dfe/
--   New_Statistical_Neighbour_Groupings_April_2021.csv, sn_model_2025_wide.csv). sn_mean is the
--   simple unweighted mean of the neighbours' values, as DfE's LAIT and the council's reports
--   compute it (docs/definitions.md §4.5; Southampton 2020/21: S47 rate 263.3, referral rate
--   656.1); sn_median as DfE's CSC outcomes dashboard shows. Neighbours whose value is
--   suppressed or missing are left out and counted in sn_suppressed.
-- National rank: among LAs with a value that year, 1 = the lowest value (ties share a rank);
--   quartile = ceil(4 x rank / LAs ranked); LAs without a value are counted in
--   national_suppressed. Rank and quartile ignore direction of good (see the good column).
WITH run AS (
    SELECT params.la_code, marts_params.sn_model FROM params CROSS JOIN marts_params
),
years AS (
    SELECT measure_id, time_period, year_label, value AS england_value
    FROM ref_published
    WHERE geographic_level = 'National'
),
this_la AS (
    SELECT p.* FROM ref_published p JOIN run ON p.la_code = run.la_code
    WHERE p.geographic_level = 'Local authority'
),
neighbour AS (
    SELECT s.neighbour_la_code, run.sn_model
    FROM ref_statistical_neighbour s JOIN run ON s.la_code = run.la_code AND s.sn_model = run.sn_model
),
sn AS (
    SELECT y.measure_id, y.time_period,
           avg(p.value) AS sn_mean,
           median(p.value) AS sn_median,
           count(p.value) AS sn_count,
           count(*) - count(p.value) AS sn_suppressed
    FROM years y
    CROSS JOIN neighbour n
    LEFT JOIN ref_published p
           ON p.measure_id = y.measure_id AND p.time_period = y.time_period
          AND p.geographic_level = 'Local authority' AND p.la_code = n.neighbour_la_code
    GROUP BY y.measure_id, y.time_period
),
ranked AS (
    SELECT measure_id, time_period, la_code,
           rank() OVER (PARTITION BY measure_id, time_period ORDER BY value) AS national_rank,
           count(*) OVER (PARTITION BY measure_id, time_period) AS national_ranked
    FROM ref_published
    WHERE geographic_level = 'Local authority' AND value IS NOT NULL
),
unranked AS (
    SELECT measure_id, time_period, count(*) AS national_suppressed
    FROM ref_published
    WHERE geographic_level = 'Local authority' AND value IS NULL
    GROUP BY measure_id, time_period
),
computed AS (
    SELECT f.measure_id, f.financial_year, f.numerator, f.denominator, f.value
    FROM fact_measure f
    JOIN dim_period d ON d.period_type = f.period_type AND d.period_start = f.period_start
    JOIN run ON f.la_code = run.la_code
    WHERE f.period_type = 'financial_year' AND d.is_complete
)
SELECT y.measure_id,
       y.year_label AS financial_year,
       make_date(y.time_period - 1, 4, 1) AS period_start,
       make_date(y.time_period, 3, 31) AS period_end,
       run.la_code,
       c.value AS la_value,
       c.numerator AS la_numerator,
       c.denominator AS la_denominator,
       l.value AS published_value,
       l.numerator AS published_numerator,
       l.denominator AS published_denominator,
       coalesce(l.suppressed, true) AS published_suppressed,
       l.suppression_code AS published_code,
       c.value - l.value AS difference,
       run.sn_model,
       sn.sn_mean,
       sn.sn_median,
       sn.sn_count,
       sn.sn_suppressed,
       l.region_name,
       r.value AS region_value,
       y.england_value,
       k.national_rank,
       k.national_ranked,
       CAST(ceil(4.0 * k.national_rank / k.national_ranked) AS BIGINT) AS national_quartile,
       coalesce(u.national_suppressed, 0) AS national_suppressed,
       dm.unit,
       dm.good
FROM years y
CROSS JOIN run
LEFT JOIN this_la l ON l.measure_id = y.measure_id AND l.time_period = y.time_period
LEFT JOIN ref_published r
       ON r.measure_id = y.measure_id AND r.time_period = y.time_period
      AND r.geographic_level = 'Regional' AND r.area_name = l.region_name
LEFT JOIN sn ON sn.measure_id = y.measure_id AND sn.time_period = y.time_period
LEFT JOIN ranked k ON k.measure_id = y.measure_id AND k.time_period = y.time_period AND k.la_code = run.la_code
LEFT JOIN unranked u ON u.measure_id = y.measure_id AND u.time_period = y.time_period
LEFT JOIN computed c ON c.measure_id = y.measure_id AND c.financial_year = y.year_label
LEFT JOIN dim_measure dm ON dm.measure_id = y.measure_id
ORDER BY y.measure_id, y.time_period
