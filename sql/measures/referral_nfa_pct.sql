-- measure: referral_nfa_pct — Referrals ending in no further action (%)
-- sources: referral
-- publishes: referral_nfa_pct | percent | neutral | Referrals ending in no further action (%)
-- Definition: referrals in the period flagged NFA (cine_referral_nfa = 'Y', CIN census
--   ReferralNFA) / referrals in the period x 100. Source: DfE CIN census item ReferralNFA; DfE
--   publishes referrals "resulting in no further action" in C1.
-- Numerator: referrals in the period with cine_referral_nfa = 'Y'. Denominator: referrals in the
--   period. Time basis: flow by referral date. value: percent (0-100).
SELECT 'referral_nfa_pct' AS measure_id,
       p.period_type,
       p.period_start,
       p.period_end,
       count(CASE WHEN r.cine_referral_nfa = 'Y' THEN 1 END) AS numerator,
       count(r.cine_referral_id) AS denominator,
       CASE WHEN count(r.cine_referral_id) > 0 THEN 100.0 * count(CASE WHEN r.cine_referral_nfa = 'Y' THEN 1 END) / count(r.cine_referral_id) END AS value
FROM dim_period p
LEFT JOIN day_period d ON d.period_type = p.period_type AND d.period_start = p.period_start
LEFT JOIN referral r ON r.cine_referral_date = d.day
GROUP BY p.period_type, p.period_start, p.period_end
