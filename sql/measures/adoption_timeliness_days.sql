-- measure: adoption_timeliness_days — Adoption scorecard A1, A2 and A10 (average days, rolling 3 years)
-- sources: permanence
-- publishes: adoption_a1_days | days | low | A1: average days from entering care to moving in with the adoptive family (3 years)
-- publishes: adoption_a2_days | days | low | A2: average days from placement order to match with adopters (3 years)
-- publishes: adoption_a10_days | days | low | A10: average days from entering care to moving in, adjusted for foster-carer adoptions (3 years)
-- Definition: docs/definitions.md §1.3 A1, A2, A10 (DfE adoption scorecards). Children adopted
--   (ssd_permanence: an adoption order, perm_permanence_order_type mentioning adoption) in the
--   3 years ending on D:
--   A1: average days from entering care (clae_entered_care_date, else the first episode start)
--       to being placed for adoption (perm_placed_for_adoption_date); threshold 14 months (426).
--   A10: as A1, but for children adopted by their foster carer (perm_adopted_by_carer_flag = Y)
--       the date the fostering placement began (perm_placed_foster_carer_date) is used.
--   A2: average days from the placement order (perm_placement_order_date) to the match with
--       adopters (perm_matched_date), 0 when matched before the order; children with a
--       placement order only; threshold 4 months (121).
--   Numerator: total days. Denominator: children. value: average days. Financial years only
--   (the window is the 3 years to 31 March, or to the as-at date).
WITH entered AS (
    SELECT clae_person_id, min(coalesce(clae_entered_care_date, clae_cla_episode_start_date)) AS entered_care
    FROM cla_episode
    GROUP BY clae_person_id
),
adopted AS (
    SELECT p.period_type, p.period_start, p.period_end, a.perm_person_id,
           e.entered_care,
           a.perm_placed_for_adoption_date,
           CASE WHEN a.perm_adopted_by_carer_flag = 'Y' AND a.perm_placed_foster_carer_date IS NOT NULL
                THEN a.perm_placed_foster_carer_date ELSE a.perm_placed_for_adoption_date END AS moved_in,
           a.perm_placement_order_date,
           a.perm_matched_date
    FROM dim_period p
    JOIN permanence a
      ON a.perm_permanence_order_date <= p.period_end
     AND a.perm_permanence_order_date > p.period_end - INTERVAL '36 months'
     AND upper(coalesce(a.perm_permanence_order_type, '')) LIKE '%ADOPT%'
    LEFT JOIN entered e ON e.clae_person_id = a.perm_person_id
    WHERE p.period_type = 'financial_year'
),
days AS (
    SELECT period_type, period_start, 'adoption_a1_days' AS measure_id,
           CAST(perm_placed_for_adoption_date - entered_care AS BIGINT) AS d
    FROM adopted WHERE entered_care IS NOT NULL AND perm_placed_for_adoption_date IS NOT NULL
    UNION ALL
    SELECT period_type, period_start, 'adoption_a10_days', CAST(moved_in - entered_care AS BIGINT)
    FROM adopted WHERE entered_care IS NOT NULL AND moved_in IS NOT NULL
    UNION ALL
    SELECT period_type, period_start, 'adoption_a2_days', greatest(CAST(perm_matched_date - perm_placement_order_date AS BIGINT), 0)
    FROM adopted WHERE perm_placement_order_date IS NOT NULL AND perm_matched_date IS NOT NULL
),
ids (measure_id) AS (
    VALUES ('adoption_a1_days'), ('adoption_a2_days'), ('adoption_a10_days')
)
SELECT i.measure_id,
       p.period_type,
       p.period_start,
       p.period_end,
       coalesce(sum(d.d), 0) AS numerator,
       count(d.d) AS denominator,
       CASE WHEN count(d.d) > 0 THEN CAST(sum(d.d) AS DOUBLE) / count(d.d) END AS value
FROM dim_period p
CROSS JOIN ids i
LEFT JOIN days d ON d.period_type = p.period_type AND d.period_start = p.period_start AND d.measure_id = i.measure_id
WHERE p.period_type = 'financial_year'
GROUP BY i.measure_id, p.period_type, p.period_start, p.period_end
