-- measure: rereferral_12m_child_pct — Children re-referred within 12 months (%), child basis
-- sources: referral
-- publishes: rereferral_12m_child_pct | percent | low | Children re-referred within 12 months (%), child basis
-- Definition: DfE C1 rereferral_child_percent (docs/definitions.md §1.2 S1): children referred in
--   the period, counted once, of whom at least one referral in the period was a re-referral.
-- Numerator: distinct children with a re-referral in the period. Denominator: distinct children
--   referred in the period. Time basis: flow by referral date. value: percent (0-100).
SELECT 'rereferral_12m_child_pct' AS measure_id,
       p.period_type,
       p.period_start,
       p.period_end,
       count(DISTINCT CASE WHEN r.is_rereferral = 1 THEN r.cine_person_id END) AS numerator,
       count(DISTINCT r.cine_person_id) AS denominator,
       CASE WHEN count(DISTINCT r.cine_person_id) > 0
            THEN 100.0 * count(DISTINCT CASE WHEN r.is_rereferral = 1 THEN r.cine_person_id END) / count(DISTINCT r.cine_person_id) END AS value
FROM dim_period p
LEFT JOIN day_period d ON d.period_type = p.period_type AND d.period_start = p.period_start
LEFT JOIN referral_rereferral r ON r.cine_referral_date = d.day
GROUP BY p.period_type, p.period_start, p.period_end
