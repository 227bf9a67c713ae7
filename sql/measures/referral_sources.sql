-- measure: referral_sources — Referrals from the police and from early help
-- sources: referral
-- publishes: referrals_police | count | neutral | Referrals from the police
-- publishes: referrals_police_pct | percent | neutral | Referrals from the police (% of referrals)
-- publishes: referrals_source_early_help | count | neutral | Referrals from early help (source 5D)
-- Definition: docs/definitions.md §1.4 P1 and P3. Source of the referral as the DfE CIN census
--   records it (ReferralSource N00152, reference/codes/referral_source.csv): 6 = Police; 5D = LA
--   services: early help, DfE's reading of a step-up from early help (DfE CIN table C1 counts
--   referrals by source). The local linkage reading of step-up is referrals_step_up_eh
--   (early_help_step_up).
-- Numerator: referrals (episodes) in the period with that source. Denominator (percent):
--   referrals in the period, whatever their source. Time basis: flow by referral date.
WITH variants (variant, source, measure_id) AS (
    VALUES ('count', '6', 'referrals_police'), ('pct', '6', 'referrals_police_pct'), ('count', '5D', 'referrals_source_early_help')
)
SELECT v.measure_id,
       p.period_type,
       p.period_start,
       p.period_end,
       count(CASE WHEN r.cine_referral_source_code = v.source THEN 1 END) AS numerator,
       CASE WHEN v.variant = 'pct' THEN count(r.cine_referral_id) END AS denominator,
       CASE WHEN v.variant = 'count' THEN CAST(count(CASE WHEN r.cine_referral_source_code = v.source THEN 1 END) AS DOUBLE)
            WHEN count(r.cine_referral_id) > 0 THEN 100.0 * count(CASE WHEN r.cine_referral_source_code = v.source THEN 1 END) / count(r.cine_referral_id) END AS value
FROM dim_period p
CROSS JOIN variants v
LEFT JOIN day_period d ON d.period_type = p.period_type AND d.period_start = p.period_start
LEFT JOIN referral r ON r.cine_referral_date = d.day
GROUP BY v.measure_id, v.variant, v.source, p.period_type, p.period_start, p.period_end
