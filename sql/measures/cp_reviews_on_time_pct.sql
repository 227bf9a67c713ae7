-- measure: cp_reviews_on_time_pct — Child protection review conferences held on time (%)
-- sources: cp_review
-- publishes: cp_reviews_on_time_pct | percent | high | Child protection review conferences held on time (%)
-- Definition: docs/definitions.md §1.3 C17: review conferences within timescale (first within
--   3 months of the ICPC, then at most 6-monthly; Working Together as local procedures apply
--   it). The extract records each review's due date, so a review is on time when it was held on
--   or before its due date (cppr_cp_review_due). Not published nationally.
-- Numerator: reviews held in the period on or before their due date. Denominator: reviews held
--   in the period with a due date. Time basis: flow by review date. value: percent (0-100).
SELECT 'cp_reviews_on_time_pct' AS measure_id,
       p.period_type,
       p.period_start,
       p.period_end,
       count(CASE WHEN r.cppr_cp_review_date <= r.cppr_cp_review_due THEN 1 END) AS numerator,
       count(r.cppr_cp_review_due) AS denominator,
       CASE WHEN count(r.cppr_cp_review_due) > 0
            THEN 100.0 * count(CASE WHEN r.cppr_cp_review_date <= r.cppr_cp_review_due THEN 1 END) / count(r.cppr_cp_review_due) END AS value
FROM dim_period p
LEFT JOIN day_period d ON d.period_type = p.period_type AND d.period_start = p.period_start
LEFT JOIN cp_review r ON r.cppr_cp_review_date = d.day
GROUP BY p.period_type, p.period_start, p.period_end
