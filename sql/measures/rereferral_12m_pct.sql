-- measure: rereferral_12m_pct — Re-referrals within 12 months (%), episode basis
-- sources: referral
-- publishes: rereferral_12m_pct | percent | low | Re-referrals within 12 months (%), episode basis
-- Definition: docs/definitions.md §1.2 S1; DfE C1 rereferral_percent. A re-referral is a referral
--   of a child who had a previous referral within 12 months (view referral_rereferral).
-- Numerator: referrals in the period that are re-referrals. Denominator: referrals in the period.
-- Time basis: flow by referral date. value: percent (0-100).
-- Caveat: needs 12 months of referral history before the period; earlier periods understate.
SELECT 'rereferral_12m_pct' AS measure_id,
       p.period_type,
       p.period_start,
       p.period_end,
       coalesce(sum(r.is_rereferral), 0) AS numerator,
       count(r.cine_referral_id) AS denominator,
       CASE WHEN count(r.cine_referral_id) > 0 THEN 100.0 * sum(r.is_rereferral) / count(r.cine_referral_id) END AS value
FROM dim_period p
LEFT JOIN day_period d ON d.period_type = p.period_type AND d.period_start = p.period_start
LEFT JOIN referral_rereferral r ON r.cine_referral_date = d.day
GROUP BY p.period_type, p.period_start, p.period_end
