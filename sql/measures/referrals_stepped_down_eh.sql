-- measure: referrals_stepped_down_eh — Referrals closed and stepped down to early help
-- sources: referral
-- percent of: referrals closed in the period
-- publishes: referrals_stepped_down_eh | count | neutral | Referrals closed after assessment and referred to early help
-- publishes: referrals_stepped_down_eh_pct | percent | neutral | Referrals closed after assessment and referred to early help (% of closures)
-- Definition: docs/definitions.md §1.4 P2. DfE CIN census reason for closure RC9 "Case closed
--   after assessment - referred to early help" (cine_close_reason; reference/codes/
--   cin_closure_reason.csv). Contacts stepped down to early help are not measured: the SSD
--   contact outcome (cont_contact_outcome_json, CONT005A) has no early-help flag.
-- Numerator: CIN episodes (referrals) closed in the period with reason RC9. Denominator
--   (percent): CIN episodes closed in the period, whatever the reason. Time basis: flow by
--   closure date (cine_close_date).
SELECT p.period_type, p.period_start, p.period_end,
       count(CASE WHEN r.cine_close_reason = 'RC9' THEN 1 END) AS numerator,
       count(r.cine_referral_id) AS denominator
FROM dim_period p
LEFT JOIN day_period d ON d.period_type = p.period_type AND d.period_start = p.period_start
LEFT JOIN referral r ON r.cine_close_date = d.day
GROUP BY p.period_type, p.period_start, p.period_end
