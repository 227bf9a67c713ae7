-- measure: referral_rate_per_10k — Referrals per 10,000 children aged 0-17
-- depends: referrals
-- publishes: referral_rate_per_10k | rate_per_10k | neutral | Referrals per 10,000 children aged 0-17
-- Definition: docs/definitions.md §1.2 S8; DfE C1 referrals / ONS mid-year 0-17 x 10,000.
-- Numerator: referrals in the period (measure `referrals`, episodes).
-- Denominator: ONS mid-year estimate of children aged 0-17 for the mid-year before the financial
--   year ends (period_population); a month uses its financial year's population, so monthly
--   values are not annualised and twelve months add up to the year.
-- value = numerator / denominator x 10,000, unrounded (DfE publishes 1 d.p.).
SELECT 'referral_rate_per_10k' AS measure_id,
       m.period_type,
       m.period_start,
       m.period_end,
       m.numerator,
       pp.population_0_17 AS denominator,
       m.numerator * 10000.0 / pp.population_0_17 AS value
FROM m_referrals m
LEFT JOIN period_population pp ON pp.period_type = m.period_type AND pp.period_start = m.period_start
