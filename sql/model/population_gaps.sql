-- Periods whose population is not the one DfE's rule asks for: either an earlier mid-year stood
-- in (population_year < required_year) or the LA has no population at all (population_year NULL).
SELECT DISTINCT required_year, population_year
FROM period_population
WHERE population_year IS NULL OR population_year <> required_year
ORDER BY required_year
