-- measure: cla_reviews_on_time_pct — Looked-after reviews held on time (%)
-- sources: cla_review
-- publishes: cla_reviews_on_time_pct | percent | high | Looked-after reviews held on time (%)
-- Definition: docs/definitions.md §1.2 S29, §1.3 C18; Care Planning Regulations reg 33: first
--   review within 20 working days of becoming looked after, second within 3 months of the first,
--   then at most 6-monthly. The extract records each review's due date, so a review is on time
--   when it was held on or before clar_cla_review_due_date. Cancelled reviews
--   (clar_cla_review_cancelled = 'Y') are left out. DfE no longer publishes this (former NI 66).
-- Numerator: reviews held in the period on or before their due date. Denominator: reviews held
--   in the period with a due date. Time basis: flow by review date. value: percent (0-100).
SELECT 'cla_reviews_on_time_pct' AS measure_id,
       p.period_type,
       p.period_start,
       p.period_end,
       count(CASE WHEN r.clar_cla_review_date <= r.clar_cla_review_due_date THEN 1 END) AS numerator,
       count(r.clar_cla_review_due_date) AS denominator,
       CASE WHEN count(r.clar_cla_review_due_date) > 0
            THEN 100.0 * count(CASE WHEN r.clar_cla_review_date <= r.clar_cla_review_due_date THEN 1 END) / count(r.clar_cla_review_due_date) END AS value
FROM dim_period p
LEFT JOIN day_period d ON d.period_type = p.period_type AND d.period_start = p.period_start
LEFT JOIN cla_review r ON r.clar_cla_review_date = d.day AND coalesce(r.clar_cla_review_cancelled, 'N') <> 'Y'
GROUP BY p.period_type, p.period_start, p.period_end
