-- measure: cin_at_date — Children in need at the period end
-- sources: referral
-- publishes: cin_at_date | count | neutral | Children in need at the period end
-- Definition: docs/definitions.md §1.3 C1; DfE B1 At31_episodes. A child is in need from the
--   referral that opens a CIN episode until the episode closes; CIN includes children on CIN
--   plans, CP plans, looked after, disabled children, unborn children and young people 18+
--   still supported (§0.3) — all included here.
-- Numerator: distinct children with a referral (CIN episode) where referral date <= D and
--   (close date is null or close date > D), D = period end. Referrals flagged no further
--   action (cine_referral_nfa = 'Y') never open an episode and are left out.
-- Denominator: none. value = numerator. Time basis: snapshot at each month end and financial
--   year end (31 March, or the as-at date for the current year).
SELECT 'cin_at_date' AS measure_id,
       p.period_type,
       p.period_start,
       p.period_end,
       count(DISTINCT r.cine_person_id) AS numerator,
       CAST(NULL AS BIGINT) AS denominator,
       CAST(count(DISTINCT r.cine_person_id) AS DOUBLE) AS value
FROM dim_period p
LEFT JOIN referral r
       ON r.cine_referral_date <= p.period_end
      AND (r.cine_close_date IS NULL OR r.cine_close_date > p.period_end)
      AND coalesce(r.cine_referral_nfa, 'N') <> 'Y'
WHERE p.period_type <> 'rolling_12_months'
GROUP BY p.period_type, p.period_start, p.period_end
