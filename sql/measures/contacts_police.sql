-- measure: contacts_police — Contacts from the police
-- sources: contact
-- percent of: contacts in the period
-- publishes: contacts_police | count | neutral | Contacts from the police
-- publishes: contacts_police_pct | percent | neutral | Contacts from the police (% of contacts)
-- Definition: docs/definitions.md §1.4 P1 (council: "The level of contacts from the police
--   remains very high", SEED-002 L5923). Source of the contact as the DfE CIN census codes
--   referral sources (ReferralSource, reference/codes/referral_source.csv): 6 = Police. Every
--   source's contacts are in marts/fact_measure_breakdown (dimension `source`) for contacts.
-- Numerator: contacts in the period with cont_contact_source_code 6. Denominator (percent):
--   contacts in the period, whatever their source (a contact with no source recorded counts in
--   the denominator only). Time basis: flow by contact date. value: count; percent (0-100).
SELECT p.period_type, p.period_start, p.period_end,
       count(CASE WHEN c.cont_contact_source_code = '6' THEN 1 END) AS numerator,
       count(c.cont_contact_id) AS denominator
FROM dim_period p
LEFT JOIN day_period d ON d.period_type = p.period_type AND d.period_start = p.period_start
LEFT JOIN contact c ON c.cont_contact_date = d.day
GROUP BY p.period_type, p.period_start, p.period_end
