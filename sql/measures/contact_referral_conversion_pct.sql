-- measure: contact_referral_conversion_pct — Contacts converting to referral (%)
-- depends: contacts, referrals
-- publishes: contact_referral_conversion_pct | percent | neutral | Contacts converting to referral (%)
-- Definition: docs/definitions.md §1.2 S6 (council report "12-15%"); local measure, no DfE
--   equivalent. SSD extracts do not link a contact to the referral it led to, so this is the
--   period ratio: referrals in the period / contacts in the period x 100.
-- Numerator: referrals in the period (measure `referrals`). Denominator: contacts in the period.
-- Time basis: flow. value: percent (0-100); NULL when there were no contacts.
SELECT 'contact_referral_conversion_pct' AS measure_id,
       c.period_type,
       c.period_start,
       c.period_end,
       r.numerator,
       c.numerator AS denominator,
       CASE WHEN c.numerator > 0 THEN 100.0 * r.numerator / c.numerator END AS value
FROM m_contacts c
JOIN m_referrals r ON r.period_type = c.period_type AND r.period_start = c.period_start
