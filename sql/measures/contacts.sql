-- measure: contacts — Number of contacts
-- sources: contact
-- publishes: contacts | count | neutral | Number of contacts
-- Definition: contacts received by children's social care (docs/definitions.md §1.2 S5; Ofsted
--   Annex A List 1). Source: local measure in the council's monthly performance report
--   (SEED-002 L5856); no DfE national equivalent.
-- Numerator: ssd_contacts rows whose cont_contact_date falls in the period (contacts, not children).
-- Denominator: none. value = numerator.
-- Time basis: flow; months and financial years up to the as-at date.
-- Exclusions: contacts with no readable date (recorded in the quality issues table).
SELECT 'contacts' AS measure_id,
       p.period_type,
       p.period_start,
       p.period_end,
       count(c.cont_contact_id) AS numerator,
       CAST(NULL AS BIGINT) AS denominator,
       CAST(count(c.cont_contact_id) AS DOUBLE) AS value
FROM dim_period p
LEFT JOIN day_period d ON d.period_type = p.period_type AND d.period_start = p.period_start
LEFT JOIN contact c ON c.cont_contact_date = d.day
GROUP BY p.period_type, p.period_start, p.period_end
