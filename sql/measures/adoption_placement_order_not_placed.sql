-- measure: adoption_placement_order_not_placed — Children with a placement order not yet placed for adoption
-- sources: permanence, cla_episode
-- publishes: adoption_po_not_placed | count | low | Children looked after with a placement order, not yet placed for adoption
-- Definition: docs/definitions.md §1.4 P8; DfE ASGLB "children with a placement order who are
--   not yet placed". At D: a child looked after at D (cla_episode_in_care open at D) with a
--   placement order made on or before D (perm_placement_order_date), not placed for adoption by D
--   (perm_placed_for_adoption_date null or after D) and with no decision reversed by D
--   (perm_decision_reversed_date null or after D).
-- Numerator: distinct children. Denominator: none. value = numerator.
-- Time basis: snapshot at each month end and financial year end.
WITH waiting AS (
    SELECT DISTINCT p.period_type, p.period_start, m.perm_person_id
    FROM dim_period p
    JOIN permanence m
      ON m.perm_placement_order_date <= p.period_end
     AND (m.perm_placed_for_adoption_date IS NULL OR m.perm_placed_for_adoption_date > p.period_end)
     AND (m.perm_decision_reversed_date IS NULL OR m.perm_decision_reversed_date > p.period_end)
    JOIN cla_episode_in_care e
      ON e.clae_person_id = m.perm_person_id
     AND e.clae_cla_episode_start_date <= p.period_end
     AND (e.clae_cla_episode_ceased_date IS NULL OR e.clae_cla_episode_ceased_date > p.period_end)
    WHERE p.period_type <> 'rolling_12_months'
)
SELECT 'adoption_po_not_placed' AS measure_id,
       p.period_type,
       p.period_start,
       p.period_end,
       count(w.perm_person_id) AS numerator,
       CAST(NULL AS BIGINT) AS denominator,
       CAST(count(w.perm_person_id) AS DOUBLE) AS value
FROM dim_period p
LEFT JOIN waiting w ON w.period_type = p.period_type AND w.period_start = p.period_start
WHERE p.period_type <> 'rolling_12_months'
GROUP BY p.period_type, p.period_start, p.period_end
