-- Annex A list 10: Adoption (standards §1.3). Children who, in the 12 months up to the as-at date,
-- had a decision that they should be placed for adoption, were adopted, or had the decision
-- reversed — plus children with a decision and no adoption order yet. The family identifier is
-- not held in the SSD and is empty. Dates after the as-at date are not known yet and are blank;
-- the reversal reason carries its RD1–RD4 label.
WITH entered AS (
    SELECT clae_person_id, min(coalesce(clae_entered_care_date, clae_cla_episode_start_date)) AS entered_care
    FROM cla_episode
    GROUP BY clae_person_id
)
SELECT a.perm_person_id AS "Child Unique ID",
       CAST(NULL AS VARCHAR) AS "Family identifier",
       p.gender AS "Gender",
       p.ethnicity AS "Ethnicity",
       p.date_of_birth AS "Date of Birth",
       p.age AS "Age of Child (Years)",
       coalesce(p.disability, 'c) Unknown') AS "Does the Child have a Disability",
       CASE WHEN e.entered_care <= params.as_at THEN e.entered_care END AS "Date the Child Entered Care",
       a.perm_adm_decision_date AS "Date of Decision that Child Should be Placed for Adoption",
       CASE WHEN a.perm_placement_order_date <= params.as_at THEN a.perm_placement_order_date END AS "Date of Placement Order",
       CASE WHEN a.perm_matched_date <= params.as_at THEN a.perm_matched_date END AS "Date of Matching Child and Prospective Adopters",
       CASE WHEN a.perm_placed_for_adoption_date <= params.as_at THEN a.perm_placed_for_adoption_date END AS "Date Placed for Adoption",
       CASE WHEN upper(coalesce(a.perm_permanence_order_type, '')) LIKE '%ADOPT%' AND a.perm_permanence_order_date <= params.as_at THEN a.perm_permanence_order_date END AS "Date of Adoption Order",
       CASE WHEN a.perm_decision_reversed_date <= params.as_at THEN a.perm_decision_reversed_date END AS "Date of Decision that Child Should No Longer be Placed for Adoption",
       CASE WHEN a.perm_decision_reversed_date <= params.as_at OR a.perm_decision_reversed_date IS NULL THEN coalesce(rr.value, a.perm_decision_reversed_reason) END AS "Reason Why Child No Longer Placed for Adoption",
       CASE WHEN a.perm_placed_ffa_cp_date <= params.as_at THEN a.perm_placed_ffa_cp_date END AS "Date the child was placed for fostering in FFA or concurrent planning placement"
FROM permanence a
CROSS JOIN params
LEFT JOIN annex_a_person p ON p.person_id = a.perm_person_id
LEFT JOIN entered e ON e.clae_person_id = a.perm_person_id
LEFT JOIN ref_annex_a_value rr ON rr.domain = 'reversal_reason' AND rr.code = upper(trim(a.perm_decision_reversed_reason))
WHERE a.perm_adm_decision_date <= params.as_at
  AND (a.perm_adm_decision_date >= params.as_at - INTERVAL '12 months'
       OR a.perm_permanence_order_date BETWEEN params.as_at - INTERVAL '12 months' AND params.as_at
       OR a.perm_decision_reversed_date BETWEEN params.as_at - INTERVAL '12 months' AND params.as_at
       OR ((a.perm_permanence_order_date IS NULL OR a.perm_permanence_order_date > params.as_at)
           AND (a.perm_decision_reversed_date IS NULL OR a.perm_decision_reversed_date > params.as_at)))
ORDER BY "Date of Decision that Child Should be Placed for Adoption", "Child Unique ID", a.perm_table_id
