-- title: Children by ethnicity (DfE major groups)
-- lists: {list}
-- for: list_01, list_03, list_05, list_07, list_08, list_09
-- Ofsted's lettered ethnicity (`a) WBRI`) grouped by the first letter of the DfE code: W White,
-- M Mixed, A Asian or Asian British, B Black or Black British; CHNE and OOTH are DfE's "Other
-- ethnic group"; REFU and NOBT are refused or not obtained.
WITH child AS (
    SELECT "Child Unique ID" AS id, max(upper(trim(regexp_replace(coalesce("Ethnicity", ''), '^[a-z]\) ', '')))) AS code
    FROM {list}
    GROUP BY "Child Unique ID"
)
SELECT CASE WHEN code IN ('REFU', 'NOBT') THEN 'Refused or not obtained'
            WHEN code IN ('CHNE', 'OOTH') THEN 'Any other ethnic group'
            WHEN code LIKE 'W%' THEN 'White'
            WHEN code LIKE 'M%' THEN 'Mixed or multiple'
            WHEN code LIKE 'A%' THEN 'Asian or Asian British'
            WHEN code LIKE 'B%' THEN 'Black or Black British'
            ELSE 'Not recorded' END AS row_label,
       0 AS row_order,
       'Children' AS column_label,
       count(*) AS children
FROM child
GROUP BY 1
