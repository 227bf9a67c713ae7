-- Population base of each reporting period (docs/definitions.md §0.2 and §1.1).
-- Rates use the ONS mid-year estimate of children aged 0-17 for the mid-year BEFORE the year
-- end: a financial year ending 31 March Y uses mid-(Y-1) (dim_period.population_year); a month
-- uses the population of its financial year. Source: DfE CSC outcomes and enablers dashboard,
-- R/outcome1_page.R; verified there against DfE's published England rates.
-- When that mid-year is not yet published, the latest earlier estimate is used and the model
-- stage records a population_substituted issue (population_year <> required_year).
WITH la_population AS (
    SELECT r.year, r.population_0_17
    FROM ref_population r
    CROSS JOIN params
    WHERE r.geographic_level = 'Local authority'
      AND r.la_code = params.la_code
),
candidates AS (
    SELECT p.period_type,
           p.period_start,
           p.population_year AS required_year,
           l.year AS population_year,
           l.population_0_17,
           row_number() OVER (PARTITION BY p.period_type, p.period_start ORDER BY l.year DESC) AS preference
    FROM dim_period p
    LEFT JOIN la_population l ON l.year <= p.population_year
)
SELECT period_type, period_start, required_year, population_year, population_0_17
FROM candidates
WHERE preference = 1
