-- measure_rag: a Red/Amber/Green rating for every period of every measure the pipeline file
-- gives a target ([targets.<measure_id>] target = 23.0, good = "low", amber_tolerance = 2.0,
-- periods = [...] optional), from fact_measure and ref_target (src/marts/targets.rs).
-- Rules: good = "low": Green when value <= target; Amber when value <= target + amber_tolerance;
--   otherwise Red. good = "high": Green when value >= target; Amber when value >= target -
--   amber_tolerance; otherwise Red. So Amber = worse than target by no more than the tolerance,
--   and a value exactly on the target is Green. No value (e.g. no denominator): rag NULL.
-- Values are compared unrounded, in the measure's own unit (percent 0-100, rate per 10,000 ...).
-- Targets apply to the period types listed (all when not listed); monthly rates and counts are
-- not annualised, so a yearly rate target should list financial_year / rolling_12_months only.
SELECT f.measure_id,
       f.period_type,
       f.period_start,
       f.period_end,
       f.financial_year,
       f.la_code,
       f.value,
       t.target,
       t.good,
       t.amber_tolerance,
       CASE
           WHEN f.value IS NULL THEN NULL
           WHEN t.good = 'low' THEN
               CASE WHEN f.value <= t.target THEN 'Green'
                    WHEN f.value <= t.target + t.amber_tolerance THEN 'Amber'
                    ELSE 'Red' END
           ELSE
               CASE WHEN f.value >= t.target THEN 'Green'
                    WHEN f.value >= t.target - t.amber_tolerance THEN 'Amber'
                    ELSE 'Red' END
       END AS rag
FROM fact_measure f
JOIN ref_target t ON t.measure_id = f.measure_id AND t.period_type = f.period_type
ORDER BY f.measure_id, f.period_type, f.period_start, f.period_end
