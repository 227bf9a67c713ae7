-- measure: cin_plans_excl_cwd_at_date — Children on a CIN plan at the period end, and those not with the disabled children's service
-- sources: cin_plan
-- publishes: cin_plan_children_at_date | count | neutral | Children on a child in need plan at the period end
-- publishes: cin_plan_children_excl_cwd_at_date | count | neutral | Children on a child in need plan at the period end, not with the disabled children's service
-- Definition: docs/definitions.md §1.2 S16 (council: "Number of children with an active Child in
--   Need Plan not allocated to CWD", SEED-002 L5887; local, no DfE equivalent). A child is on a
--   CIN plan at D when a plan of ssd_cin_plans started on or before D and has not ended by D.
--   The child is with the disabled children's service (CWD) at D when the plan's team
--   (cinp_cin_plan_team), the team of an involvement open at D (invo_professional_team) or that
--   worker's department (prof_professional_department) is one of the services named in the
--   pipeline file, `[measure_settings] disabled_children_services` (compared trimmed and without
--   regard to case; default "Disabled Children", "Children with Disabilities").
-- Numerator: distinct children on a plan at D (cin_plan_children_at_date), less those with the
--   CWD service at D (cin_plan_children_excl_cwd_at_date). Denominator: none. value = numerator.
-- Time basis: snapshot at each month end and financial year end.
WITH variants (variant, measure_id) AS (
    VALUES ('all', 'cin_plan_children_at_date'), ('excl_cwd', 'cin_plan_children_excl_cwd_at_date')
),
open_plans AS (
    SELECT p.period_type, p.period_start, p.period_end, c.cinp_person_id, c.cinp_cin_plan_team
    FROM dim_period p
    JOIN cin_plan c
      ON c.cinp_cin_plan_start_date <= p.period_end
     AND (c.cinp_cin_plan_end_date IS NULL OR c.cinp_cin_plan_end_date > p.period_end)
    WHERE p.period_type <> 'rolling_12_months'
),
allocated AS (
    SELECT o.period_type, o.period_start, o.cinp_person_id, lower(trim(o.cinp_cin_plan_team)) AS service
    FROM open_plans o
    UNION ALL
    SELECT o.period_type, o.period_start, o.cinp_person_id, lower(trim(i.invo_professional_team))
    FROM open_plans o
    JOIN involvement i
      ON i.invo_person_id = o.cinp_person_id
     AND i.invo_involvement_start_date <= o.period_end
     AND (i.invo_involvement_end_date IS NULL OR i.invo_involvement_end_date > o.period_end)
    UNION ALL
    SELECT o.period_type, o.period_start, o.cinp_person_id, lower(trim(w.prof_professional_department))
    FROM open_plans o
    JOIN involvement i
      ON i.invo_person_id = o.cinp_person_id
     AND i.invo_involvement_start_date <= o.period_end
     AND (i.invo_involvement_end_date IS NULL OR i.invo_involvement_end_date > o.period_end)
    JOIN professional w ON w.prof_professional_id = i.invo_professional_id
),
cwd AS (
    SELECT DISTINCT a.period_type, a.period_start, a.cinp_person_id
    FROM allocated a
    JOIN ref_cwd_service s ON s.service = a.service
),
children AS (
    SELECT DISTINCT o.period_type, o.period_start, o.cinp_person_id, CASE WHEN k.cinp_person_id IS NULL THEN 0 ELSE 1 END AS is_cwd
    FROM open_plans o
    LEFT JOIN cwd k ON k.period_type = o.period_type AND k.period_start = o.period_start AND k.cinp_person_id = o.cinp_person_id
),
-- Each child under the variants it counts in, before the join to the periods: an OR in the outer
-- join's condition made Ballista's plan declare is_cwd non-nullable on the outer side.
counted AS (
    SELECT v.measure_id, c.period_type, c.period_start, c.cinp_person_id
    FROM children c
    CROSS JOIN variants v
    WHERE v.variant = 'all' OR c.is_cwd = 0
)
SELECT v.measure_id,
       p.period_type,
       p.period_start,
       p.period_end,
       count(c.cinp_person_id) AS numerator,
       CAST(NULL AS BIGINT) AS denominator,
       CAST(count(c.cinp_person_id) AS DOUBLE) AS value
FROM dim_period p
CROSS JOIN variants v
LEFT JOIN counted c ON c.measure_id = v.measure_id AND c.period_type = p.period_type AND c.period_start = p.period_start
WHERE p.period_type <> 'rolling_12_months'
GROUP BY v.measure_id, p.period_type, p.period_start, p.period_end
