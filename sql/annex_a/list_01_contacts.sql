-- Annex A list 1: Contacts (standards §1.3). Every contact received in the six months up to the
-- as-at date (contact date >= as_at - 6 months); a contact about several children is one row per
-- child. Columns in Ofsted's order and headers.
SELECT c.cont_person_id AS "Child Unique ID",
       p.gender AS "Gender",
       p.ethnicity AS "Ethnicity",
       p.date_of_birth AS "Date of Birth",
       p.age AS "Age of Child (Years)",
       c.cont_contact_date AS "Date of Contact",
       coalesce(s.value, c.cont_contact_source_code) AS "Contact Source"
FROM contact c
CROSS JOIN params
LEFT JOIN annex_a_person p ON p.person_id = c.cont_person_id
LEFT JOIN ref_annex_a_value s ON s.domain = 'source' AND s.code = c.cont_contact_source_code
WHERE c.cont_contact_date >= params.as_at - INTERVAL '6 months'
  AND c.cont_contact_date <= params.as_at
ORDER BY "Date of Contact", "Child Unique ID", c.cont_contact_id
