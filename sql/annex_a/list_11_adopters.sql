-- Annex A list 11: Adopters (standards §1.3). The SSD holds no adopter records (adopters are out
-- of its scope), so the list is published with Ofsted's columns and no rows; the model stage
-- records an annex_a_not_in_source issue so the gap is visible. Fill it from the adoption
-- agency's own system.
SELECT CAST(NULL AS VARCHAR) AS "Individual adopter identifier",
       CAST(NULL AS VARCHAR) AS "Family identifier",
       CAST(NULL AS VARCHAR) AS "Gender",
       CAST(NULL AS VARCHAR) AS "Ethnicity",
       CAST(NULL AS VARCHAR) AS "Disability",
       CAST(NULL AS VARCHAR) AS "Is the (prospective) adopter fostering for adoption?",
       CAST(NULL AS DATE) AS "Date enquiry received",
       CAST(NULL AS DATE) AS "Date Stage 1 started",
       CAST(NULL AS DATE) AS "Date Stage 1 ended",
       CAST(NULL AS DATE) AS "Date Stage 2 started",
       CAST(NULL AS DATE) AS "Date Stage 2 ended",
       CAST(NULL AS DATE) AS "Date application submitted",
       CAST(NULL AS DATE) AS "Date application approved",
       CAST(NULL AS DATE) AS "Date adopter matched with child(ren)",
       CAST(NULL AS DATE) AS "Date child/children placed with adopter(s)",
       CAST(NULL AS BIGINT) AS "No. of children placed",
       CAST(NULL AS DATE) AS "Date of Adoption Order",
       CAST(NULL AS DATE) AS "Date of leaving adoption process",
       CAST(NULL AS VARCHAR) AS "Reason for leaving adoption process"
WHERE 1 = 0
