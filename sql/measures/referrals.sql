-- measure: referrals — Number of referrals
-- sources: referral
-- publishes: referrals | count | neutral | Number of referrals
-- Definition: referrals to children's social care, i.e. CIN episodes by CINreferralDate (N00100)
--   (docs/definitions.md §1.2 S7). National equivalent: DfE CIN table C1 referral_count.
-- Numerator: ssd_cin_episodes rows whose cine_referral_date falls in the period. DfE counts
--   episodes, not children: a child referred twice counts twice (§0.6). Referrals ending in NFA
--   are included, as in C1.
-- Denominator: none. value = numerator.
-- Time basis: flow; months and financial years (1 April - 31 March) up to the as-at date.
-- Exclusions: referrals with no readable date (recorded in the quality issues table).
SELECT 'referrals' AS measure_id,
       p.period_type,
       p.period_start,
       p.period_end,
       count(r.cine_referral_id) AS numerator,
       CAST(NULL AS BIGINT) AS denominator,
       CAST(count(r.cine_referral_id) AS DOUBLE) AS value
FROM dim_period p
LEFT JOIN day_period d ON d.period_type = p.period_type AND d.period_start = p.period_start
LEFT JOIN referral r ON r.cine_referral_date = d.day
GROUP BY p.period_type, p.period_start, p.period_end
