-- measure: adoption_decisions_reversed — Adoption decisions reversed
-- sources: permanence
-- publishes: adoption_decisions_reversed | count | low | Children whose adoption decision was reversed
-- Definition: docs/definitions.md §1.4 P8; SSDA903 AD1 "date of decision that the child should
--   no longer be placed for adoption" (ssd_permanence perm_decision_reversed_date, Ofsted Annex A
--   list 10), as the DfE Adoption and Special Guardianship Leadership Board (ASGLB) data counts
--   decisions reversed.
-- Numerator: distinct children with a decision reversed in the period. Denominator: none.
--   value = numerator. Time basis: flow by the date of the reversal.
SELECT 'adoption_decisions_reversed' AS measure_id,
       p.period_type,
       p.period_start,
       p.period_end,
       count(DISTINCT m.perm_person_id) AS numerator,
       CAST(NULL AS BIGINT) AS denominator,
       CAST(count(DISTINCT m.perm_person_id) AS DOUBLE) AS value
FROM dim_period p
LEFT JOIN day_period d ON d.period_type = p.period_type AND d.period_start = p.period_start
LEFT JOIN permanence m ON m.perm_decision_reversed_date = d.day
GROUP BY p.period_type, p.period_start, p.period_end
