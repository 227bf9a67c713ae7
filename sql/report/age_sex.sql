-- title: Children by age band (DfE bands) and sex
-- lists: {list}
-- for: list_01, list_03, list_04, list_05, list_06, list_07, list_08, list_09, list_10
-- One row per child (their latest row in the list). Age is Ofsted's "Age of Child (Years)" at the
-- as-at date; a child with no age (unborn, or no date of birth) is its own band.
WITH child AS (
    SELECT "Child Unique ID" AS id, max("Age of Child (Years)") AS age, max("Gender") AS sex
    FROM {list}
    GROUP BY "Child Unique ID"
)
SELECT CASE WHEN age IS NULL THEN 'Unborn or not recorded'
            WHEN age < 1 THEN 'Under 1'
            WHEN age < 5 THEN '1-4'
            WHEN age < 10 THEN '5-9'
            WHEN age < 16 THEN '10-15'
            ELSE '16+' END AS row_label,
       CASE WHEN age IS NULL THEN 0 WHEN age < 1 THEN 1 WHEN age < 5 THEN 2 WHEN age < 10 THEN 3 WHEN age < 16 THEN 4 ELSE 5 END AS row_order,
       CASE WHEN sex LIKE '%Male' AND sex NOT LIKE '%Female' THEN 'Male'
            WHEN sex LIKE '%Female' THEN 'Female'
            ELSE 'Other or not recorded' END AS column_label,
       count(*) AS children
FROM child
GROUP BY 1, 2, 3
